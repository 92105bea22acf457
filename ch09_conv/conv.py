"""第9章 卷积层 — §9.1 conv2d and §9.2 conv1d on the book's numbers, each also summed by hand.

Run:  python ch09_conv/conv.py
"""

import argparse
import ast

import torch
import torch.nn.functional as F

try:  # imported as a package module (the tests), else run from this folder
    from . import support
except ImportError:
    import support

# ======== §9.1 / §9.2 函数定义 the signatures

# §9.1 / §9.2 the signature as the book prints it: stride=1, padding=0, dilation=1; bias
# optional; groups listed without a default
BOOK_CONV_DEFAULTS = dict(bias=None, stride=1, padding=0, dilation=1)


def documented_defaults(fn) -> dict:
    """A torch function's keyword defaults. F.conv2d is a C++ builtin with no Python signature
    (inspect.signature fails); its docstring's first line is the signature, parsed as Python."""
    head = fn.__doc__.strip().splitlines()[0].split("->")[0]
    args = ast.parse(f"def {head}: pass").body[0].args
    names = [a.arg for a in args.args][len(args.args) - len(args.defaults) :]
    return {n: ast.literal_eval(d) for n, d in zip(names, args.defaults, strict=True)}


def defaults_are_what_runs(seed: int = 0) -> bool:
    """conv2d and conv1d called without the options equal the calls that spell the defaults."""
    torch.manual_seed(seed)
    x2, w2, x1, w1 = (
        torch.randn(1, 2, 6, 6),
        torch.randn(3, 2, 3, 3),
        torch.randn(1, 2, 9),
        torch.randn(3, 2, 3),
    )
    spelled = dict(bias=None, stride=1, padding=0, dilation=1, groups=1)
    return torch.equal(F.conv2d(x2, w2), F.conv2d(x2, w2, **spelled)) and torch.equal(
        F.conv1d(x1, w1), F.conv1d(x1, w1, **spelled)
    )


def print_signatures() -> None:
    for fn in (F.conv2d, F.conv1d):
        today = documented_defaults(fn)
        same = all(today[k] == v for k, v in BOOK_CONV_DEFAULTS.items())
        shown = ", ".join(f"{k}={v}" for k, v in today.items())
        print(
            f"§9 F.{fn.__name__}(input, weight, {shown})  书中 book "
            + ", ".join(f"{k}={v}" for k, v in BOOK_CONV_DEFAULTS.items())
            + f" {'√' if same else '×'}; groups={today['groups']} (书中未给默认值 no default in the book)"
        )
    print(
        f"   不写这些参数 = 写出默认值 leaving them out = spelling the defaults: {defaults_are_what_runs()}"
    )


def print_sections_9_1_9_2_signatures() -> None:
    print("== §9.1 / §9.2 函数定义 signatures and defaults ==")
    print_signatures()


# ======== §9.1 Conv2d


# §9.1 conv2d: ones(4, 4) with the kernel [[.1, .2], [.3, .4]] → 3×3 of 1.0
def conv2d_book() -> torch.Tensor:
    x = torch.ones(1, 1, 4, 4)  # (batch, channels, H, W)
    w = torch.tensor([[0.1, 0.2], [0.3, 0.4]]).view(1, 1, 2, 2)  # (out_ch, in_ch, kH, kW)
    return F.conv2d(x, w, padding=0)


