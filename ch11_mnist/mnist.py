"""第11章 MNIST 手写数字识别 · handwritten digits: the book's code, section by section (§11.1–§11.6).

    python ch11_mnist/mnist.py                       # §11.4's training, 5 epochs, vs. §11.5 (< 1 min)
    python ch11_mnist/mnist.py --model wide --epochs 4   # §11.6's wider Net, vs. §11.6
    python ch11_mnist/mnist.py --limit 1000 --epochs 2   # a quick look (seconds)
    python ch11_mnist/mnist.py --resume              # one more epoch, as a rerun of the book's script

The book's sections in order, each its code then its printer: §11.1 the data, §11.2 the Net,
§11.3 the first call, §11.4 the training (settings, one epoch, the test, the loop that saves and
resumes), §11.5/§11.6 the book's tables. Beyond the book, beside this file (they import it):
fast_recipe.py (99.5% / 99.0% training), own_data.py (your own images, --predict),
compare.py (vs. the official examples), benchmark.py (images/s). support.py: files, devices,
the command line; figures.py: the PNGs.

Data: --data-dir, else $BOOK_DATA_DIR, else the repository's data/ (python data/fetch.py mnist);
without the full files, the 1,000/500-image sample in DATA_DIR/samples/mnist, saying so.
"""

import argparse
import os
import struct
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

try:  # imported as ch11_mnist.mnist (the tests), else run or imported from this folder
    from . import figures, support
except ImportError:
    import figures
    import support

DEFAULT_OUT = support.REPO / "outputs" / "ch11"
SEED = 1
DIGITS = tuple("0123456789")  # MNIST's class names, in label order


# ================================================================ §11.1 加载数据 data


def read_idx(path: Path, magic: int) -> np.ndarray:
    """§11.1's reader: a big-endian header (magic, count[, rows, cols]), then uint8 data. Reads
    .gz directly; support checks the magic number (2049 labels, 2051 images), 28×28, the size."""
    raw = support.read_bytes(path)
    support.check_idx(raw, magic, path)
    dims = 1 if magic == 2049 else 3  # labels: count; images: count, rows, cols
    count, *shape = struct.unpack(f">{dims}I", raw[4 : 4 + 4 * dims])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(count, *shape)


def load_mnist(folder: Path, kind: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """Images (N, 28, 28) uint8 and labels (N,) uint8; kind is 'train' or 't10k'."""
    images_name, labels_name = support.FILES[kind]
    images = read_idx(folder / images_name, 2051)
    labels = read_idx(folder / labels_name, 2049)
    if len(images) != len(labels):
        raise support.DataError(f"{folder}: {len(images)} images but {len(labels)} labels ({kind})")
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
    "Keras": ("x_train", "y_train", "x_test", "y_test"),
    "the book": ("trainInps", "trainTargs", "testInps", "testTargs"),
}


def load_npz(path: Path) -> tuple[list[str], tuple[tuple, tuple]]:
    """(the file's keys, ((x_train, y_train), (x_test, y_test))) as uint8 28×28 images and digit
    labels, whichever of the two layouts the file has (one-hot labels become digits)."""
    keys, (x_train, y_train, x_test, y_test) = support.read_npz(path, NPZ_KEYS)
    train = npz_images(x_train), npz_labels(y_train)
    return keys, (train, (npz_images(x_test), npz_labels(y_test)))


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
    if not support.keras_npz_path().is_file():
        return None
    os.environ.setdefault("KERAS_BACKEND", "torch")  # Keras 3 would ask for TensorFlow
    from keras.datasets import mnist as keras_mnist

    return keras_mnist.load_data()


def one_hot(label: int) -> list[int]:
    return [int(d == label) for d in range(len(DIGITS))]


def write_digit(image: np.ndarray, path: Path) -> Path:
    """§11.1 writes x_train[1] out as 001.png: here a 28×28 PNG through imencode and tofile
    (OpenCV's own file writing cannot open a path with Chinese characters on Windows)."""
    return support.write_image(path, image)


class MnistData(NamedTuple):
    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    is_sample: bool
    classes: tuple[str, ...] = DIGITS  # the label names, in label order


