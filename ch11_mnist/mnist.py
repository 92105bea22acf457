"""第11章 MNIST 手写数字识别 — the book's CNN, reproduced (--recipe book) and trained fast (--recipe fast).

    python ch11_mnist/mnist.py                          # fast recipe, book Net, full data if fetched
    python ch11_mnist/mnist.py --recipe book --epochs 5 # the book's training, table vs. §11.5
    python ch11_mnist/mnist.py --model wide             # §11.6's wider Net
    python ch11_mnist/mnist.py --recipe sprint          # 99.0% in 3 epochs (≈ 15 s on 2 cores)
    python ch11_mnist/mnist.py --predict my_digit.png   # classify your own drawing (needs a checkpoint)

The book's code comes first, by section (§11.1 data, §11.2 Net, §11.3 the first call, §11.4 the
book's loop, §11.5/§11.6 the tables); then, under "书外 beyond the book", the fast and sprint
recipes (one modern training, planned for 99.5% or for 99.0% in a few epochs); then
the one training loop every recipe runs (compare.py runs it too), checkpoints, figures, predict.

Data: --data-dir, else $BOOK_DATA_DIR, else the repository's data/ (python data/fetch.py mnist);
without the full files, the 1,000/500-image sample in DATA_DIR/samples/mnist (so a copy of this
folder finds the sample through --data-dir or $BOOK_DATA_DIR too).
"""

import argparse
import gzip
import importlib.util
import math
import os
import struct
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

REPO = Path(__file__).resolve().parents[1]

DEFAULT_OUT = REPO / "outputs" / "ch11"

FETCH_HINT = "run: python data/fetch.py mnist"

FILES = {
    kind: (f"{kind}-images-idx3-ubyte.gz", f"{kind}-labels-idx1-ubyte.gz")
    for kind in ("train", "t10k")
}

SEED = 1
DIGITS = tuple("0123456789")  # MNIST's class names, in label order


class DataError(Exception):
    """Missing or malformed data: a one-line message that names the file and the fix."""


# ================================================================ §11.1 加载数据 data


def resolve_data_dir(arg: str | None) -> Path:
    return Path(arg or os.environ.get("BOOK_DATA_DIR") or REPO / "data").expanduser()


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


