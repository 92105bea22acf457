"""Every chapter's notebook: made from its book file and `_cells.py` (never edited by hand), the
book file's code in its cells in the file's order, calling every section printer its script's
main() calls, and (marker `notebooks`) run top to bottom in a Jupyter kernel on the samples,
with the drawing chapters' figures shown inline; a cell edited and rerun changes what the
cells after it print."""

import ast
import os
import shutil
import sys
from pathlib import Path

import pytest

jupytext = pytest.importorskip("jupytext", reason="pip install -r requirements-notebooks.txt")
nbformat = pytest.importorskip("nbformat")

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_notebooks  # noqa: E402

ROOT = make_notebooks.ROOT
DRAWING = {
    "ch04_losses",
    "ch05_optim",
    "ch06_regression",
    "ch11_mnist",
    "ch12_image",
    "ch14_lstm",
    "ch16_textcls",
}


def test_every_notebook_and_badge_is_up_to_date():
    """The committed notebooks and README badges are what `python tests/make_notebooks.py`
    makes from the cell sources: a notebook edited by hand, or a source changed without
    regenerating, fails here."""
    assert make_notebooks.out_of_date() == []


def test_one_notebook_per_chapter_folder():
    folders = sorted(p.name for p in ROOT.glob("ch[0-9][0-9]_*") if p.is_dir())
    assert sorted(make_notebooks.CHAPTERS) == folders


def _called(tree: ast.AST) -> set[str]:
    """The functions a cell source calls by name (the book file's code runs in the kernel)."""
    return {
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }


def _notebook(folder: str):
    entry = make_notebooks.CHAPTERS[folder][0]
    return nbformat.read(ROOT / folder / f"{entry}.ipynb", as_version=4)


def _definitions(tree: ast.Module) -> list[str]:
    return [n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)]


@pytest.mark.parametrize("folder", list(make_notebooks.CHAPTERS))
def test_the_cells_hold_the_book_files_code_in_its_order(folder):
    """Every top-level function and class of the book file (but its command line: main,
    build_parser) stands in exactly one code cell, as the file has it, in the file's order."""
    entry = make_notebooks.CHAPTERS[folder][0]
    source = (ROOT / folder / f"{entry}.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    wanted = [n for n in _definitions(tree) if n not in make_notebooks.COMMAND_LINE]
    cells = [c.source for c in _notebook(folder).cells if c.cell_type == "code"]
    found = [name for cell in cells for name in _definitions(ast.parse(cell))]
    shown = [name for name in found if name in wanted]
    assert shown == wanted, (set(wanted) - set(shown), "order or copies")
    nodes = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)}
    for name in wanted:  # the text itself, not a copy made for display
        text = ast.get_source_segment(source, nodes[name])
        assert sum(text in cell for cell in cells) == 1, name


@pytest.mark.parametrize("folder", list(make_notebooks.CHAPTERS))
def test_the_notebook_calls_every_section_printer_of_its_script(folder):
    """Drift between script and notebook: every print_section… function the script's main()
    calls is called by a notebook cell too, and every function a cell calls exists."""
    entry = make_notebooks.CHAPTERS[folder][0]
    script = ast.parse((ROOT / folder / f"{entry}.py").read_text(encoding="utf-8"))
    defined = {n.name for n in script.body if isinstance(n, ast.FunctionDef | ast.ClassDef)}
    defined |= {
        t.id
        for n in script.body
        if isinstance(n, ast.Assign)
        for t in n.targets
        if isinstance(t, ast.Name)
    }
    main = next(n for n in script.body if isinstance(n, ast.FunctionDef) and n.name == "main")
    printers = {
        n.func.id
        for n in ast.walk(main)
        if isinstance(n, ast.Call)
        and isinstance(n.func, ast.Name)
        and n.func.id.startswith("print_")
    }
    cells = ast.parse((ROOT / folder / f"{entry}_cells.py").read_text(encoding="utf-8"))
    called = {name for name in _called(cells) if name.startswith("print_")}
    assert printers <= called, printers - called
    assert called <= defined, called - defined


def _execute(notebook, folder: str, tmp_path: Path) -> None:
    """nbclient, the Python kernel of this environment, the chapter folder as the working
    directory, a copy of the samples as the data folder."""
    nbclient = pytest.importorskip("nbclient")
    data = tmp_path / "data"
    if not data.exists():
        shutil.copytree(ROOT / "data" / "samples", data / "samples")
    env = dict(os.environ, BOOK_DATA_DIR=str(data), MPLBACKEND="agg")
    client = nbclient.NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(ROOT / folder)}},
    )
    client.execute(env=env)


