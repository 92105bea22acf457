"""第5章 优化器 Optim — §5.1–5.6: SGD, RMSprop, Adagrad, Adadelta, Adam, Adamax.

Each update rule is written by hand from its formula and checked, step by step, against
torch.optim on the same problem. Where the book's formula or its (Keras) defaults differ from
PyTorch, the difference is computed, not just described. A PNG compares the six optimizers.

Run:  python ch05_optim/optim.py [--steps 100] [--out-dir outputs/ch05]
"""

import argparse
from pathlib import Path

import torch

try:  # imported as a package module (the tests), else run from this folder
    from . import support
except ImportError:
    import support

DEFAULT_OUT = support.REPO / "outputs" / "ch05"
STEPS = 100  # steps per optimizer, for the torch.optim comparison and the figure


# ======== §5.1–5.6 the six optimizers, written out, against torch.optim


# §5.1 SGD with momentum (PyTorch form): v ← μ·v + g (v₁ = g);  θ ← θ - lr·v
def sgd_step(p, g, state, lr, momentum=0.0):
    if momentum:
        state["v"] = g.clone() if "v" not in state else momentum * state["v"] + g
        g = state["v"]
    p -= lr * g


# §5.2 RMSprop: r ← ρ·r + (1-ρ)·g²;  θ ← θ - lr·g / (√r + δ)
def rmsprop_step(p, g, state, lr, alpha=0.99, eps=1e-8):
    r = state.setdefault("r", torch.zeros_like(p))
    r.mul_(alpha).add_((1 - alpha) * g * g)
    p -= lr * g / (r.sqrt() + eps)


# §5.3 Adagrad: r ← r + g² (the current gradient included);  θ ← θ - lr·g / (√r + δ)
def adagrad_step(p, g, state, lr, eps=1e-10):
    r = state.setdefault("r", torch.zeros_like(p))
    r.add_(g * g)
    p -= lr * g / (r.sqrt() + eps)


# §5.4 Adadelta: E[g²] ← ρE[g²] + (1-ρ)g²;  Δ = √(E[Δ²] + ε)/√(E[g²] + ε)·g;
#               E[Δ²] ← ρE[Δ²] + (1-ρ)Δ²;  θ ← θ - lr·Δ
def adadelta_step(p, g, state, lr=1.0, rho=0.9, eps=1e-6, eps_in_numerator=True):
    eg2 = state.setdefault("eg2", torch.zeros_like(p))
    ed2 = state.setdefault("ed2", torch.zeros_like(p))
    eg2.mul_(rho).add_((1 - rho) * g * g)
    numerator = (ed2 + eps).sqrt() if eps_in_numerator else ed2.sqrt()  # book: no ε on top
    delta = numerator / (eg2 + eps).sqrt() * g
    ed2.mul_(rho).add_((1 - rho) * delta * delta)
    p -= lr * delta


# §5.5 Adam: s ← β₁s + (1-β₁)g;  r ← β₂r + (1-β₂)g⊙g;  ŝ = s/(1-β₁ᵗ);  r̂ = r/(1-β₂ᵗ);
#           θ ← θ - lr·ŝ/(√r̂ + δ)
def adam_step(p, g, state, lr, betas=(0.9, 0.999), eps=1e-8, book_formula=False):
    b1, b2 = betas
    s = state.setdefault("s", torch.zeros_like(p))
    r = state.setdefault("r", torch.zeros_like(p))
    t = state["t"] = state.get("t", 0) + 1
    s.mul_(b1).add_((1 - b1) * g)
    if book_formula:  # the book: r ← ρ₂r + (1-ρ₂)·g⊙s and bias correction 1-ρ without power t
        r.mul_(b2).add_((1 - b2) * g * s)
        s_hat, r_hat = s / (1 - b1), r / (1 - b2)
    else:
        r.mul_(b2).add_((1 - b2) * g * g)
        s_hat, r_hat = s / (1 - b1**t), r / (1 - b2**t)
    p -= lr * s_hat / (r_hat.sqrt() + eps)


