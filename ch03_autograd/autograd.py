"""第3章 求导 autograd — §3: y = x + 2, z = 3y², out = mean(z) → 27, x.grad = 4.5.

The gradient is checked three ways: autograd, the closed form, and finite differences.
Then the book's manual weight update, with its sign examined.

Run:  python ch03_autograd/autograd.py
"""

import argparse
import sys

import torch


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


def build_parser() -> argparse.ArgumentParser:
    return argparse.ArgumentParser(description="第3章 求导 autograd (§3)")


def command_line(argv: list[str] | None) -> list[str]:
    """argv, or the script's own arguments; inside a Jupyter kernel none (sys.argv there is the
    kernel's own `-f kernel.json`)."""
    if argv is not None:
        return list(argv)
    return [] if "ipykernel" in sys.modules else sys.argv[1:]


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
    ones = torch.ones(2, 2)
    print(f"解析解 closed form 3(x+2)/2        = {analytic_gradient(ones).tolist()}")
    print(f"数值差分 finite differences (float64) = {finite_difference_gradient(ones).tolist()}")


def print_weight_update() -> None:
    print("== §3 权值更新 weight update: the sign ==")
    down, up = fit_line(sign=-1), fit_line(sign=+1)
    print(f"weight -= lr·grad (书中代码 the book's code):    loss {down[0]:.4f} → {down[-1]:.6f}")
    print(
        f"weight += lr·grad (书中公式 the book's formula): loss {up[0]:.4f} → {up[-1]:.4g}  "
        "(发散 diverges)"
    )


def main(argv=None) -> None:
    build_parser().parse_args(command_line(argv))
    print_gradient()
    print_weight_update()


if __name__ == "__main__":
    main()
