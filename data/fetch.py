"""Download the book's data sets, verify them, and unpack them safely.

    python data/fetch.py {mnist,20news,20news-bydate,chinese,all} [--data-dir DIR]
                         [--mirror URL_OR_DIR] [--force] [--offline]
    python data/fetch.py --list

Where data goes: --data-dir, else $BOOK_DATA_DIR, else this folder (data/).
Where it comes from: --mirror (or $BOOK_DATA_MIRROR: a folder, file:// or http(s):// URL laid
out like the official files below) first, then the official sources in order. A mirror that
has a SHA256SUMS file is verified against it; official downloads against the published
checksums written here. Every download streams to a temporary file beside its destination and
is renamed into place only once verified; archives are unpacked into a temporary folder (no
absolute paths, no "..", no links out: tarfile's "data" filter, or the same checks of our own on
Python 3.11.0–3.11.3, which lack it) that is renamed when complete. Each host gets a short timeout
and the next one is tried on an HTTP error (403, 404, …), a DNS failure or a timeout; the output
names the host that answered. Standard library only, so it runs before anything else is installed.
"""

import argparse
import errno
import hashlib
import os
import shutil
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATA_DIR = Path(__file__).resolve().parent
CHUNK = 1 << 16
TIMEOUT_S = 15  # per host: a dead or blocked host costs seconds, then the next one is tried
RENAME_RETRY_S = 2.0  # Windows: an indexer or antivirus holds a fresh file for a moment


@dataclass(frozen=True)
class RemoteFile:
    path: str  # relative path, the same in the data dir, on a mirror and in SHA256SUMS
    urls: tuple[str, ...]  # official sources, tried in order
    sha256: str | None = None  # published checksum of the official file, where one exists
    md5: str | None = None
    extract_to: str | None = None  # archives: folder (beside the archive) to unpack into
    expected_files: int | None = None  # archives: regular files after unpacking
    expected_rows: int | None = None  # CSV files: data rows (a second check beside the checksum)


