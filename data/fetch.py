"""Download the book's data sets, verify them, and unpack them safely.

    python data/fetch.py {mnist,20news,20news-bydate,chinese,all} [--data-dir DIR]
                         [--mirror URL_OR_DIR] [--force] [--offline]
    python data/fetch.py --list

Where data goes: --data-dir, else $BOOK_DATA_DIR, else this folder (data/).
Where it comes from: --mirror (or $BOOK_DATA_MIRROR: a folder, file:// or http(s):// URL laid
out like the official files below) first, then the official sources in order. A mirror that
has a SHA256SUMS file is verified against it; official downloads against the published
checksums written here. Every download streams to a temporary file beside its destination and
is renamed into place only once verified; archives are unpacked into a temporary folder (with
tarfile's "data" filter: no absolute paths, no "..", no links out) that is renamed when complete.
Standard library only, so it runs before anything else is installed.
"""

import argparse
import errno
import hashlib
import os
import shutil
import sys
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATA_DIR = Path(__file__).resolve().parent
CHUNK = 1 << 16
TIMEOUT_S = 30


@dataclass(frozen=True)
class RemoteFile:
    path: str  # relative path, the same in the data dir, on a mirror and in SHA256SUMS
    urls: tuple[str, ...]  # official sources, tried in order
    sha256: str | None = None  # published checksum of the official file, where one exists
    md5: str | None = None
    extract_to: str | None = None  # archives: folder (beside the archive) to unpack into
    expected_files: int | None = None  # archives: regular files after unpacking
    expected_rows: int | None = None  # CSV files: data rows (a check where no checksum exists)


MNIST_SOURCES = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",  # torchvision's copy
    "https://storage.googleapis.com/cvdf-datasets/mnist/",  # TensorFlow/Keras's copy
    "http://yann.lecun.com/exdb/mnist/",  # the original site
)
SOPHONPLUS = "https://raw.githubusercontent.com/SophonPlus/ChineseNlpCorpus/master/datasets/"


def _mnist(name: str, sha256: str, md5: str) -> RemoteFile:
    return RemoteFile(f"mnist/{name}", tuple(base + name for base in MNIST_SOURCES), sha256, md5)


DATASETS: dict[str, tuple[RemoteFile, ...]] = {
    "mnist": (
        _mnist(
            "train-images-idx3-ubyte.gz",
            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        ),
        _mnist(
            "train-labels-idx1-ubyte.gz",
            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            "d53e105ee54ea40749a09fcbcd1e9432",
        ),
        _mnist(
            "t10k-images-idx3-ubyte.gz",
            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            "9fb629c4189551a2d022fa330f9573f3",
        ),
        _mnist(
            "t10k-labels-idx1-ubyte.gz",
            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
            "ec29112dd5afa0611ce80d1b7f02629c",
        ),
    ),
    # §16 reads this one: 20_newsgroup/<group>/<id>, 19,997 messages. No checksum is published
    # for it, so an official download is checked by unpacking and counting the messages.
    "20news": (
        RemoteFile(
            "20newsgroups/news20.tar.gz",
            (
                "https://www.cs.cmu.edu/afs/cs.cmu.edu/project/theo-20/www/data/news20.tar.gz",
                "http://www.cs.cmu.edu/afs/cs.cmu.edu/project/theo-20/www/data/news20.tar.gz",
            ),
            extract_to="news20",
            expected_files=19997,
        ),
    ),
    # the "bydate" train/test split (11,314 / 7,532); checksum as published by scikit-learn
    "20news-bydate": (
        RemoteFile(
            "20newsgroups/20news-bydate.tar.gz",
            (
                "http://qwone.com/~jason/20Newsgroups/20news-bydate.tar.gz",
                "https://ndownloader.figshare.com/files/5975967",
            ),
            sha256="8f1b2514ca22a5ade8fbb9cfa5727df95fa587f4c87b786e15c759fa66d95610",
            extract_to="20news-bydate",
            expected_files=18846,
        ),
    ),
    "chinese": (
        RemoteFile(
            "chinese/ChnSentiCorp_htl_all.csv",
            (SOPHONPLUS + "ChnSentiCorp_htl_all/ChnSentiCorp_htl_all.csv",),
            expected_rows=7766,
        ),
        RemoteFile(
            "chinese/waimai_10k.csv",
            (SOPHONPLUS + "waimai_10k/waimai_10k.csv",),
            expected_rows=11987,
        ),
    ),
}


