"""不在书中: 文件、设备、命令行 · not in the book: files, devices, the command line.

The plumbing this chapter's scripts share, kept out of the book file so that it holds the book.
It imports nothing of the chapter. A function found in several chapters' support files is the
same text in each (tests/test_three_layers.py compares them): a fix is one change, copied.
"""

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def command_line(argv: list[str] | None) -> list[str]:
    """argv, or the script's own arguments; inside a Jupyter kernel none (sys.argv there is the
    kernel's own `-f kernel.json`)."""
    if argv is not None:
        return list(argv)
    return [] if "ipykernel" in sys.modules else sys.argv[1:]
