"""第11章 书外: 用你自己的图片 · beyond the book: your own images, and predictions.

    python ch11_mnist/own_data.py --image-folder 我的图片/      # DIR/<class>/<image>, any size/colour
    python ch11_mnist/own_data.py --predict my_digit.png       # one drawing, with the MNIST model
    python ch11_mnist/own_data.py --predict new/ --predict-out answers.csv --checkpoint CKPT

Builds on the book's pieces in mnist.py (its Net, its test) and trains with fast_recipe.py's
loop; never the other way round. Each image becomes an MNIST-like 28×28 grayscale picture by
preprocess_drawing: colour to gray (a transparent PNG laid on white), inverted when the
background is light (MNIST is light on dark), cropped to what stands out from the background,
scaled to fit 20×20 keeping its aspect, padded to 28×28 and centred by its centre of mass — as
MNIST's digits were made.
"""

import argparse
import csv
import hashlib
import io
import math
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn

try:  # imported as ch11_mnist.own_data, else from this folder
    from . import fast_recipe, mnist, support
except ImportError:
    import mnist

    import fast_recipe
    import support

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp"}
TEST_SHARE = 0.2  # held out from each class when the folder has no train/ and test/ parts
FOLDER_LAYOUT = "DIR/<class>/<image>.png (or DIR/train/<class>/…, DIR/test/<class>/…)"


def images_in(folder: Path) -> list[Path]:
    return sorted(
        p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
    )


def class_folders(root: Path) -> dict[str, list[Path]]:
    """{class name: its image files}: one subfolder of `root` per class, sorted by name."""
    if not root.is_dir():
        raise support.DataError(f"{root} is not a folder — give --image-folder {FOLDER_LAYOUT}")
    classes = {d.name: images_in(d) for d in sorted(root.iterdir()) if d.is_dir()}
    if not any(classes.values()):
        raise support.DataError(
            f"no PNG/JPEG/BMP images under {root} — lay them out as {FOLDER_LAYOUT}"
        )
    return classes


def check_classes(classes: dict[str, list], where: Path, least: int = 2) -> None:
    found = {name: len(files) for name, files in classes.items() if files}
    if len(found) < 2:
        raise support.DataError(
            f"{where} holds one class ({', '.join(found)}): a classifier needs two or more "
            f"class folders — {FOLDER_LAYOUT}"
        )
    few = [f"{name} ({n})" for name, n in found.items() if n < least]
    if few:
        raise support.DataError(
            f"too few images in {', '.join(few)} under {where}: each class needs at least "
            f"{least}, one to train on and one to test"
        )


# ---------------------------------------------------------------- copies of one image
# A folder copied twice, or a photo saved under two names, puts the same picture in the training
# and the test part: the test then measures memory. Files that decode to the same pixels are
# one picture; the split keeps its copies together.


def pixel_key(path: Path) -> str:
    """A hash of the decoded pixels (any format, any name): copies of a picture share it. A file
    that cannot be decoded gets a key of its own (preprocessing names and skips it later)."""
    try:
        image = support.decode_image(path)
    except support.DataError:
        return f"unreadable:{path}"
    return hashlib.sha256(
        repr((image.shape, image.dtype.str)).encode() + image.tobytes()
    ).hexdigest()


def shown(paths, root: Path, most: int = 3) -> str:
    names = [str(p.relative_to(root)) if p.is_relative_to(root) else str(p) for p in paths]
    return ", ".join(names[:most]) + (f", … ({len(names)} in all)" if len(names) > most else "")


