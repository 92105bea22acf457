"""data/fetch.py against local mirrors and a loopback HTTP server; never the network."""

import errno
import functools
import hashlib
import http.server
import io
import os
import tarfile
import threading

import pytest

from data import fetch

CSV = 'label,review\n1,好\n0,"差,\n很差"\n'


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _tar_bytes(members: dict[str, bytes], extra=None) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for info in extra or []:
            tar.addfile(info)
    return buf.getvalue()


@pytest.fixture
def mirror(tmp_path, monkeypatch):
    """A small mirror (a file, an archive, a CSV) with SHA256SUMS, and DATASETS pointing at it."""
    root = tmp_path / "mirror"
    files = {
        "tiny/numbers.bin": bytes(range(256)) * 40,
        "tiny/archive.tar.gz": _tar_bytes({"top/a.txt": b"a", "top/sub/b.txt": b"b"}),
        "tiny/reviews.csv": CSV.encode(),
    }
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    (root / "SHA256SUMS").write_text("".join(f"{_sha(d)}  {r}\n" for r, d in files.items()))
    monkeypatch.setattr(
        fetch,
        "DATASETS",
        {
            "tiny": (
                fetch.RemoteFile("tiny/numbers.bin", ("https://example.invalid/numbers.bin",)),
                fetch.RemoteFile(
                    "tiny/archive.tar.gz",
                    ("https://example.invalid/a.tar.gz",),
                    extract_to="archive",
                    expected_files=2,
                ),
                fetch.RemoteFile(
                    "tiny/reviews.csv", ("https://example.invalid/r.csv",), expected_rows=2
                ),
            )
        },
    )
    return root


def run(capsys, *args):
    code = fetch.main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def leftovers(folder):
    return [p.name for p in folder.rglob("*") if p.name.startswith(".") or p.suffix == ".part"]


def test_fetch_from_local_mirror(mirror, tmp_path, capsys):
    dest = tmp_path / "d"
    code, out, _ = run(
        capsys, "tiny", "--mirror", str(mirror), "--data-dir", str(dest), "--offline"
    )
    assert code == 0, out
    assert (dest / "tiny/numbers.bin").read_bytes() == (mirror / "tiny/numbers.bin").read_bytes()
    assert (dest / "tiny/archive/top/sub/b.txt").read_bytes() == b"b"
    assert fetch.is_verified(dest / "tiny/reviews.csv")
    assert leftovers(dest) == []