# §5.6 Adamax (Adam paper §7): u ← max(β₂u, |g| + δ);  θ ← θ - lr/(1-β₁ᵗ)·s/u
def adamax_step(p, g, state, lr, betas=(0.9, 0.999), eps=1e-8):
    b1, b2 = betas
    s = state.setdefault("s", torch.zeros_like(p))
    u = state.setdefault("u", torch.zeros_like(p))
    t = state["t"] = state.get("t", 0) + 1
    s.mul_(b1).add_((1 - b1) * g)
    torch.maximum(b2 * u, g.abs() + eps, out=u)
    p -= lr / (1 - b1**t) * s / u


# name → (hand-written step, torch.optim class, hyper-parameters used for both)
OPTIMIZERS = {
    "SGD": (sgd_step, torch.optim.SGD, dict(lr=0.01, momentum=0.9)),
    "RMSprop": (rmsprop_step, torch.optim.RMSprop, dict(lr=0.01, alpha=0.99, eps=1e-8)),
    "Adagrad": (adagrad_step, torch.optim.Adagrad, dict(lr=0.1, eps=1e-10)),
    "Adadelta": (adadelta_step, torch.optim.Adadelta, dict(lr=1.0, rho=0.9, eps=1e-6)),
    "Adam": (adam_step, torch.optim.Adam, dict(lr=0.01, betas=(0.9, 0.999), eps=1e-8)),
    "Adamax": (adamax_step, torch.optim.Adamax, dict(lr=0.02, betas=(0.9, 0.999), eps=1e-8)),
}

SECTIONS = {
    "SGD": "5.1",
    "RMSprop": "5.2",
    "Adagrad": "5.3",
    "Adadelta": "5.4",
    "Adam": "5.5",
    "Adamax": "5.6",
}


def least_squares_problem(seed: int = 0):
    """A small ill-conditioned least-squares loss in 5 parameters: L(θ) = mean((Aθ - b)²)."""
    gen = torch.Generator().manual_seed(seed)
    a = torch.randn(40, 5, generator=gen, dtype=torch.float64) * torch.tensor(
        [3.0, 1.0, 0.5, 0.2, 0.1], dtype=torch.float64
    )
    b = torch.randn(40, generator=gen, dtype=torch.float64)
    theta0 = torch.randn(5, generator=gen, dtype=torch.float64)
    return (lambda theta: ((a @ theta - b) ** 2).mean()), theta0


def max_gap_to_torch(step_fn, optim_cls, hyper: dict, steps: int = STEPS, **step_kwargs) -> float:
    """Run `step_fn` and torch.optim side by side; return the largest parameter difference."""
    loss_fn, theta0 = least_squares_problem()
    ours, theirs = theta0.clone(), theta0.clone().requires_grad_(True)
    optimizer = optim_cls([theirs], **hyper)
    state: dict = {}
    worst = 0.0
    for _ in range(steps):
        optimizer.zero_grad()
        loss_fn(theirs).backward()
        optimizer.step()
        step_fn(ours, torch.func.grad(loss_fn)(ours), state, **hyper, **step_kwargs)
        worst = max(worst, (ours - theirs.detach()).abs().max().item())
    return worst


def compare_with_torch(name: str, steps: int = STEPS) -> float:
    step_fn, optim_cls, hyper = OPTIMIZERS[name]
    return max_gap_to_torch(step_fn, optim_cls, hyper, steps)


def print_against_torch(steps: int = STEPS) -> None:
    print(
        "== 手写更新 vs. torch.optim: hand-written update vs. torch.optim "
        f"(float64, max |Δθ| over {steps} steps) =="
    )
    for name in OPTIMIZERS:
        gap = compare_with_torch(name, steps)
        print(
            f"§{SECTIONS[name]} {name:<9} max|ours - torch.optim| = {gap:.2e}  "
            f"{'√' if gap < 1e-10 else '×'}"
        )


# ======== §5.1 SGD's decay


