"""第16章 用你自己的文本 · your own texts (not in the book): a table or a folder as a corpus.

    python ch16_textcls/fast_recipe.py --corpus 我的评论.csv          # text and label columns by name
    python ch16_textcls/fast_recipe.py --corpus tickets.tsv --text-column body --label-column queue
    python ch16_textcls/fast_recipe.py --corpus 文本/                 # 文本/<label>/<file>.txt
    python ch16_textcls/fast_recipe.py --corpus 我的评论.csv --predict "房间很干净"

A CSV/TSV file, a JSON-lines file (one {"text": …, "label": …} per line) or a folder with one
subfolder of .txt files per class. The encoding is found among UTF-8 (with or without BOM) and
GB18030 (a superset of GBK, what Excel saves on a Chinese Windows); Chinese text is segmented with
jieba as §16.3 does, other text with the book's Tokenizer rules.
"""

import csv
import io
import json
import unicodedata
from collections import Counter
from pathlib import Path
from typing import NamedTuple

from support import DataError

TEXT_COLUMNS = ("text", "review", "content", "sentence")
LABEL_COLUMNS = ("label", "category", "class")
ENCODINGS = ("utf-8-sig", "gb18030")  # utf-8-sig reads plain UTF-8 too
SUFFIXES = {".csv": ",", ".tsv": "\t", ".txt": "\t"}
CONFLICTS = ("drop", "majority")  # a text under two labels: left out, or kept with its majority
SHOWN = 3  # conflicting texts quoted in the report


def is_own_corpus(corpus: str) -> bool:
    return Path(corpus).suffix.lower() in {*SUFFIXES, ".jsonl", ".json"} or Path(corpus).is_dir()


def decode(data: bytes, where: Path) -> tuple[str, str]:
    """(text, the encoding that read it)."""
    if b"\x00" in data[:4096]:
        raise DataError(
            f"{where} is not a text file (it holds NUL bytes) — give a CSV/TSV/JSONL file"
        )
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise DataError(f"{where} is neither UTF-8 nor GBK/GB18030 text — save it as UTF-8")


def pick_column(found: list[str], wanted: str | None, names: tuple[str, ...], what: str, where):
    if wanted is not None:
        if wanted not in found:
            raise DataError(f"{where} has no column {wanted!r}; its columns: {', '.join(found)}")
        return wanted
    lower = {c.strip().lower(): c for c in found}
    hit = next((lower[n] for n in names if n in lower), None)
    if hit is None:
        raise DataError(
            f"{where}: no {what} column ({' / '.join(names)}); its columns: {', '.join(found)} — "
            f"name one with --{what}-column"
        )
    return hit