class FetchError(Exception):
    """A failure with a one-line message that says what to do."""


# ---------------------------------------------------------------- where things are


def resolve_data_dir(arg: str | None) -> Path:
    return Path(arg or os.environ.get("BOOK_DATA_DIR") or DEFAULT_DATA_DIR).expanduser().resolve()


def mirror_base_url(mirror: str | None) -> str | None:
    """A folder or URL → a base URL ending in '/' (folders become file:// URLs)."""
    if not mirror:
        return None
    if urllib.parse.urlparse(mirror).scheme in ("http", "https", "file"):
        return mirror.rstrip("/") + "/"
    folder = Path(mirror).expanduser().resolve()
    if not folder.is_dir():
        raise FetchError(
            f"mirror folder {folder} does not exist — check --mirror / BOOK_DATA_MIRROR"
        )
    return folder.as_uri() + "/"


def read_mirror_sums(base: str) -> dict[str, str]:
    """The mirror's SHA256SUMS as {relative path: sha256}; empty if it has none."""
    try:
        with urllib.request.urlopen(base + "SHA256SUMS", timeout=TIMEOUT_S) as r:
            text = r.read().decode("utf-8")
    except (urllib.error.URLError, OSError):
        return {}
    sums = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2:
            sums[parts[1].lstrip("*")] = parts[0].lower()
    return sums


# ---------------------------------------------------------------- checks


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def count_csv_rows(path: Path) -> int:
    """Data rows of a CSV whose quoted fields may hold newlines (the reviews do)."""
    import csv

    with open(path, encoding="utf-8-sig", newline="") as f:
        return sum(1 for _ in csv.reader(f)) - 1


def sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def is_verified(path: Path) -> bool:
    """Present and identical to what was verified when it was fetched."""
    note = sidecar(path)
    if not (path.is_file() and note.is_file()):
        return False
    return note.read_text().split()[0] == sha256_of(path)


# ---------------------------------------------------------------- writing safely


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _publish(tmp: Path, dest: Path, mode: int = 0o666) -> None:
    """Give a finished temporary file or folder normal permissions and rename it into place."""
    os.chmod(tmp, mode & ~_umask())
    os.replace(tmp, dest)


def _write_text_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    _publish(Path(tmp), path)


def _os_error_message(err: OSError, where: Path) -> str:
    if err.errno == errno.ENOSPC:
        return f"disk full while writing {where} — free some space or choose another --data-dir"
    if err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"cannot write to {where} — choose a writable --data-dir (or set BOOK_DATA_DIR)"
    return f"cannot write {where}: {err.strerror or err} — check --data-dir"


def make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=folder, prefix=".write-test-")
        probe.close()
    except OSError as err:
        raise FetchError(_os_error_message(err, folder)) from None


class Progress:
    """Bytes and percent on one line; a line per 10% when the output is not a terminal."""

    def __init__(self, label: str, total: int | None, stream=sys.stderr):
        self.label, self.total, self.stream = label, total, stream
        self.done, self.shown = 0, -1
        self.tty = stream.isatty()

    def update(self, n: int) -> None:
        self.done += n
        pct = int(100 * self.done / self.total) if self.total else None
        step = pct if self.tty or pct is None else pct // 10 * 10
        if step == self.shown and pct is not None:
            return
        if pct is None and not self.tty:
            return
        self.shown = step
        size = (
            f"{self.done / 1e6:.1f}/{self.total / 1e6:.1f} MB {pct:3d}%"
            if self.total
            else f"{self.done / 1e6:.1f} MB"
        )
        end = "\r" if self.tty else "\n"
        print(f"  {self.label}  {size}", end=end, file=self.stream, flush=True)

    def close(self) -> None:
        if self.tty:
            print(file=self.stream)


def download(url: str, dest: Path, label: str) -> Path:
    """Stream `url` into a temporary file beside `dest`; return the temporary path.

    On any failure the temporary file is removed before the error propagates.
    """
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=TIMEOUT_S) as r:
            length = r.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            progress = Progress(label, total)
            while chunk := r.read(CHUNK):
                out.write(chunk)
                progress.update(len(chunk))
            progress.close()
            if total is not None and progress.done != total:
                raise FetchError(
                    f"{label}: connection closed after {progress.done} of {total} bytes"
                )
        return tmp
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------- one file


