"""第11章 与常见配方并排比较 · our recipe beside the ones a reader would use instead (not in the book).

    python ch11_mnist/compare.py                          # every model, full run (≈ 30 min on 2 CPU cores)
    python ch11_mnist/compare.py --time-cap 300           # at most 5 min of training per model
    python ch11_mnist/compare.py --models ours-book pytorch-example --epochs-cap 2   # a quick look

Trains, in one run, on the same data, device and thread count:
- ours-book / ours-wide: mnist.py's fast recipe on the book's Net and §11.6's wide Net;
- pytorch-example: the recipe of pytorch/examples `mnist/main.py` (its network: conv 1→32 3×3,
  conv 32→64 3×3, max-pool, dropout 0.25, fc 9216→128, dropout 0.5, fc 128→10; Adadelta lr 1.0,
  StepLR γ 0.7 per epoch, batch 64, 14 epochs, normalisation 0.1307 / 0.3081);
- keras-example: the recipe of keras.io's "Simple MNIST convnet" (conv 32 3×3 relu → max-pool 2
  → conv 64 3×3 relu → max-pool 2 → flatten → dropout 0.5 → dense 10 softmax; Adam, batch 128,
  15 epochs, validation split 0.1), written with Keras 3 on the torch backend.
Both peers are written here from those facts. After every epoch the test accuracy is measured
(its time excluded from the cumulative training seconds). One table and one PNG.
"""

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "torch")  # Keras 3 picks its backend at import
sys.path.insert(0, str(Path(__file__).resolve().parent))  # mnist.py, from any folder

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from mnist import (  # noqa: E402
    DEVICE_HELP,
    DataError,
    EpochEnd,
    MnistData,
    Settings,
    command_line,
    count_parameters,
    device_option,
    evaluate,
    load_data,
    non_negative_int,
    positive_float,
    positive_int,
    resolve_data_dir,
    to_tensors,
    train,
    user_path,
    write_atomic,
)

MODELS = ("ours-book", "ours-wide", "pytorch-example", "keras-example")
LEVELS = (98.5, 99.0, 99.5)  # accuracy levels (%) whose first crossing the table reports
EXAMPLE_MEAN, EXAMPLE_STD = 0.1307, 0.3081  # pytorch/examples' normalisation
SEED = 1
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "outputs" / "ch11"


# ---------------------------------------------------------------- pytorch/examples mnist


class ExampleNet(nn.Module):
    """The network of pytorch/examples `mnist/main.py` (1,199,882 parameters)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = self.dropout1(torch.flatten(x, 1))
        x = self.dropout2(F.relu(self.fc1(x)))
        return F.log_softmax(self.fc2(x), dim=1)


def example_epoch(model, x, y, optimizer, gen, batch_size=64) -> float:
    """One epoch as the example trains: shuffled batches of 64, NLL loss; returns mean loss."""
    model.train()
    order = torch.randperm(len(x), generator=gen).to(x.device)
    total = 0.0
    for start in range(0, len(x), batch_size):
        idx = order[start : start + batch_size]
        optimizer.zero_grad()
        loss = F.nll_loss(model(x[idx]), y[idx])
        loss.backward()
        optimizer.step()
        total += loss.item() * len(idx)
    return total / len(x)


def example_optimizer(model):
    optimizer = torch.optim.Adadelta(model.parameters(), lr=1.0)
    return optimizer, torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.7)


# ---------------------------------------------------------------- keras.io mnist_convnet


def keras_model():
    """keras.io's "Simple MNIST convnet" (34,826 parameters), compiled as the example does."""
    import keras
    from keras import layers

    model = keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
            layers.MaxPooling2D(pool_size=(2, 2)),
            layers.Flatten(),
            layers.Dropout(0.5),
            layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def keras_arrays(images, labels):
    """The example's input: float32 in [0, 1], shape (N, 28, 28, 1), one-hot labels."""
    import keras

    x = (images.astype("float32") / 255)[..., None]
    return x, keras.utils.to_categorical(labels, 10)


# ---------------------------------------------------------------- one training run per model


def history_row(epoch, seconds, correct, total, train_loss=None) -> dict:
    return dict(epoch=epoch, seconds=seconds, acc=100 * correct / total, train_loss=train_loss)


