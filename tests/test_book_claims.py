"""tests/book_claims.md, the inventory of the book's checked claims, stays current: every test
that asserts a number of the book (through the `book` fixture) has its rows there, and every
row names a test that exists. The rows themselves are what `pytest` and `pytest -m fulldata`
write to outputs/book_check.md (the fast tier's and the full-data tier's, together)."""

import ast
import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent
INVENTORY = TESTS / "book_claims.md"
CHECKS = {"same", "changed", "at_least", "below"}


def checking_tests() -> set[str]:
    """'file::test' of every test function that calls book.same/changed/at_least/below."""
    found = set()
    for path in TESTS.glob("test_*.py"):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if not (isinstance(node, ast.FunctionDef) and node.name.startswith("test_")):
                continue
            calls = {
                n.func.attr
                for n in ast.walk(node)
                if isinstance(n, ast.Call)
                and isinstance(n.func, ast.Attribute)
                and isinstance(n.func.value, ast.Name)
                and n.func.value.id == "book"
            }
            if calls & CHECKS:
                found.add(f"{path.name}::{node.name}")
    return found


def table_rows(text: str) -> list[list[str]]:
    """The cells of a Markdown table's body rows (a `\\|` inside a cell is part of it)."""
    rows = []
    for line in text.splitlines():
        if line.startswith("| ") and not line.startswith(("| § |", "|---")):
            rows.append([c.strip() for c in re.split(r"(?<!\\)\|", line.strip()[1:-1])])
    return rows


def inventory_rows() -> list[list[str]]:
    return [r for r in table_rows(INVENTORY.read_text(encoding="utf-8")) if len(r) == 6]


def test_every_book_check_has_its_rows_in_the_inventory_and_no_row_is_stale():
    listed = {re.sub(r"\[.*\]$", "", r[5].strip("`")) for r in inventory_rows()}
    checking = checking_tests()
    assert not checking - listed, f"not in tests/book_claims.md: {sorted(checking - listed)}"
    assert not listed - checking, f"rows of tests that are gone: {sorted(listed - checking)}"


def test_the_inventory_counts_no_failed_row():
    statuses = [r[4] for r in inventory_rows()]
    assert statuses and not [s for s in statuses if s.startswith("FAILED")]
