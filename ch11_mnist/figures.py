"""第11章的图 · the chapter's figures (PNG files, drawn without a global matplotlib backend).

The loss and accuracy curves beside the book's §11.5/§11.6 numbers, the confusion matrix and the
misclassified digits. mnist.py, fast_recipe.py and own_data.py draw with these.
"""

from pathlib import Path

import numpy as np
import torch

try:
    from .support import save_png, tick_labels  # imported as ch11_mnist.figures
except ImportError:
    from support import save_png, tick_labels  # run from this folder


def figure_names(model: str, recipe: str) -> dict[str, str]:
    """One set of PNG names per run, so the book's run never overwrites the fast recipe's."""
    tag = f"{model}_{recipe}"
    return {kind: f"{kind}_{tag}.png" for kind in ("curves", "confusion", "misclassified")}


def save_curves(
    history: list[dict], path: Path, title: str, book: dict, section: str = "11.5"
) -> Path:
    """Loss and test accuracy per epoch; `book` ({epoch: (correct, loss)}) drawn as stars."""
    import matplotlib.ticker
    from matplotlib.figure import Figure

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
    a2.set_title(f"test accuracy (%), {title}")
    a2.legend(loc="lower right")
    for ax in (a1, a2):
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    fig.tight_layout()
    return save_png(fig, path)


def save_confusion(y_true, y_pred, path: Path, classes) -> Path:
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
    saved = save_png(fig, path)
    if table:
        print(f"类别编号 class numbers in {saved.name} (no Chinese font for the ticks): {table}")
    return saved


def save_misclassified(y_true, y_pred, images, path: Path) -> Path:
    """The first 36 test images the model gets wrong: predicted (true)."""
    from matplotlib.figure import Figure

    wrong = (y_true != y_pred).nonzero().squeeze(1)[:36].cpu()
    fig = Figure(figsize=(9, 4.6))
    axes = fig.subplots(4, 9)
    for ax in axes.flat:
        ax.axis("off")
    for ax, i in zip(axes.flat, wrong.tolist(), strict=False):
        ax.imshow(images[i], cmap="gray_r")
        ax.set_title(f"{int(y_pred[i])} (true {int(y_true[i])})", fontsize=8, color="red")
    fig.suptitle("misclassified test images: predicted (true)")
    return save_png(fig, path)


def save_figures(history, pred, data, out_dir: Path, model: str, recipe: str, book=None):
    """The three PNGs of a run, named for its model and recipe; `book` = (section, points) when
    the book has numbers for the run (MNIST), None for the reader's own images."""
    names = figure_names(model, recipe)
    y_true = torch.from_numpy(data.test_labels.astype(np.int64))
    section, points = book or ("", {})
    title = f"{model} Net, {recipe} recipe"
    return [
        save_curves(history, out_dir / names["curves"], title, points, section),
        save_confusion(y_true, pred, out_dir / names["confusion"], data.classes),
        save_misclassified(y_true, pred, data.test_images, out_dir / names["misclassified"]),
    ]