def should_stop(epoch: int, seconds: float, epochs_cap, time_cap) -> bool:
    return bool((epochs_cap and epoch >= epochs_cap) or (time_cap and seconds >= time_cap))


def run_ours(name, data: MnistData, epochs_cap, time_cap, device, log, seed=SEED) -> dict:
    """mnist.py's fast recipe through mnist.train, the loop mnist.py runs: the same seed gives
    the same first weights and the same epochs. The one-cycle schedule stays planned for the
    recipe's full length; a cap only stops it early."""
    settings = Settings.of("fast", name.removeprefix("ours-"), seed=seed)
    history = []

    def on_epoch(end: EpochEnd) -> bool:
        seconds = (history[-1]["seconds"] if history else 0.0) + end.row["train_s"]
        row = end.row
        history.append(
            history_row(row["epoch"], seconds, row["correct"], row["total"], row["train_loss"])
        )
        log(name, history[-1])
        return should_stop(row["epoch"], seconds, epochs_cap, time_cap)

    trained = train(settings, data, device, on_epoch=on_epoch)
    return dict(params=count_parameters(trained.model), history=history)


def run_pytorch_example(data: MnistData, epochs_cap, time_cap, device, log, seed=SEED) -> dict:
    """pytorch/examples seeds at the start of main(), before the model is built: so here."""
    torch.manual_seed(seed)
    norm = (EXAMPLE_MEAN, EXAMPLE_STD)
    x, y = (t.to(device) for t in to_tensors(data.train_images, data.train_labels, *norm))
    xt, yt = (t.to(device) for t in to_tensors(data.test_images, data.test_labels, *norm))
    model = ExampleNet().to(device)
    optimizer, scheduler = example_optimizer(model)
    gen = torch.Generator().manual_seed(seed)
    history, seconds = [], 0.0
    for epoch in range(1, 14 + 1):
        start = time.perf_counter()
        loss = example_epoch(model, x, y, optimizer, gen)
        scheduler.step()
        seconds += time.perf_counter() - start
        _, correct, _ = evaluate(model, xt, yt)
        history.append(history_row(epoch, seconds, correct, len(yt), loss))
        log("pytorch-example", history[-1])
        if should_stop(epoch, seconds, epochs_cap, time_cap):
            break
    return dict(params=count_parameters(model), history=history)


def run_keras_example(data: MnistData, epochs_cap, time_cap, device, log, seed=SEED) -> dict:
    import keras

    x, y = keras_arrays(data.train_images, data.train_labels)
    xt, yt = keras_arrays(data.test_images, data.test_labels)
    keras.utils.set_random_seed(seed)
    model = keras_model()
    history, clock = [], dict(seconds=0.0, start=0.0)

    class EpochClock(keras.callbacks.Callback):
        """Training seconds per epoch (fit's validation split included: it is the recipe's),
        then the test accuracy, whose time is not counted."""

        def on_epoch_begin(self, epoch, logs=None):
            clock["start"] = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            clock["seconds"] += time.perf_counter() - clock["start"]
            pred = self.model.predict(xt, batch_size=1000, verbose=0).argmax(axis=1)
            correct = int((pred == yt.argmax(axis=1)).sum())
            history.append(history_row(epoch + 1, clock["seconds"], correct, len(yt)))
            log("keras-example", history[-1])
            if should_stop(epoch + 1, clock["seconds"], epochs_cap, time_cap):
                self.model.stop_training = True

    model.fit(
        x,
        y,
        batch_size=128,
        epochs=15,
        validation_split=0.1,
        callbacks=[EpochClock()],
        verbose=0,
    )
    return dict(params=model.count_params(), history=history)


# ---------------------------------------------------------------- the table and the figure


def seconds_to_reach(history: list[dict], level: float) -> float | None:
    """Cumulative training seconds at the first epoch whose accuracy reaches `level` (%)."""
    return next((h["seconds"] for h in history if h["acc"] >= level), None)