def drop_conflicts(classes: dict[str, list[Path]], keys: dict[Path, str], root: Path):
    """Pictures that stand under two classes are left out (the labels disagree: neither can be
    trained on or tested); copies inside one class are counted. Returns the classes kept."""
    classes_of: dict[str, set[str]] = {}
    copies: dict[str, list[Path]] = {}
    for name, files in classes.items():
        for f in files:
            classes_of.setdefault(keys[f], set()).add(name)
            copies.setdefault(keys[f], []).append(f)
    conflict = {k for k, names in classes_of.items() if len(names) > 1}
    in_groups = sum(len(fs) for k, fs in copies.items() if len(fs) > 1 and k not in conflict)
    n = sum(map(len, classes.values()))
    if in_groups:
        print(
            f"重复 copies: {in_groups} of {n} images ({in_groups / n:.1%}) show the same pixels as "
            "another image of their class; the copies of a picture stay in one part of the split"
        )
    if conflict:
        examples = [f for k in sorted(conflict) for f in copies[k]]
        print(
            f"类别冲突 conflicting classes: {len(conflict)} picture(s) stand under two or more "
            f"classes ({shown(examples, root)}); left out of training and testing"
        )
    return {name: [f for f in files if keys[f] not in conflict] for name, files in classes.items()}


def stratified(classes: dict[str, list[Path]], share: float, seed: int, keys=None):
    """(train, test) lists of (path, label): `share` of every class held out, shuffled by seed.
    Files with the same key (pixel_key) go to the same part; without keys, or with no two files
    alike, each file is its own group and the split is the plain one."""
    gen = torch.Generator().manual_seed(seed)
    train, test = [], []
    for label, files in enumerate(classes.values()):
        groups: dict = {}
        for f in files:
            groups.setdefault(keys[f] if keys else f, []).append(f)
        units = list(groups.values())
        n_test = min(len(files) - 1, max(1, math.floor(share * len(files) + 0.5)))
        held, kept, seen = [], [], 0
        for j in torch.randperm(len(units), generator=gen).tolist():
            (held if seen < n_test else kept).extend(units[j])
            seen += len(units[j])
        if not kept:  # one picture in many copies: it is trained on, not tested
            held, kept = [], held
        test += [(f, label) for f in held]
        train += [(f, label) for f in kept]
    return train, test


def warn_shared_pictures(train_classes, test_classes, keys, root: Path) -> int:
    """train/ and test/ are the reader's split: pictures that stand in both are named in one
    line (the test then measures memory for them), nothing is moved."""
    in_train = {keys[f] for files in train_classes.values() for f in files}
    shared = [f for files in test_classes.values() for f in files if keys[f] in in_train]
    if shared:
        print(
            f"注意 warning: {len(shared)} test image(s) show the same pixels as a training image "
            f"({shown(shared, root)}): the test measures memory for them — remove them from "
            "test/ or train/ (your split: nothing was moved)"
        )
    return len(shared)


def preprocess_all(items) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """28×28 images and labels; files that cannot be read or show nothing are skipped and named."""
    images, labels, skipped = [], [], []
    for path, label in items:
        try:
            images.append(preprocess_drawing(path))
            labels.append(label)
        except support.DataError as err:
            skipped.append(f"{path.name} ({str(err).split(' — ')[-1]})")
    shape = (len(images), 28, 28)
    return np.array(images, np.uint8).reshape(shape), np.array(labels, np.uint8), skipped


