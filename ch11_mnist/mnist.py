"""第11章 MNIST 手写数字识别 — the book's CNN, reproduced (--recipe book) and trained fast (--recipe fast).

    python ch11_mnist/mnist.py                          # fast recipe, book Net, full data if fetched
    python ch11_mnist/mnist.py --recipe book --epochs 5 # the book's training, table vs. §11.5
    python ch11_mnist/mnist.py --model wide             # §11.6's wider Net
    python ch11_mnist/mnist.py --predict my_digit.png   # classify your own drawing (needs a checkpoint)

Data: --data-dir, else $BOOK_DATA_DIR, else the repository's data/ (python data/fetch.py mnist);
without the full files, the 1,000/500-image sample in DATA_DIR/samples/mnist (so a copy of this
folder finds the sample through --data-dir or $BOOK_DATA_DIR too).
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

# §11.5 / §11.6: test accuracy (of 10,000) and test loss after N epochs
BOOK_11_5 = {2: (9140, 0.3419), 3: (9379, 0.2362), 4: (9460, 0.2210), 5: (9532, 0.1789)}
BOOK_11_6 = {1: (9038, 0.3159), 2: (9456, 0.1742), 3: (9608, 0.1234), 4: (9694, 0.1009)}


class DataError(Exception):
    """Missing or malformed data: a one-line message that names the file and the fix."""


# ---------------------------------------------------------------- §11.1 data


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


# ---------------------------------------------------------------- §11.2 model


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
    ):
        super().__init__()
        self.conv1 = nn.Conv2d(1, conv1, kernel_size=5)
        self.conv2 = nn.Conv2d(conv1, conv2, kernel_size=5)
        self.conv2_drop = nn.Dropout2d(p_conv)
        self.fc1 = nn.Linear(conv2 * 4 * 4, hidden)
        self.fc1_drop = nn.Dropout(p_fc)
        self.fc2 = nn.Linear(hidden, 10)

    def forward(self, x):
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(self.conv2_drop(self.conv2(x)), 2))
        x = torch.flatten(x, 1)
        x = self.fc1_drop(F.relu(self.fc1(x)))
        return F.log_softmax(self.fc2(x), dim=1)


MODELS = {"book": dict(conv1=10, conv2=20, hidden=50), "wide": dict(conv1=32, conv2=64, hidden=100)}

# §11.4's settings, and the fast recipe's (tuned on 2 CPU cores for ≈1 and ≈3 minute budgets)
BOOK_DEFAULTS = dict(epochs=5, batch_size=100, lr=0.01)
FAST_DEFAULTS = {
    "book": dict(epochs=22, batch_size=256, lr=0.01),
    "wide": dict(epochs=20, batch_size=128, lr=0.005),
}


def build_model(name: str, recipe: str) -> Net:
    # the fast recipe keeps the architecture and lowers dropout: it trains for few epochs
    dropout = dict(p_conv=0.5, p_fc=0.5) if recipe == "book" else dict(p_conv=0.1, p_fc=0.1)
    return Net(**MODELS[name], **dropout)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


# ---------------------------------------------------------------- §11.3–11.4 training


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
    out = model(torch.randn(1, 1, 28, 28))
    grad_before = model.conv1.bias.grad
    F.nll_loss(out, torch.tensor([3])).backward()
    return dict(
        error_32=error_32,
        values_32=values_32,
        out_shape=tuple(out.shape),
        grad_before=grad_before,
        grad_after=model.conv1.bias.grad.clone(),
    )


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
    print(f"conv1.bias.grad 反向传播后 after backward:  [{grad}]\n")


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


def make_optimizer(model, recipe: str, lr: float, epochs: int, steps_per_epoch: int):
    if recipe == "book":  # §11.4: SGD lr 0.01 momentum 0.5, no schedule
        return optim_sgd(model, lr), None
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=5e-4)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=lr, epochs=epochs, steps_per_epoch=steps_per_epoch, pct_start=0.2
    )
    return optimizer, scheduler


def optim_sgd(model, lr):
    return torch.optim.SGD(model.parameters(), lr=lr, momentum=0.5)


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


def book_points(model: str) -> tuple[str, dict]:
    """The book's (section, {epoch: (correct of 10,000, test loss)}) for this model."""
    return ("11.5", BOOK_11_5) if model == "book" else ("11.6", BOOK_11_6)