def load_data(data_dir: Path, limit: int | None = None) -> MnistData:
    """§11.1's four files (or the sample, saying so), the first `limit` images of each part."""
    folder, is_sample = support.find_mnist(data_dir)
    if is_sample:
        print(
            f"未找到完整 MNIST, 使用样本 full MNIST not found — using the {folder} sample "
            f"(1,000 train / 500 test images); for the real thing {support.FETCH_HINT}"
        )
    train, test = load_mnist(folder, "train"), load_mnist(folder, "t10k")
    if limit:
        train, test = (tuple(a[:limit] for a in part) for part in (train, test))
    return MnistData(*train, *test, is_sample)


BOOK_11_1_ROWS = {"train": (60000, 784), "test": (10000, 784)}
BOOK_11_1_LABEL = [0, 0, 0, 1, 0, 0, 0, 0, 0]  # the label the book prints for x_train[1]


def print_section_11_1(data: MnistData, data_dir: Path, out_dir: Path) -> None:
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
    npz = support.find_npz(data_dir)
    if npz is None:
        print(
            f"  (2) mnist.npz: none in {data_dir / 'mnist'} or {support.keras_npz_path().parent} — "
            f"{support.KERAS_NPZ_HINT}; its keys are x_train, y_train, x_test, y_test, not the book's "
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
    keras_arrays = keras_load_data() if npz == support.keras_npz_path() else None
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


def print_section_11_2() -> None:
    print("== §11.2 卷积模型 the Net ==")
    print(Net())
    book, wide = (count_parameters(Net(**MODELS[name])) for name in ("book", "wide"))
    print(f"  参数 parameters: {book:,} (§11.6 的宽网络 the wide Net: {wide:,})\n")


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


# ================================================================ §11.4 训练与测试 the book's training


@dataclass(frozen=True)
class BookSettings:
    """§11.4's settings: the parser, --help, the notebook and the tests read these defaults."""

    model: str = "book"  # §11.2's Net; "wide" is §11.6's
    epochs: int = 5  # §11.5's table runs to 5 "iterations", one epoch each (erratum 2)
    batch_size: int = 100
    lr: float = 0.01
    momentum: float = 0.5
    seed: int = SEED


def train_epoch(
    model, x, y, optimizer, batch_size: int = BookSettings.batch_size, bar=None
) -> float:
    """§11.4's train(): batches in file order (no shuffling, erratum 5), NLL loss, one SGD step
    each; returns the epoch's mean training loss."""
    model.train()
    total = 0.0
    for start in range(0, len(x), batch_size):
        data, target = x[start : start + batch_size], y[start : start + batch_size]
        optimizer.zero_grad()  # backward() adds into .grad (§11.3)
        loss = F.nll_loss(model(data), target)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(data)
        if bar:
            bar.update(len(data))
    return total / len(x)


def optim_sgd(model, lr: float = BookSettings.lr, momentum: float = BookSettings.momentum):
    return torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)


@torch.inference_mode()
def evaluate(model, x, y, chunk: int = 1000) -> tuple[float, int, torch.Tensor]:
    """§11.4's test(), corrected: (mean NLL over all images, number correct, predictions). The
    loss is summed and divided once (erratum 3), in batches of 1,000 (erratum 13)."""
    model.eval()
    loss, preds = 0.0, []
    for start in range(0, len(x), chunk):
        logp = model(x[start : start + chunk].contiguous(memory_format=torch.channels_last))
        loss += F.nll_loss(logp, y[start : start + chunk], reduction="sum").item()
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


def checkpoint_path(out_dir: Path, model: str = BookSettings.model) -> Path:
    """§11.4's mnist_torch.pkl, one per model, as a state_dict file (erratum 8)."""
    return out_dir / f"mnist_{model}_book.pt"


def save_checkpoint(path: Path, model, optimizer, epoch: int, config: dict, scheduler=None) -> Path:
    """§11.4 saves the whole pickled model every 10 batches; here the state_dicts, the epoch and
    the run's config after every epoch, written to a temporary name and renamed."""
    state = {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict() if scheduler else None,  # fast_recipe.py's
        "epoch": epoch,
        "config": config,
    }
    return support.write_atomic(path, lambda tmp: torch.save(state, tmp))


def load_checkpoint(path: Path, map_location="cpu") -> dict:
    """A checkpoint of this chapter, loaded with weights_only=True; anything else one line."""
    state = support.load_state(path, map_location, "train first: python ch11_mnist/mnist.py")
    if not {"model", "epoch", "config"} <= state.keys():
        raise support.DataError(f"{path} is not a checkpoint of ch11 — delete it and train again")
    return state


