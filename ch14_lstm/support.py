"""不在书中: 文件、设备、命令行 · not in the book: files, devices, the command line.

The plumbing this chapter's scripts share, kept out of the book file so that it holds the book.
It imports nothing of the chapter. A function found in several chapters' support files is the
same text in each (tests/test_three_layers.py compares them): a fix is one change, copied.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


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


def user_path(text: str) -> Path:
    """A path option with `~` expanded: cmd.exe, PowerShell and quoted arguments leave it as is."""
    return Path(text).expanduser()


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1, else argparse's one-line error."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def command_line(argv: list[str] | None) -> list[str]:
    """argv, or the script's own arguments; inside a Jupyter kernel none (sys.argv there is the
    kernel's own `-f kernel.json`)."""
    if argv is not None:
        return list(argv)
    return [] if "ipykernel" in sys.modules else sys.argv[1:]