def read_idx(path: Path, magic: int) -> np.ndarray:
    """§11.1's reader: big-endian header (magic, count[, rows, cols]), then uint8 data.

    Reads .gz directly. Checks the magic number (2049 labels, 2051 images), 28×28 and the size.
    """
    try:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise DataError(f"{path} is missing — {FETCH_HINT}") from None
    except (OSError, EOFError) as err:
        raise DataError(f"{path} is not readable ({err}) — {FETCH_HINT} --force") from None
    dims = {2049: 1, 2051: 3}[magic]
    header = 4 * (1 + dims)
    if len(raw) < header or struct.unpack(">I", raw[:4])[0] != magic:
        found = struct.unpack(">I", raw[:4])[0] if len(raw) >= 4 else None
        raise DataError(
            f"{path}: magic number {found}, expected {magic} — wrong or damaged file; "
            f"{FETCH_HINT} --force"
        )
    count, *shape = struct.unpack(f">{dims}I", raw[4:header])
    if shape and shape != [28, 28]:
        raise DataError(f"{path}: images are {shape[0]}×{shape[1]}, expected 28×28")
    expected = count * math.prod(shape)
    if len(raw) - header != expected:
        raise DataError(
            f"{path}: {len(raw) - header} data bytes, header says {expected} — "
            f"truncated file; {FETCH_HINT} --force"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(count, *shape)


def load_mnist(folder: Path, kind: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """Images (N, 28, 28) uint8 and labels (N,) uint8; kind is 'train' or 't10k'."""
    images_name, labels_name = FILES[kind]
    images = read_idx(folder / images_name, 2051)
    labels = read_idx(folder / labels_name, 2049)
    if len(images) != len(labels):
        raise DataError(f"{folder}: {len(images)} images but {len(labels)} labels ({kind})")
    return images, labels


def to_tensors(images: np.ndarray, labels: np.ndarray, mean: float = 0.0, std: float = 1.0):
    """(N, 1, 28, 28) float32 scaled to [0, 1] as §11.1 does, then (x - mean) / std."""
    x = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)
    return (x - mean) / std, torch.from_numpy(labels.astype(np.int64))


# §11.1 (2): the same data as one numpy file. Keras's mnist.npz (what `keras.datasets.mnist.
# load_data()` downloads to ~/.keras/datasets/) holds x_train, y_train, x_test, y_test with digit
# labels; the book's listing reads trainInps / trainTargs / testInps / testTargs with one-hot
# labels (erratum 15). load_npz reads either layout.
NPZ_KEYS = {
    "keras": ("x_train", "y_train", "x_test", "y_test"),
    "book": ("trainInps", "trainTargs", "testInps", "testTargs"),
}
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


def load_npz(path: Path) -> tuple[list[str], tuple[tuple, tuple]]:
    """(the file's keys, ((x_train, y_train), (x_test, y_test))) as uint8 28×28 images and digit
    labels, whichever of the two layouts the file has (one-hot labels become digits)."""
    try:
        with np.load(path, allow_pickle=False) as f:
            keys = list(f.keys())
            layout = next((k for k, need in NPZ_KEYS.items() if set(need) <= set(keys)), None)
            if layout is None:
                raise DataError(
                    f"{path}: keys {keys}, expected {', '.join(NPZ_KEYS['keras'])} (Keras) or "
                    f"{', '.join(NPZ_KEYS['book'])} (the book) — {KERAS_NPZ_HINT}"
                )
            x_train, y_train, x_test, y_test = (f[k] for k in NPZ_KEYS[layout])
    except (OSError, ValueError, zipfile.BadZipFile) as err:
        raise DataError(
            f"{path} is not a readable .npz file ({type(err).__name__}) — {KERAS_NPZ_HINT}"
        ) from None
    return keys, (
        (npz_images(x_train), npz_labels(y_train)),
        (npz_images(x_test), npz_labels(y_test)),
    )


def npz_images(x: np.ndarray) -> np.ndarray:
    """(N, 784) or (N, 28, 28), bytes or floats in [0, 1] → (N, 28, 28) uint8."""
    if x.dtype != np.uint8:
        x = np.rint(x * 255 if x.max() <= 1 else x).astype(np.uint8)
    return x.reshape(len(x), 28, 28)


def npz_labels(y: np.ndarray) -> np.ndarray:
    return (y.argmax(axis=1) if y.ndim == 2 else y).astype(np.uint8)


def keras_load_data():
    """§11.1's `from keras.datasets import mnist; mnist.load_data()` (Keras 3 on the torch
    backend) when Keras's own mnist.npz is already there, so nothing is downloaded; else None."""
    if not keras_npz_path().is_file():
        return None
    os.environ.setdefault("KERAS_BACKEND", "torch")  # Keras 3 would ask for TensorFlow
    from keras.datasets import mnist as keras_mnist

    return keras_mnist.load_data()


def one_hot(label: int) -> list[int]:
    return [int(d == label) for d in range(len(DIGITS))]


def write_digit(image: np.ndarray, path: Path) -> Path:
    """§11.1 writes x_train[1] out as 001.png: here a 28×28 PNG through imencode and tofile
    (OpenCV's own file writing cannot open a path with Chinese characters on Windows)."""
    import cv2

    ok, encoded = cv2.imencode(".png", image)
    if not ok:
        raise DataError(f"OpenCV could not encode the digit for {path}")
    return write_atomic(path, lambda tmp: encoded.tofile(tmp))


BOOK_11_1_ROWS = {"train": (60000, 784), "test": (10000, 784)}
BOOK_11_1_LABEL = [0, 0, 0, 1, 0, 0, 0, 0, 0]  # the label the book prints for x_train[1]


def print_section_11_1(data: "MnistData", data_dir: Path, out_dir: Path) -> None:
    print("== §11.1 加载数据 loading the data ==")
    for kind, images in (("train", data.train_images), ("test", data.test_images)):
        rows, cols = BOOK_11_1_ROWS[kind]
        print(
            f"  (1) IDX {kind}: Rows: {len(images)}, columns: {images[0].size}  "
            f"(书中 book {rows} / {cols})"
        )
    label = int(data.train_labels[1])
    path = write_digit(data.train_images[1], out_dir / "digit_x_train_1.png")
    print(
        f"  X_train[1] → {path}; label {label}, one-hot {one_hot(label)} "
        f"(书中 book {BOOK_11_1_LABEL}: 9 entries, a 3 — erratum 16)"
    )
    npz = find_npz(data_dir)
    if npz is None:
        print(
            f"  (2) mnist.npz: none in {data_dir / 'mnist'} or {keras_npz_path().parent} — "
            f"{KERAS_NPZ_HINT}; its keys are x_train, y_train, x_test, y_test, not the book's "
            "trainInps… (erratum 15)"
        )
        return
    keys, ((x, y), (xt, yt)) = load_npz(npz)
    n = len(data.train_images)  # the sample is the first images of the full set
    same = np.array_equal(x[:n], data.train_images) and np.array_equal(y[:n], data.train_labels)
    print(
        f"  (2) {npz}: keys {keys}; train rows {len(x)}, test rows {len(xt)}; labels "
        f"{y[:5].tolist()}… (digits, not one-hot); the same arrays as the IDX files: {same}"
    )
    keras_arrays = keras_load_data() if npz == keras_npz_path() else None
    if keras_arrays is not None:
        (kx, ky), (kxt, kyt) = keras_arrays
        equal = all(np.array_equal(a, b) for a, b in ((kx, x), (ky, y), (kxt, xt), (kyt, yt)))
        print(f"      keras.datasets.mnist.load_data(): the same arrays: {equal}")


# ================================================================ §11.2 卷积模型 the Net


class Net(nn.Module):
    """§11.2's network: conv(1→10, 5) → pool → relu → conv(10→20, 5) + Dropout2d → pool → relu
    → fc 320→50 → dropout → fc 50→10 → log_softmax. §11.6's wide model is Net(32, 64, 100)."""

    def __init__(
        self,
        conv1: int = 10,
        conv2: int = 20,
        hidden: int = 50,
        p_conv: float = 0.5,
        p_fc: float = 0.5,
        n_classes: int = 10,  # the ten digits; your own data (own_data.py) has its own count
    ):
        super().__init__()
        self.conv1 = nn.Conv2d(1, conv1, kernel_size=5)
        self.conv2 = nn.Conv2d(conv1, conv2, kernel_size=5)
        self.conv2_drop = nn.Dropout2d(p_conv)
        self.fc1 = nn.Linear(conv2 * 4 * 4, hidden)
        self.fc1_drop = nn.Dropout(p_fc)
        self.fc2 = nn.Linear(hidden, n_classes)

    def forward(self, x):
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(self.conv2_drop(self.conv2(x)), 2))
        x = torch.flatten(x, 1)
        x = self.fc1_drop(F.relu(self.fc1(x)))
        return F.log_softmax(self.fc2(x), dim=1)


# §11.2's Net and §11.6's wider one (conv 32/64, fc 100)
MODELS = {"book": dict(conv1=10, conv2=20, hidden=50), "wide": dict(conv1=32, conv2=64, hidden=100)}


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


# ================================================================ §11.3 开始训练 the first call