def test_data_dir_from_environment(mirror, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("BOOK_DATA_DIR", str(tmp_path / "env"))
    monkeypatch.setenv("BOOK_DATA_MIRROR", mirror.as_uri())
    code, _, _ = run(capsys, "tiny", "--offline")
    assert code == 0 and (tmp_path / "env/tiny/numbers.bin").is_file()


def test_second_run_downloads_nothing(mirror, tmp_path, capsys, monkeypatch):
    dest = tmp_path / "d"
    run(capsys, "tiny", "--mirror", str(mirror), "--data-dir", str(dest), "--offline")

    def no_download(*a, **k):
        raise AssertionError("downloaded again")

    monkeypatch.setattr(fetch, "download", no_download)
    code, out, _ = run(
        capsys, "tiny", "--mirror", str(mirror), "--data-dir", str(dest), "--offline"
    )
    assert code == 0 and out.count("present") == 3


def test_force_downloads_again(mirror, tmp_path, capsys):
    dest = tmp_path / "d"
    run(capsys, "tiny", "--mirror", str(mirror), "--data-dir", str(dest), "--offline")
    code, out, _ = run(
        capsys, "tiny", "--mirror", str(mirror), "--data-dir", str(dest), "--offline", "--force"
    )
    assert code == 0 and out.count("downloaded") == 3


def test_corrupted_byte_is_refused_and_nothing_left(mirror, tmp_path, capsys):
    data = bytearray((mirror / "tiny/numbers.bin").read_bytes())
    data[100] ^= 0xFF
    (mirror / "tiny/numbers.bin").write_bytes(bytes(data))
    dest = tmp_path / "d"
    code, _, err = run(
        capsys, "tiny", "--mirror", str(mirror), "--data-dir", str(dest), "--offline"
    )
    assert code == 1
    assert "tiny/numbers.bin" in err and "SHA-256" in err and len(err.strip().splitlines()) == 1
    assert not (dest / "tiny/numbers.bin").exists() and leftovers(dest) == []


def test_truncated_file_is_refused(mirror, tmp_path, capsys):
    (mirror / "tiny/numbers.bin").write_bytes((mirror / "tiny/numbers.bin").read_bytes()[:500])
    code, _, err = run(
        capsys, "tiny", "--mirror", str(mirror), "--data-dir", str(tmp_path / "d"), "--offline"
    )
    assert code == 1 and "failed its SHA-256 check" in err


def test_damaged_local_file_is_fetched_again(mirror, tmp_path, capsys):
    dest = tmp_path / "d"
    run(capsys, "tiny", "--mirror", str(mirror), "--data-dir", str(dest), "--offline")
    (dest / "tiny/numbers.bin").write_bytes(b"garbage")
    assert not fetch.is_verified(dest / "tiny/numbers.bin")
    code, out, _ = run(
        capsys, "tiny", "--mirror", str(mirror), "--data-dir", str(dest), "--offline"
    )
    assert code == 0 and fetch.is_verified(dest / "tiny/numbers.bin")


def test_mirror_missing_a_file(mirror, tmp_path, capsys):
    (mirror / "tiny/reviews.csv").unlink()
    code, _, err = run(
        capsys, "tiny", "--mirror", str(mirror), "--data-dir", str(tmp_path / "d"), "--offline"
    )
    assert code == 1
    assert "could not fetch tiny/reviews.csv" in err and "no such file" in err
    assert "--mirror" in err and len(err.strip().splitlines()) == 1


def test_no_mirror_and_offline(mirror, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("BOOK_DATA_MIRROR", raising=False)
    code, _, err = run(capsys, "tiny", "--data-dir", str(tmp_path / "d"), "--offline")
    assert code == 1 and "no source" in err


def test_mirror_folder_that_does_not_exist(mirror, tmp_path, capsys):
    code, _, err = run(
        capsys, "tiny", "--mirror", str(tmp_path / "nope"), "--data-dir", str(tmp_path / "d")
    )
    assert code == 1 and "does not exist" in err


def test_network_errors_move_on_and_are_listed(mirror, tmp_path, monkeypatch, capsys):
    """Official sources are tried in order; the final error lists every attempt."""
    import urllib.error

    tried = []

    def unreachable(url, dest, label):
        tried.append(url)
        raise urllib.error.URLError("network is unreachable")

    monkeypatch.setattr(fetch, "download", unreachable)
    monkeypatch.setattr(
        fetch,
        "DATASETS",
        {
            "tiny": (
                fetch.RemoteFile("tiny/x.bin", ("https://one.invalid/x", "https://two.invalid/x")),
            )
        },
    )
    code, _, err = run(capsys, "tiny", "--data-dir", str(tmp_path / "d"))
    assert code == 1 and tried == ["https://one.invalid/x", "https://two.invalid/x"]
    assert "one.invalid" in err and "two.invalid" in err


def test_unwritable_data_dir(mirror, tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    code, _, err = run(
        capsys, "tiny", "--mirror", str(mirror), "--data-dir", str(blocker / "d"), "--offline"
    )
    assert code == 1 and "--data-dir" in err and len(err.strip().splitlines()) == 1


def test_disk_full_is_one_line_and_leaves_nothing(mirror, tmp_path, capsys, monkeypatch):
    real_fdopen = os.fdopen

    class FullDisk(io.RawIOBase):
        def __init__(self, f):
            self.f = f

        def write(self, b):
            raise OSError(errno.ENOSPC, "No space left on device")

        def close(self):
            self.f.close()

        def __exit__(self, *a):
            self.close()

    def fdopen(fd, mode="r", *a, **k):
        f = real_fdopen(fd, mode, *a, **k)
        return FullDisk(f) if "b" in mode else f

    monkeypatch.setattr(fetch.os, "fdopen", fdopen)
    dest = tmp_path / "d"
    code, _, err = run(
        capsys, "tiny", "--mirror", str(mirror), "--data-dir", str(dest), "--offline"
    )
    assert code == 1 and "disk full" in err
    assert not any(p.is_file() for p in dest.rglob("*"))


@pytest.mark.parametrize("bad", ["../escape.txt", "/abs/escape.txt"])
def test_archive_members_outside_destination_are_refused(tmp_path, bad):
    archive = tmp_path / "evil.tar.gz"
    archive.write_bytes(_tar_bytes({"ok.txt": b"fine", bad: b"evil"}))
    (tmp_path / "out").mkdir()
    with pytest.raises(fetch.FetchError, match="unsafe member"):
        fetch.safe_extract(archive, tmp_path / "out" / "x")
    assert list((tmp_path / "out").iterdir()) == []
    assert not (tmp_path / "escape.txt").exists()


def _archive_with_a_link_out(path):
    """A tar holding one good file and a symbolic link that points out of the folder."""
    link = tarfile.TarInfo("innocent")
    link.type = tarfile.SYMTYPE
    link.linkname = "../../etc/passwd"
    path.write_bytes(_tar_bytes({"ok.txt": b"fine"}, extra=[link]))
    return path


def test_archive_link_pointing_out_is_refused(tmp_path):
    archive = _archive_with_a_link_out(tmp_path / "evil.tar.gz")
    with pytest.raises(fetch.FetchError, match="unsafe member"):
        fetch.safe_extract(archive, tmp_path / "x")
    assert not (tmp_path / "x").exists() and leftovers(tmp_path) == []


def test_archive_with_wrong_file_count_is_not_published(tmp_path):
    archive = tmp_path / "a.tar.gz"
    archive.write_bytes(_tar_bytes({"a": b"1"}))
    with pytest.raises(fetch.FetchError, match="expected 2"):
        fetch.safe_extract(archive, tmp_path / "x", expected_files=2)
    assert not (tmp_path / "x").exists()


def test_csv_row_count_is_checked(mirror, tmp_path, capsys):
    (mirror / "SHA256SUMS").unlink()  # nothing else to check it by
    (mirror / "tiny/reviews.csv").write_text("label,review\n1,好\n")
    code, _, err = run(
        capsys, "tiny", "--mirror", str(mirror), "--data-dir", str(tmp_path / "d"), "--offline"
    )
    assert code == 1 and "1 rows, expected 2" in err


def test_list_shows_state(mirror, tmp_path, capsys):
    dest = tmp_path / "d"
    code, out, _ = run(capsys, "--list", "--data-dir", str(dest))
    assert code == 0 and out.count("missing") == 3
    run(capsys, "tiny", "--mirror", str(mirror), "--data-dir", str(dest), "--offline")
    (dest / "tiny/numbers.bin").write_bytes(b"changed")
    _, out, _ = run(capsys, "--list", "--data-dir", str(dest))
    assert "present, NOT verified" in out and "verified, unpacked" in out


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class _TruncatingHandler(_Handler):
    """Announces the full length, sends half: a dropped connection."""

    def do_GET(self):
        path = self.translate_path(self.path)
        if not os.path.isfile(path) or path.endswith("SHA256SUMS"):
            return super().do_GET()
        data = open(path, "rb").read()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])


def _serve(folder, handler):
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(folder))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _fetch_over_http(mirror, handler, dest, capsys):
    """Serve `mirror` on a loopback port with `handler` and fetch from it."""
    server = _serve(mirror, handler)
    try:
        url = f"http://127.0.0.1:{server.server_port}/"
        return run(capsys, "tiny", "--mirror", url, "--data-dir", str(dest), "--offline")
    finally:
        server.shutdown()


