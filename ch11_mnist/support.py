"""不在书中: 文件、设备、命令行 · not in the book: files, devices, the command line.

The plumbing this chapter's scripts share, kept out of the book file so that it holds the book.
It imports nothing of the chapter. A function found in several chapters' support files is the
same text in each (tests/test_three_layers.py compares them): a fix is one change, copied.
"""

import argparse
import gzip
import math
import os
import struct
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
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


def load_state(path: Path, map_location="cpu", train_hint: str = "train again") -> dict:
    """torch.load(weights_only=True) of a file this chapter saved, every failure one line."""
    if not path.is_file():
        raise DataError(f"no checkpoint at {path} — {train_hint}")
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except (RuntimeError, EOFError, zipfile.BadZipFile, ValueError, OSError) as err:
        raise DataError(
            f"checkpoint {path} is damaged or not a checkpoint "
            f"({type(err).__name__}) — delete it and {train_hint}"
        ) from None
    except Exception as err:  # pickle.UnpicklingError and friends from a foreign file
        raise DataError(
            f"checkpoint {path} cannot be loaded safely ({type(err).__name__}) — "
            f"delete it and {train_hint}"
        ) from None
    if not isinstance(state, dict):
        raise DataError(f"{path} is not a checkpoint of this chapter — delete it and {train_hint}")
    return state


def decode_image(path: Path) -> np.ndarray:
    """An image file's pixels as stored (colour, alpha, 16 bits). The bytes go through numpy
    (np.fromfile + imdecode): cv2.imread cannot open a path with Chinese characters on Windows
    (opencv-python#211)."""
    import cv2

    try:
        data = np.fromfile(path, dtype=np.uint8)
    except OSError as err:
        raise DataError(
            f"cannot read image {path}: {err.strerror or err} — check the path"
        ) from None
    image = cv2.imdecode(data, cv2.IMREAD_UNCHANGED) if data.size else None
    if image is None:  # OpenCV returns None silently for bytes it cannot decode
        raise DataError(f"cannot read image {path} — it is not a PNG/JPEG/BMP image")
    return image


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


# ---------------------------------------------------------------- where ch11's data lies

FETCH_HINT = "run: python data/fetch.py mnist"
FILES = {
    kind: (f"{kind}-images-idx3-ubyte.gz", f"{kind}-labels-idx1-ubyte.gz")
    for kind in ("train", "t10k")
}


def find_mnist(data_dir: Path) -> tuple[Path, bool]:
    """(folder, is_sample): the full files if all four are there, else the committed sample."""
    full = data_dir / "mnist"
    if all((full / name).is_file() for pair in FILES.values() for name in pair):
        return full, False
    sample = data_dir / "samples" / "mnist"
    if all((sample / name).is_file() for pair in FILES.values() for name in pair):
        return sample, True
    raise DataError(
        f"MNIST not found in {full} (nor the sample in {sample}) — {FETCH_HINT}, "
        "or point --data-dir / BOOK_DATA_DIR at a data folder"
    )


KERAS_NPZ_HINT = (
    'get it with: python -c "import keras; keras.datasets.mnist.load_data()" '
    "(with KERAS_BACKEND=torch; 11 MB into ~/.keras/datasets/)"
)


def keras_npz_path() -> Path:
    """Where Keras keeps mnist.npz: $KERAS_HOME/datasets, else ~/.keras/datasets."""
    home = Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras").expanduser()
    return home / "datasets" / "mnist.npz"


def find_npz(data_dir: Path) -> Path | None:
    return next(
        (p for p in (data_dir / "mnist" / "mnist.npz", keras_npz_path()) if p.is_file()), None
    )


def read_bytes(path: Path) -> bytes:
    """A data file's bytes, a .gz unzipped; missing or damaged: one line naming the fetch."""
    try:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        raise DataError(f"{path} is missing — {FETCH_HINT}") from None
    except (OSError, EOFError) as err:
        raise DataError(f"{path} is not readable ({err}) — {FETCH_HINT} --force") from None


