"""第4章 损失函数 — §4.1–4.7 on the book's sample = ones(2, 2), target = [[0, 1], [2, 3]].

Each loss is computed with torch.nn and by its formula, and printed beside the book's value.
Where the book's call no longer runs (BCE) or now means something else (CrossEntropy with a
float target), both the book's reading and the modern, correct usage are shown.

Run:  python ch04_losses/losses.py
"""

import argparse
import math
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

BOOK = {"L1Loss": 1.0, "SmoothL1Loss": 0.625, "MSELoss": 1.5, "BCELoss": -13.8155}

# PyTorch < 0.4 computed BCE with log(x + eps), eps = 1e-12; today log(x) is clamped at -100.
OLD_BCE_EPS = 1e-12
NEW_BCE_LOG_CLAMP = -100.0


def book_sample_target() -> tuple[torch.Tensor, torch.Tensor]:
    sample = torch.ones(2, 2)
    target = torch.tensor([[0.0, 1.0], [2.0, 3.0]])
    return sample, target


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


def build_parser() -> argparse.ArgumentParser:
    return argparse.ArgumentParser(description="第4章 损失函数 loss functions (§4.1–4.7)")


def command_line(argv: list[str] | None) -> list[str]:
    """argv, or the script's own arguments; inside a Jupyter kernel none (sys.argv there is the
    kernel's own `-f kernel.json`)."""
    if argv is not None:
        return list(argv)
    return [] if "ipykernel" in sys.modules else sys.argv[1:]


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


def print_section_4_4() -> None:
    sample, target = book_sample_target()
    show("4.4", "BCELoss", BOOK["BCELoss"], bce_today(sample, target))
    print(
        f"      旧版 log(x + 1e-12) 的公式 formula with the old log(x + 1e-12):   "
        f"{bce_old_pytorch(sample, target):.4f}   ← 书中的数 the book's number"
    )
    print(
        f"      今天 log 截断于 -100 formula with today's log clamp at -100: {bce_new_clamp(sample, target):.4f}"
    )
    p, lg = bce_valid_example()
    print(
        f"      正确用法 valid use: BCELoss(sigmoid(logits), 0/1 labels) = {p:.4f}, "
        f"BCEWithLogitsLoss = {lg:.4f}"
    )

    print()


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


def print_sections_4_6_and_4_7() -> None:
    sample, target = book_sample_target()
    show("4.6", "NLLLoss", "error", nll_book_call(sample, target))
    warned, result = nll2d_book_call(sample, target)
    show("4.7", "NLLLoss2d", "error", f"{result}  (FutureWarning: {warned})")
    loss, by_hand = nll_per_pixel()
    print(
        f"      正确用法 valid use: NLLLoss on (N, C, H, W) log-probabilities and (N, H, W) class "
        f"indices = {loss:.4f}, 手算 by hand {by_hand:.4f}"
    )


def main(argv=None) -> None:
    build_parser().parse_args(command_line(argv))
    print_regression_losses()
    print_section_4_4()
    print_section_4_5()
    print_sections_4_6_and_4_7()


if __name__ == "__main__":
    main()