def resume_from(path: Path, model: str, device) -> dict:
    """§11.4's `if os.path.exists('mnist_torch.pkl'): model = torch.load(...)`: the checkpoint to
    continue from, refused in one line when it holds another model."""
    state = load_checkpoint(path, map_location=device)
    if state["config"]["model"] != model:
        raise support.DataError(
            f"{path} holds the {state['config']['model']} Net — use --model "
            f"{state['config']['model']}, or another --checkpoint"
        )
    print(f"resumed from {path} after epoch {state['epoch']}")
    return state


class Trained(NamedTuple):
    model: nn.Module
    history: list[dict]  # a row per epoch: epoch, train_loss, test_loss, correct, total, train_s
    pred: torch.Tensor | None  # the last epoch's test predictions
    config: dict  # what a checkpoint records: model, recipe, mean, std, epochs, classes


def epoch_row(epoch: int, train_loss: float, train_s: float, scored) -> dict:
    """One line of the history: the epoch's training loss and its test (evaluate's result)."""
    test_loss, correct, pred = scored
    return dict(
        epoch=epoch,
        train_loss=train_loss,
        test_loss=test_loss,
        correct=correct,
        total=len(pred),
        train_s=train_s,
    )


def print_epoch(h: dict) -> None:
    print(
        f"epoch {h['epoch']:2d}  train loss {h['train_loss']:.4f}  test loss "
        f"{h['test_loss']:.4f}  accuracy {h['correct']}/{h['total']} "
        f"({100 * h['correct'] / h['total']:.2f}%)  train {h['train_s']:.1f} s"
    )


def train(
    s: BookSettings,
    data: MnistData,
    device="cpu",
    checkpoint: Path | None = None,
    resume: bool = False,
    save: bool = True,
) -> Trained:
    """§11.4's whole training: seeded before the Net is built, SGD, then per epoch train() and
    test(), a line and a checkpoint. `resume` continues from the checkpoint's weights and epoch
    count with a fresh SGD, as each rerun of the book's script does; `save` writes it after
    every epoch."""
    torch.manual_seed(s.seed)
    device = torch.device(device)
    x_train, y_train = (t.to(device) for t in to_tensors(data.train_images, data.train_labels))
    x_test, y_test = (t.to(device) for t in to_tensors(data.test_images, data.test_labels))
    model = Net(**MODELS[s.model], n_classes=len(data.classes))
    model = model.to(device, memory_format=torch.channels_last)
    optimizer = optim_sgd(model, s.lr, s.momentum)
    config = dict(model=s.model, recipe="book", mean=0.0, std=1.0, epochs=s.epochs)
    config["classes"] = list(data.classes)
    first = 1
    if resume:
        state = resume_from(checkpoint, s.model, device)
        model.load_state_dict(state["model"])
        first = state["epoch"] + 1
    history, pred = [], None
    for epoch in range(first, s.epochs + 1):
        start = time.perf_counter()
        with support.progress(len(x_train), f"epoch {epoch}") as bar:
            train_loss = train_epoch(model, x_train, y_train, optimizer, s.batch_size, bar)
        scored = evaluate(model, x_test, y_test)
        history.append(epoch_row(epoch, train_loss, time.perf_counter() - start, scored))
        pred = scored[2]
        print_epoch(history[-1])
        if save and checkpoint is not None:
            save_checkpoint(checkpoint, model, optimizer, epoch, config)
    return Trained(model, history, pred, config)


def print_section_11_4(s: BookSettings, data: MnistData, device: str) -> None:
    print(
        f"== §11.4 训练与测试 the book's training: {s.model} Net, SGD lr {s.lr} momentum "
        f"{s.momentum}, batch {s.batch_size}, {s.epochs} epochs, seed {s.seed} =="
    )
    print(
        f"  train {len(data.train_images)}  test {len(data.test_images)}  device {device}  "
        f"threads {torch.get_num_threads()}"
    )


# ================================================================ §11.5 / §11.6 结果 the book's tables

# test accuracy (of 10,000) and test loss after N epochs: §11.5 the book's Net, §11.6 the wide one
BOOK_11_5 = {2: (9140, 0.3419), 3: (9379, 0.2362), 4: (9460, 0.2210), 5: (9532, 0.1789)}
BOOK_11_6 = {1: (9038, 0.3159), 2: (9456, 0.1742), 3: (9608, 0.1234), 4: (9694, 0.1009)}