def test_fetch_over_loopback_http(mirror, tmp_path, capsys):
    code, _, err = _fetch_over_http(mirror, _Handler, tmp_path / "d", capsys)
    assert code == 0, err
    assert fetch.is_verified(tmp_path / "d/tiny/numbers.bin")


def test_interrupted_http_transfer_leaves_nothing(mirror, tmp_path, capsys):
    code, _, err = _fetch_over_http(mirror, _TruncatingHandler, tmp_path / "d", capsys)
    assert code == 1 and "tiny/numbers.bin" in err
    assert not any(p.is_file() for p in (tmp_path / "d").rglob("*"))


def test_real_datasets_table_is_complete():
    """Every book data set is declared, and MNIST carries the well-known checksums."""
    assert set(fetch.DATASETS) == {"mnist", "20news", "20news-bydate", "chinese"}
    md5s = {rf.md5 for rf in fetch.DATASETS["mnist"]}
    assert "f68b3c2dcbeaaa9fbdd348bbdeb94873" in md5s and len(md5s) == 4
    assert all(len(rf.urls) >= 2 for rf in fetch.DATASETS["mnist"])


def test_every_remote_file_is_pinned_checked_and_has_a_second_host():
    """Immutable URLs (GitHub files at a commit, never a branch), a SHA-256 wherever the official
    bytes are known, and a second host wherever one exists: news20.tar.gz alone has one host
    and no published checksum (checked by its message count instead)."""
    for files in fetch.DATASETS.values():
        for rf in files:
            for url in rf.urls:
                assert "/master/" not in url and "/main/" not in url, url
                if "github" in url or "jsdelivr" in url:
                    assert fetch.SOPHONPLUS_COMMIT in url, url
            if rf.path == "20newsgroups/news20.tar.gz":
                assert rf.sha256 is None and rf.expected_files == 19997
                continue
            assert rf.sha256 and len(rf.sha256) == 64, rf.path
            hosts = {fetch.host_of(u) for u in rf.urls}
            assert len(hosts) >= 2, rf.path
    csail = fetch.DATASETS["20news-bydate"][0].urls
    assert any("people.csail.mit.edu" in u for u in csail)
    assert not any("figshare" in u for u in csail)  # answers 403 since December 2025


