"""第4章 损失函数 — §4.1–4.7 on the book's sample = ones(2, 2), target = [[0, 1], [2, 3]].

Each loss is computed with torch.nn and by its formula, and printed beside the book's value.
Where the book's call no longer runs (BCE) or now means something else (CrossEntropy with a
float target), both the book's reading and the modern, correct usage are shown.

Run:  python ch04_losses/losses.py
"""

import argparse
import math
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

try:  # imported as a package module (the tests), else run from this folder
    from . import support
except ImportError:
    import support

DEFAULT_OUT = support.REPO / "outputs" / "ch04"
BOOK = {"L1Loss": 1.0, "SmoothL1Loss": 0.625, "MSELoss": 1.5, "BCELoss": -13.8155}

# PyTorch < 0.4 computed BCE with log(x + eps), eps = 1e-12; today log(x) is clamped at -100.
OLD_BCE_EPS = 1e-12
NEW_BCE_LOG_CLAMP = -100.0


def book_sample_target() -> tuple[torch.Tensor, torch.Tensor]:
    sample = torch.ones(2, 2)
    target = torch.tensor([[0.0, 1.0], [2.0, 3.0]])
    return sample, target


CHINESE_NAMES = {
    "L1Loss": "平均绝对误差",
    "SmoothL1Loss": "平滑 L1",
    "MSELoss": "均方误差",
    "BCELoss": "二分类交叉熵",
    "CrossEntropy": "交叉熵",
    "NLLLoss": "负对数似然",
    "NLLLoss2d": "逐像素负对数似然",
}


def show(section: str, name: str, book, today) -> None:
    title = f"§{section} {name} {CHINESE_NAMES[name]}"
    if isinstance(book, float) and isinstance(today, float):
        mark = "√" if math.isclose(book, today, abs_tol=1e-4) else "× (见勘误 see errata)"
        print(f"{title:<26} 书中 book {book:<9g} 今天 today {today:<9.4f} {mark}")
    else:
        print(f"{title:<26} 书中 book {book}   今天 today {today}")


# ======== §4 引言 the opening figure: w₁, w₂, w₃ approach the true line

# §4's figure: a true line, the lines of three iterations' weights w₁, w₂, w₃, and the gaps
# "1/2/3" between predicted and true Y that the loss measures. Here: Y = 2·X on 8 points, Y = w·X
# fitted by gradient descent on MSELoss with the step that halves the remaining distance.
TRUE_W = 2.0


def three_iterations(w0: float = 0.2, steps: int = 3) -> list[tuple[float, float]]:
    """[(w_n, mean |w_n·X - Y|)] for n = 1..steps: each iteration's line lies nearer the true one."""
    x = torch.linspace(0.25, 2.0, 8)
    y = TRUE_W * x
    lr = 0.25 / (x * x).mean()  # dMSE/dw = 2·mean(x²)·(w - 2): this lr halves w's distance
    w = torch.tensor(w0, requires_grad=True)
    rows = []
    for _ in range(steps):
        nn.MSELoss()(w * x, y).backward()
        with torch.no_grad():
            w -= lr * w.grad
            w.grad = None
            rows.append((w.item(), nn.L1Loss()(w * x, y).item()))
    return rows


def save_iterations_figure(rows, path: Path) -> Path:
    from matplotlib.figure import Figure

    x = torch.linspace(0.0, 2.2, 12)
    fig = Figure(figsize=(6, 4))
    ax = fig.subplots()
    ax.plot(x, TRUE_W * x, "k-", lw=4, label=f"true line Y = {TRUE_W:g}·X")
    for n, (w, gap) in enumerate(rows, start=1):
        ax.plot(x, w * x, "--", label=f"w{n} = {w:.2f}: mean |gap| {gap:.3f}")
    ax.set_title("§4: each iteration's line nearer the true one")
    ax.legend()
    return support.write_atomic(path, lambda tmp: fig.savefig(tmp, dpi=100, format="png"))


def print_section_4_intro(out_dir: Path = DEFAULT_OUT) -> Path:
    print("== §4 引言 w1, w2, w3 逼近真实直线 approach the true line ==")
    rows = three_iterations()
    for n, (w, gap) in enumerate(rows, start=1):
        print(f"§4 w{n} = {w:.4f}  (true {TRUE_W:g})  预测与真实的平均差 mean |gap| {gap:.4f}")
    path = save_iterations_figure(rows, out_dir / "iterations.png")
    print(f"图 figure: {path}\n")
    return path


# ======== §4.1–4.3 L1Loss, SmoothL1Loss, MSELoss