def figure_names(model: str, recipe: str) -> dict[str, str]:
    """One set of PNG names per run, so --recipe book never overwrites the fast recipe's."""
    tag = f"{model}_{recipe}"
    return {kind: f"{kind}_{tag}.png" for kind in ("curves", "confusion", "misclassified")}


def save_figures(
    history: list[dict], y_true, y_pred, images, out_dir: Path, model="book", recipe="fast"
) -> list[Path]:
    import matplotlib.ticker
    from matplotlib.figure import Figure

    names = figure_names(model, recipe)
    section, book = book_points(model)
    paths = []
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
    paths.append(_save_fig(fig, out_dir / names["curves"]))

    cm = np.zeros((10, 10), dtype=int)
    np.add.at(cm, (y_true.cpu().numpy(), y_pred.cpu().numpy()), 1)
    fig = Figure(figsize=(6, 5.5))
    ax = fig.subplots()
    ax.imshow(np.log1p(cm), cmap="Blues")
    for i in range(10):
        for j in range(10):
            if cm[i, j]:
                ax.text(
                    j,
                    i,
                    cm[i, j],
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if i == j else "black",
                )
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_xticks(range(10))
    ax.set_yticks(range(10))
    ax.set_title("confusion matrix, test set (colour: log(1 + count))")
    fig.tight_layout()
    paths.append(_save_fig(fig, out_dir / names["confusion"]))

    wrong = (y_true != y_pred).nonzero().squeeze(1)[:36].cpu()
    fig = Figure(figsize=(9, 4.6))
    axes = fig.subplots(4, 9)
    for ax in axes.flat:
        ax.axis("off")
    for ax, i in zip(axes.flat, wrong.tolist(), strict=False):
        ax.imshow(images[i], cmap="gray_r")
        ax.set_title(f"{int(y_pred[i])} (true {int(y_true[i])})", fontsize=8, color="red")
    fig.suptitle("misclassified test digits: predicted (true)")
    paths.append(_save_fig(fig, out_dir / names["misclassified"]))
    return paths


# ---------------------------------------------------------------- predict


def read_gray(path: Path) -> np.ndarray:
    """Any image file → uint8 grayscale. The bytes go through numpy (np.fromfile + imdecode):
    cv2.imread cannot open a path with Chinese characters on Windows (opencv-python#211). A
    transparent PNG is laid on white first, as a viewer shows it (IMREAD_GRAYSCALE would drop
    the alpha and leave the black of the transparent pixels: an all-black, "blank" image)."""
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


def predict_file(path: Path, checkpoint: Path) -> tuple[int, np.ndarray]:
    state = load_checkpoint(checkpoint)
    config = state["config"]
    model = build_model(config["model"], config["recipe"])
    model.load_state_dict(state["model"])
    x, _ = to_tensors(
        preprocess_drawing(path)[None], np.zeros(1, np.uint8), config["mean"], config["std"]
    )
    with torch.inference_mode():
        probs = model.eval()(x).exp()[0].numpy()
    return int(probs.argmax()), probs


# ---------------------------------------------------------------- main


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