def section_11_3(seed: int = 1) -> dict:
    """§11.3 runs the book's Net on randn(1, 1, 32, 32) and prints conv1.bias.grad around
    backward(). The 32×32 input cannot pass: after two 5×5 convolutions and two poolings it
    leaves 20×5×5 = 500 values for fc1, which expects 320 (= 20×4×4, from a 28×28 image)."""
    torch.manual_seed(seed)
    model = Net()
    try:
        model(torch.randn(1, 1, 32, 32))
        error_32 = None
    except RuntimeError as err:
        error_32 = str(err).splitlines()[0]
    features_32 = model.conv2(F.max_pool2d(model.conv1(torch.randn(1, 1, 32, 32)), 2))
    values_32 = F.max_pool2d(features_32, 2)[0].numel()
    model.zero_grad()
    x28 = torch.randn(1, 1, 28, 28)

    def loss_backward():  # the same dropout masks each time: the passes are identical
        torch.manual_seed(seed + 1)
        out = model(x28)
        F.nll_loss(out, torch.tensor([3])).backward()
        return out

    grad_before = model.conv1.bias.grad
    out = loss_backward()
    grad_after = model.conv1.bias.grad.clone()
    # backward() adds into .grad: without zero_grad() a second pass doubles it, which is why the
    # book's loop calls optimizer.zero_grad() every iteration
    loss_backward()
    return dict(
        error_32=error_32,
        values_32=values_32,
        out_shape=tuple(out.shape),
        grad_before=grad_before,
        grad_after=grad_after,
        grad_twice=model.conv1.bias.grad.clone(),
    )


# §11.3 "pytorch 中含有其他的优化算法，如 Nesterov-SGD, Adam, RMSProp 等": each takes one step on
# the book's Net (same start, same batch of 8 random images) and lowers that batch's loss.
OTHER_OPTIMIZERS = {
    "Nesterov-SGD": lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9, nesterov=True),
    "Adam": lambda p: torch.optim.Adam(p, lr=1e-3),
    "RMSProp": lambda p: torch.optim.RMSprop(p, lr=1e-3),
}


def one_step_each(seed: int = 1) -> dict[str, tuple[float, float]]:
    """{optimizer: (loss before, loss after one step)} on the same batch, dropout off."""
    gen = torch.Generator().manual_seed(seed)
    x, y = torch.randn(8, 1, 28, 28, generator=gen), torch.randint(0, 10, (8,), generator=gen)
    losses = {}
    for name, make in OTHER_OPTIMIZERS.items():
        torch.manual_seed(seed)
        model = Net().eval()
        opt = make(model.parameters())
        before = F.nll_loss(model(x), y)
        opt.zero_grad()
        before.backward()
        opt.step()
        with torch.no_grad():
            losses[name] = (before.item(), F.nll_loss(model(x), y).item())
    return losses


def print_section_11_3() -> None:
    r = section_11_3()
    print("== §11.3 开始训练 start training: the book's randn(1, 1, 32, 32) ==")
    print(
        f"书中 book: model(randn(1, 1, 32, 32))  今天 today: RuntimeError: {r['error_32']}\n"
        f"  {r['values_32']} 个值到达 fc1, 它需要 320 — {r['values_32']} values reach fc1, "
        "which expects 320: MNIST's images are 28×28"
    )
    print(f"model(randn(1, 1, 28, 28)).shape = {r['out_shape']}")
    print(f"conv1.bias.grad 反向传播前 before backward: {r['grad_before']}")
    grad = ", ".join(f"{g:.4f}" for g in r["grad_after"].tolist())
    print(f"conv1.bias.grad 反向传播后 after backward:  [{grad}]")
    doubled = torch.allclose(r["grad_twice"], 2 * r["grad_after"])
    print(f"  再一次 backward() 不清零 a second backward() without zero_grad(): doubled {doubled}")
    steps = one_step_each()
    print(
        "  其他优化器一步 one step of the others on the same batch (loss before → after): "
        + "; ".join(f"{name} {a:.4f} → {b:.4f}" for name, (a, b) in steps.items())
        + "\n"
    )


# ================================================================ §11.4 训练与测试 the book's loop

# §11.4's settings: SGD lr 0.01 momentum 0.5, batches of 100 in file order
BOOK_DEFAULTS = dict(epochs=5, batch_size=100, lr=0.01)


def train_epoch_book(model, x, y, optimizer, batch_size: int = 100, progress=None) -> float:
    """The book's loop: batches in file order (no shuffling), NLL loss; returns mean loss."""
    model.train()
    total = 0.0
    for start in range(0, len(x), batch_size):
        data, target = x[start : start + batch_size], y[start : start + batch_size]
        optimizer.zero_grad()
        loss = F.nll_loss(model(data), target)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(data)
        if progress:
            progress.update(len(data))
    return total / len(x)


def optim_sgd(model, lr):
    return torch.optim.SGD(model.parameters(), lr=lr, momentum=0.5)


@torch.inference_mode()
def evaluate(model, x, y, batch_size: int = 1000) -> tuple[float, int, torch.Tensor]:
    """(mean NLL over all images, number correct, predictions)."""
    model.eval()
    loss, preds = 0.0, []
    for start in range(0, len(x), batch_size):
        logp = model(x[start : start + batch_size].contiguous(memory_format=torch.channels_last))
        loss += F.nll_loss(logp, y[start : start + batch_size], reduction="sum").item()
        preds.append(logp.argmax(dim=1))
    pred = torch.cat(preds)
    return loss / len(x), int((pred == y).sum()), pred


@torch.inference_mode()
def book_test_as_printed(model, images: np.ndarray, labels: np.ndarray) -> tuple[float, str]:
    """§11.4's test() as the book writes it: the whole test set in one batch, F.nll_loss (already
    the mean over the batch) divided again by len(x_test), printed with {:.4f}. After training
    the loss is ≈ 0.3 / 10,000 ≈ 0.00003, so the line says 0.0000 (erratum 3)."""
    model.eval()
    device = next(model.parameters()).device
    x, y = to_tensors(images, labels)
    x, y = x.to(device), y.to(device)
    output = model(x)
    test_loss = F.nll_loss(output, y).item()
    test_loss /= len(x)  # the book's second division
    correct = int(output.argmax(dim=1).eq(y).sum())
    share = 100.0 * correct / len(x)
    line = f"Test set: Average loss: {test_loss:.4f}, Accuracy: {correct} / {len(x)} ({share:.0f}%)"
    return test_loss, line


# ================================================================ §11.5 / §11.6 结果 the book's tables

# test accuracy (of 10,000) and test loss after N epochs: §11.5 the book's Net, §11.6 the wide one
BOOK_11_5 = {2: (9140, 0.3419), 3: (9379, 0.2362), 4: (9460, 0.2210), 5: (9532, 0.1789)}

