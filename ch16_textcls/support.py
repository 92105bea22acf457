"""不在书中: 文件、设备、命令行 · not in the book: files, devices, the command line.

The plumbing this chapter's scripts share, kept out of the book file so that it holds the book.
It imports nothing of the chapter. A function found in several chapters' support files is the
same text in each (tests/test_three_layers.py compares them): a fix is one change, copied.
"""

import argparse
import contextlib
import dataclasses
import math
import os
import sys
import tempfile
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]


class DataError(Exception):
    """Missing or unusable input: one line naming the file and the fix."""


def resolve_data_dir(arg: str | Path | None) -> Path:
    """--data-dir, else $BOOK_DATA_DIR, else the repository's data/."""
    return Path(arg or os.environ.get("BOOK_DATA_DIR") or REPO / "data").expanduser()


def write_atomic(path: Path, write) -> Path:
    """Call write(temporary path) beside `path`, then rename it into place: never a half-written
    file, and the temporary never stays behind. The rename is retried for 2 s, while another
    program (an indexer, an antivirus) holds the fresh file on Windows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    os.close(fd)
    try:
        write(tmp)
        deadline = time.monotonic() + 2.0
        while True:
            try:
                os.replace(tmp, path)
                break
            except PermissionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def save_png(fig, path: Path, dpi: int = 100) -> Path:
    """A matplotlib figure written through write_atomic: never a half-written PNG."""
    return write_atomic(path, lambda tmp: fig.savefig(tmp, dpi=dpi, format="png"))


CJK_FONTS = ["Noto Sans CJK SC", "Source Han Sans SC", "SimHei", "Microsoft YaHei", "PingFang SC"]


def chinese_font() -> str | None:
    """The first installed font that has Chinese glyphs, or None."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def tick_labels(names) -> tuple[list[str], str, str | None]:
    """Class names for the axes, in a font that has their glyphs. Where matplotlib has no
    Chinese font: the class numbers, and the table of which name each number is (the caller
    prints it beside the figure's path; the title says the numbers are the table's)."""
    if all(n.isascii() for n in names):
        return list(names), "sans-serif", None
    font = chinese_font()
    if font:
        return list(names), font, None
    table = ", ".join(f"{k} = {n}" for k, n in enumerate(names))
    return [str(k) for k in range(len(names))], "sans-serif", table


DEVICE_HELP = "auto (CUDA, then Apple MPS, then the CPU), cpu, cuda, cuda:N or mps"


def auto_device() -> str:
    """--device auto: an NVIDIA GPU, else Apple silicon's MPS, else the CPU."""
    if torch.cuda.is_available():
        return "cuda"
    if torch.backends.mps.is_available():
        return "mps"
    return "cpu"


def device_option(text: str) -> str:
    """--device, checked when parsed: 'auto' resolved, an unavailable device refused in one line.
    (An op that MPS lacks stops with its name; PYTORCH_ENABLE_MPS_FALLBACK=1 runs it on the CPU.)"""
    if text == "auto":
        return auto_device()
    try:
        device = torch.device(text)
    except RuntimeError:
        raise argparse.ArgumentTypeError(f"unknown device {text!r}: use {DEVICE_HELP}") from None
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise argparse.ArgumentTypeError(
                "CUDA is not available (a CPU build of torch, or no NVIDIA GPU) — use auto or cpu"
            )
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise argparse.ArgumentTypeError(
                f"no {text}: this machine has {torch.cuda.device_count()} CUDA device(s)"
            )
    elif device.type == "mps" and not torch.backends.mps.is_available():
        raise argparse.ArgumentTypeError("Apple MPS is not available here — use auto or cpu")
    elif device.type not in ("cpu", "cuda", "mps"):
        raise argparse.ArgumentTypeError(f"unsupported device {text!r}: use {DEVICE_HELP}")
    return str(device)


def user_path(text: str) -> Path:
    """A path option with `~` expanded: cmd.exe, PowerShell and quoted arguments leave it as is."""
    return Path(text).expanduser()


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1, else argparse's one-line error."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def non_negative_int(text: str) -> int:
    """argparse type: an integer >= 0."""
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def positive_float(text: str) -> float:
    """argparse type: a finite number > 0 (refuses inf and nan)."""
    value = float(text)
    if not 0 < value < math.inf:  # also refuses nan
        raise argparse.ArgumentTypeError(f"must be a number > 0, got {text}")
    return value


def command_line(argv: list[str] | None) -> list[str]:
    """argv, or the script's own arguments; inside a Jupyter kernel none (sys.argv there is the
    kernel's own `-f kernel.json`)."""
    if argv is not None:
        return list(argv)
    return [] if "ipykernel" in sys.modules else sys.argv[1:]


# options of textcls.py before the modern recipe was split off, and where they went
MOVED_FROM_TEXTCLS_PY = {
    "--recipe": "python ch16_textcls/fast_recipe.py (the modern recipe)",
    "--predict": "python ch16_textcls/fast_recipe.py --predict TEXT",
    "--batch-size": "python ch16_textcls/fast_recipe.py --batch-size N (the book trains on 1)",
}


def refuse_moved_options(argv: list[str], moved: dict[str, str]) -> None:
    """An option that moved to a beyond-the-book script stops the run with one line naming the
    new command (argparse would only say "unrecognized arguments")."""
    for arg in argv:
        option = arg.split("=", 1)[0]
        if option in moved:
            raise SystemExit(f"error: {option} is not the book's: it moved — {moved[option]}")


# ---------------------------------------------------------------- ch16's runs


@contextlib.contextmanager
def torch_threads(threads: int | None):
    """Run a block on `threads` CPU threads (None: torch's choice), then restore the count:
    the one place this chapter sets them."""
    before = torch.get_num_threads()
    torch.set_num_threads(threads or before)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def resolve_device(device: str) -> str:
    return auto_device() if device == "auto" else device


def fraction(text: str) -> float:
    """argparse type: a share between 0 and 1 (both included)."""
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must lie between 0 and 1, got {text}")
    return value


def settings_from(cls, args: argparse.Namespace):
    """The namespace turned into a settings dataclass once, in main(): every option the reader
    gave (not None) replaces the dataclass's default."""
    given = {
        f.name: getattr(args, f.name) for f in dataclasses.fields(cls) if hasattr(args, f.name)
    }
    return cls(**{k: v for k, v in given.items() if v is not None})
