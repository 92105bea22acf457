"""第3章 求导 autograd — §3: y = x + 2, z = 3y², out = mean(z) → 27, x.grad = 4.5.

The gradient is checked three ways: autograd, the closed form, and finite differences.
Then the book's manual weight update, with its sign examined.

Run:  python ch03_autograd/autograd.py
"""

import argparse

import torch

try:  # imported as a package module (the tests), else run from this folder
    from . import support
except ImportError:
    import support


# ======== §3 求导 the gradient: y = x + 2, z = 3y², out = mean(z)


# §3 the book's graph on x = ones(2, 2)
def forward(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    y = x + 2
    z = y * y * 3
    out = z.mean()
    return y, z, out


def autograd_gradient() -> tuple[float, torch.Tensor]:
    x = torch.ones(2, 2, requires_grad=True)
    _, _, out = forward(x)
    out.backward()
    return out.item(), x.grad


def z_gradient() -> torch.Tensor:
    """dz/dx, element by element (each z depends on its own x only): 6(x+2) = 18 at x = 1."""
    x = torch.ones(2, 2, requires_grad=True)
    _, z, _ = forward(x)
    (grad,) = torch.autograd.grad(z.sum(), x)
    return grad


# out = (1/4)·Σ 3(x+2)²  ⇒  ∂out/∂x = 6(x+2)/4 = 3(x+2)/2 = 4.5 at x = 1.
# (The book calls 3(x+2)/2 "the derivative of z"; it is the derivative of out — dz/dx = 6(x+2) = 18.)
def analytic_gradient(x: torch.Tensor) -> torch.Tensor:
    return 3 * (x + 2) / 2


def finite_difference_gradient(x: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """Central differences in float64, one element at a time."""
    x = x.detach().double()
    grad = torch.zeros_like(x)
    for i in range(x.numel()):
        step = torch.zeros_like(x).view(-1)
        step[i] = eps
        step = step.view_as(x)
        grad.view(-1)[i] = (forward(x + step)[2] - forward(x - step)[2]) / (2 * eps)
    return grad


def velocity_and_acceleration(t: float = 3.0) -> tuple[float, float]:
    """§3 calls the derivative "变化率，也就是加速度": for a position s(t) = t², autograd's first
    derivative is the velocity 2t, and only the second (create_graph=True) the acceleration 2."""
    t = torch.tensor(t, requires_grad=True)
    (ds,) = torch.autograd.grad(t**2, t, create_graph=True)
    (d2s,) = torch.autograd.grad(ds, t)
    return ds.item(), d2s.item()


def print_gradient() -> None:
    print("== §3 求导 y = x + 2, z = 3y^2, out = mean(z) ==")
    x = torch.ones(2, 2, requires_grad=True)
    y, z, out = forward(x)
    print(f"y =\n{y}\nz =\n{z}")
    print(
        f"§3 out        书中 book 27   今天 today {out.item():g}   {'√' if out.item() == 27 else '×'}"
    )
    out.backward()
    print(
        f"§3 x.grad     书中 book 4.5  今天 today {x.grad.tolist()}   "
        f"{'√' if torch.allclose(x.grad, torch.full((2, 2), 4.5)) else '×'}"
    )
    dz = z_gradient()
    print(
        f"§3 dz/dx      书中 book 3(x+2)/2 = 4.5  今天 today {dz.tolist()}   "
        "(勘误 erratum: 4.5 is d(out)/dx; dz/dx = 6(x+2))"
    )
    ones = torch.ones(2, 2)
    print(f"解析解 closed form 3(x+2)/2        = {analytic_gradient(ones).tolist()}")
    print(f"数值差分 finite differences (float64) = {finite_difference_gradient(ones).tolist()}")
    v, a = velocity_and_acceleration()
    print(
        f"§3 导数是变化率 the derivative is a rate: s = t^2, t = 3: ds/dt = {v:g} (速度 velocity), "
        f"d2s/dt2 = {a:g} (加速度 acceleration; 书中 book: 导数 = 加速度, erratum)"
    )


# ======== §3 权值更新 the weight update: the sign


# §3 weight update. The book writes `weight = weight + lr * gradient` but its code calls
# `f.data.sub_(f.grad.data * lr)`: the code is right, the formula's sign is wrong.
def fit_line(sign: int, steps: int = 50, lr: float = 0.1, seed: int = 0) -> list[float]:
    """Fit y = 2x with one Linear(1, 1) and a hand-written update `p += sign * lr * grad`.

    sign=-1 is gradient descent (the code); sign=+1 is the book's formula (gradient ascent).
    Returns the loss after every step.
    """
    torch.manual_seed(seed)
    model = torch.nn.Linear(1, 1)
    x = torch.linspace(-1, 1, 20).unsqueeze(1)
    y = 2 * x
    losses = []
    for _ in range(steps):
        loss = torch.nn.functional.mse_loss(model(x), y)
        model.zero_grad()
        loss.backward()
        with torch.no_grad():  # modern replacement for touching .data
            for p in model.parameters():
                p.add_(p.grad, alpha=sign * lr)
        losses.append(loss.item())
    return losses


def print_weight_update() -> None:
    print("== §3 权值更新 weight update: the sign ==")
    down, up = fit_line(sign=-1), fit_line(sign=+1)
    print(f"weight -= lr·grad (书中代码 the book's code):    loss {down[0]:.4f} → {down[-1]:.6f}")
    print(
        f"weight += lr·grad (书中公式 the book's formula): loss {up[0]:.4f} → {up[-1]:.4g}  "
        "(发散 diverges)"
    )


# ======== §3 学习率 the learning rate: faster, less precise


# §3: "lr 越大表示学习的速度越快，相应的精度就会降低". On the noisy line y = 2x + noise with
# minibatches of 4 (stochastic gradients, as in training), a larger step gets near faster and
# then jitters further from the answer: the floor it settles on rises with lr.
LR_TABLE = (0.02, 0.1, 0.5, 0.9)


def fit_line_minibatch(lr: float, steps: int = 400, seed: int = 0) -> tuple[int | None, float]:
    """(first step whose full-data loss is below 0.02, distance of (w, b) from (2, 0) at the end)."""
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed + 1)
    x = torch.linspace(-1, 1, 200).unsqueeze(1)
    y = 2 * x + 0.1 * torch.randn(200, 1, generator=gen)
    model = torch.nn.Linear(1, 1)
    reached = None
    for step in range(steps):
        batch = torch.randint(0, 200, (4,), generator=gen)
        loss = torch.nn.functional.mse_loss(model(x[batch]), y[batch])
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for p in model.parameters():
                p.add_(p.grad, alpha=-lr)
            if reached is None and torch.nn.functional.mse_loss(model(x), y).item() < 0.02:
                reached = step + 1
    error = ((model.weight.item() - 2) ** 2 + model.bias.item() ** 2) ** 0.5
    return reached, error


def print_learning_rates() -> None:
    print("== §3 学习率 learning rate: faster, less precise (y = 2x + noise, batches of 4) ==")
    for lr in LR_TABLE:
        reached, error = fit_line_minibatch(lr)
        print(
            f"lr {lr:<4}  loss < 0.02 after {reached} steps   |(w, b) - (2, 0)| at step 400: {error:.3f}"
        )


def build_parser() -> argparse.ArgumentParser:
    return argparse.ArgumentParser(description="第3章 求导 autograd (§3)")


def main(argv=None) -> None:
    build_parser().parse_args(support.command_line(argv))
    print_gradient()
    print_weight_update()
    print_learning_rates()


if __name__ == "__main__":
    main()