@pytest.mark.parametrize("failure", ["403", "404", "dns", "timeout"])
def test_a_failing_host_falls_through_to_the_next_and_the_output_names_the_host(
    mirror, tmp_path, monkeypatch, capsys, failure
):
    import urllib.error

    real_download = fetch.download

    def first_host_fails(url, dest, label):
        if "first.invalid" in url:
            if failure in ("403", "404"):
                raise urllib.error.HTTPError(url, int(failure), "refused", {}, None)
            if failure == "dns":
                raise urllib.error.URLError(OSError(-2, "Name or service not known"))
            raise TimeoutError("timed out")
        return real_download(
            url.replace("https://second.invalid/", mirror.as_uri() + "/"), dest, label
        )

    monkeypatch.setattr(fetch, "download", first_host_fails)
    rf = fetch.RemoteFile(
        "tiny/numbers.bin",
        ("https://first.invalid/tiny/numbers.bin", "https://second.invalid/tiny/numbers.bin"),
        sha256=_sha(bytes(range(256)) * 40),
    )
    monkeypatch.setattr(fetch, "DATASETS", {"tiny": (rf,)})
    code, out, err = run(capsys, "tiny", "--data-dir", str(tmp_path / "d"))
    assert code == 0, err
    assert "first.invalid" in err and "trying the next host" in err
    assert {"403": "HTTP 403", "404": "HTTP 404", "dns": "Name or service", "timeout": "timed out"}[
        failure
    ] in err
    assert "from official second.invalid" in out


def test_extraction_without_tarfiles_data_filter(tmp_path, monkeypatch):
    """Python 3.11.0–3.11.3 have no filter="data": our own checks and extraction run instead,
    with the same result and the same refusals."""
    monkeypatch.delattr(tarfile, "data_filter")
    monkeypatch.delattr(tarfile, "FilterError")
    archive = tmp_path / "a.tar.gz"
    archive.write_bytes(_tar_bytes({"top/a.txt": b"a", "top/sub/b.txt": b"bb"}))
    out = fetch.safe_extract(archive, tmp_path / "x", expected_files=2)
    assert (out / "top/sub/b.txt").read_bytes() == b"bb"
    evil = _archive_with_a_link_out(tmp_path / "evil.tar.gz")
    with pytest.raises(fetch.FetchError, match="unsafe member 'innocent'"):
        fetch.safe_extract(evil, tmp_path / "y")
    evil.write_bytes(_tar_bytes({"ok.txt": b"fine", "../escape.txt": b"evil"}))
    with pytest.raises(fetch.FetchError, match="unsafe member"):
        fetch.safe_extract(evil, tmp_path / "z")
    assert not (tmp_path / "escape.txt").exists() and leftovers(tmp_path) == []


def test_a_rename_held_by_another_program_is_retried_then_named(tmp_path, monkeypatch):
    """Windows: an indexer or antivirus holding the fresh file makes os.replace fail with
    PermissionError for a moment. A short hold is retried through; a long one is one line
    that names the cause (never "not a readable archive"), and no temporary is left."""
    calls = []
    real_replace = os.replace

    def held_twice(src, dst):
        calls.append(src)
        if len(calls) <= 2:
            raise PermissionError(13, "The process cannot access the file")
        real_replace(src, dst)

    monkeypatch.setattr(fetch.os, "replace", held_twice)
    archive = tmp_path / "a.tar.gz"
    archive.write_bytes(_tar_bytes({"top/a.txt": b"a"}))
    assert (fetch.safe_extract(archive, tmp_path / "x") / "top/a.txt").is_file()
    assert len(calls) == 3

    def always_held(src, dst):
        raise PermissionError(13, "The process cannot access the file")

    monkeypatch.setattr(fetch.os, "replace", always_held)
    monkeypatch.setattr(fetch, "RENAME_RETRY_S", 0.3)
    with pytest.raises(fetch.FetchError) as err:
        fetch.safe_extract(archive, tmp_path / "y")
    message = str(err.value)
    assert "another program holds it" in message and "not a readable archive" not in message
    assert not (tmp_path / "y").exists() and leftovers(tmp_path) == []


@pytest.mark.fulldata
def test_full_data_present_and_verified():
    rows = fetch.status(fetch.resolve_data_dir(None))
    missing = [str(r["path"]) for r in rows if not r["verified"]]
    assert not missing, f"not fetched/verified: {missing} — run: python data/fetch.py all"
    assert all(r["unpacked"] in (None, True) for r in rows)