def conv2d_by_hand(x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """Explicit sums: out[i, j] = Σₐ Σ_b x[i+a, j+b]·w[a, b] (no flip: it is cross-correlation)."""
    kh, kw = w.shape
    out = torch.zeros(x.shape[0] - kh + 1, x.shape[1] - kw + 1)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = sum(x[i + a, j + b] * w[a, b] for a in range(kh) for b in range(kw))
    return out


# §9.1 groups: "通常不用管这个参数，没有太大意义". The weight's shape is (out_channels,
# in_channels/groups, kH, kW): each group of input channels has its own filters, so groups=2 is
# two convolutions side by side (and groups=in_channels the depthwise convolution of MobileNet).
def groups_facts(seed: int = 0) -> dict:
    torch.manual_seed(seed)
    layer = torch.nn.Conv2d(4, 6, kernel_size=3, groups=2, bias=False)
    x = torch.randn(1, 4, 5, 5)
    halves = [F.conv2d(x[:, 2 * g : 2 * g + 2], layer.weight[3 * g : 3 * g + 3]) for g in range(2)]
    return dict(
        weight_shape=tuple(layer.weight.shape),
        is_two_convolutions=torch.allclose(layer(x), torch.cat(halves, dim=1), atol=1e-6),
        parameters=layer.weight.numel(),
        parameters_groups_1=torch.nn.Conv2d(4, 6, 3, bias=False).weight.numel(),
    )


# §9.1 padding: the book says it makes the input "卷积核大小的整数倍". It adds `padding` zeros on
# both sides of each dimension; the output size follows the formula, multiple or not.
def padding_facts() -> dict:
    x, w = torch.ones(1, 1, 5, 5), torch.ones(1, 1, 2, 2)
    return {p: tuple(F.conv2d(x, w, padding=p).shape[-2:]) for p in (0, 1, 2)}


def print_section_9_1() -> None:
    print("== §9.1 Conv2d 二维卷积 ==")
    y = conv2d_book()
    print(f"F.conv2d(ones(4,4), [[.1,.2],[.3,.4]]) =\n{y[0, 0]}")
    by_hand = conv2d_by_hand(torch.ones(4, 4), torch.tensor([[0.1, 0.2], [0.3, 0.4]]))
    print(
        f"§9.1 每个元素 every element  书中 book 1.0  今天 today {y.unique().tolist()}  "
        f"手算 by hand {by_hand.unique().tolist()}"
    )


def print_groups_and_padding() -> None:
    g = groups_facts()
    print(
        f"§9.1 groups=2: Conv2d(4, 6, 3).weight {g['weight_shape']} = (out, in/groups, kH, kW); "
        f"= two convolutions side by side: {g['is_two_convolutions']}; "
        f"{g['parameters']} weights instead of {g['parameters_groups_1']}"
    )
    sizes = padding_facts()
    print(
        "§9.1 padding on a 5×5 input, 2×2 kernel: "
        + ", ".join(f"padding={p} → {h}×{w}" for p, (h, w) in sizes.items())
        + " (zeros on both sides: padded to 7×7 and 9×9, no multiples of the kernel's 2)"
    )


# ======== §9.2 Conv1d


# §9.2 conv1d: 0..15 with the kernel [.1, .2, .3] → 0.8, 1.4, … (14 values)
def conv1d_book() -> torch.Tensor:
    x = torch.arange(16.0).view(1, 1, 16)
    w = torch.tensor([0.1, 0.2, 0.3]).view(1, 1, 3)
    return F.conv1d(x, w, padding=0)


# §9.2 two channels: 0..15 viewed as (1, 2, 8), kernel [[.1, .2, .3], [1, 1, 1]] → 27.8, 31.4, …
def conv1d_two_channels_book() -> torch.Tensor:
    x = torch.arange(16.0).view(1, 2, 8)
    w = torch.tensor([0.1, 0.2, 0.3, 1.0, 1.0, 1.0]).view(1, 2, 3)
    return F.conv1d(x, w, padding=0)


def conv1d_by_hand(x: torch.Tensor, w: torch.Tensor) -> list[float]:
    """x: (C, L), w: (C, K). Each output sums over every channel and every kernel tap."""
    channels, length = x.shape
    k = w.shape[1]
    return [
        sum(float(x[c, i + t] * w[c, t]) for c in range(channels) for t in range(k))
        for i in range(length - k + 1)
    ]


def print_section_9_2() -> None:
    print("== §9.2 Conv1d 一维卷积 ==")
    y = conv1d_book()[0, 0].tolist()
    by_hand = conv1d_by_hand(torch.arange(16.0).view(1, 16), torch.tensor([[0.1, 0.2, 0.3]]))
    print(
        f"§9.2 前两个 first two  书中 book 0.8, 1.4  今天 today {y[0]:.1f}, {y[1]:.1f}   "
        f"({len(y)} 个值 values; 书中 book 14)"
    )
    print(f"     全部 all: {[round(v, 2) for v in y]}")
    print(f"     手算 by hand: {[round(v, 2) for v in by_hand]}")

    y2 = conv1d_two_channels_book()[0, 0].tolist()
    by_hand2 = conv1d_by_hand(
        torch.arange(16.0).view(2, 8), torch.tensor([[0.1, 0.2, 0.3], [1.0, 1.0, 1.0]])
    )
    print(f"§9.2 两个通道 two channels  书中 book 27.8, 31.4  今天 today {y2[0]:.1f}, {y2[1]:.1f}")
    print(
        f"     全部 all: {[round(v, 2) for v in y2]}   手算 by hand: {[round(v, 2) for v in by_hand2]}"
    )
    print("     27.8 = (0·.1 + 1·.2 + 2·.3) + (8 + 9 + 10)")


# ======== 书外 beyond the book: the output size


def output_size(n: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    """⌊(n + 2·padding - dilation·(kernel-1) - 1) / stride⌋ + 1 (PyTorch's Conv docs)."""
    return (n + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def output_size_table(n: int = 16, kernel: int = 3) -> list[tuple[int, int, int, int, int]]:
    """(stride, padding, dilation, formula, what conv1d really returns) for a few settings."""
    rows = []
    x, w = torch.zeros(1, 1, n), torch.zeros(1, 1, kernel)
    for stride, padding, dilation in ((1, 0, 1), (1, 1, 1), (2, 0, 1), (2, 1, 1), (1, 0, 2)):
        real = F.conv1d(x, w, stride=stride, padding=padding, dilation=dilation).shape[-1]
        rows.append(
            (stride, padding, dilation, output_size(n, kernel, stride, padding, dilation), real)
        )
    return rows


def print_output_sizes() -> None:
    print("== 输出长度 output size floor((n + 2p - d(k-1) - 1)/s) + 1, n=16, k=3 ==")
    print("stride padding dilation  公式 formula  conv1d")
    for s, p, d, formula, real in output_size_table():
        print(f"{s:>6} {p:>7} {d:>8}  {formula:>12}  {real:>6}")


def build_parser() -> argparse.ArgumentParser:
    return argparse.ArgumentParser(description="第9章 卷积层 convolution (§9.1, §9.2)")


def main(argv=None) -> None:
    build_parser().parse_args(support.command_line(argv))
    print_sections_9_1_9_2_signatures()
    print_section_9_1()
    print_groups_and_padding()
    print_section_9_2()
    print_output_sizes()


if __name__ == "__main__":
    main()