def check_idx(raw: bytes, magic: int, path: Path) -> None:
    """An IDX file's magic number (2049 labels, 2051 images), 28×28 and length, else one line."""
    header = 4 * (2 if magic == 2049 else 4)
    if len(raw) < header or struct.unpack(">I", raw[:4])[0] != magic:
        found = struct.unpack(">I", raw[:4])[0] if len(raw) >= 4 else None
        raise DataError(
            f"{path}: magic number {found}, expected {magic} — wrong or damaged file; "
            f"{FETCH_HINT} --force"
        )
    count, *shape = struct.unpack(f">{header // 4 - 1}I", raw[4:header])
    if shape and shape != [28, 28]:
        raise DataError(f"{path}: images are {shape[0]}×{shape[1]}, expected 28×28")
    if len(raw) - header != count * math.prod(shape):
        raise DataError(
            f"{path}: {len(raw) - header} data bytes, header says {count * math.prod(shape)} — "
            f"truncated file; {FETCH_HINT} --force"
        )


def read_npz(path: Path, layouts: dict[str, tuple[str, ...]]) -> tuple[list[str], list]:
    """(the file's keys, its four arrays) in the first layout whose keys it has; a file that is
    no .npz, or has none of the layouts, is one line naming where Keras's file comes from."""
    try:
        with np.load(path, allow_pickle=False) as f:
            keys = list(f.keys())
            need = next((k for k in layouts.values() if set(k) <= set(keys)), None)
            if need is None:
                expected = " or ".join(f"{', '.join(k)} ({name})" for name, k in layouts.items())
                raise DataError(f"{path}: keys {keys}, expected {expected} — {KERAS_NPZ_HINT}")
            return keys, [f[k] for k in need]
    except (OSError, ValueError, zipfile.BadZipFile) as err:
        raise DataError(
            f"{path} is not a readable .npz file ({type(err).__name__}) — {KERAS_NPZ_HINT}"
        ) from None


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


# options of mnist.py before the beyond-the-book scripts were split off, and where they went
MOVED_FROM_MNIST_PY = {
    "--recipe": "python ch11_mnist/fast_recipe.py --recipe fast|sprint",
    "--image-folder": "python ch11_mnist/own_data.py --image-folder DIR",
    "--test-share": "python ch11_mnist/own_data.py --image-folder DIR --test-share 0.2",
    "--predict": "python ch11_mnist/own_data.py --predict IMAGE_OR_FOLDER",
    "--predict-out": "python ch11_mnist/own_data.py --predict DIR --predict-out FILE.csv",
}


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


class progress:
    """A tqdm bar on a terminal (and in a notebook), nothing in logs and tests."""

    def __init__(self, total, desc, unit="img"):
        self.bar = None
        if sys.stderr.isatty() or "ipykernel" in sys.modules:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, desc=desc, unit=unit, leave=False)

    def __enter__(self):
        return self.bar

    def __exit__(self, *exc):
        if self.bar:
            self.bar.close()


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


def share(text: str) -> float:
    """argparse type: a share strictly between 0 and 1."""
    value = float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must lie between 0 and 1, got {text}")
    return value


def command_line(argv: list[str] | None) -> list[str]:
    """argv, or the script's own arguments; inside a Jupyter kernel none (sys.argv there is the
    kernel's own `-f kernel.json`)."""
    if argv is not None:
        return list(argv)
    return [] if "ipykernel" in sys.modules else sys.argv[1:]


def refuse_moved_options(argv: list[str], moved: dict[str, str]) -> None:
    """An option that moved to a beyond-the-book script stops the run with one line naming the
    new command (argparse would only say "unrecognized arguments")."""
    for arg in argv:
        option = arg.split("=", 1)[0]
        if option in moved:
            raise SystemExit(f"error: {option} is not the book's: it moved — {moved[option]}")


def add_run_options(p: argparse.ArgumentParser, checkpoint_help: str) -> None:
    """The options of a training run that mnist.py and fast_recipe.py share (ch11 only)."""
    add = p.add_argument
    add("--device", type=device_option, default="auto", help=DEVICE_HELP)
    add("--threads", type=positive_int, default=None, help="CPU threads (default: torch's)")
    add("--checkpoint", type=user_path, help=checkpoint_help)
    add(
        "--save-model",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="a checkpoint after every epoch (default: yes)",
    )
    add("--resume", action="store_true", help="continue from the checkpoint")
    add("--no-figures", action="store_true", help="skip the PNGs")
