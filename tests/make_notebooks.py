"""Make every chapter's notebook from its cell source, and the Colab badges in the READMEs.

    python tests/make_notebooks.py           # write chNN/<entry>.ipynb and the badges
    python tests/make_notebooks.py --check   # only say what is out of date (exit 1 if any)

A notebook is made from two files of its chapter: `<entry>_cells.py`, a jupytext "percent"
script (`# %%` cells: the bilingual Markdown of each section and the short cells that call its
printer), and the book file `<entry>.py` itself. A code cell of `_cells.py` that reads
`# book: §4.4` becomes that section's code, cut from the book file at its banner
(`# ======== §4.4 …`) into one cell per definition, exactly as it stands there; `# book: head`
is the file's imports and constants, with the support file imported in one line. So the
reader sees, edits and reruns the book's own code, and there is no copy to drift. Here, in front of its cells, each notebook gets
the same Colab set-up cell, made from REPOSITORY below: the one place that names the
repository's public address (the badges come from it too). Notebooks are written without
outputs: diffs stay clean, and numbers that depend on the reader's CPU are not frozen in them.
"""

import argparse
import ast
import json
import re
import sys
from pathlib import Path

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parents[1]
REPOSITORY = "pytorch-shizhan/pytorch-shizhan"  # owner/name on GitHub: a move is this line
BRANCH = "main"
BADGE = "https://colab.research.google.com/assets/colab-badge.svg"

# chapter folder → (entry script, the data sets data/fetch.py gets for it on Colab)
CHAPTERS = {
    "ch01_tensor": ("tensor", []),
    "ch02_variable": ("variable", []),
    "ch03_autograd": ("autograd", []),
    "ch04_losses": ("losses", []),
    "ch05_optim": ("optim", []),
    "ch06_regression": ("regression", []),
    "ch08_save_load": ("save_load", []),
    "ch09_conv": ("conv", []),
    "ch10_pool": ("pool", []),
    "ch11_mnist": ("mnist", ["mnist"]),
    "ch12_image": ("image", []),
    "ch14_lstm": ("lstm", []),
    "ch16_textcls": ("textcls", ["20news", "20news-bydate", "chinese"]),
}
# what Colab lacks of requirements.txt (its own torch, numpy, scipy, matplotlib, opencv and
# keras stay: replacing them asks for a runtime restart)
COLAB_PACKAGES = ["jieba==0.42.1"]


def colab_url(folder: str) -> str:
    entry = CHAPTERS[folder][0]
    return f"https://colab.research.google.com/github/{REPOSITORY}/blob/{BRANCH}/{folder}/{entry}.ipynb"


def badge(folder: str) -> str:
    return f"[![Open In Colab]({BADGE})]({colab_url(folder)})"


def setup_cell(folder: str) -> str:
    """Clone, the packages Colab lacks, the chapter's folder, then its data. A data host that
    cannot be reached costs one line: the chapters fall back to the samples."""
    entry, data = CHAPTERS[folder]
    fetch = (
        f'    if subprocess.run([sys.executable, "../data/fetch.py", {", ".join(map(json.dumps, data))}]).returncode:\n'
        '        print("数据没有取到, 本笔记本用小样本 no data fetched: this notebook uses the samples")\n'
        if data
        else ""
    )
    return (
        "# 只在 Colab 上: 取得本仓库和 Colab 缺少的包 (保留 Colab 自己的 torch 与 numpy), 进入本章目录,\n"
        "# 再取本章数据; 在别处什么也不做. On Colab only: the repository, the packages Colab lacks (its\n"
        "# own torch and numpy stay), the chapter's folder, then its data. Elsewhere it does nothing.\n"
        "import os\nimport subprocess\nimport sys\n\n"
        f'if "google.colab" in sys.modules and not os.path.exists("{entry}.py"):\n'
        '    if not os.path.isdir("pytorch-shizhan"):\n'
        f'        subprocess.run(["git", "clone", "--depth", "1", "https://github.com/{REPOSITORY}", '
        '"pytorch-shizhan"], check=True)\n'
        '    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", '
        + ", ".join(map(json.dumps, COLAB_PACKAGES))
        + "], check=True)\n"
        + f'    os.chdir("pytorch-shizhan/{folder}")\n'
        "    sys.path.insert(0, os.getcwd())\n" + fetch
    )