def load_image_folder(
    root: Path, test_share: float = TEST_SHARE, seed: int = mnist.SEED
) -> mnist.MnistData:
    """A folder of class folders as mnist.MnistData, with its class names; DIR/train + DIR/test when
    both are there, else a stratified `test_share` of every class held out."""
    if (root / "train").is_dir() and (root / "test").is_dir():
        train_classes = class_folders(root / "train")
        test_classes = class_folders(root / "test")
        keys = {
            f: pixel_key(f) for c in (train_classes, test_classes) for fs in c.values() for f in fs
        }
        train_classes = drop_conflicts(train_classes, keys, root)
        check_classes(train_classes, root / "train", least=1)
        warn_shared_pictures(train_classes, test_classes, keys, root)
        names = list(train_classes)
        unknown = sorted(set(test_classes) - set(names))
        if unknown:
            raise support.DataError(f"{root / 'test'} has classes {unknown} that train/ lacks")
        train = [(p, names.index(c)) for c, files in train_classes.items() for p in files]
        test = [(p, names.index(c)) for c, files in test_classes.items() for p in files]
        layout = "train/ and test/ folders"
    else:
        classes = class_folders(root)
        keys = {f: pixel_key(f) for files in classes.values() for f in files}
        classes = drop_conflicts(classes, keys, root)
        check_classes(classes, root)
        names = list(classes)
        train, test = stratified(classes, test_share, seed, keys)
        layout = f"{test_share:.0%} of each class held out for testing"
    x_train, y_train, skipped = preprocess_all(train)
    x_test, y_test, skipped_test = preprocess_all(test)
    skipped += skipped_test
    if skipped:
        print(f"跳过 skipped {len(skipped)} unreadable file(s): " + "; ".join(skipped))
    if not len(x_train) or not len(x_test):
        raise support.DataError(
            f"{root}: no readable image left to {'train' if not len(x_train) else 'test'} on"
        )
    print(f"{root}: {len(names)} classes, {layout}")
    print(f"  {'class':<20} {'train':>6} {'test':>6}")
    for label, name in enumerate(names):
        print(f"  {name:<20} {int((y_train == label).sum()):>6} {int((y_test == label).sum()):>6}")
    return mnist.MnistData(x_train, y_train, x_test, y_test, False, tuple(names))


def print_per_class(trained: mnist.Trained, data: mnist.MnistData) -> dict[str, float]:
    """Test accuracy of every class, after the last epoch."""
    truth = torch.from_numpy(data.test_labels.astype(np.int64))
    right = (trained.pred.cpu() == truth).numpy()
    accuracy = {}
    print("每类准确率 per-class test accuracy:")
    for label, name in enumerate(data.classes):
        mask = data.test_labels == label
        accuracy[name] = float(right[mask].mean()) if mask.any() else float("nan")
        print(
            f"  {name:<20} {int(right[mask].sum()):>4}/{int(mask.sum()):<4} {accuracy[name]:7.1%}"
        )
    return accuracy


def prediction_inputs(paths: list[Path]) -> list[Path]:
    files = []
    for path in paths:
        if path.is_dir():
            files += images_in(path)
        elif path.is_file():
            files.append(path)
        else:
            raise support.DataError(
                f"cannot read image {path}: no such file or folder — check the path"
            )
    if not files:
        raise support.DataError(f"no PNG/JPEG/BMP images in {', '.join(map(str, paths))}")
    return files


def predict_many(paths: list[Path], checkpoint: Path, csv_path: Path | None = None) -> list[dict]:
    """A line per image: file, class, probability (unreadable files say so); optionally a CSV."""
    model, config = load_classifier(checkpoint)
    rows = []
    for path in prediction_inputs(paths):
        try:
            best, probs = predict_file(path, model, config)
        except support.DataError as err:
            rows.append(dict(file=str(path), label="", probability="", note=str(err)))
            print(f"{path}: —   ({err})")
            continue
        rows.append(
            dict(
                file=str(path),
                label=config["classes"][best],
                probability=f"{probs[best]:.4f}",
                note="",
            )
        )
        print(f"{path}: {config['classes'][best]}   (p = {probs[best]:.3f})")
    if csv_path is not None:
        write_csv(rows, csv_path)
        print(f"预测 predictions: {csv_path}")
    return rows


