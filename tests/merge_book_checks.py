"""Write tests/book_claims.md from the book-vs-today tables of the two test tiers.

pytest && cp outputs/book_check.md /tmp/fast.md
BOOK_DATA_DIR=… pytest -m fulldata && cp outputs/book_check.md /tmp/full.md
python tests/merge_book_checks.py /tmp/fast.md /tmp/full.md
"""

import re
import sys
from collections import Counter
from pathlib import Path

from test_book_claims import INVENTORY, table_rows

HEADER = """# 书中的数, 逐条检查 · The book's claims, each with the test that checks it

Every number, output or statement of the book that a test asserts, one row each: the section,
what is checked, the book's value, today's, the verdict and the test. The rows are the ones
`pytest` ({fast} rows) and `pytest -m fulldata` ({full} rows, on the full data sets) write to
`outputs/book_check.md`, merged by `python tests/merge_book_checks.py FAST.md FULL.md`;
`tests/test_book_claims.py` fails when a test that checks the book has no row here or a row
names a test that is gone.

Verdicts ({total} rows): {counts}.

"same" and "same or better": the book's value comes out today; "within the measured spread": a
trained count below the book's by no more than the spread measured across CPUs and thread
counts; "not reproduced": the book's training, run as the book runs it, ends below the book's
count by more than that spread, and today's measured count is asserted; "erratum": the book is
wrong, and today's corrected value is asserted; "API change": the book describes an older API,
or another library's, and today's is asserted.

| § | what | book | today | status | test |
|---|---|---|---|---|---|
"""


def section_key(row: list[str]) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", row[0])[:3]] or [0]


def main(fast: str, full: str) -> int:
    tiers = [table_rows(Path(p).read_text(encoding="utf-8")) for p in (fast, full)]
    rows, seen = [], set()
    for row in sorted((r for tier in tiers for r in tier if len(r) == 6), key=section_key):
        if (key := (row[0], row[1], row[5])) not in seen:
            seen.add(key)
            rows.append(row)
    counts = Counter(r[4].split(" (")[0] for r in rows)
    n_full = len({(r[0], r[1], r[5]) for r in tiers[1]} & seen)
    text = HEADER.format(
        fast=len(rows) - n_full,
        full=n_full,
        total=len(rows),
        counts=", ".join(f"{status} {n}" for status, n in counts.most_common()),
    )
    text += "\n".join("| " + " | ".join(r) + " |" for r in rows) + "\n"
    INVENTORY.write_text(text, encoding="utf-8")
    print(f"wrote {INVENTORY.name}: {len(rows)} rows ({n_full} full data)")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