def _sources(rf: RemoteFile, mirror: str | None, offline: bool) -> list[tuple[str, str]]:
    """(kind, url) in the order they are tried."""
    sources = [("mirror", mirror + rf.path)] if mirror else []
    if not offline:
        sources += [("official", url) for url in rf.urls]
    return sources


def _expected_sha(rf: RemoteFile, kind: str, mirror_sums: dict[str, str]) -> str | None:
    if kind == "mirror" and mirror_sums:
        return mirror_sums.get(rf.path, rf.sha256)
    return rf.sha256


def _check(tmp: Path, rf: RemoteFile, expected: str | None, url: str, kind: str) -> str:
    """Verify a downloaded file; return its sha256. Raises FetchError naming the file."""
    actual = sha256_of(tmp)
    if expected and actual != expected:
        raise FetchError(
            f"{rf.path} from {url} failed its SHA-256 check (expected "
            f"{expected[:12]}…, got {actual[:12]}…) — it was deleted; "
            f"run the same command again, or try another --mirror"
        )
    if rf.md5 and kind == "official":
        if hashlib.md5(tmp.read_bytes()).hexdigest() != rf.md5:
            raise FetchError(f"{rf.path} from {url} failed its MD5 check — it was deleted; retry")
    if rf.expected_rows is not None:
        try:
            rows = count_csv_rows(tmp)
        except (UnicodeDecodeError, OSError) as err:
            raise FetchError(f"{rf.path} from {url} is not a readable UTF-8 CSV ({err})") from None
        if rows != rf.expected_rows:
            raise FetchError(
                f"{rf.path} from {url} has {rows} rows, expected "
                f"{rf.expected_rows} — it was deleted; retry"
            )
    return actual


def fetch_file(
    rf: RemoteFile,
    data_dir: Path,
    mirror: str | None,
    mirror_sums: dict[str, str],
    force: bool = False,
    offline: bool = False,
) -> tuple[Path, bool]:
    """Make `data_dir/rf.path` present and verified. Returns (path, whether it was downloaded)."""
    dest = data_dir / rf.path
    if not force and is_verified(dest):
        return dest, False
    sources = _sources(rf, mirror, offline)
    if not sources:
        raise FetchError(f"{rf.path}: no source to try — give --mirror, or drop --offline")
    make_folder(dest.parent)
    tried = []
    for kind, url in sources:
        try:
            tmp = download(url, dest, rf.path)
        except FileNotFoundError:
            tried.append(f"{kind} {url}: no such file")
            continue
        except urllib.error.HTTPError as err:
            tried.append(f"{kind} {url}: HTTP {err.code}")
            continue
        except urllib.error.URLError as err:
            if isinstance(err.reason, FileNotFoundError):
                tried.append(f"{kind} {url}: no such file")
            elif isinstance(err.reason, OSError) and err.reason.errno == errno.ENOSPC:
                raise FetchError(_os_error_message(err.reason, dest)) from None
            else:
                tried.append(f"{kind} {url}: {err.reason}")
            continue
        except FetchError as err:  # truncated transfer
            tried.append(f"{kind}: {err}")
            continue
        except OSError as err:
            if err.errno in (errno.ENOSPC, errno.EACCES, errno.EPERM, errno.EROFS):
                raise FetchError(_os_error_message(err, dest)) from None
            tried.append(f"{kind} {url}: {err}")
            continue
        try:
            digest = _check(tmp, rf, _expected_sha(rf, kind, mirror_sums), url, kind)
            _publish(tmp, dest)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        _write_text_atomic(sidecar(dest), f"{digest}  {dest.name}\n")
        return dest, True
    raise FetchError(
        f"could not fetch {rf.path}; tried: "
        + "; ".join(tried)
        + " — check the network, or pass --mirror DIR_OR_URL"
    )


# ---------------------------------------------------------------- archives


def _count_files(folder: Path) -> int:
    return sum(1 for p in folder.rglob("*") if p.is_file())