BANNER = re.compile(r"^# =+ (.+)$")
BOOK_MARK = re.compile(r"^# book: (.+)$")
# the book file's command line: not in the notebook (the cells call the printers themselves)
COMMAND_LINE = {"main", "build_parser", "settings_of"}
COMMAND_LINE_BANNERS = ("the command line", "main")
SUPPORT_LINE = "  # 不在书中 not in the book: files, devices, the command line"


def node_name(node: ast.stmt) -> str | None:
    if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
        return node.name
    if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
        return node.targets[0].id
    return None


def support_imports(node: ast.Try) -> str:
    """`try: from . import support / except ImportError: import support` as a notebook has it."""
    names = [a.name for stmt in node.handlers[0].body for a in stmt.names]
    return "\n".join(
        f"import {name}" + (SUPPORT_LINE if name == "support" else "") for name in names
    )


def book_sections(path: Path) -> dict[str, list[str]]:
    """{"head" or a banner's title: its code cells}: the book file cut at its banners, each
    section into one cell per definition (the assignments and comments above a definition go
    with it, as they stand), the command line and the module's docstring left out."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    banners = {i + 1: m.group(1) for i, line in enumerate(lines) if (m := BANNER.match(line))}
    sections: dict[str, list[str]] = {"head": []}
    title, pending, previous_end = "head", [], 0

    def flush() -> None:
        text, last = "", None
        for start, end, replaced in pending:
            if last is not None:
                text += "\n" * (start - last)
            text += replaced if replaced is not None else "\n".join(lines[start - 1 : end])
            last = end
        if text:
            sections[title].append(text)
        pending.clear()

    for node in ast.parse(source).body[1:]:  # [0] is the docstring
        first = node.lineno - len(getattr(node, "decorator_list", []))
        for at in sorted(banners):
            if previous_end < at < first:
                flush()
                title = banners[at]
                sections[title] = []
        previous_end = node.end_lineno
        if node_name(node) in COMMAND_LINE or isinstance(node, ast.If):
            continue
        if title.startswith(COMMAND_LINE_BANNERS):
            continue
        start = first
        while start > 1 and lines[start - 2].startswith("#") and not BANNER.match(lines[start - 2]):
            start -= 1
        replaced = support_imports(node) if isinstance(node, ast.Try) else None
        pending.append((start, node.end_lineno, replaced))
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            flush()
    flush()
    return sections


def expand_book_cells(cells: list, folder: str) -> list:
    """Each `# book: …` cell replaced by that section's cells; every section used once."""
    entry = CHAPTERS[folder][0]
    sections = book_sections(ROOT / folder / f"{entry}.py")
    used, out = [], []
    for cell in cells:
        m = BOOK_MARK.match(cell.source.strip()) if cell.cell_type == "code" else None
        if not m:
            out.append(cell)
            continue
        found = [t for t in sections if t == m.group(1) or t.startswith(m.group(1) + " ")]
        if len(found) != 1:
            raise SystemExit(f"{folder}: '# book: {m.group(1)}' matches {found or 'no banner'}")
        used += found
        out += [nbformat.v4.new_code_cell(code) for code in sections[found[0]]]
    unused = [t for t in sections if t not in used and sections[t]]
    if unused:
        raise SystemExit(f"{folder}: {entry}_cells.py shows no '# book:' cell for {unused}")
    return drop_unused_imports(out)


