"""Draw the small real samples under data/samples/ from the full data sets.

    python data/fetch.py all && python data/make_samples.py [--data-dir DIR]

Deterministic: the same full data gives byte-identical samples (see data/README.md for what is
drawn). Maintainers run this; readers never need to.
"""

import argparse
import csv
import gzip
import io
import shutil
import struct
from pathlib import Path

from fetch import resolve_data_dir

SAMPLES = Path(__file__).resolve().parent / "samples"
MNIST_COUNTS = {"train": 1000, "t10k": 500}
NEWS20_PER_GROUP = 16
BYDATE_PER_GROUP = {"20news-bydate-train": 12, "20news-bydate-test": 6}
MAX_MESSAGE_BYTES = 1500  # keeps the committed sample small; long messages are left out
REVIEWS_PER_LABEL = 100


def _write_gzip(path: Path, payload: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as gz:  # mtime=0: reproducible bytes
        gz.write(payload)
    path.write_bytes(buf.getvalue())


def mnist_head(src: Path, dst: Path, prefix: str, n: int) -> None:
    """The first n images and labels, as valid IDX files with corrected counts."""
    images = gzip.decompress((src / f"{prefix}-images-idx3-ubyte.gz").read_bytes())
    labels = gzip.decompress((src / f"{prefix}-labels-idx1-ubyte.gz").read_bytes())
    _, _, rows, cols = struct.unpack(">IIII", images[:16])
    _write_gzip(
        dst / f"{prefix}-images-idx3-ubyte.gz",
        struct.pack(">IIII", 2051, n, rows, cols) + images[16 : 16 + n * rows * cols],
    )
    _write_gzip(
        dst / f"{prefix}-labels-idx1-ubyte.gz", struct.pack(">II", 2049, n) + labels[8 : 8 + n]
    )


def copy_messages(src_root: Path, dst_root: Path, per_group: int) -> int:
    """Per group, the first `per_group` messages in sorted order that are ≤ MAX_MESSAGE_BYTES."""
    copied = 0
    for group in sorted(p for p in src_root.iterdir() if p.is_dir()):
        small = [m for m in sorted(group.iterdir()) if m.stat().st_size <= MAX_MESSAGE_BYTES]
        for message in small[:per_group]:
            target = dst_root / group.name / message.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(message, target)
            copied += 1
    return copied


def reviews_head(src: Path, dst: Path, per_label: int) -> int:
    """The first `per_label` positive and negative reviews, in file order."""
    with open(src, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    keep = [r for r in body if r[0] == "1"][:per_label] + [r for r in body if r[0] == "0"][
        :per_label
    ]
    keep.sort(key=body.index)
    dst.parent.mkdir(parents=True, exist_ok=True)
    with open(dst, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(keep)
    return len(keep)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="where the full data sets were fetched")
    data = resolve_data_dir(parser.parse_args(argv).data_dir)
    if SAMPLES.exists():
        shutil.rmtree(SAMPLES)
    for prefix, n in MNIST_COUNTS.items():
        mnist_head(data / "mnist", SAMPLES / "mnist", prefix, n)
    news = data / "20newsgroups"
    n20 = copy_messages(
        news / "news20" / "20_newsgroup",
        SAMPLES / "20newsgroups" / "news20" / "20_newsgroup",
        NEWS20_PER_GROUP,
    )
    nby = {
        split: copy_messages(
            news / "20news-bydate" / split, SAMPLES / "20newsgroups" / "20news-bydate" / split, k
        )
        for split, k in BYDATE_PER_GROUP.items()
    }
    nrev = {
        name: reviews_head(data / "chinese" / name, SAMPLES / "chinese" / name, REVIEWS_PER_LABEL)
        for name in ("ChnSentiCorp_htl_all.csv", "waimai_10k.csv")
    }
    size = sum(p.stat().st_size for p in SAMPLES.rglob("*") if p.is_file())
    print(
        f"mnist {MNIST_COUNTS}; news20 {n20}; bydate {nby}; reviews {nrev}; "
        f"{size / 1e6:.2f} MB in {SAMPLES}"
    )


if __name__ == "__main__":
    main()