def run(args) -> dict:
    """Train and evaluate as the arguments say; returns the history and final numbers."""
    torch.manual_seed(args.seed)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    folder, is_sample = find_mnist(resolve_data_dir(args.data_dir))
    if is_sample:
        print(
            f"未找到完整 MNIST, 使用样本 full MNIST not found — using the {folder} sample "
            f"(1,000 train / 500 test images); for the real thing {FETCH_HINT}"
        )
    train_images, train_labels = load_mnist(folder, "train")
    test_images, test_labels = load_mnist(folder, "t10k")
    if args.limit:
        train_images, train_labels = train_images[: args.limit], train_labels[: args.limit]
        test_images, test_labels = test_images[: args.limit], test_labels[: args.limit]
    # §11.1 scales to [0, 1]; the fast recipe also standardises with the training set's statistics
    mean, std = (
        (0.0, 1.0)
        if args.recipe == "book"
        else (float(train_images.mean() / 255), float(train_images.std() / 255))
    )
    x_train, y_train = (t.to(device) for t in to_tensors(train_images, train_labels, mean, std))
    x_test, y_test = (t.to(device) for t in to_tensors(test_images, test_labels, mean, std))
    print(
        f"train {tuple(x_train.shape)}  test {tuple(x_test.shape)}  device {device}  "
        f"threads {torch.get_num_threads()}"
    )

    model = build_model(args.model, args.recipe).to(device, memory_format=torch.channels_last)
    batch = args.batch_size
    steps = math.ceil(len(x_train) / batch)
    optimizer, scheduler = make_optimizer(model, args.recipe, args.lr, args.epochs, steps)
    config = dict(model=args.model, recipe=args.recipe, mean=mean, std=std, epochs=args.epochs)
    ckpt = args.checkpoint or (args.out_dir / f"mnist_{args.model}_{args.recipe}.pt")
    first = 1
    if args.resume:
        state = load_checkpoint(ckpt, map_location=device)
        if state["config"]["model"] != args.model or state["config"]["recipe"] != args.recipe:
            raise DataError(
                f"{ckpt} was trained with {state['config']} — use the same "
                "--model/--recipe, or another --checkpoint"
            )
        if scheduler and state["config"]["epochs"] != args.epochs:
            # a one-cycle schedule is planned for a fixed number of epochs
            raise DataError(
                f"{ckpt} follows a {state['config']['epochs']}-epoch schedule — "
                f"resume with --epochs {state['config']['epochs']}, or start afresh"
            )
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        if scheduler and state["scheduler"]:
            scheduler.load_state_dict(state["scheduler"])
        first = state["epoch"] + 1
        print(f"resumed from {ckpt} after epoch {state['epoch']}")
    print(model)
    print(f"参数 parameters: {count_parameters(model):,}")

    gen = torch.Generator().manual_seed(args.seed)
    history, pred = [], None
    for epoch in range(first, args.epochs + 1):
        start = time.perf_counter()
        with _progress(len(x_train), f"epoch {epoch}") as bar:
            if args.recipe == "book":
                train_loss = train_epoch_book(model, x_train, y_train, optimizer, batch, bar)
            else:
                train_loss = train_epoch_fast(
                    model, x_train, y_train, optimizer, scheduler, gen, batch, progress=bar
                )
        train_s = time.perf_counter() - start
        test_loss, correct, pred = evaluate(model, x_test, y_test)
        history.append(
            dict(
                epoch=epoch,
                train_loss=train_loss,
                test_loss=test_loss,
                correct=correct,
                total=len(y_test),
                train_s=train_s,
            )
        )
        print(
            f"epoch {epoch:2d}  train loss {train_loss:.4f}  test loss {test_loss:.4f}  "
            f"accuracy {correct}/{len(y_test)} ({100 * correct / len(y_test):.2f}%)  "
            f"train {train_s:.1f} s"
        )
        if args.save_model:
            save_checkpoint(ckpt, model, optimizer, scheduler, epoch, config)
    if args.save_model and history:
        print(f"checkpoint: {ckpt}")
    return dict(
        history=history,
        pred=pred,
        y_test=y_test,
        test_images=test_images,
        is_sample=is_sample,
        model=model,
        checkpoint=ckpt,
    )


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
    fast = " / ".join(f"{v[key]} ({name} Net)" for name, v in FAST_DEFAULTS.items())
    return f"default: fast recipe {fast}; book recipe {BOOK_DEFAULTS[key]}"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        description="第11章 MNIST 手写数字识别: the book's CNN, reproduced and fast"
    )
    p.add_argument(
        "--recipe",
        choices=["fast", "book"],
        default="fast",
        help="fast: modern training (default); book: §11.4 exactly",
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
        help="learning rate (the fast recipe's one-cycle peak); " + recipe_defaults_help("lr"),
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
        default=None,
        metavar="IMAGE",
        help="classify IMAGE with the saved checkpoint instead of training",
    )
    return p


def parse_args(argv=None):
    args = build_parser().parse_args(argv)
    defaults = BOOK_DEFAULTS if args.recipe == "book" else FAST_DEFAULTS[args.model]
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        if args.predict:
            ckpt = args.checkpoint or args.out_dir / f"mnist_{args.model}_{args.recipe}.pt"
            digit, probs = predict_file(args.predict, ckpt)
            print(
                f"{args.predict}: {digit}   (p = {probs[digit]:.3f}; "
                + " ".join(f"{d}:{p:.2f}" for d, p in enumerate(probs))
                + ")"
            )
            return 0
        print_section_11_3()
        result = run(args)
    except DataError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    history = result["history"]
    if args.recipe == "book" and not result["is_sample"] and not args.limit:
        print_book_table(history, args.model)
    if history and not args.no_figures:
        for path in save_figures(
            history,
            result["y_test"],
            result["pred"],
            result["test_images"],
            args.out_dir,
            model=args.model,
            recipe=args.recipe,
        ):
            print(f"图 figure: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