BOOK_11_6 = {1: (9038, 0.3159), 2: (9456, 0.1742), 3: (9608, 0.1234), 4: (9694, 0.1009)}


def book_points(model: str) -> tuple[str, dict]:
    """The book's (section, {epoch: (correct of 10,000, test loss)}) for this model."""
    return ("11.5", BOOK_11_5) if model == "book" else ("11.6", BOOK_11_6)


def print_book_table(history: list[dict], model: str) -> None:
    book = BOOK_11_5 if model == "book" else BOOK_11_6
    section = "11.5" if model == "book" else "11.6"
    print(
        f"\n§{section} 书中 vs. 今天 book vs. today (correct of 10000, test loss); "
        "one epoch per book 'iteration' (书中的一次迭代 = 一轮)"
    )
    for h in history:
        if h["epoch"] in book:
            acc, loss = book[h["epoch"]]
            mark = "√" if h["correct"] >= acc else "×"
            print(
                f"  {h['epoch']} 轮后 after {h['epoch']} epochs  书中 book {acc} / {loss:.4f}   "
                f"今天 today {h['correct']} / {h['test_loss']:.4f}  {mark}"
            )


# ================================================================ 书外 beyond the book: the fast and sprint recipes

# the fast recipe's settings, tuned on 2 CPU cores for ≈1 and ≈3 minute budgets (99.5%)
FAST_DEFAULTS = {
    "book": dict(epochs=22, batch_size=256, lr=0.01),
    "wide": dict(epochs=20, batch_size=128, lr=0.005),
}
# the sprint recipe: the same training with its one-cycle planned for a few epochs and a larger
# peak, tuned for the time to 99.0% (compare.py's target), not for the last tenths of a point
SPRINT_DEFAULTS = {
    "book": dict(epochs=3, batch_size=256, lr=0.03),
    "wide": dict(epochs=3, batch_size=256, lr=0.01),
}
MODERN_DEFAULTS = {"fast": FAST_DEFAULTS, "sprint": SPRINT_DEFAULTS}
RECIPES = ("fast", "sprint", "book")


def build_model(name: str, recipe: str, n_classes: int = 10) -> Net:
    # the fast recipe keeps the architecture and lowers dropout: it trains for few epochs
    dropout = dict(p_conv=0.5, p_fc=0.5) if recipe == "book" else dict(p_conv=0.1, p_fc=0.1)
    return Net(**MODELS[name], **dropout, n_classes=n_classes)


def random_shift(x: torch.Tensor, max_shift: int, gen: torch.Generator) -> torch.Tensor:
    """Translate each image by up to ±max_shift pixels, filling with the background value.

    One gather for the whole batch: out[n, i, j] = padded[n, i + dy[n], j + dx[n]].
    """
    if max_shift == 0:
        return x
    n, _, h, w = x.shape
    padded = F.pad(x, [max_shift] * 4, value=float(x.min()))
    dy, dx = torch.randint(0, 2 * max_shift + 1, (2, n, 1), generator=gen).to(x.device)
    rows = (torch.arange(h, device=x.device) + dy)[:, :, None]  # (n, h, 1)
    cols = (torch.arange(w, device=x.device) + dx)[:, None, :]  # (n, 1, w)
    batch = torch.arange(n, device=x.device)[:, None, None]
    return padded[batch, 0, rows, cols].unsqueeze(1)


def train_epoch_fast(
    model,
    x,
    y,
    optimizer,
    scheduler,
    gen,
    batch_size=FAST_DEFAULTS["book"]["batch_size"],
    max_shift=2,
    label_smoothing=0.05,
    progress=None,
) -> float:
    """Shuffled mini-batches, random shifts, label smoothing, one scheduler step per batch."""
    model.train()
    order = torch.randperm(len(x), generator=gen, device="cpu").to(x.device)
    total = 0.0
    for start in range(0, len(x), batch_size):
        idx = order[start : start + batch_size]
        data = random_shift(x[idx], max_shift, gen)
        data = data.contiguous(memory_format=torch.channels_last)
        optimizer.zero_grad(set_to_none=True)
        # the Net returns log-probabilities, so NLL with smoothing = cross-entropy with smoothing
        logp = model(data)
        target = y[idx]
        loss = (1 - label_smoothing) * F.nll_loss(logp, target) - label_smoothing * logp.mean()
        loss.backward()
        optimizer.step()
        scheduler.step()
        total += loss.item() * len(idx)
        if progress:
            progress.update(len(idx))
    return total / len(x)


def make_optimizer(model, recipe: str, lr: float, epochs: int, steps_per_epoch: int):
    if recipe == "book":  # §11.4: SGD lr 0.01 momentum 0.5, no schedule
        return optim_sgd(model, lr), None
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=5e-4)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=lr, epochs=epochs, steps_per_epoch=steps_per_epoch, pct_start=0.2
    )
    return optimizer, scheduler


# ================================================================ the run: one loop, both recipes


@dataclass(frozen=True)
class Settings:
    """One training run as values: the parser, --help, mnist.py and compare.py read these."""

    recipe: str = "fast"
    model: str = "book"
    epochs: int = FAST_DEFAULTS["book"]["epochs"]
    batch_size: int = FAST_DEFAULTS["book"]["batch_size"]
    lr: float = FAST_DEFAULTS["book"]["lr"]
    seed: int = SEED

    @classmethod
    def of(cls, recipe: str = "fast", model: str = "book", **given) -> "Settings":
        """The recipe's own defaults for this model (BOOK_DEFAULTS, FAST_DEFAULTS,
        SPRINT_DEFAULTS), then every value given (None: not given)."""
        table = BOOK_DEFAULTS if recipe == "book" else MODERN_DEFAULTS[recipe][model]
        chosen = {k: v for k, v in given.items() if v is not None}
        return cls(recipe=recipe, model=model, **{**table, **chosen})


class MnistData(NamedTuple):
    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    is_sample: bool
    classes: tuple[str, ...] = DIGITS  # the label names, in label order