# §4.1 L1Loss: mean |x - y| = (1 + 0 + 1 + 2) / 4 = 1
def l1(sample, target) -> tuple[float, float]:
    by_formula = (sample - target).abs().mean()
    return nn.L1Loss()(sample, target).item(), by_formula.item()


# §4.2 SmoothL1Loss (Huber, beta = 1): 0.5·d² where |d| < 1, else |d| - 0.5
def smooth_l1(sample, target) -> tuple[float, float]:
    d = (sample - target).abs()
    by_formula = torch.where(d < 1, 0.5 * d**2, d - 0.5).mean()
    return nn.SmoothL1Loss()(sample, target).item(), by_formula.item()


# §4.3 MSELoss: mean (x - y)² = (1 + 0 + 1 + 4) / 4 = 1.5
def mse(sample, target) -> tuple[float, float]:
    by_formula = ((sample - target) ** 2).mean()
    return nn.MSELoss()(sample, target).item(), by_formula.item()


def print_regression_losses() -> None:
    sample, target = book_sample_target()
    print(f"sample = {sample.tolist()}   target = {target.tolist()}\n")

    for section, name, fn in (
        ("4.1", "L1Loss", l1),
        ("4.2", "SmoothL1Loss", smooth_l1),
        ("4.3", "MSELoss", mse),
    ):
        today, by_formula = fn(sample, target)
        show(section, name, BOOK[name], today)
        print(f"      按公式 by the formula: {by_formula:.4f}")

    print()


# ======== §4.4 BCELoss


# §4.4 BCELoss: -mean[y·log x + (1-y)·log(1-x)], defined only for targets y in [0, 1].
def bce_today(sample, target) -> str:
    """What today's PyTorch says to the book's call."""
    try:
        return f"{nn.BCELoss()(sample, target).item():.4f}"
    except RuntimeError as err:
        return f"RuntimeError: {err}"


def bce_formula(sample, target, log) -> float:
    return -(target * log(sample) + (1 - target) * log(1 - sample)).mean().item()


def bce_old_pytorch(sample, target) -> float:
    """The book's -13.8155: log(0) was computed as log(0 + 1e-12) = -27.631."""
    return bce_formula(sample, target, lambda p: torch.log(p + OLD_BCE_EPS))


def bce_old_terms(sample, target) -> list[float]:
    """The four terms the book's -13.8155 averages: with sample = 1, t·log(1 + 1e-12) is 0 and
    -(1 - t)·log(1e-12) = 27.631·(1 - t)."""
    terms = -(
        target * torch.log(sample + OLD_BCE_EPS)
        + (1 - target) * torch.log(1 - sample + OLD_BCE_EPS)
    )
    return terms.flatten().tolist()


def bce_new_clamp(sample, target) -> float:
    """The same formula with today's clamp of log at -100 (if the target check were skipped)."""
    return bce_formula(sample, target, lambda p: torch.log(p).clamp(min=NEW_BCE_LOG_CLAMP))


def bce_valid_example() -> tuple[float, float]:
    """Correct usage: probabilities from a sigmoid, targets 0/1; and the safer logits version."""
    logits = torch.tensor([[2.0, -1.0], [0.5, -3.0]])
    labels = torch.tensor([[1.0, 0.0], [1.0, 1.0]])
    prob_loss = nn.BCELoss()(torch.sigmoid(logits), labels).item()
    logit_loss = nn.BCEWithLogitsLoss()(logits, labels).item()
    return prob_loss, logit_loss


def print_section_4_4() -> None:
    sample, target = book_sample_target()
    show("4.4", "BCELoss", BOOK["BCELoss"], bce_today(sample, target))
    print(
        f"      旧版 log(x + 1e-12) 的公式 formula with the old log(x + 1e-12):   "
        f"{bce_old_pytorch(sample, target):.4f}   ← 书中的数 the book's number"
    )
    terms = ", ".join(f"{v + 0.0:.2f}" for v in bce_old_terms(sample, target))
    print(f"      四项 the four terms 27.63·(1 - t): {terms}  → 平均 mean")
    print(
        f"      今天 log 截断于 -100 formula with today's log clamp at -100: {bce_new_clamp(sample, target):.4f}"
    )
    p, lg = bce_valid_example()
    print(
        f"      正确用法 valid use: BCELoss(sigmoid(logits), 0/1 labels) = {p:.4f}, "
        f"BCEWithLogitsLoss = {lg:.4f}"
    )

    print()


# ======== §4.5 CrossEntropyLoss