@pytest.mark.notebooks
@pytest.mark.parametrize("folder", list(make_notebooks.CHAPTERS))
def test_notebook_runs_top_to_bottom_in_a_kernel(folder, tmp_path):
    """nbclient, the Python kernel of this environment, the chapter folder as the working
    directory, the samples as data: no cell errs, and the drawing chapters show an image."""
    notebook = _notebook(folder)
    _execute(notebook, folder, tmp_path)
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    if folder in DRAWING:
        assert images, f"{folder}: no inline figure"
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "§" in text  # the sections printed the book's numbers


def test_main_ignores_a_kernels_argv(monkeypatch, capsys, tmp_path):
    """Inside a Jupyter kernel sys.argv is the kernel's (`-f …/kernel-….json`): every entry
    script's main() reads no arguments there, so argparse does not exit with code 2."""
    import importlib
    import types

    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    monkeypatch.setattr(sys, "argv", ["ipykernel_launcher.py", "-f", "/tmp/kernel-1.json"])
    for folder, (entry, _) in make_notebooks.CHAPTERS.items():
        module = importlib.import_module(f"{folder}.{entry}")
        assert module.support.command_line(None) == [], folder
        assert module.support.command_line(["--help"]) == ["--help"]
    from ch09_conv import conv

    conv.main()  # runs, instead of "unrecognized arguments: -f"
    assert "§9.1" in capsys.readouterr().out


# folder → (the line of a book-code cell to change, its replacement, the printer cell that
# shows the change, the printed words whose line must change)
EDITS = {
    "ch04_losses": (
        "    return nn.L1Loss()(sample, target).item(), by_formula.item()",
        '    return nn.L1Loss(reduction="sum")(sample, target).item(), by_formula.item()',
        "print_regression_losses()",
        "L1Loss",
    ),
    "ch09_conv": (
        "    w = torch.tensor([0.1, 0.2, 0.3]).view(1, 1, 3)",
        "    w = torch.tensor([0.3, 0.2, 0.1]).view(1, 1, 3)",
        "print_section_9_2()",
        "全部 all",
    ),
    "ch11_mnist": (
        '"book": dict(conv1=10, conv2=20, hidden=50)',
        '"book": dict(conv1=12, conv2=20, hidden=50)',
        "trained = train(settings",
        "epoch  1",
    ),
}


def _run_until(notebook, call: str, tmp_path: Path) -> str:
    """Run the notebook's cells up to the first one containing `call`; their printed text."""
    stop = next(
        i
        for i, c in enumerate(notebook.cells)
        if any(line.startswith(call) for line in c.source.splitlines())
    )
    notebook.cells = notebook.cells[: stop + 1]
    folder = next(f for f in make_notebooks.CHAPTERS if f"{f}-" in notebook.cells[0].id)
    _execute(notebook, folder, tmp_path)
    return "".join(
        o.get("text", "") for c in notebook.cells if c.cell_type == "code" for o in c.outputs
    )


@pytest.mark.notebooks
@pytest.mark.parametrize("folder", list(EDITS))
def test_a_changed_line_of_the_books_code_changes_what_the_next_cells_print(folder, tmp_path):
    """The reader's way of learning: change a line of a section's code cell, rerun the cells
    below, see another number (ch04 the L1 reduction, ch09 the kernel, ch11 the Net's width:
    its parameter count and its training)."""
    old, new, call, words = EDITS[folder]
    before = _run_until(_notebook(folder), call, tmp_path)
    notebook = _notebook(folder)
    edited = [c for c in notebook.cells if c.cell_type == "code" and old in c.source]
    assert len(edited) == 1, f"{folder}: the line to change is in {len(edited)} cells"
    edited[0].source = edited[0].source.replace(old, new)
    after = _run_until(notebook, call, tmp_path)

    def lines(text: str) -> list[str]:
        return [line for line in text.splitlines() if words in line]

    assert lines(before) and lines(before) != lines(after), (lines(before), lines(after))
    if folder == "ch11_mnist":  # the parameter count follows the width too
        count = [line for line in after.splitlines() if "参数 parameters" in line]
        assert count and "21,840" not in count[0], count
