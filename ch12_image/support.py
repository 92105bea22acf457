"""不在书中: 文件、设备、命令行 · not in the book: files, devices, the command line.

The plumbing this chapter's scripts share, kept out of the book file so that it holds the book.
It imports nothing of the chapter. A function found in several chapters' support files is the
same text in each (tests/test_three_layers.py compares them): a fix is one change, copied.
"""

import contextlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]


class DataError(Exception):
    """Missing or unusable input: one line naming the file and the fix."""


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


def user_path(text: str) -> Path:
    """A path option with `~` expanded: cmd.exe, PowerShell and quoted arguments leave it as is."""
    return Path(text).expanduser()


def command_line(argv: list[str] | None) -> list[str]:
    """argv, or the script's own arguments; inside a Jupyter kernel none (sys.argv there is the
    kernel's own `-f kernel.json`)."""
    if argv is not None:
        return list(argv)
    return [] if "ipykernel" in sys.modules else sys.argv[1:]


# ---------------------------------------------------------------- ch12's images and videos


def sample_photo_path() -> Path:
    """matplotlib's sample photo (the book's lena.png is not distributed with it)."""
    from matplotlib import cbook

    return Path(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))


def read_image(path: Path, flags=None) -> np.ndarray:
    """Any path, any OS: the file's bytes through numpy, decoded by OpenCV (colour by default)."""
    import cv2

    try:
        data = np.fromfile(path, dtype=np.uint8)
    except OSError as err:
        raise DataError(
            f"cannot read image {path}: {err.strerror or err} — check the path"
        ) from None
    image = cv2.imdecode(data, cv2.IMREAD_COLOR if flags is None else flags) if data.size else None
    if image is None:
        raise DataError(f"cannot read image {path} — not an image OpenCV can decode (PNG/JPEG/…)")
    return image


def write_image(path: Path, image: np.ndarray) -> Path:
    """cv2.imencode + ndarray.tofile (any path, any OS), checked, via a temporary name."""
    import cv2

    ok, data = cv2.imencode(path.suffix or ".png", image)
    if not ok:
        raise DataError(f"cannot encode {path.name} as {path.suffix or '.png'}")
    try:
        return write_atomic(path, data.tofile)
    except OSError as err:
        raise DataError(f"cannot write {path}: {err.strerror or err} — check --out-dir") from None


@contextlib.contextmanager
def opencv_name(path: Path):
    """A name OpenCV can open for `path` on any OS: the path itself when it is ASCII; else its
    ASCII file name with its folder as the working directory; else (a non-ASCII file name) a
    link or copy under an ASCII name in a temporary folder. The working directory is restored."""
    if str(path).isascii():
        yield str(path)
        return
    folder, name, scratch = path.parent, path.name, None
    if not name.isascii():
        scratch = Path(tempfile.mkdtemp(prefix="cv-"))
        name = "input" + "".join(path.suffixes).encode("ascii", "ignore").decode()
        try:
            os.link(path, scratch / name)
        except OSError:
            shutil.copyfile(path, scratch / name)
        folder = scratch
    here = os.getcwd()
    os.chdir(folder)
    try:
        yield name
    finally:
        os.chdir(here)
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def open_video(path: Path):
    import cv2

    if not path.is_file():
        raise DataError(f"no video at {path} — check the path")
    with opencv_name(path) as name:
        cap = cv2.VideoCapture(name)  # opens the file here; reading needs no path
    if not cap.isOpened():
        raise DataError(f"cannot open video {path} — not a format this OpenCV build decodes")
    return cap


def save_side_by_side(
    path: Path, title: str, panels: list[tuple[str, np.ndarray]], cmap="gray"
) -> Path:
    import cv2
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4 * len(panels), 3.6))

    axes = fig.subplots(1, len(panels))
    for ax, (name, img) in zip(np.atleast_1d(axes), panels, strict=True):
        if img.ndim == 3:
            ax.imshow(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))
        else:
            ax.imshow(img, cmap=cmap, interpolation="nearest")
        ax.set_title(name, fontsize=9)
        ax.set_axis_off()
    fig.suptitle(title)
    fig.tight_layout()
    return save_png(fig, path, dpi=90)