# §4.5 CrossEntropyLoss. The book got an error; since PyTorch 1.10 a float target of the
# input's shape is read as class *probabilities*, so the same call now returns a number.
def cross_entropy_book_call(sample, target) -> float:
    return nn.CrossEntropyLoss()(sample, target).item()


def cross_entropy_as_probabilities(sample, target) -> float:
    """What that number is: -mean_n Σ_c target[n, c] · log_softmax(sample)[n, c]."""
    return -(target * F.log_softmax(sample, dim=1)).sum(dim=1).mean().item()


def cross_entropy_with_indices() -> tuple[float, float]:
    """Correct usage: logits (N, C) and class indices (N,); equals NLL of log_softmax."""
    logits = torch.tensor([[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]])
    classes = torch.tensor([0, 2])
    ce = nn.CrossEntropyLoss()(logits, classes).item()
    nll = nn.NLLLoss()(F.log_softmax(logits, dim=1), classes).item()
    return ce, nll


def print_section_4_5() -> None:
    sample, target = book_sample_target()
    show("4.5", "CrossEntropy", "error", f"{cross_entropy_book_call(sample, target):.4f}")
    print(
        f"      = 浮点目标被当作类别概率 float target read as class probabilities: "
        f"{cross_entropy_as_probabilities(sample, target):.4f}"
    )
    ce, nll = cross_entropy_with_indices()
    print(
        f"      正确用法: 类别下标 valid use with class indices: CrossEntropyLoss = {ce:.4f} = "
        f"NLLLoss(log_softmax) = {nll:.4f}"
    )

    print()


# ======== §4.6–4.7 NLLLoss, NLLLoss2d


def nll_criterion_as_printed() -> str:
    """§4.6's `criterion = F.nll_loss()`: calls the function with no arguments; the class is
    nn.NLLLoss()."""
    try:
        F.nll_loss()
    except TypeError:
        return "TypeError"
    return "a criterion"


# §4.6 NLLLoss: the book's call passes a 2×2 float target; NLL needs class indices.
def nll_book_call(sample, target) -> str:
    try:
        return f"{F.nll_loss(sample, target).item():.4f}"
    except RuntimeError as err:
        return f"RuntimeError: {err}"


# §4.7 the book's call, run: nn.NLLLoss2d() still exists, warns that it is deprecated, and its
# call on the book's sample and float target raises, as the book found ("报错").
def nll2d_book_call(sample, target) -> tuple[str, str]:
    """(the deprecation warning's first sentence, the error the call ends in)."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        criterion = nn.NLLLoss2d()
        try:
            result = f"{criterion(sample, target).item():.4f}"
        except RuntimeError as err:
            result = f"RuntimeError: {err}"
    warned = next((str(w.message) for w in caught if w.category is FutureWarning), "no warning")
    return warned.split(". ")[0], result


# §4.7 today: NLLLoss takes (N, C, H, W) input and (N, H, W) targets itself.
def nll_per_pixel(seed: int = 0) -> tuple[float, float]:
    gen = torch.Generator().manual_seed(seed)
    log_probs = F.log_softmax(torch.randn(2, 3, 4, 4, generator=gen), dim=1)  # N=2, C=3, 4×4
    labels = torch.randint(0, 3, (2, 4, 4), generator=gen)
    loss = nn.NLLLoss()(log_probs, labels).item()
    by_hand = -log_probs.gather(1, labels.unsqueeze(1)).mean().item()
    return loss, by_hand


def print_sections_4_6_and_4_7() -> None:
    sample, target = book_sample_target()
    print(
        f"§4.6 criterion = F.nll_loss()    书中 book a criterion   今天 today "
        f"{nll_criterion_as_printed()} (the class is nn.NLLLoss())"
    )
    show("4.6", "NLLLoss", "error", nll_book_call(sample, target))
    warned, result = nll2d_book_call(sample, target)
    show("4.7", "NLLLoss2d", "error", f"{result}  (FutureWarning: {warned})")
    loss, by_hand = nll_per_pixel()
    print(
        f"      正确用法 valid use: NLLLoss on (N, C, H, W) log-probabilities and (N, H, W) class "
        f"indices = {loss:.4f}, 手算 by hand {by_hand:.4f}"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="第4章 损失函数 loss functions (§4, §4.1–4.7)",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--out-dir", type=support.user_path, default=DEFAULT_OUT, help="where the PNG goes"
    )
    return parser


def main(argv=None) -> None:
    args = build_parser().parse_args(support.command_line(argv))
    print_section_4_intro(args.out_dir)
    print_regression_losses()
    print_section_4_4()
    print_section_4_5()
    print_sections_4_6_and_4_7()


if __name__ == "__main__":
    main()
