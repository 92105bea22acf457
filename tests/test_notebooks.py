"""Every chapter's notebook: made from its `_cells.py` (never edited by hand), calling every
section printer its script's main() calls, and (marker `notebooks`) run top to bottom in a
Jupyter kernel on the samples, with the drawing chapters' figures shown inline."""

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


def _called(tree: ast.AST, module: str) -> set[str]:
    return {
        node.func.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == module
    }


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
    called = _called(cells, entry)
    assert printers <= called, printers - called
    assert called <= defined, called - defined


@pytest.mark.notebooks
@pytest.mark.parametrize("folder", list(make_notebooks.CHAPTERS))
def test_notebook_runs_top_to_bottom_in_a_kernel(folder, tmp_path):
    """nbclient, the Python kernel of this environment, the chapter folder as the working
    directory, the samples as data: no cell errs, and the drawing chapters show an image."""
    nbclient = pytest.importorskip("nbclient")
    entry = make_notebooks.CHAPTERS[folder][0]
    notebook = nbformat.read(ROOT / folder / f"{entry}.ipynb", as_version=4)
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data" / "samples", data / "samples")
    env = dict(os.environ, BOOK_DATA_DIR=str(data), MPLBACKEND="agg")
    client = nbclient.NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(ROOT / folder)}},
    )
    client.execute(env=env)
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