MNIST_SOURCES = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",  # torchvision's copy
    "https://storage.googleapis.com/cvdf-datasets/mnist/",  # TensorFlow/Keras's copy
    "http://yann.lecun.com/exdb/mnist/",  # the original site
)
# SophonPlus/ChineseNlpCorpus at a fixed commit (a branch can change under us): GitHub's raw
# host first, then jsDelivr's CDN, which serves a GitHub repository at a commit and is usually
# reachable from mainland China when raw.githubusercontent.com is not.
SOPHONPLUS_COMMIT = "a0b781d72158bde242c0626c9e354d2b328865ff"
SOPHONPLUS = (
    f"https://raw.githubusercontent.com/SophonPlus/ChineseNlpCorpus/{SOPHONPLUS_COMMIT}/datasets/",
    f"https://cdn.jsdelivr.net/gh/SophonPlus/ChineseNlpCorpus@{SOPHONPLUS_COMMIT}/datasets/",
)


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
    # §16 reads this one: 20_newsgroup/<group>/<id>, 19,997 messages. One host (CMU) and no
    # published checksum: an official download is checked by unpacking and counting the messages.
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
    # the "bydate" train/test split (11,314 / 7,532); checksum as published by scikit-learn.
    # Jason Rennie's page and its CSAIL copy (scikit-learn's figshare copy answers 403 since
    # December 2025: scikit-learn#32961, #33002).
    "20news-bydate": (
        RemoteFile(
            "20newsgroups/20news-bydate.tar.gz",
            (
                "http://qwone.com/~jason/20Newsgroups/20news-bydate.tar.gz",
                "http://people.csail.mit.edu/jrennie/20Newsgroups/20news-bydate.tar.gz",
            ),
            sha256="8f1b2514ca22a5ade8fbb9cfa5727df95fa587f4c87b786e15c759fa66d95610",
            extract_to="20news-bydate",
            expected_files=18846,
        ),
    ),
    "chinese": (
        RemoteFile(
            "chinese/ChnSentiCorp_htl_all.csv",
            tuple(base + "ChnSentiCorp_htl_all/ChnSentiCorp_htl_all.csv" for base in SOPHONPLUS),
            sha256="1d414b9c65caf3a836abdb4efded621968502ad3338e1a9d885ae131c86083f0",
            expected_rows=7766,
        ),
        RemoteFile(
            "chinese/waimai_10k.csv",
            tuple(base + "waimai_10k/waimai_10k.csv" for base in SOPHONPLUS),
            sha256="b8b5c11c00b51578d35937fca56e03a126b45381f1ea4b22893237cb377a26fe",
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


class HeldError(FetchError):
    """A rename refused because another program holds the file (Windows)."""


def replace_with_retry(src: Path, dest: Path) -> None:
    """os.replace, retried for RENAME_RETRY_S on PermissionError: on Windows an indexer or
    antivirus opens a freshly written file or folder for a moment (WinError 5/32)."""
    deadline = time.monotonic() + RENAME_RETRY_S
    while True:
        try:
            os.replace(src, dest)
            return
        except PermissionError as err:
            if time.monotonic() >= deadline:
                raise HeldError(
                    f"cannot rename {Path(src).name} to {dest}: another program holds it "
                    f"({err.strerror or err}) — close it (file explorer, antivirus, an editor) "
                    "and run the same command again"
                ) from None
            time.sleep(0.1)


def _publish(tmp: Path, dest: Path, mode: int = 0o666) -> None:
    """Give a finished temporary file or folder normal permissions and rename it into place."""
    os.chmod(tmp, mode & ~_umask())
    replace_with_retry(tmp, dest)


def _write_text_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        _publish(Path(tmp), path)
    finally:
        Path(tmp).unlink(missing_ok=True)


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


def host_of(url: str) -> str:
    """The host a URL names (a mirror folder: its path), for the output."""
    parts = urllib.parse.urlparse(url)
    return parts.netloc or parts.path.rsplit("/", 2)[0]


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


def _download_or_why(kind: str, url: str, dest: Path, label: str) -> tuple[Path | None, str]:
    """(temporary file, "") on success; (None, why) when this host failed and the next one
    should be tried: HTTP errors (403, 404, …), DNS failures, timeouts, dropped connections.
    A full disk or an unwritable folder stops at once (no host can fix it)."""
    try:
        return download(url, dest, label), ""
    except FileNotFoundError:
        return None, "no such file"
    except urllib.error.HTTPError as err:
        return None, f"HTTP {err.code}"
    except urllib.error.URLError as err:
        reason = err.reason
        if isinstance(reason, FileNotFoundError):
            return None, "no such file"
        if isinstance(reason, OSError) and reason.errno == errno.ENOSPC:
            raise FetchError(_os_error_message(reason, dest)) from None
        return None, "timed out" if isinstance(reason, TimeoutError) else str(reason)
    except FetchError as err:  # truncated transfer
        return None, str(err)
    except TimeoutError:
        return None, "timed out"
    except OSError as err:
        if err.errno in (errno.ENOSPC, errno.EACCES, errno.EPERM, errno.EROFS):
            raise FetchError(_os_error_message(err, dest)) from None
        return None, str(err)


def fetch_file(
    rf: RemoteFile,
    data_dir: Path,
    mirror: str | None,
    mirror_sums: dict[str, str],
    force: bool = False,
    offline: bool = False,
) -> tuple[Path, str | None]:
    """Make `data_dir/rf.path` present and verified. Returns (path, the host it came from, or
    None when it was already there)."""
    dest = data_dir / rf.path
    if not force and is_verified(dest):
        return dest, None
    sources = _sources(rf, mirror, offline)
    if not sources:
        raise FetchError(f"{rf.path}: no source to try — give --mirror, or drop --offline")
    make_folder(dest.parent)
    tried = []
    for i, (kind, url) in enumerate(sources):
        tmp, why = _download_or_why(kind, url, dest, rf.path)
        if tmp is None:
            tried.append(f"{kind} {url}: {why}")
            if i + 1 < len(sources):
                print(f"  {kind} {host_of(url)}: {why} — trying the next host", file=sys.stderr)
            continue
        try:
            digest = _check(tmp, rf, _expected_sha(rf, kind, mirror_sums), url, kind)
            _publish(tmp, dest)
        finally:
            tmp.unlink(missing_ok=True)
        _write_text_atomic(sidecar(dest), f"{digest}  {dest.name}\n")
        return dest, f"{kind} {host_of(url)}"
    raise FetchError(
        f"could not fetch {rf.path}; tried: "
        + "; ".join(tried)
        + " — check the network, or pass --mirror DIR_OR_URL"
    )


# ---------------------------------------------------------------- archives


def _count_files(folder: Path) -> int:
    return sum(1 for p in folder.rglob("*") if p.is_file())


def _unsafe(archive: Path, name: str, why: str) -> FetchError:
    return FetchError(
        f"{archive.name}: unsafe member {name!r} ({why}) — refused; the archive may be tampered with"
    )


def _check_members(archive: Path, tar: tarfile.TarFile) -> list[tarfile.TarInfo]:
    """Our own member check, used on every Python: no absolute path, no '..', and only plain
    files and folders (the book's archives hold nothing else; a link or device is refused)."""
    members = tar.getmembers()
    for member in members:
        name = member.name
        if name.startswith(("/", "\\")) or ".." in Path(name.replace("\\", "/")).parts:
            raise _unsafe(archive, name, "absolute path or '..'")
        if not (member.isfile() or member.isdir()):
            raise _unsafe(archive, name, "a link or special file")
    return members


def _extract_members(tar: tarfile.TarFile, members: list[tarfile.TarInfo], dest: Path) -> None:
    """tarfile's "data" filter where this Python has it (3.11.4+); otherwise extract the
    members that _check_members passed, one at a time, without their owners or modes."""
    if hasattr(tarfile, "data_filter"):
        tar.extractall(dest, members=members, filter="data")
        return
    for member in members:
        target = dest / member.name
        if member.isdir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        with tar.extractfile(member) as src, open(target, "wb") as out:
            shutil.copyfileobj(src, out)


def safe_extract(archive: Path, dest: Path, expected_files: int | None = None) -> Path:
    """Unpack `archive` into `dest` (a new folder) via a temporary folder and one rename.

    Members with absolute paths, '..' components, links or special files are refused.
    """
    if dest.is_dir():
        return dest
    tmp = Path(tempfile.mkdtemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part"))
    try:
        with tarfile.open(archive) as tar:
            members = _check_members(archive, tar)
            try:
                _extract_members(tar, members, tmp)
            except getattr(tarfile, "FilterError", ()) as err:
                name = getattr(getattr(err, "tarinfo", None), "name", "?")
                raise _unsafe(archive, name, str(err)) from None
        if expected_files is not None and (n := _count_files(tmp)) != expected_files:
            raise FetchError(
                f"{archive.name} unpacked to {n} files, expected {expected_files} "
                f"— delete it and run again with --force"
            )
        _publish(tmp, dest, 0o777)
        return dest
    except HeldError:
        raise
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
        path, source = fetch_file(rf, data_dir, mirror, mirror_sums, force, offline)
        fresh = source is not None
        print(
            f"downloaded  {path}  (verified; from {source})"
            if fresh
            else f"present     {path}  (verified)"
        )
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