# §5.1 says SGD "supports a learning-rate decay". torch.optim.SGD's decay is weight_decay: an L2
# pull, λ·θ added to the gradient. A learning rate that decays comes from a scheduler.
def sgd_decay_facts(lr: float = 0.1, weight_decay: float = 0.5, gamma: float = 0.5) -> dict:
    import inspect

    names = [k for k in inspect.signature(torch.optim.SGD.__init__).parameters if "decay" in k]
    theta = torch.ones(1, requires_grad=True)
    opt = torch.optim.SGD([theta], lr=lr, weight_decay=weight_decay)
    theta.grad = torch.zeros(1)  # no gradient at all: only the weight decay moves θ
    opt.step()
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)
    schedule = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=gamma)
    lrs = []
    for _ in range(3):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        schedule.step()
    return dict(decay_options=names, theta_after_one_step=theta.item(), lr_per_epoch=lrs)


# §5.1's argument for batches: "若训练集前一半和后一半梯度相同", then "batch 的方法向最优解前进两个 step，而整体的方法
# 只前进一个 step". Run on least squares whose second half repeats the first: one pass in two
# batches takes two steps (it equals two full-batch steps), one full-batch pass takes one.
def batch_vs_full_pass(lr: float = 0.05, seed: int = 0) -> dict[str, float]:
    gen = torch.Generator().manual_seed(seed)
    a_half = torch.randn(20, 5, generator=gen, dtype=torch.float64)
    b_half = torch.randn(20, generator=gen, dtype=torch.float64)
    a, b = torch.cat([a_half, a_half]), torch.cat([b_half, b_half])  # redundant: halves alike
    optimum = torch.linalg.lstsq(a, b.unsqueeze(1)).solution.squeeze(1)

    def loss(theta, rows=slice(None)):
        return ((a[rows] @ theta - b[rows]) ** 2).mean()

    def step(theta, rows=slice(None)):
        return theta - lr * torch.func.grad(loss)(theta, rows)

    start = torch.zeros(5, dtype=torch.float64)
    batches = step(step(start, slice(0, 20)), slice(20, 40))  # one pass, two batches
    full = step(start)  # one pass, the whole set
    two_full = step(step(start))
    return dict(
        start=(start - optimum).norm().item(),
        batches=(batches - optimum).norm().item(),
        full=(full - optimum).norm().item(),
        batches_minus_two_full=(batches - two_full).abs().max().item(),
    )


def print_sgd_decay() -> None:
    facts = sgd_decay_facts()
    print(
        f"§5.1 书中 book 'SGD 支持学习衰减率' (a learning-rate decay)  今天 today SGD's only decay "
        f"option is {facts['decay_options']}: L2, θ 1 → {facts['theta_after_one_step']:.2f} in one "
        f"step with zero gradient (lr 0.1, λ 0.5); a decaying learning rate needs a scheduler: "
        f"ExponentialLR(γ=0.5) gives {facts['lr_per_epoch']}"
    )
    d = batch_vs_full_pass()
    print(
        f"§5.1 书中 book 前一半与后一半梯度相同时, batch 走两步, 整体走一步 (halves alike: batches take two "
        f"steps, the whole set one)  今天 today distance to the optimum {d['start']:.4f} → one pass "
        f"in two batches {d['batches']:.4f}, one full-batch pass {d['full']:.4f}; the two batches "
        f"equal two full-batch steps (max difference {d['batches_minus_two_full']:.1e})"
    )


# ======== §5.2–5.6 the book's defaults (Keras's)


# The book's §5.2–5.6 signatures are Keras's; PyTorch's defaults differ for several of them.
BOOK_DEFAULTS = {
    "RMSprop": dict(lr=0.001, rho=0.9, epsilon=1e-6),
    "Adagrad": dict(lr=0.01, epsilon=1e-6),
    "Adadelta": dict(lr=1.0, rho=0.95, epsilon=1e-6),
    "Adam": dict(lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-8),
    "Adamax": dict(lr=0.002, beta_1=0.9, beta_2=0.999, epsilon=1e-8),
}


