"""Shared test helpers: the `book` fixture and the "book vs. today" summary.

Every assertion of a number printed in the book goes through `book`, which records one row
(section, what, book value, today's value, status). At the end of the run pytest prints the
table and writes it to outputs/book_check.md: the answer to "does the book still work?".
"""

import math
import os
import tempfile
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ROWS: list[dict] = []

SAME = "same"
ERRATUM = "erratum"
API_CHANGE = "API change"
AT_LEAST = "same or better"
WITHIN_SPREAD = "within the measured spread"
NOT_REPRODUCED = "not reproduced"


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (list, tuple)):
        shown = ", ".join(_fmt(v) for v in list(value)[:6])
        return f"[{shown}{', …' if len(value) > 6 else ''}]"
    return str(value)


def _close(a, b, tol: float) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=0.0, abs_tol=tol)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_close(x, y, tol) for x, y in zip(a, b, strict=True))
    return a == b


class BookCheck:
    """Assert today's value against the book and record a row for the summary table."""

    def _record(self, section, what, book, today, status, note=""):
        running = os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" (", 1)[0]
        ROWS.append(
            dict(
                section=section,
                what=what,
                book=_fmt(book),
                today=_fmt(today),
                status=status,
                note=note,
                test=running.split("::", 1)[-1] if running else "",
                file=running.split("::", 1)[0].removeprefix("tests/") if running else "",
            )
        )

    def same(self, section: str, what: str, book, today, tol: float = 1e-4):
        """The book's number still comes out (within `tol`, absolute)."""
        self._record(section, what, book, today, SAME if _close(book, today, tol) else "FAILED")
        assert _close(book, today, tol), (
            f"§{section} {what}: book {book!r}, today {today!r} (tol {tol})"
        )

    def changed(
        self,
        section: str,
        what: str,
        book,
        today,
        *,
        expected,
        tol: float = 1e-4,
        status: str = ERRATUM,
        note: str = "",
    ):
        """The book is wrong or outdated: assert today's value is the corrected `expected`."""
        ok = _close(expected, today, tol)
        self._record(section, what, book, today, status if ok else "FAILED", note)
        assert ok, f"§{section} {what}: expected {expected!r} today, got {today!r} (tol {tol})"

    def at_least(self, section: str, what: str, book, today, slack=0):
        """Training results: today's run must do at least as well as the book reports, less
        `slack`: the measured spread of a trained number over machines and thread counts, so
        that the verdict does not change with the reader's CPU."""
        ok = today >= book - slack
        status = AT_LEAST if today >= book else WITHIN_SPREAD if ok else "FAILED"
        note = (
            f"below the book by less than the measured spread of {slack}"
            if status == WITHIN_SPREAD
            else ""
        )
        self._record(section, what, book, today, status, note)
        assert ok, f"§{section} {what}: book {book}, today {today} (slack {slack})"

    def not_reproduced(self, section: str, what: str, book, today, *, expected, tol, note: str):
        """A trained number of the book that today's run does not reach, though the code is the
        book's: today's value is asserted to be the measured one (`expected` ± `tol`, the spread
        over machines), so the gap is pinned, not hidden."""
        ok = _close(expected, today, tol)
        self._record(section, what, book, today, NOT_REPRODUCED if ok else "FAILED", note)
        assert ok, f"§{section} {what}: expected {expected!r} ± {tol} today, got {today!r}"

    def below(self, section: str, what: str, book, today, *, upper, note: str = ""):
        """The book's number cannot come out: today's value stays at most `upper`, a bound the
        setup itself sets (a test split the model cannot fit, say)."""
        ok = today <= upper
        self._record(section, what, book, _fmt(today), ERRATUM if ok else "FAILED", note)
        assert ok, f"§{section} {what}: today {today}, expected at most {upper}"


@pytest.fixture
def book() -> BookCheck:
    return BookCheck()


@pytest.fixture
def warns_with():
    """warns_with(call, words) → (call's result, whether it warned with `words`): for the book's
    calls that still run but that today's library deprecates or ignores."""

    def run(call, words: str):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = call()
        return result, any(words in str(w.message) for w in caught)

    return run


def _section_key(row):
    parts = []
    for p in row["section"].split("."):
        parts.append(int(p) if p.isdigit() else 0)
    return parts


def _table(rows, with_tests: bool = False) -> list[str]:
    """The book-vs-today table; with_tests adds the test that asserts each row (the file's)."""
    head = "| § | what | book | today | status |" + (" test |" if with_tests else "")
    lines = [head, "|---|---|---|---|---|" + ("---|" if with_tests else "")]
    for r in sorted(rows, key=_section_key):
        status = r["status"] + (f" ({r['note']})" if r["note"] else "")
        cells = [r["section"], r["what"], r["book"], r["today"], status]
        line = (
            "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"
        )  # |Δθ| stays in its cell
        if with_tests:
            line += f" `{r['file']}::{r['test']}` |"
        lines.append(line)
    return lines


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def pytest_terminal_summary(terminalreporter):
    if not ROWS:
        return
    lines = _table(ROWS)
    terminalreporter.section("book vs. today 书中数值 vs. 今天")
    for line in lines:
        terminalreporter.write_line(line)
    out = ROOT / "outputs" / "book_check.md"
    header = "# Book vs. today — 《PyTorch深度学习实战》 numbers checked by pytest\n\n"
    _write_atomic(out, header + "\n".join(_table(ROWS, with_tests=True)) + "\n")
    terminalreporter.write_line(f"written to {out.relative_to(ROOT)}")


@pytest.fixture
def windows_opencv(monkeypatch):
    """OpenCV as it behaves on Windows: imread/imwrite/VideoCapture/VideoWriter hand the path to
    the C runtime in the ANSI code page, so a path with Chinese characters cannot be opened
    (opencv-python#211, opencv#18305). imread gives None, imwrite False, the video objects are
    not opened — silently, as there. A relative ASCII name still works (the OS resolves it against
    the working directory, which it holds as Unicode). Returns the list of refused paths."""
    import cv2

    refused: list[str] = []

    def ascii_only(path) -> bool:
        if isinstance(path, (str, os.PathLike)) and not os.fspath(path).isascii():
            refused.append(os.fspath(path))
            return False
        return True

    real_imread, real_imwrite = cv2.imread, cv2.imwrite
    real_capture, real_writer = cv2.VideoCapture, cv2.VideoWriter

    def imread(path, *a, **k):
        return real_imread(path, *a, **k) if ascii_only(path) else None

    def imwrite(path, *a, **k):
        return real_imwrite(path, *a, **k) if ascii_only(path) else False

    def video_capture(*a, **k):
        return real_capture(*a, **k) if not a or ascii_only(a[0]) else real_capture()

    def video_writer(*a, **k):
        return real_writer(*a, **k) if not a or ascii_only(a[0]) else real_writer()

    monkeypatch.setattr(cv2, "imread", imread)
    monkeypatch.setattr(cv2, "imwrite", imwrite)
    monkeypatch.setattr(cv2, "VideoCapture", video_capture)
    monkeypatch.setattr(cv2, "VideoWriter", video_writer)
    return refused