def summary(results: dict) -> list[dict]:
    """One row per model; the speed-up compares each model's time to its own final accuracy
    with the time ours-book needed to reach that accuracy."""
    ours = results.get("ours-book")
    rows = []
    for name, r in results.items():
        h = r["history"]
        final = h[-1]["acc"]
        row = dict(
            model=name,
            params=r["params"],
            epochs=len(h),
            final=final,
            per_epoch=h[-1]["seconds"] / len(h),
            reach={lvl: seconds_to_reach(h, lvl) for lvl in LEVELS},
            speedup=None,
        )
        if ours and name != "ours-book":
            ours_t = seconds_to_reach(ours["history"], final)
            own_t = seconds_to_reach(h, final)
            row["speedup"] = own_t / ours_t if ours_t else None
        rows.append(row)
    return rows


def format_table(rows: list[dict]) -> list[str]:
    head = " | ".join(f"s to {lvl}%" for lvl in LEVELS)
    lines = [
        f"| model | parameters | epochs | final test accuracy | {head} | s/epoch | "
        "its time to its final accuracy ÷ ours-book's |",
        "|---|---|---|---|" + "---|" * len(LEVELS) + "---|---|",
    ]
    for r in rows:
        reach = " | ".join(
            f"{r['reach'][lvl]:.0f}" if r["reach"][lvl] is not None else "not reached"
            for lvl in LEVELS
        )
        speed = (
            "—"
            if r["model"] == "ours-book"
            else (f"{r['speedup']:.1f}×" if r["speedup"] else "ours-book does not reach it")
        )
        lines.append(
            f"| {r['model']} | {r['params']:,} | {r['epochs']} | {r['final']:.2f}% | {reach} | "
            f"{r['per_epoch']:.1f} | {speed} |"
        )
    return lines


def plot(results: dict, path: Path) -> Path:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 5))

    ax = fig.subplots()
    for name, r in results.items():
        h = r["history"]
        ax.plot([e["seconds"] for e in h], [e["acc"] for e in h], "o-", ms=3, label=name)
    ax.axhline(99.0, color="grey", ls=":", label="99%")
    ax.set_xlabel("cumulative training seconds (test evaluation excluded)")
    ax.set_ylabel("test accuracy (%)")
    ax.set_ylim(96, 100)
    ax.set_title(f"MNIST: test accuracy against training time ({torch.get_num_threads()} threads)")
    ax.legend(loc="lower right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    write_atomic(path, lambda tmp: fig.savefig(tmp, dpi=100, format="png"))
    return path


# ---------------------------------------------------------------- main


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        description="第11章 与常见配方比较: our fast recipe beside the PyTorch and Keras examples' "
        "recipes, in one run (every model in full: ≈ 30 min on 2 CPU cores; --time-cap 300 "
        "keeps each model to 5 minutes of training)"
    )
    p.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS))
    p.add_argument(
        "--epochs-cap", type=positive_int, default=None, help="at most N epochs per model"
    )
    p.add_argument(
        "--time-cap",
        type=positive_float,
        default=None,
        help="stop a model after the epoch that passes this many training seconds",
    )
    p.add_argument("--limit", type=positive_int, default=None, help="the first N images only")
    p.add_argument("--seed", type=non_negative_int, default=SEED, help="(default: %(default)s)")
    p.add_argument("--data-dir", default=None, help="default: $BOOK_DATA_DIR, else data/")
    p.add_argument(
        "--device", type=device_option, default="auto", help=DEVICE_HELP + " (default: auto)"
    )
    p.add_argument("--threads", type=positive_int, default=None, help="CPU threads")
    p.add_argument("--out-dir", type=user_path, default=DEFAULT_OUT, help="where the PNG goes")
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(command_line(argv))
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    try:
        data = load_data(resolve_data_dir(args.data_dir), args.limit)
    except DataError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"device {device}, {torch.get_num_threads()} threads, torch {torch.__version__}")

    def log(name, row):
        print(
            f"  {name:<16} epoch {row['epoch']:2d}  {row['seconds']:7.1f} s  {row['acc']:.2f}%",
            flush=True,
        )

    results = {}
    for name in args.models:
        print(f"== {name}")
        cap = (args.epochs_cap, args.time_cap, device, log, args.seed)
        if name.startswith("ours-"):
            results[name] = run_ours(name, data, *cap)
        elif name == "pytorch-example":
            results[name] = run_pytorch_example(data, *cap)
        else:
            results[name] = run_keras_example(data, *cap)
    print("\n" + "\n".join(format_table(summary(results))))
    print(f"\n图 figure: {plot(results, args.out_dir / 'compare.png')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
