"""不在书中: 文件、设备、命令行 · not in the book: files, devices, the command line.

The plumbing this chapter's scripts share, kept out of the book file so that it holds the book.
It imports nothing of the chapter. A function found in several chapters' support files is the
same text in each (tests/test_three_layers.py compares them): a fix is one change, copied.
"""

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


def user_path(text: str) -> Path:
    """A path option with `~` expanded: cmd.exe, PowerShell and quoted arguments leave it as is."""
    return Path(text).expanduser()


def command_line(argv: list[str] | None) -> list[str]:
    """argv, or the script's own arguments; inside a Jupyter kernel none (sys.argv there is the
    kernel's own `-f kernel.json`)."""
    if argv is not None:
        return list(argv)
    return [] if "ipykernel" in sys.modules else sys.argv[1:]