def load_data(data_dir: Path, limit: int | None = None) -> MnistData:
    """§11.1's four files (or the sample, saying so), the first `limit` images of each part."""
    folder, is_sample = find_mnist(data_dir)
    if is_sample:
        print(
            f"未找到完整 MNIST, 使用样本 full MNIST not found — using the {folder} sample "
            f"(1,000 train / 500 test images); for the real thing {FETCH_HINT}"
        )
    train, test = load_mnist(folder, "train"), load_mnist(folder, "t10k")
    if limit:
        train, test = (tuple(a[:limit] for a in part) for part in (train, test))
    return MnistData(*train, *test, is_sample)


class EpochEnd(NamedTuple):
    """What train() hands its on_epoch callback after every epoch."""

    row: dict  # epoch, train_loss, test_loss, correct, total, train_s
    model: nn.Module
    optimizer: torch.optim.Optimizer
    scheduler: object
    config: dict  # what a checkpoint records: model, recipe, mean, std, epochs


class Trained(NamedTuple):
    model: nn.Module
    history: list[dict]
    pred: torch.Tensor | None  # the last epoch's test predictions
    config: dict


def normalisation(recipe: str, train_images: np.ndarray) -> tuple[float, float]:
    # §11.1 scales to [0, 1]; the fast recipe also standardises with the training set's statistics
    if recipe == "book":
        return 0.0, 1.0
    return float(train_images.mean() / 255), float(train_images.std() / 255)


def train(
    s: Settings,
    data: MnistData,
    device="cpu",
    on_epoch: Callable[[EpochEnd], bool | None] | None = None,
    resume: dict | None = None,
    verbose: bool = False,
) -> Trained:
    """The one training loop of this chapter (mnist.py and compare.py both run it): seeded
    before anything random is built, so a seed gives the same first weights everywhere. After
    every epoch the test set is scored and `on_epoch` is called; it returns True to stop early.
    `resume` is a checkpoint whose weights (and, for the fast recipe, optimizer and schedule)
    continue; the book recipe restarts SGD's momentum, as each run of the book's script does."""
    torch.manual_seed(s.seed)
    device = torch.device(device)
    mean, std = normalisation(s.recipe, data.train_images)
    x_train, y_train = (
        t.to(device) for t in to_tensors(data.train_images, data.train_labels, mean, std)
    )
    x_test, y_test = (
        t.to(device) for t in to_tensors(data.test_images, data.test_labels, mean, std)
    )
    if verbose:
        print(
            f"train {tuple(x_train.shape)}  test {tuple(x_test.shape)}  device {device}  "
            f"threads {torch.get_num_threads()}"
        )
    model = build_model(s.model, s.recipe, len(data.classes))
    model = model.to(device, memory_format=torch.channels_last)
    steps = math.ceil(len(x_train) / s.batch_size)
    optimizer, scheduler = make_optimizer(model, s.recipe, s.lr, s.epochs, steps)
    config = dict(
        model=s.model,
        recipe=s.recipe,
        mean=mean,
        std=std,
        epochs=s.epochs,
        classes=list(data.classes),
    )
    first = 1
    if resume is not None:
        model.load_state_dict(resume["model"])
        if s.recipe != "book":  # §11.4's script builds a fresh SGD on every run: so does --resume
            optimizer.load_state_dict(resume["optimizer"])
        if scheduler and resume["scheduler"]:
            scheduler.load_state_dict(resume["scheduler"])
        first = resume["epoch"] + 1
    if verbose:
        print(model)
        print(f"参数 parameters: {count_parameters(model):,}")
    gen = torch.Generator().manual_seed(s.seed)
    history, pred = [], None
    for epoch in range(first, s.epochs + 1):
        start = time.perf_counter()
        with _progress(len(x_train), f"epoch {epoch}") as bar:
            if s.recipe == "book":
                train_loss = train_epoch_book(model, x_train, y_train, optimizer, s.batch_size, bar)
            else:
                train_loss = train_epoch_fast(
                    model, x_train, y_train, optimizer, scheduler, gen, s.batch_size, progress=bar
                )
        train_s = time.perf_counter() - start
        test_loss, correct, pred = evaluate(model, x_test, y_test)
        row = dict(
            epoch=epoch,
            train_loss=train_loss,
            test_loss=test_loss,
            correct=correct,
            total=len(y_test),
            train_s=train_s,
        )
        history.append(row)
        if on_epoch and on_epoch(EpochEnd(row, model, optimizer, scheduler, config)):
            break
    return Trained(model, history, pred, config)


# ---------------------------------------------------------------- checkpoints


def save_checkpoint(path: Path, model, optimizer, scheduler, epoch: int, config: dict) -> Path:
    """state_dicts + epoch + config, written to a temporary file and renamed (atomic)."""
    state = {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict() if scheduler else None,
        "epoch": epoch,
        "config": config,
    }
    return write_atomic(path, lambda tmp: torch.save(state, tmp))


def write_atomic(path: Path, write) -> Path:
    """Call write(temporary path) beside `path`, then rename: an interrupted write leaves nothing.
    The rename is retried for 2 s while another program (an indexer, an antivirus) holds the
    fresh file on Windows."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
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


def load_checkpoint(path: Path, map_location="cpu") -> dict:
    if not path.is_file():
        raise DataError(f"no checkpoint at {path} — train first: python ch11_mnist/mnist.py")
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except (RuntimeError, EOFError, zipfile.BadZipFile, ValueError, OSError) as err:
        raise DataError(
            f"checkpoint {path} is damaged or not a checkpoint "
            f"({type(err).__name__}) — delete it and train again"
        ) from None
    except Exception as err:  # pickle.UnpicklingError and friends from a foreign file
        raise DataError(
            f"checkpoint {path} cannot be loaded safely ({type(err).__name__}) — "
            "delete it and train again"
        ) from None
    if not isinstance(state, dict) or not {"model", "epoch", "config"} <= state.keys():
        raise DataError(f"{path} is not a checkpoint of this script — delete it and train again")
    return state


# ---------------------------------------------------------------- figures


def _save_fig(fig, path: Path) -> Path:
    return write_atomic(path, lambda tmp: fig.savefig(tmp, dpi=100, format="png"))


def figure_names(model: str, recipe: str) -> dict[str, str]:
    """One set of PNG names per run, so --recipe book never overwrites the fast recipe's."""
    tag = f"{model}_{recipe}"
    return {kind: f"{kind}_{tag}.png" for kind in ("curves", "confusion", "misclassified")}