def torch_defaults(name: str) -> dict:
    """Read the defaults from torch.optim itself (never from a copied constant)."""
    import inspect

    params = inspect.signature(OPTIMIZERS[name][1].__init__).parameters
    keep = ("lr", "momentum", "alpha", "rho", "betas", "eps")
    return {k: params[k].default for k in keep if k in params}


def print_book_defaults() -> None:
    print("== 书中默认值 (Keras) vs. torch.optim: the book's defaults vs. torch.optim's ==")
    for name, book in BOOK_DEFAULTS.items():
        print(f"§{SECTIONS[name]} {name:<9} 书中 book {book}\n{'':15}torch {torch_defaults(name)}")


# ======== §5.3–5.5 the book's formulas, run as printed


def book_adam_gap(steps: int = STEPS) -> float:
    """Largest parameter difference between the book's Adam formula and torch.optim.Adam."""
    return max_gap_to_torch(adam_step, torch.optim.Adam, dict(lr=0.01), steps, book_formula=True)


ADADELTA_DEMO_STEPS = 50


def book_adadelta_moves(n_steps: int = ADADELTA_DEMO_STEPS) -> float:
    """With the book's Δx = -√E[Δx²]ₜ₋₁/√(E[g²]+ε)·g and E[Δx²]₀ = 0, θ never moves."""
    loss_fn, theta0 = least_squares_problem()
    theta = theta0.clone()
    state: dict = {}
    for _ in range(n_steps):
        adadelta_step(theta, torch.func.grad(loss_fn)(theta), state, eps_in_numerator=False)
    return (theta - theta0).abs().max().item()


def book_epsilon_n(gradients: list[float], n: int, lr: float = 0.01, delta: float = 1e-7) -> float:
    """§5.3's printed rate εₙ = ε / (δ + √Σᵢ₌₁ⁿ⁻¹ gᵢ²): the sum stops one gradient short."""
    return lr / (delta + sum(g * g for g in gradients[: n - 1]) ** 0.5)


def torch_adagrad_steps(gradients: list[float], lr: float = 0.01, eps: float = 1e-7) -> list[float]:
    """The steps torch.optim.Adagrad takes for these gradients (its sum includes the current g)."""
    theta = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adagrad([theta], lr=lr, eps=eps)
    steps = []
    for g in gradients:
        before = theta.item()
        theta.grad = torch.tensor([g], dtype=torch.float64)
        opt.step()
        steps.append(before - theta.item())
    return steps


def book_adagrad_first_step(lr: float = 0.01, delta: float = 1e-7) -> tuple[float, float]:
    """First-step size for g = 0.5: the book's εₙ·g (an empty sum leaves only δ) vs torch's."""
    gradients = [0.5, 0.5, 0.5]
    return book_epsilon_n(gradients, 1, lr, delta) * gradients[0], torch_adagrad_steps(
        gradients, lr, delta
    )[0]


def print_book_formulas(steps: int = STEPS) -> None:
    print("== 运行书中的公式 the book's formulas, run ==")
    print(
        f"§5.5 Adam 书中公式 as printed (r uses g⊙s, no power t): max|Δθ| vs torch.optim.Adam = "
        f"{book_adam_gap(steps):.3g}"
    )
    print(
        f"§5.4 Adadelta 书中公式 as printed (no ε in the numerator): θ moved by "
        f"{book_adadelta_moves():.3g} in {ADADELTA_DEMO_STEPS} steps (参数不动 stuck)"
    )
    b, a = book_adagrad_first_step()
    print(
        f"§5.3 Adagrad 书中 ε_n 求和到 n-1 (summing to n-1): first step {b:.3g} "
        f"vs {a:.3g} with the current g^2"
    )


# ======== §5.3–5.5 the book's claims, measured


