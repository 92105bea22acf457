"""Words in quotation marks are the book's own words. Every quotation with a Chinese character in
a README or a notebook's cell source ("…", “…” or 「…」, outside code) must occur in the book's
text, compared without spaces, markup and full-/half-width differences; an ellipsis (…, ……, ...)
inside a quotation stands for words left out, and each piece must occur.

The repository does not ship the book: point BOOK_TEXT at its text (`.ci/run` does) to run
this test; elsewhere it is skipped with that reason."""

import os
import re
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
QUOTE = re.compile(r"「([^」]+)」|“([^”]+)”|\"([^\"\n]+)\"")
CJK = re.compile(r"[\u4e00-\u9fff]")
ELLIPSIS = re.compile(r"……|…|\.\.\.")


def book_text() -> str:
    path = os.environ.get("BOOK_TEXT")
    if not path:
        pytest.skip("set BOOK_TEXT to the book's text file to check the quotations")
    return Path(path).read_text(encoding="utf-8")


def comparable(text: str) -> str:
    """Without spaces, Markdown emphasis and backticks, full-width forms folded."""
    return re.sub(r"[\s*`]", "", unicodedata.normalize("NFKC", text))


def paragraphs(path: Path):
    """(first line number, text) of each paragraph of prose, its lines joined (a quotation may
    be wrapped): a README outside its code blocks, a cells file's comment lines (its Markdown
    cells)."""
    block, start, fenced = [], 0, False
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines() + [""], start=1):
        if path.suffix == ".md" and line.lstrip().startswith("```"):
            fenced = not fenced
            line = ""
        elif path.suffix != ".md":
            line = line[1:].strip() if line.startswith("#") else ""
        if fenced or not line.strip():
            if block:
                yield start, " ".join(block)
            block = []
            continue
        if not block:
            start = n
        block.append(line.strip())


def quotations(path: Path):
    for n, text in paragraphs(path):
        code = [m.span() for m in re.finditer(r"`[^`]*`", text)]
        for m in QUOTE.finditer(text):
            inside_code = any(a <= m.start() < b for a, b in code)
            quoted = next(g for g in m.groups() if g)
            if CJK.search(quoted) and not inside_code:
                yield n, quoted


def files() -> list[Path]:
    return [
        ROOT / "README.md",
        *sorted(ROOT.glob("ch*/README.md")),
        *sorted(ROOT.glob("ch*/*_cells.py")),
    ]


def test_every_quotation_is_the_books_own_words():
    book = comparable(book_text())
    checked, wrong = 0, []
    for path in files():
        for n, quoted in quotations(path):
            checked += 1
            pieces = [comparable(p) for p in ELLIPSIS.split(quoted) if comparable(p)]
            if not all(p in book for p in pieces):
                wrong.append(f"{path.relative_to(ROOT)}:{n}: {quoted}")
    assert checked >= 40, checked  # the READMEs quote the book often: the scan found them
    assert not wrong, "not the book's words (quote it exactly, or drop the marks):\n" + "\n".join(
        wrong
    )


def test_the_check_catches_words_the_book_does_not_use(tmp_path):
    page = tmp_path / "README.md"
    page.write_text(
        '书中说 "Padding 可以将输入数据的区域改造成卷积核大小的整数倍"，又说 "padding 在左前方补零"。\n'
        '```\npython x.py --predict "房间很干净"\n```\n`--predict "房间很干净"`\n',
        encoding="utf-8",
    )
    found = [q for _, q in quotations(page)]
    assert found == ["Padding 可以将输入数据的区域改造成卷积核大小的整数倍", "padding 在左前方补零"]
    book = comparable("Padding 可以将输入数据的区域改造成卷积核大小的整数倍，这样对不满足……")
    assert [comparable(q) in book for q in found] == [True, False]