def save_curves(
    history: list[dict], path: Path, model="book", recipe="fast", show_book=True
) -> Path:
    """Loss and test accuracy per epoch, the book's §11.5/§11.6 numbers as stars."""
    import matplotlib.ticker
    from matplotlib.figure import Figure

    section, book = book_points(model)
    book = book if show_book else {}  # the reader's own images: the book has no numbers for them
    epochs = [h["epoch"] for h in history]
    fig = Figure(figsize=(11, 4))
    a1, a2 = fig.subplots(1, 2)
    a1.plot(epochs, [h["train_loss"] for h in history], "o-", label="today: train")
    a1.plot(epochs, [h["test_loss"] for h in history], "o-", label="today: test")
    a1.plot(list(book), [loss for _, loss in book.values()], "k*", ms=10, label=f"book §{section}")
    a1.set_xlabel("epoch")
    a1.set_title("loss")
    a1.legend()
    a2.plot(epochs, [100 * h["correct"] / h["total"] for h in history], "o-", label="today")
    a2.plot(list(book), [c / 100 for c, _ in book.values()], "k*", ms=10, label=f"book §{section}")
    a2.set_xlabel("epoch")
    a2.set_title(f"test accuracy (%), {model} Net, {recipe} recipe")
    a2.legend(loc="lower right")
    for ax in (a1, a2):
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    fig.tight_layout()
    return _save_fig(fig, path)


CJK_FONTS = ["Noto Sans CJK SC", "Source Han Sans SC", "SimHei", "Microsoft YaHei", "PingFang SC"]


def tick_labels(names) -> tuple[list[str], str, str | None]:
    """Class names for the axes, in a font that has their glyphs. Where matplotlib has no
    Chinese font: the class numbers, and the table of which name each number is (the caller
    prints it beside the figure's path; the title says the numbers are the table's)."""
    from matplotlib import font_manager

    if all(n.isascii() for n in names):
        return list(names), "sans-serif", None
    installed = {f.name for f in font_manager.fontManager.ttflist}
    font = next((f for f in CJK_FONTS if f in installed), None)
    if font:
        return list(names), font, None
    table = ", ".join(f"{k} = {n}" for k, n in enumerate(names))
    return [str(k) for k in range(len(names))], "sans-serif", table


def save_confusion(y_true, y_pred, path: Path, classes=DIGITS) -> Path:
    from matplotlib.figure import Figure

    n = len(classes)
    cm = np.zeros((n, n), dtype=int)
    np.add.at(cm, (y_true.cpu().numpy(), y_pred.cpu().numpy()), 1)
    fig = Figure(figsize=(6, 5.5))
    ax = fig.subplots()
    ax.imshow(np.log1p(cm), cmap="Blues")
    for i, j in zip(*cm.nonzero(), strict=True):
        colour = "white" if i == j else "black"
        ax.text(j, i, cm[i, j], ha="center", va="center", fontsize=7, color=colour)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    labels, font, table = tick_labels(classes)
    ax.set_xticks(range(n), labels, rotation=90 if n > 10 else 0, fontfamily=font)
    ax.set_yticks(range(n), labels, fontfamily=font)
    numbers = "\nclasses by number: see the table printed with this figure" if table else ""
    ax.set_title(f"confusion matrix, test set (colour: log(1 + count)){numbers}")
    fig.tight_layout()
    saved = _save_fig(fig, path)
    if table:
        print(f"类别编号 class numbers in {saved.name} (no Chinese font for the ticks): {table}")
    return saved


def save_misclassified(y_true, y_pred, images, path: Path) -> Path:
    """The first 36 test digits the model gets wrong: predicted (true)."""
    from matplotlib.figure import Figure

    wrong = (y_true != y_pred).nonzero().squeeze(1)[:36].cpu()
    fig = Figure(figsize=(9, 4.6))
    axes = fig.subplots(4, 9)
    for ax in axes.flat:
        ax.axis("off")
    for ax, i in zip(axes.flat, wrong.tolist(), strict=False):
        ax.imshow(images[i], cmap="gray_r")
        ax.set_title(f"{int(y_pred[i])} (true {int(y_true[i])})", fontsize=8, color="red")
    fig.suptitle("misclassified test digits: predicted (true)")
    return _save_fig(fig, path)


def save_figures(trained: Trained, data: MnistData, out_dir: Path) -> list[Path]:
    """The three PNGs of a run, named for its model and recipe."""
    model, recipe = trained.config["model"], trained.config["recipe"]
    names = figure_names(model, recipe)
    y_true = torch.from_numpy(data.test_labels.astype(np.int64))
    return [
        save_curves(
            trained.history, out_dir / names["curves"], model, recipe, data.classes == DIGITS
        ),
        save_confusion(y_true, trained.pred, out_dir / names["confusion"], data.classes),
        save_misclassified(
            y_true, trained.pred, data.test_images, out_dir / names["misclassified"]
        ),
    ]


# ---------------------------------------------------------------- predict


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


