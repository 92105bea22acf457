"""第10章 池化层 — §10.1 max_pool2d, §10.2 avg_pool2d, §10.3 max_pool1d on the book's numbers.

Run:  python ch10_pool/pool.py
"""

import argparse
import ast

import torch
import torch.nn.functional as F

try:  # imported as a package module (the tests), else run from this folder
    from . import support
except ImportError:
    import support


def grid_4x5() -> torch.Tensor:
    return torch.arange(20.0).view(1, 1, 4, 5)  # (batch, channels, H, W)


# ======== §10.1 max_pool2d: the signature and its parameters

# §10.1 the signature as the book prints it
BOOK_MAX_POOL2D = dict(stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False)


def documented_defaults(fn) -> dict:
    """A torch function's keyword defaults. F.max_pool2d is a dispatch wrapper whose
    inspect.signature is (*args, **kwargs); its docstring's first line is the signature."""
    head = fn.__doc__.strip().splitlines()[0].split("->")[0]
    args = ast.parse(f"def {head}: pass").body[0].args
    names = [a.arg for a in args.args][len(args.args) - len(args.defaults) :]
    return {n: ast.literal_eval(d) for n, d in zip(names, args.defaults, strict=True)}


def signature_name(fn) -> str:
    """The name in the first line of the function's own docstring: max_pool2d, as the book calls it."""
    return fn.__doc__.strip().split("(")[0]


def stride_none_is_kernel_size() -> bool:
    """stride=None (the default) means stride = kernel_size: the windows do not overlap."""
    x = grid_4x5()
    return torch.equal(F.max_pool2d(x, 2), F.max_pool2d(x, kernel_size=2, stride=2))


def overlapping_windows() -> torch.Tensor:
    """stride < kernel_size: neighbouring 3×3 windows share two columns (stride 1)."""
    return F.max_pool2d(grid_4x5(), kernel_size=3, stride=1)


def with_indices() -> tuple[torch.Tensor, torch.Tensor]:
    """return_indices=True: (maxima, their flat positions in each H×W plane)."""
    return F.max_pool2d(grid_4x5(), kernel_size=2, return_indices=True)


def unbatched_input() -> torch.Tensor:
    """The book's (channels, H, W) input without a batch dimension: accepted."""
    return F.max_pool2d(grid_4x5()[0], 2)


def print_section_10_1_signature() -> None:
    print(f"x = 0..19 排成 as 4×5:\n{grid_4x5()[0, 0]}\n")
    today = documented_defaults(F.max_pool2d)
    same = {k: today[k] == v for k, v in BOOK_MAX_POOL2D.items()}
    print(
        f"§10.1 F.{signature_name(F.max_pool2d)}(input, kernel_size, "
        + ", ".join(f"{k}={v}" for k, v in today.items())
        + f")  书中 book 相同 same: {all(same.values())}"
    )
    values, indices = with_indices()
    print(
        f"      stride=None 即 means kernel_size: {stride_none_is_kernel_size()}; "
        f"return_indices=True → maxima {values[0, 0].int().tolist()}, "
        f"positions {indices[0, 0].tolist()} (0..19 row by row: the position is the value)"
    )
    print(
        f"      stride 1 < kernel 3: windows overlap → {overlapping_windows()[0, 0].int().tolist()}"
    )
    print(
        f"      三维输入 a (channels, H, W) input as the book says: shape {tuple(unbatched_input().shape)}"
    )


# ======== §10.1–10.3 the book's numbers


# §10.1 max_pool2d, kernel 2, stride 2: the 5th column does not fit a window and is dropped
def max_pool2d_book() -> torch.Tensor:
    return F.max_pool2d(grid_4x5(), kernel_size=2, stride=2)


# §10.2 avg_pool2d: the same windows, averaged ([[0,1],[5,6]] → 3)
def avg_pool2d_book() -> torch.Tensor:
    return F.avg_pool2d(grid_4x5(), kernel_size=2, stride=2)


# §10.3 max_pool1d on 0..15 → 1, 3, …, 15; and on (1, 2, 8): channels stay separate
def max_pool1d_book() -> torch.Tensor:
    return F.max_pool1d(torch.arange(16.0).view(1, 1, 16), kernel_size=2, stride=2)


def max_pool1d_two_channels_book() -> torch.Tensor:
    return F.max_pool1d(torch.arange(16.0).view(1, 2, 8), kernel_size=2, stride=2)


def print_sections_10_1_to_10_3() -> None:
    y = max_pool2d_book()[0, 0]
    print(f"§10.1 max_pool2d 最大池化  书中 book [[6, 8], [16, 18]]  今天 today {y.int().tolist()}")
    print(
        f"§10.2 avg_pool2d 平均池化  今天 today {avg_pool2d_book()[0, 0].tolist()}  "
        "(书中只说同上取平均 book: 'same as max, with the mean')"
    )
    print(
        f"§10.3 max_pool1d 一维最大池化  书中 book 1, 3, …, 15  "
        f"今天 today {max_pool1d_book()[0, 0].int().tolist()}"
    )
    two = max_pool1d_two_channels_book()
    print(
        f"§10.3 两个通道 two channels  shape {tuple(two.shape)} (通道保留 channels kept)  "
        f"今天 today {two[0].int().tolist()}"
    )


# ======== §10.1 ceil_mode and padding: listed by the book, run here


def ceil_mode_and_padding() -> dict[str, torch.Tensor]:
    """What ceil_mode and padding change for the 4×5 grid. The book: padding keeps the data that
    would be dropped ("这样就不会丢弃掉原始数据了"): the last column (4, 9, 14, 19) is pooled."""
    x = grid_4x5()
    return {
        "ceil_mode=True (keeps the last, partial column)": F.max_pool2d(
            x, kernel_size=2, stride=2, ceil_mode=True
        ),
        "padding=1 (pads with -inf for max)": F.max_pool2d(x, kernel_size=2, stride=2, padding=1),
        "avg, padding=1, count_include_pad=True": F.avg_pool2d(
            x, kernel_size=2, stride=2, padding=1, count_include_pad=True
        ),
        "avg, padding=1, count_include_pad=False": F.avg_pool2d(
            x, kernel_size=2, stride=2, padding=1, count_include_pad=False
        ),
    }


def print_ceil_mode_and_padding() -> None:
    print("== ceil_mode / padding 向上取整与填充 ==")
    for name, out in ceil_mode_and_padding().items():
        print(f"{name}: shape {tuple(out.shape[-2:])}\n{out[0, 0]}")


def build_parser() -> argparse.ArgumentParser:
    return argparse.ArgumentParser(description="第10章 池化层 pooling (§10.1–10.3)")


def main(argv=None) -> None:
    build_parser().parse_args(support.command_line(argv))
    print_section_10_1_signature()
    print_sections_10_1_to_10_3()
    print_ceil_mode_and_padding()


if __name__ == "__main__":
    main()