def read_table(path: Path, text_column, label_column) -> tuple[list[str], list[str], str]:
    raw, encoding = decode(path.read_bytes(), path)
    if path.suffix.lower() in (".jsonl", ".json"):
        rows = []
        for n, line in enumerate(raw.splitlines(), start=1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:
                    raise DataError(f"{path} line {n} is not JSON — one object per line") from None
        found = list(dict.fromkeys(k for r in rows for k in r))
    else:
        reader = csv.DictReader(io.StringIO(raw), delimiter=SUFFIXES[path.suffix.lower()])
        rows, found = list(reader), list(reader.fieldnames or [])
    t = pick_column(found, text_column, TEXT_COLUMNS, "text", path)
    y = pick_column(found, label_column, LABEL_COLUMNS, "label", path)
    texts = [str(r.get(t) or "") for r in rows]
    labels = [str(r.get(y) if r.get(y) is not None else "").strip() for r in rows]
    return texts, labels, encoding


def read_folder(root: Path) -> tuple[list[str], list[str], str]:
    texts, labels, encodings = [], [], Counter()
    for folder in sorted(d for d in root.iterdir() if d.is_dir()):
        for f in sorted(folder.glob("*.txt")):
            text, encoding = decode(f.read_bytes(), f)
            texts.append(text)
            labels.append(folder.name)
            encodings[encoding] += 1
    if not texts:
        raise DataError(f"no .txt files under {root} — lay them out as {root}/<label>/<file>.txt")
    return texts, labels, ", ".join(encodings)


def looks_chinese(texts: list[str]) -> bool:
    """Chinese when CJK characters are at least a third of the letters (a sample of the texts)."""
    sample = "".join(texts[:500])
    cjk = sum("\u4e00" <= ch <= "\u9fff" for ch in sample)
    letters = sum(ch.isalpha() for ch in sample)
    return letters > 0 and cjk >= letters / 3


# ---------------------------------------------------------------- duplicates and conflicts
# Scraped reviews and exported tables repeat texts. A copy in the training part and another in
# the test part makes the test measure memory (§16's own split does this, see erratum 1), so
# identical texts form a group that the split keeps in one part.


def normal_form(text: str) -> str:
    """What a reader calls "the same text": full-width letters, digits and punctuation folded to
    their half-width forms (NFKC), case ignored, runs of whitespace made one space."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


class Deduplicated(NamedTuple):
    texts: list[str]
    labels: list  # one per text, a conflict's majority label under --conflicts majority
    groups: list[int]  # texts of one group are the same text: the split keeps them together
    report: list[str]  # the lines printed about duplicates and conflicts


def deduplicate(texts, labels, conflicts: str = "drop") -> Deduplicated:
    """Group identical texts (by normal_form). A group whose rows carry more than one label is
    a conflict: left out by default, or kept with its most frequent label (ties: the label met
    first) under conflicts="majority"."""
    if conflicts not in CONFLICTS:
        raise DataError(f"conflicts must be one of {', '.join(CONFLICTS)}, not {conflicts!r}")
    group_of: dict[str, int] = {}
    groups = [group_of.setdefault(normal_form(t), len(group_of)) for t in texts]
    members: dict[int, list[int]] = {}
    for i, g in enumerate(groups):
        members.setdefault(g, []).append(i)
    in_groups = sum(len(rows) for rows in members.values() if len(rows) > 1)
    mixed = {g: Counter(labels[i] for i in rows) for g, rows in members.items()}
    mixed = {g: c for g, c in mixed.items() if len(c) > 1}
    report = []
    if in_groups:
        report.append(
            f"重复 duplicates: {in_groups} of {len(texts)} rows ({in_groups / len(texts):.1%}) share "
            f"their text with another row ({len(members)} distinct texts); each group of identical "
            "texts stays in one part of the split, and validation and test count it once"
        )
    if mixed:
        shown = ", ".join(
            f"「{texts[members[g][0]][:30]}」 ("
            + ", ".join(f"{y} ×{n}" for y, n in counts.items())
            + ")"
            for g, counts in list(mixed.items())[:SHOWN]
        )
        rows = sum(len(members[g]) for g in mixed)
        what = (
            f"left out of training and evaluation ({rows} rows) — --conflicts majority keeps them "
            "with their majority label"
            if conflicts == "drop"
            else "kept with their majority label (--conflicts majority)"
        )
        report.append(
            f"标签冲突 conflicting labels: {len(mixed)} text(s) carry more than one label, e.g. "
            f"{shown}; {what}"
        )
    keep = [i for i, g in enumerate(groups) if g not in mixed or conflicts == "majority"]
    majority = {g: counts.most_common(1)[0][0] for g, counts in mixed.items()}
    return Deduplicated(
        [texts[i] for i in keep],
        [majority.get(groups[i], labels[i]) for i in keep],
        [groups[i] for i in keep],
        report,
    )


class OwnCorpus(NamedTuple):
    texts: list[str]
    labels: list[int]
    names: list[str]
    chinese: bool
    groups: list[int]  # identical texts share a group (deduplicate)


def read_corpus(corpus: str, text_column=None, label_column=None, conflicts="drop") -> OwnCorpus:
    """Texts, label ids, class names, whether Chinese, and duplicate groups: empty texts dropped
    and counted, identical texts grouped and a text under two labels left out (deduplicate); one
    class or a class with fewer than two texts refused in one line."""
    path = Path(corpus).expanduser()
    if not path.exists():
        raise DataError(
            f"{path} not found — give a CSV/TSV/JSONL file, a folder, or a built-in corpus"
        )
    if path.is_dir():
        texts, labels, encoding = read_folder(path)
    else:
        texts, labels, encoding = read_table(path, text_column, label_column)
    kept = [(t, y) for t, y in zip(texts, labels, strict=True) if t.strip() and y]
    dropped = len(texts) - len(kept)
    unique = deduplicate([t for t, _ in kept], [y for _, y in kept], conflicts)
    counts = Counter(unique.labels)
    if len(counts) < 2:
        raise DataError(
            f"{path}: {len(counts)} label(s) ({', '.join(counts) or 'none'}) — a classifier needs "
            "two or more"
        )
    few = [f"{y} ({n})" for y, n in sorted(counts.items()) if n < 2]
    if few:
        raise DataError(
            f"{path}: too few texts for {', '.join(few)} — each label needs at least two"
        )
    names = sorted(counts)
    chinese = looks_chinese(unique.texts)
    print(
        f"{path}: {len(kept)} texts ({encoding}), {len(names)} labels, "
        f"{'Chinese: jieba (§16.3)' if chinese else 'the Tokenizer rules'}"
        + (f"; dropped {dropped} empty text(s) or label(s)" if dropped else "")
    )
    for line in unique.report:
        print(line)
    for name in names:
        print(f"  {name:<20} {counts[name]:>6}")
    label_ids = [names.index(y) for y in unique.labels]
    return OwnCorpus(unique.texts, label_ids, names, chinese, unique.groups)