def read_gray(path: Path) -> np.ndarray:
    """Any image file → uint8 grayscale. A transparent PNG is laid on white first, as a viewer
    shows it (IMREAD_GRAYSCALE would drop the alpha and leave the black of the transparent
    pixels: an all-black, "blank" image)."""
    import cv2

    image = decode_image(path)
    if image.dtype == np.uint16:  # a 16-bit PNG: keep the high byte
        image = (image >> 8).astype(np.uint8)
    if image.ndim == 2:
        return image
    if image.shape[2] == 4:
        alpha = image[:, :, 3:4].astype(np.float32) / 255
        image = (image[:, :, :3] * alpha + 255 * (1 - alpha)).round().astype(np.uint8)
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def preprocess_drawing(path: Path) -> np.ndarray:
    """Any PNG/JPG, any size or colour → a 28×28 uint8 MNIST-style digit (white on black,
    digit scaled into 20×20 and centred by its centre of mass, as MNIST was made)."""
    import cv2

    image = read_gray(path)
    if image.mean() > 127:  # dark ink on light paper → invert to MNIST's light-on-dark
        image = 255 - image
    ys, xs = np.nonzero(image > 50)
    if len(xs) == 0:
        raise DataError(f"{path}: no digit found (the image is blank)")
    digit = image[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    scale = 20.0 / max(digit.shape)
    h, w = max(1, round(digit.shape[0] * scale)), max(1, round(digit.shape[1] * scale))
    digit = cv2.resize(digit, (w, h), interpolation=cv2.INTER_AREA)
    canvas = np.zeros((28, 28), dtype=np.uint8)
    top, left = (28 - h) // 2, (28 - w) // 2
    canvas[top : top + h, left : left + w] = digit
    m = cv2.moments(canvas)
    if m["m00"]:
        dx, dy = 14 - m["m10"] / m["m00"], 14 - m["m01"] / m["m00"]
        canvas = cv2.warpAffine(canvas, np.float32([[1, 0, dx], [0, 1, dy]]), (28, 28))
    return canvas


def load_classifier(checkpoint: Path) -> tuple[nn.Module, dict]:
    """The trained model of a checkpoint and its config (class names, normalisation)."""
    state = load_checkpoint(checkpoint)
    config = state["config"]
    classes = config.get("classes", list(DIGITS))
    model = build_model(config["model"], config["recipe"], len(classes))
    model.load_state_dict(state["model"])
    return model.eval(), dict(config, classes=classes)


def classify(model: nn.Module, config: dict, image28: np.ndarray) -> np.ndarray:
    """Class probabilities of one preprocessed 28×28 image."""
    x, _ = to_tensors(image28[None], np.zeros(1, np.uint8), config["mean"], config["std"])
    with torch.inference_mode():
        return model(x).exp()[0].numpy()


def predict_file(path: Path, model: nn.Module, config: dict) -> tuple[int, np.ndarray]:
    """One image file, as a reader drew it: its most likely class and every probability."""
    probs = classify(model, config, preprocess_drawing(path))
    return int(probs.argmax()), probs


# ---------------------------------------------------------------- the command line


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


class _progress:
    """A tqdm bar on a terminal, nothing in logs and tests."""

    def __init__(self, total, desc):
        self.bar = None
        if sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=desc, unit="img", leave=False)

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
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def positive_float(text: str) -> float:
    value = float(text)
    if not 0 < value < math.inf:  # also refuses nan
        raise argparse.ArgumentTypeError(f"must be a number > 0, got {text}")
    return value


def recipe_defaults_help(key: str) -> str:
    """'default: fast 22 (book Net) / 20 (wide); book recipe 5', read from the recipe tables."""
    modern = [
        f"{recipe} recipe " + " / ".join(f"{v[key]} ({name} Net)" for name, v in table.items())
        for recipe, table in MODERN_DEFAULTS.items()
    ]
    return f"default: {'; '.join(modern)}; book recipe {BOOK_DEFAULTS[key]}"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        description="第11章 MNIST 手写数字识别: the book's CNN, reproduced and fast"
    )
    p.add_argument(
        "--recipe",
        choices=RECIPES,
        default="fast",
        help="fast: modern training, planned for 99.5%% (default); sprint: the same, planned "
        "for 99.0%% in 3 epochs; book: §11.4 exactly",
    )
    p.add_argument(
        "--model",
        choices=list(MODELS),
        default="book",
        help="book: §11.2 Net (21,840 params); wide: §11.6 (conv 32/64, fc 100)",
    )
    p.add_argument(
        "--epochs",
        type=positive_int,
        default=None,
        help="total epochs; " + recipe_defaults_help("epochs"),
    )
    p.add_argument(
        "--batch-size", type=positive_int, default=None, help=recipe_defaults_help("batch_size")
    )
    p.add_argument(
        "--lr",
        type=positive_float,
        default=None,
        help="learning rate (the one-cycle peak of the fast and sprint recipes); "
        + recipe_defaults_help("lr"),
    )
    p.add_argument(
        "--seed", type=non_negative_int, default=SEED, help="random seed (default: %(default)s)"
    )
    p.add_argument("--limit", type=positive_int, default=None, help="use only the first N images")
    p.add_argument("--data-dir", default=None, help="default: $BOOK_DATA_DIR, else data/")
    p.add_argument(
        "--device", type=device_option, default="auto", help=DEVICE_HELP + " (default: auto)"
    )
    p.add_argument(
        "--threads", type=positive_int, default=None, help="CPU threads (default: torch's)"
    )
    p.add_argument("--out-dir", type=user_path, default=DEFAULT_OUT, help="PNGs and checkpoints")
    p.add_argument(
        "--checkpoint",
        type=user_path,
        default=None,
        help="checkpoint path (default: OUT_DIR/mnist_MODEL_RECIPE.pt)",
    )
    p.add_argument(
        "--save-model",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="save a checkpoint after every epoch (default: yes)",
    )
    p.add_argument("--resume", action="store_true", help="continue from the checkpoint")
    p.add_argument("--no-figures", action="store_true", help="skip the PNGs")
    p.add_argument(
        "--predict",
        type=user_path,
        nargs="+",
        default=None,
        metavar="IMAGE_OR_FOLDER",
        help="classify images (files, or every image in a folder) with the saved checkpoint "
        "instead of training: a line per image",
    )
    p.add_argument(
        "--predict-out",
        type=user_path,
        default=None,
        metavar="FILE.csv",
        help="also write --predict's answers to a CSV (file, label, probability)",
    )
    p.add_argument(
        "--image-folder",
        type=user_path,
        default=None,
        metavar="DIR",
        help="train on your own images instead of MNIST: DIR/<class>/<image> (PNG/JPEG/BMP, any "
        "size or colour), or DIR/train/… and DIR/test/… (own_data.py; default out-dir "
        "OUT_DIR/own)",
    )
    p.add_argument(
        "--test-share",
        type=share,
        default=0.2,
        help="--image-folder without train/test parts: share of each class held out for "
        "testing (default: %(default)s)",
    )
    return p


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


