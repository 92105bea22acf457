"""Make every chapter's notebook from its cell source, and the Colab badges in the READMEs.

    python tests/make_notebooks.py           # write chNN/<entry>.ipynb and the badges
    python tests/make_notebooks.py --check   # only say what is out of date (exit 1 if any)

The one source of a notebook is its chapter's `<entry>_cells.py`, a jupytext "percent" script
(`# %%` cells, which VS Code, PyCharm and Spyder also run directly); its code cells call the
section printers of the chapter's entry script. Here, in front of its cells, each notebook gets
the same Colab set-up cell, made from REPOSITORY below: the one place that names the
repository's public address (the badges come from it too). Notebooks are written without
outputs: diffs stay clean, and numbers that depend on the reader's CPU are not frozen in them.
"""

import argparse
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


def build(folder: str) -> nbformat.NotebookNode:
    entry = CHAPTERS[folder][0]
    notebook = jupytext.read(ROOT / folder / f"{entry}_cells.py", fmt="py:percent")
    cells = [
        nbformat.v4.new_markdown_cell(
            f"{badge(folder)}\n\n"
            f"本笔记本由 `{entry}_cells.py` 生成 (made from `{entry}_cells.py` by "
            "`python tests/make_notebooks.py`): 改动请改那个文件 edit that file."
        ),
        nbformat.v4.new_code_cell(setup_cell(folder)),
        *notebook.cells,
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
