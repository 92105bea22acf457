"""Accuracy, per-class F1 and a readable confusion matrix (§16.6 and the modern recipe)."""

from pathlib import Path

from support import save_png, tick_labels


def accuracy(pred, truth) -> float:
    return sum(p == t for p, t in zip(pred, truth, strict=True)) / max(len(truth), 1)


def per_class_f1(pred, truth, n_classes) -> list[float]:
    f1 = []
    for c in range(n_classes):
        tp = sum(p == c and t == c for p, t in zip(pred, truth, strict=True))
        fp = sum(p == c and t != c for p, t in zip(pred, truth, strict=True))
        fn = sum(p != c and t == c for p, t in zip(pred, truth, strict=True))
        f1.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return f1


def confusion_matrix(pred, truth, n_classes: int):
    """counts[t, p]: documents of true class t predicted as p."""
    import numpy as np

    counts = np.zeros((n_classes, n_classes), int)
    for p, t in zip(pred, truth, strict=True):
        counts[t, p] += 1
    return counts


def save_confusion(pred, truth, names, path: Path, title: str = "test set") -> Path:
    """Row-normalised shares (each true class sums to 100%), a colour bar, and the share written
    in every cell of 2% or more, so one stray message does not look like a real confusion."""
    from matplotlib.figure import Figure

    counts = confusion_matrix(pred, truth, len(names))
    shares = 100 * counts / counts.sum(axis=1, keepdims=True).clip(min=1)
    size = max(4.5, 0.42 * len(names) + 2.5)
    fig = Figure(figsize=(size + 1.2, size))
    ax = fig.subplots()
    image = ax.imshow(shares, cmap="Blues", vmin=0, vmax=100)
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="% of the true class")
    for t, p in zip(*(shares >= 2).nonzero(), strict=True):
        colour = "white" if shares[t, p] > 60 else "black"
        ax.text(p, t, f"{shares[t, p]:.0f}", ha="center", va="center", fontsize=7, color=colour)
    labels, font, table = tick_labels(names)
    ax.set_xticks(range(len(names)), labels, rotation=90, fontsize=7, fontfamily=font)
    ax.set_yticks(range(len(names)), labels, fontsize=7, fontfamily=font)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    numbers = "\nclasses by number: see the table printed with this figure" if table else ""
    ax.set_title(
        f"confusion matrix, {title}: % of each true class (cells >= 2%){numbers}", fontsize=9
    )
    fig.tight_layout()
    saved = save_png(fig, path, dpi=90)
    if table:
        print(f"类别编号 class numbers in {saved.name} (no Chinese font for the ticks): {table}")
    return saved