class Options(NamedTuple):
    """The command line as values, made once in parse()."""

    settings: Settings
    data_dir: Path
    out_dir: Path
    device: str
    threads: int | None
    limit: int | None
    checkpoint: Path
    save_model: bool
    resume: bool
    figures: bool
    predict: list[Path] | None
    predict_out: Path | None
    image_folder: Path | None
    test_share: float


def checkpoint_path(out_dir: Path, s: Settings) -> Path:
    """One checkpoint per model and recipe, so --recipe book never overwrites the fast one."""
    return out_dir / f"mnist_{s.model}_{s.recipe}.pt"


def parse(argv: list[str] | None = None) -> Options:
    args = build_parser().parse_args(command_line(argv))
    settings = Settings.of(
        args.recipe,
        args.model,
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        seed=args.seed,
    )
    out_dir = args.out_dir
    if args.image_folder is not None and out_dir == DEFAULT_OUT:
        out_dir = DEFAULT_OUT / "own"  # the reader's run never overwrites MNIST's files
    checkpoint = args.checkpoint or checkpoint_path(out_dir, settings)
    return Options(
        settings,
        resolve_data_dir(args.data_dir),
        out_dir,
        args.device,
        args.threads,
        args.limit,
        checkpoint,
        args.save_model,
        args.resume,
        not args.no_figures,
        args.predict,
        args.predict_out,
        args.image_folder,
        args.test_share,
    )


def resume_state(s: Settings, checkpoint: Path, device) -> dict:
    """The checkpoint to continue from, refused in one line when it is another run's."""
    state = load_checkpoint(checkpoint, map_location=device)
    if state["config"]["model"] != s.model or state["config"]["recipe"] != s.recipe:
        raise DataError(
            f"{checkpoint} was trained with {state['config']} — use the same "
            "--model/--recipe, or another --checkpoint"
        )
    if s.recipe != "book" and state["config"]["epochs"] != s.epochs:
        # a one-cycle schedule is planned for a fixed number of epochs
        raise DataError(
            f"{checkpoint} follows a {state['config']['epochs']}-epoch schedule — "
            f"resume with --epochs {state['config']['epochs']}, or start afresh"
        )
    print(f"resumed from {checkpoint} after epoch {state['epoch']}")
    return state


def run(
    s: Settings,
    data: MnistData,
    device="cpu",
    checkpoint: Path | None = None,
    resume: bool = False,
    save_model: bool = True,
) -> Trained:
    """mnist.py's run: train() with a line per epoch and a checkpoint after each."""
    checkpoint = checkpoint or checkpoint_path(DEFAULT_OUT, s)
    state = resume_state(s, checkpoint, device) if resume else None

    def report(end: EpochEnd) -> None:
        h = end.row
        print(
            f"epoch {h['epoch']:2d}  train loss {h['train_loss']:.4f}  test loss "
            f"{h['test_loss']:.4f}  accuracy {h['correct']}/{h['total']} "
            f"({100 * h['correct'] / h['total']:.2f}%)  train {h['train_s']:.1f} s"
        )
        if save_model:
            save_checkpoint(
                checkpoint, end.model, end.optimizer, end.scheduler, h["epoch"], end.config
            )

    trained = train(s, data, device, on_epoch=report, resume=state, verbose=True)
    if save_model and trained.history:
        print(f"checkpoint: {checkpoint}")
    return trained


def own_data_module():
    """own_data.py beside this file (your own images, beyond the book), loaded by its path with
    `import mnist` inside it bound to this very module: one DataError, one Net, one loop, even
    when another copy of mnist.py is loaded under that name."""
    this = sys.modules[__name__]
    if getattr(this, "_own_data", None) is None:
        previous = sys.modules.get("mnist")
        sys.modules["mnist"] = this
        try:
            spec = importlib.util.spec_from_file_location(
                "own_data", Path(__file__).with_name("own_data.py")
            )
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
        finally:
            if previous is not None:
                sys.modules["mnist"] = previous
        this._own_data = module
    return this._own_data


def predict_command(o: Options) -> int:
    """One image: its class and every class's probability; several, or a folder: a line each
    (own_data.py), optionally saved as a CSV."""
    single = len(o.predict) == 1 and o.predict[0].is_file() and o.predict_out is None
    if not single:
        own_data_module().predict_many(o.predict, o.checkpoint, o.predict_out)
        return 0
    path = o.predict[0]
    model, config = load_classifier(o.checkpoint)
    best, probs = predict_file(path, model, config)
    classes = config["classes"]
    print(
        f"{path}: {classes[best]}   (p = {probs[best]:.3f}; "
        + " ".join(f"{c}:{p:.2f}" for c, p in zip(classes, probs, strict=True))
        + ")"
    )
    return 0


def main(argv=None) -> int:
    o = parse(argv)
    try:
        if o.predict:
            return predict_command(o)
        if o.threads:
            torch.set_num_threads(o.threads)
        if o.image_folder is not None:  # beyond the book: the reader's own images
            own_data = own_data_module()
            data = own_data.load_image_folder(o.image_folder, o.test_share, o.settings.seed)
        else:
            data = load_data(o.data_dir, o.limit)
            print_section_11_1(data, o.data_dir, o.out_dir)
            print_section_11_3()
        trained = run(o.settings, data, o.device, o.checkpoint, o.resume, o.save_model)
        if o.image_folder is not None:
            own_data_module().print_per_class(trained, data)
    except DataError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    if o.settings.recipe == "book" and not data.is_sample and not o.limit:
        print_book_table(trained.history, o.settings.model)
        loss, line = book_test_as_printed(trained.model, data.test_images, data.test_labels)
        print(
            f"  书中的 test() 照原样 the book's test() as printed: {line}  (loss {loss:.2e}: erratum 3)"
        )
    if trained.history and o.figures:
        for path in save_figures(trained, data, o.out_dir):
            print(f"图 figure: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