def book_points(model: str) -> tuple[str, dict]:
    """The book's (section, {epoch: (correct of 10,000, test loss)}) for this model."""
    return ("11.5", BOOK_11_5) if model == "book" else ("11.6", BOOK_11_6)


def print_book_table(history: list[dict], model: str) -> None:
    """Today's epochs beside the book's: correct of 10,000 and the test loss (√: at least the
    book's count). On fewer test images today's count is of those, without a mark."""
    section, book = book_points(model)
    print(
        f"\n§{section} 书中 vs. 今天 book vs. today (correct / test loss); "
        "one epoch per book 'iteration' (书中的一次迭代 = 一轮)"
    )
    for h in history:
        if h["epoch"] in book:
            acc, loss = book[h["epoch"]]
            mark = ("√" if h["correct"] >= acc else "×") if h["total"] == 10000 else ""
            print(
                f"  {h['epoch']} 轮后 after {h['epoch']} epochs  书中 book {acc}/10000 / {loss:.4f}"
                f"   今天 today {h['correct']}/{h['total']} / {h['test_loss']:.4f}  {mark}"
            )


def print_section_11_5(trained: Trained, data: MnistData, model: str) -> None:
    """The book's table beside today's, and the book's test() line as it prints."""
    print_book_table(trained.history, model)
    if data.is_sample or len(data.test_images) < 10000:
        print(
            f"  书中的数来自完整 MNIST the book's numbers are for the full set — {support.FETCH_HINT}"
        )
        return
    loss, line = book_test_as_printed(trained.model, data.test_images, data.test_labels)
    print(
        f"  书中的 test() 照原样 the book's test() as printed: {line}  (loss {loss:.2e}: erratum 3)"
    )


# ================================================================ main: the book's run


def build_parser() -> argparse.ArgumentParser:
    d, s = BookSettings(), support
    p = argparse.ArgumentParser(
        description="第11章 MNIST: the book's Net trained as §11.4 does, vs. §11.5/§11.6",
        epilog="beyond the book: fast_recipe.py, own_data.py, compare.py, benchmark.py",
    )
    add = p.add_argument
    add("--model", choices=list(MODELS), default=d.model, help="book: §11.2; wide: §11.6")
    add("--epochs", type=s.positive_int, default=d.epochs, help="(default: %(default)s)")
    add("--batch-size", type=s.positive_int, default=d.batch_size, help="(default: %(default)s)")
    add("--lr", type=s.positive_float, default=d.lr, help="(default: %(default)s)")
    add("--seed", type=s.non_negative_int, default=d.seed, help="(default: %(default)s)")
    add("--limit", type=s.positive_int, default=None, help="only the first N images")
    add("--data-dir", type=s.user_path, default=None, help="default: $BOOK_DATA_DIR, else data/")
    add("--out-dir", type=s.user_path, default=DEFAULT_OUT, help="default: outputs/ch11")
    s.add_run_options(p, "default: OUT_DIR/mnist_MODEL_book.pt")
    return p


def main(argv=None) -> int:
    argv = support.command_line(argv)
    support.refuse_moved_options(argv, support.MOVED_FROM_MNIST_PY)
    args = build_parser().parse_args(argv)
    s = BookSettings(args.model, args.epochs, args.batch_size, args.lr, seed=args.seed)
    checkpoint = args.checkpoint or checkpoint_path(args.out_dir, s.model)
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        data_dir = support.resolve_data_dir(args.data_dir)
        data = load_data(data_dir, args.limit)
        print_section_11_1(data, data_dir, args.out_dir)
        print_section_11_2()
        print_section_11_3()
        print_section_11_4(s, data, args.device)
        trained = train(s, data, args.device, checkpoint, args.resume, args.save_model)
    except support.DataError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    if args.save_model and trained.history:
        print(f"checkpoint: {checkpoint}")
    print_section_11_5(trained, data, s.model)
    if trained.history and not args.no_figures:
        book = book_points(s.model) if not data.is_sample else None
        shown = figures.save_figures(
            trained.history, trained.pred, data, args.out_dir, s.model, "book", book
        )
        for path in shown:
            print(f"图 figure: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