def safe_extract(archive: Path, dest: Path, expected_files: int | None = None) -> Path:
    """Unpack `archive` into `dest` (a new folder) via a temporary folder and one rename.

    Members with absolute paths, '..' components or links leaving the folder are refused.
    """
    if dest.is_dir():
        return dest
    tmp = Path(tempfile.mkdtemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part"))
    try:
        with tarfile.open(archive) as tar:
            for member in tar.getmembers():  # explicit check, also on Pythons without filters
                name = member.name
                if name.startswith(("/", "\\")) or ".." in Path(name).parts:
                    raise FetchError(
                        f"{archive.name}: unsafe member {name!r} (absolute path or "
                        "'..') — refused; the archive may be tampered with"
                    )
            try:
                tar.extractall(tmp, filter="data")
            except tarfile.FilterError as err:
                raise FetchError(
                    f"{archive.name}: unsafe member refused ({err}) — the archive "
                    "may be tampered with"
                ) from None
        if expected_files is not None and (n := _count_files(tmp)) != expected_files:
            raise FetchError(
                f"{archive.name} unpacked to {n} files, expected {expected_files} "
                f"— delete it and run again with --force"
            )
        _publish(tmp, dest, 0o777)
        return dest
    except (tarfile.TarError, EOFError, OSError) as err:
        if isinstance(err, OSError) and err.errno == errno.ENOSPC:
            raise FetchError(_os_error_message(err, dest)) from None
        raise FetchError(
            f"{archive.name} is not a readable archive ({err}) — "
            "run again with --force to download it anew"
        ) from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)


# ---------------------------------------------------------------- data sets


def fetch_dataset(
    name: str, data_dir: Path, mirror: str | None = None, force: bool = False, offline: bool = False
) -> list[Path]:
    mirror_sums = read_mirror_sums(mirror) if mirror else {}
    results = []
    for rf in DATASETS[name]:
        path, fresh = fetch_file(rf, data_dir, mirror, mirror_sums, force, offline)
        print(f"{'downloaded' if fresh else 'present   '}  {path}  (verified)")
        if rf.extract_to:
            target = path.parent / rf.extract_to
            if (fresh or force) and target.is_dir():
                shutil.rmtree(target)
            safe_extract(path, target, rf.expected_files)
            print(f"unpacked    {target}")
            results.append(target)
        else:
            results.append(path)
    return results


def status(data_dir: Path) -> list[dict]:
    rows = []
    for name, files in DATASETS.items():
        for rf in files:
            path = data_dir / rf.path
            rows.append(
                dict(
                    dataset=name,
                    path=path,
                    present=path.is_file(),
                    verified=is_verified(path),
                    size=path.stat().st_size if path.is_file() else 0,
                    unpacked=(path.parent / rf.extract_to).is_dir() if rf.extract_to else None,
                )
            )
    return rows


def print_status(data_dir: Path) -> None:
    print(f"data dir: {data_dir}")
    for r in status(data_dir):
        state = (
            "verified"
            if r["verified"]
            else ("present, NOT verified" if r["present"] else "missing")
        )
        if r["unpacked"] is not None and r["present"]:
            state += ", unpacked" if r["unpacked"] else ", not unpacked"
        size = f"{r['size'] / 1e6:7.1f} MB" if r["present"] else "        -"
        print(f"  {r['dataset']:<14} {size}  {state:<28} {r['path']}")
    print(f"fetch: python data/fetch.py {{{','.join(DATASETS)},all}}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description="Fetch the book's data sets (MNIST, 20 Newsgroups, Chinese reviews), verified."
    )
    parser.add_argument("dataset", nargs="?", choices=[*DATASETS, "all"], help="what to fetch")
    parser.add_argument("--data-dir", help="destination (default: $BOOK_DATA_DIR, else data/)")
    parser.add_argument(
        "--mirror",
        default=os.environ.get("BOOK_DATA_MIRROR"),
        help="folder or file:// / http(s):// URL tried before the official sources"
        " (default: $BOOK_DATA_MIRROR)",
    )
    parser.add_argument("--force", action="store_true", help="download again even if verified")
    parser.add_argument("--offline", action="store_true", help="use only the mirror")
    parser.add_argument("--list", action="store_true", help="show what is present and verified")
    args = parser.parse_args(argv)
    data_dir = resolve_data_dir(args.data_dir)
    if args.list:
        print_status(data_dir)
        return 0
    if not args.dataset:
        parser.error("name a data set (or 'all'), or use --list")
    names = list(DATASETS) if args.dataset == "all" else [args.dataset]
    try:
        mirror = mirror_base_url(args.mirror)
        for name in names:
            fetch_dataset(name, data_dir, mirror, args.force, args.offline)
    except FetchError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(
            "\ninterrupted — nothing half-written was left; run the same command again",
            file=sys.stderr,
        )
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