def drop_unused_imports(cells: list) -> list:
    """The head's import lines that only the command line needed (argparse, …) left out."""
    code = [c for c in cells if c.cell_type == "code"]
    head = next(c for c in code if "import support" in c.source)
    rest = "\n".join(c.source for c in code if c is not head)
    kept = []
    for line in head.source.splitlines():
        m = re.match(r"(?:from \S+ )?import (.+?)(?:  #.*)?$", line)
        if m:
            names = [n.split(" as ")[-1].strip().split(".")[0] for n in m.group(1).split(",")]
            others = head.source.replace(line, "")
            if not any(re.search(rf"\b{n}\b", rest + others) for n in names):
                continue
        kept.append(line)
    head.source = re.sub(r"\n{4,}", "\n\n\n", "\n".join(kept)).strip("\n")
    return cells


def build(folder: str) -> nbformat.NotebookNode:
    entry = CHAPTERS[folder][0]
    notebook = jupytext.read(ROOT / folder / f"{entry}_cells.py", fmt="py:percent")
    cells = [
        nbformat.v4.new_markdown_cell(
            f"{badge(folder)}\n\n"
            f"本笔记本由 `{entry}.py`（书中的代码）和 `{entry}_cells.py`（说明与调用）生成 (made from "
            f"`{entry}.py`, the book's code, and `{entry}_cells.py` by `python tests/make_notebooks.py`): "
            "在这里改代码再运行下面的格 edit a cell here and rerun the cells below it; 永久的改动请改那两个文件."
        ),
        nbformat.v4.new_code_cell(setup_cell(folder)),
        *expand_book_cells(notebook.cells, folder),
    ]
    for k, cell in enumerate(cells):
        cell.id = f"{folder}-{k}"  # fixed ids: a regenerated notebook is byte-identical
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cell.metadata = {}
    out = nbformat.v4.new_notebook(cells=cells)
    out.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        "colab": {"provenance": []},
    }
    return out


def notebook_text(folder: str) -> str:
    return nbformat.writes(build(folder), version=4) + "\n"


ENTRY_CELL = re.compile(
    r"(\| `(ch\d\d_\w+)` \| `\w+\.py`)( · \[`\w+\.ipynb`\]\([^)]*\) \[!\[Open In Colab\]\([^)]*\)\]\([^)]*\))?"
)
CHAPTER_BADGE = re.compile(r"^\[!\[Open In Colab\]\([^)]*\)\]\([^)]*\)\n\n", re.M)


def top_readme(text: str) -> str:
    def row(m: re.Match) -> str:
        folder = m.group(2)
        entry = CHAPTERS[folder][0]
        return f"{m.group(1)} · [`{entry}.ipynb`]({folder}/{entry}.ipynb) {badge(folder)}"

    return ENTRY_CELL.sub(row, text)


def chapter_readme(text: str, folder: str) -> str:
    """The badge on its own line under the title."""
    text = CHAPTER_BADGE.sub("", text)
    title, _, rest = text.partition("\n\n")
    return f"{title}\n\n{badge(folder)}\n\n{rest}"


def planned() -> dict[Path, str]:
    files = {}
    for folder, (entry, _) in CHAPTERS.items():
        files[ROOT / folder / f"{entry}.ipynb"] = notebook_text(folder)
        readme = ROOT / folder / "README.md"
        files[readme] = chapter_readme(readme.read_text(encoding="utf-8"), folder)
    top = ROOT / "README.md"
    files[top] = top_readme(top.read_text(encoding="utf-8"))
    return files


def out_of_date() -> list[Path]:
    return [
        path
        for path, text in planned().items()
        if not path.is_file() or path.read_text(encoding="utf-8") != text
    ]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 if out of date")
    args = p.parse_args(argv)
    stale = out_of_date()
    if args.check:
        for path in stale:
            print(f"out of date: {path.relative_to(ROOT)} — run: python tests/make_notebooks.py")
        return 1 if stale else 0
    for path, text in planned().items():
        if path in stale:
            tmp = path.with_name(f".{path.name}.tmp")
            tmp.write_text(text, encoding="utf-8", newline="\n")
            tmp.replace(path)
            print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