def steady_gradient_steps(make_optimizer, at=(1, 10, 100, 1000)) -> dict[int, float]:
    """{t: |Δθ_t|} when the gradient is 1 at every step, for the optimizer make_optimizer(params)."""
    theta = torch.zeros(1, requires_grad=True)
    opt = make_optimizer([theta])
    sizes = {}
    for t in range(1, max(at) + 1):
        before = theta.item()
        theta.grad = torch.ones(1)
        opt.step()
        if t in at:
            sizes[t] = abs(theta.item() - before)
    return sizes


# §5.3 Adagrad: "深度过深时会造成训练提前结束". Its step is lr/√(Σg²): with a steady gradient
# it shrinks as 1/√t, whatever the loss still has to go, so a long training stops moving.
def adagrad_step_sizes(at=(1, 10, 100, 1000), lr: float = 0.01) -> dict[int, float]:
    return steady_gradient_steps(lambda p: torch.optim.Adagrad(p, lr=lr), at)


# §5.4's first fix for Adagrad: Δx_t = -η/√(E[g²]_t + ε)·g_t with E[g²] a decaying average (ρ),
# "从而使得还很长时间之后，参数仍然可以得到更新". Written out here; it is RMSprop (torch's keeps ε
# outside the root, a difference of ε's size).
def intermediate_step_sizes(
    at=(1, 10, 100, 1000), lr: float = 0.01, rho: float = 0.9, eps: float = 1e-8
):
    """{t: |Δx_t|} for a steady gradient 1, by the book's formula and by torch.optim.RMSprop."""
    avg, ours = 0.0, {}
    for t in range(1, max(at) + 1):
        avg = rho * avg + (1 - rho) * 1.0  # E[g²] with g = 1
        if t in at:
            ours[t] = lr / (avg + eps) ** 0.5
    rmsprop = lambda p: torch.optim.RMSprop(p, lr=lr, alpha=rho, eps=eps)  # noqa: E731
    return ours, steady_gradient_steps(rmsprop, at)


# §5.4 says Adadelta makes the learning rate disappear, yet its usage passes lr=1.0: torch's
# Adadelta keeps lr as a factor on the update (1.0 by default, the original algorithm).
def adadelta_step_by_lr(lrs=(1.0, 0.5)) -> dict[float, float]:
    return {
        lr: steady_gradient_steps(lambda p, lr=lr: torch.optim.Adadelta(p, lr=lr), (1,))[1]
        for lr in lrs
    }


# §5.5: Adam's "每一次迭代学习率都有个确定范围": the step stays within lr whatever the gradient's
# scale, where plain SGD's step grows with the gradient.
def largest_step_over_lr(
    optimizer: str, scale: float, lr: float = 0.01, rounds: int = 300
) -> float:
    theta = torch.tensor([5.0], requires_grad=True)
    opt = {"Adam": torch.optim.Adam, "SGD": torch.optim.SGD}[optimizer]([theta], lr=lr)
    worst = 0.0
    for _ in range(rounds if optimizer == "Adam" else 1):
        before = theta.item()
        opt.zero_grad()
        (scale * (theta - 1) ** 2).sum().backward()
        opt.step()
        worst = max(worst, abs(theta.item() - before))
    return worst / lr


def print_book_claims() -> None:
    print("== 书中的说法 the book's claims, measured ==")
    sizes = adagrad_step_sizes()
    print(
        "§5.3 Adagrad 步长 step with a steady gradient (lr 0.01): "
        + ", ".join(f"t={t}: {s:.2e}" for t, s in sizes.items())
        + " — only shrinks (1/√t): a long training stops moving"
    )
    ours, theirs = intermediate_step_sizes()
    print(
        "§5.4 中间一步 the intermediate Δx (decaying E[g^2]) with a steady gradient: "
        + ", ".join(f"t={t}: {s:.2e}" for t, s in ours.items())
        + f" — stays near lr after t = 10 (torch's RMSprop: {theirs[1000]:.2e} at t=1000)"
    )
    by_lr = adadelta_step_by_lr()
    print(
        f"§5.4 Adadelta first step: lr=1.0 → {by_lr[1.0]:.3g}, lr=0.5 → {by_lr[0.5]:.3g}: torch keeps "
        "lr as a factor (the book's usage passes lr=1.0)"
    )
    adam = {s: largest_step_over_lr("Adam", s) for s in (1e-4, 1.0, 1e4)}
    print(
        "§5.5 Adam largest |Δθ| / lr over 300 steps, gradient scale 1e-4 / 1 / 1e4: "
        + " / ".join(f"{v:.4f}" for v in adam.values())
        + f"; SGD's first step at scale 1e4: {largest_step_over_lr('SGD', 1e4):.0f} × lr"
    )