def write_csv(rows: list[dict], path: Path) -> Path:
    """UTF-8 with a BOM, so that Excel on a Chinese Windows shows the names; written atomically."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["file", "label", "probability", "note"])
    writer.writeheader()
    writer.writerows(rows)
    text = buffer.getvalue()
    return support.write_atomic(
        path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8-sig", newline="")
    )


# ---------------------------------------------------------------- one image


def read_gray(path: Path) -> np.ndarray:
    """Any image file → uint8 grayscale. A transparent PNG is laid on white first, as a viewer
    shows it (IMREAD_GRAYSCALE would drop the alpha and leave the black of the transparent
    pixels: an all-black, "blank" image)."""
    import cv2

    image = support.decode_image(path)
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
        raise support.DataError(f"{path}: no digit found (the image is blank)")
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
    state = mnist.load_checkpoint(checkpoint)
    config = state["config"]
    classes = config.get("classes", list(mnist.DIGITS))
    net = mnist.MODELS[config["model"]]
    model = mnist.Net(**net, n_classes=len(classes))  # dropout does not matter in eval()
    model.load_state_dict(state["model"])
    return model.eval(), dict(config, classes=classes)


def classify(model: nn.Module, config: dict, image28: np.ndarray) -> np.ndarray:
    """Class probabilities of one preprocessed 28×28 image."""
    x, _ = mnist.to_tensors(image28[None], np.zeros(1, np.uint8), config["mean"], config["std"])
    with torch.inference_mode():
        return model(x).exp()[0].numpy()


def predict_file(path: Path, model: nn.Module, config: dict) -> tuple[int, np.ndarray]:
    """One image file, as a reader drew it: its most likely class and every probability."""
    probs = classify(model, config, preprocess_drawing(path))
    return int(probs.argmax()), probs


# ---------------------------------------------------------------- the command line

OWN_OUT = mnist.DEFAULT_OUT / "own"  # the reader's run never overwrites MNIST's files


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        description="第11章 书外: your own images (fast_recipe.py's training)"
    )
    add = p.add_argument
    add("--image-folder", type=support.user_path, metavar="DIR", help=f"train on {FOLDER_LAYOUT}")
    add(
        "--test-share",
        type=support.share,
        default=TEST_SHARE,
        help="held out per class when DIR has no train/ and test/ (default: %(default)s)",
    )
    add(
        "--predict",
        type=support.user_path,
        nargs="+",
        metavar="IMAGE_OR_FOLDER",
        help="classify images (files or folders) with the checkpoint instead of training",
    )
    add("--predict-out", type=support.user_path, metavar="FILE.csv", help="also write a CSV")
    add(
        "--out-dir",
        type=support.user_path,
        default=None,
        help="default: outputs/ch11/own "
        "with --image-folder, else outputs/ch11 (where fast_recipe.py saves the MNIST model)",
    )
    fast_recipe.add_training_options(p)
    return p


def predict_one(path: Path, checkpoint: Path) -> None:
    """One image: its class and every class's probability."""
    model, config = load_classifier(checkpoint)
    best, probs = predict_file(path, model, config)
    classes = config["classes"]
    print(
        f"{path}: {classes[best]}   (p = {probs[best]:.3f}; "
        + " ".join(f"{c}:{p:.2f}" for c, p in zip(classes, probs, strict=True))
        + ")"
    )


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(support.command_line(argv))
    if args.image_folder is None and not args.predict:
        parser.error("give --image-folder DIR (train) or --predict IMAGE (classify)")
    s = fast_recipe.settings_of(args)
    out_dir = args.out_dir or (OWN_OUT if args.image_folder else mnist.DEFAULT_OUT)
    checkpoint = args.checkpoint or fast_recipe.checkpoint_path(out_dir, s)
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        if args.image_folder is None:
            single = len(args.predict) == 1 and args.predict[0].is_file() and not args.predict_out
            if single:
                predict_one(args.predict[0], checkpoint)
            else:
                predict_many(args.predict, checkpoint, args.predict_out)
            return 0
        data = load_image_folder(args.image_folder, args.test_share, s.seed)
        trained = fast_recipe.run(s, data, args.device, checkpoint, args.resume, args.save_model)
        print_per_class(trained, data)
        if args.predict:
            predict_many(args.predict, checkpoint, args.predict_out)
    except support.DataError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    if trained.history and not args.no_figures:
        fast_recipe.save_run_figures(trained, data, out_dir, book=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