# ======== 书外 beyond the book: trajectories on a valley


# A 2-D valley for the figure: f(x, y) = (x² + 10·y²)/2 plus a gentle tilt, minimum near (0, 0).
def valley(xy: torch.Tensor) -> torch.Tensor:
    x, y = xy[0], xy[1]
    return 0.5 * (x**2 + 10 * y**2) + 0.1 * torch.sin(3 * x) ** 2


def trajectories(steps: int = STEPS, start=(-4.0, 1.5)) -> dict[str, tuple[list, list]]:
    runs = {}
    for name, (_, optim_cls, hyper) in OPTIMIZERS.items():
        hyper = dict(hyper, lr=FIGURE_LR[name])
        xy = torch.tensor(start, requires_grad=True)
        opt = optim_cls([xy], **hyper)
        path, losses = [xy.detach().tolist()], []
        for _ in range(steps):
            opt.zero_grad()
            loss = valley(xy)
            loss.backward()
            opt.step()
            losses.append(loss.item())
            path.append(xy.detach().tolist())
        runs[name] = (path, losses)
    return runs


# learning rates that make each optimizer reach the valley's floor in ~100 steps
FIGURE_LR = {
    "SGD": 0.02,
    "RMSprop": 0.1,
    "Adagrad": 1.0,
    "Adadelta": 20.0,
    "Adam": 0.2,
    "Adamax": 0.3,
}


def save_figure(runs, path: Path) -> Path:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12, 4.5))

    ax1, ax2 = fig.subplots(1, 2)
    xs, ys = torch.meshgrid(
        torch.linspace(-4.5, 4.5, 200), torch.linspace(-2, 2, 200), indexing="xy"
    )
    zs = valley(torch.stack([xs, ys]))
    ax1.contour(xs, ys, zs, levels=30, cmap="Greys", linewidths=0.5)
    for name, (path_xy, losses) in runs.items():
        px, py = zip(*path_xy, strict=True)
        ax1.plot(px, py, ".-", ms=2, lw=1, label=name)
        ax2.semilogy(losses, label=f"{name} (lr={FIGURE_LR[name]})")
    ax1.set_title("trajectories on f(x,y) = (x²+10y²)/2 + 0.1·sin²(3x)")
    ax2.set_title("loss per step")
    ax2.set_xlabel("step")
    ax2.set_ylim(1e-12, None)
    ax1.legend()
    ax2.legend()
    fig.tight_layout()
    return support.write_atomic(path, lambda tmp: fig.savefig(tmp, dpi=110))


def draw_trajectories(steps: int = STEPS, out_dir: Path = DEFAULT_OUT) -> Path:
    path = save_figure(trajectories(steps), out_dir / "optimizers.png")
    print(f"\n图 figure: {path}")
    return path


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="第5章 优化器 optimizers (§5.1–5.6)",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--steps", type=support.positive_int, default=STEPS, help="steps per optimizer"
    )
    parser.add_argument(
        "--out-dir", type=support.user_path, default=DEFAULT_OUT, help="where the PNG goes"
    )
    return parser


def main(argv=None) -> None:
    args = build_parser().parse_args(support.command_line(argv))
    print_against_torch(args.steps)
    print_sgd_decay()
    print_book_defaults()
    print_book_formulas(args.steps)
    print_book_claims()
    draw_trajectories(args.steps, args.out_dir)


if __name__ == "__main__":
    main()
