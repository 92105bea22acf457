"""Every chapter in three layers: the book file holds the book, the beyond-the-book scripts
import it (never the other way round), and support.py holds the plumbing, the same text in
every chapter that has it."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

BOOK_FILES = {
    "ch01_tensor": "tensor.py",
    "ch02_variable": "variable.py",
    "ch03_autograd": "autograd.py",
    "ch04_losses": "losses.py",
    "ch05_optim": "optim.py",
    "ch06_regression": "regression.py",
    "ch08_save_load": "save_load.py",
    "ch09_conv": "conv.py",
    "ch10_pool": "pool.py",
    "ch11_mnist": "mnist.py",
    "ch12_image": "image.py",
    "ch14_lstm": "lstm.py",
    "ch16_textcls": "textcls.py",
}
# what support.py is for: a book file defines none of these
PLUMBING = {
    "DataError",
    "resolve_data_dir",
    "write_atomic",
    "save_png",
    "load_state",
    "decode_image",
    "read_image",
    "write_image",
    "DEVICE_HELP",
    "auto_device",
    "device_option",
    "resolve_device",
    "progress",
    "_progress",
    "user_path",
    "positive_int",
    "non_negative_int",
    "positive_float",
    "share",
    "fraction",
    "command_line",
    "refuse_moved_options",
    "tick_labels",
    "CJK_FONTS",
    "own_data_module",
    "recipe_module",
}
# the files a book file may import from its own folder
BOOK_MAY_IMPORT = {"support", "figures"}


def parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def top_level_names(tree: ast.Module) -> dict[str, ast.AST]:
    names = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names[node.name] = node
        elif isinstance(node, ast.Assign):
            names.update({t.id: node for t in node.targets if isinstance(t, ast.Name)})
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names[node.target.id] = node
    return names


def sibling_modules(folder: Path) -> set[str]:
    return {p.stem for p in folder.glob("*.py")}


def imported_siblings(tree: ast.Module, siblings: set[str]) -> set[str]:
    """The chapter's own files a module imports: `import x`, `from . import x`, `from x import`."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in siblings}
        elif isinstance(node, ast.ImportFrom):
            if node.module in siblings:
                found.add(node.module)
            elif node.level == 1 and node.module is None:
                found |= {a.name for a in node.names if a.name in siblings}
            elif node.level == 1 and node.module in siblings:
                found.add(node.module)
    return found


@pytest.mark.parametrize("chapter", list(BOOK_FILES))
def test_the_book_file_defines_no_plumbing(chapter):
    path = ROOT / chapter / BOOK_FILES[chapter]
    text = path.read_text(encoding="utf-8")
    defined = set(top_level_names(parse(path))) & PLUMBING
    assert not defined, f"{path.name} defines {sorted(defined)}: they belong in support.py"
    for trick in ("sys.modules[", "importlib.util", "spec_from_file_location", "sys.path"):
        assert trick not in text, f"{path.name} uses {trick}"


@pytest.mark.parametrize("chapter", list(BOOK_FILES))
def test_the_book_file_imports_only_its_support_and_figures(chapter):
    folder = ROOT / chapter
    path = folder / BOOK_FILES[chapter]
    own = imported_siblings(parse(path), sibling_modules(folder) - {path.stem})
    assert own <= BOOK_MAY_IMPORT, f"{path.name} imports {sorted(own - BOOK_MAY_IMPORT)}"


@pytest.mark.parametrize("chapter", list(BOOK_FILES))
def test_support_imports_nothing_of_the_chapter(chapter):
    folder = ROOT / chapter
    support = folder / "support.py"
    assert support.is_file(), f"{chapter} has no support.py"
    own = imported_siblings(parse(support), sibling_modules(folder) - {"support"})
    assert not own, f"{chapter}/support.py imports {sorted(own)}"
    assert "not in the book" in (ast.get_docstring(parse(support)) or "")


def names_taken_from(tree: ast.Module, module: str) -> set[str]:
    """The X of every `module.X` and `from module import X` in a sibling's code."""
    taken = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id == module:
                taken.add(node.attr)
        elif isinstance(node, ast.ImportFrom) and node.module == module:
            taken |= {a.name for a in node.names}
    return taken


@pytest.mark.parametrize("chapter", list(BOOK_FILES))
def test_what_the_siblings_take_from_the_book_file_is_the_books(chapter):
    """The beyond-the-book scripts import the book's pieces; the plumbing they need they take
    from support.py itself, not through the book file."""
    folder = ROOT / chapter
    book = folder / BOOK_FILES[chapter]
    defined = set(top_level_names(parse(book)))
    for sibling in sorted(folder.glob("*.py")):
        if sibling in (book, folder / "support.py") or sibling.stem.endswith("_cells"):
            continue
        taken = names_taken_from(parse(sibling), book.stem)
        assert not taken & PLUMBING, f"{sibling.name} takes {sorted(taken & PLUMBING)}"
        assert taken <= defined, f"{sibling.name} takes {sorted(taken - defined)} via {book.name}"


def support_definitions() -> dict[str, dict[str, str]]:
    """{name: {chapter: source text}} of every top-level definition in the support files."""
    texts: dict[str, dict[str, str]] = {}
    for chapter in BOOK_FILES:
        path = ROOT / chapter / "support.py"
        source = path.read_text(encoding="utf-8")
        for name, node in top_level_names(ast.parse(source)).items():
            texts.setdefault(name, {})[chapter] = ast.get_source_segment(source, node)
    return texts


def test_shared_support_functions_are_the_same_text_everywhere():
    """A Windows fix is one change, copied: no chapter's copy drifts (ch06 once accepted inf)."""
    drifted = {
        name: sorted(by_chapter)
        for name, by_chapter in support_definitions().items()
        if len(set(by_chapter.values())) > 1
    }
    assert not drifted, f"support.py copies differ: {drifted}"


def test_the_support_files_share_their_docstring_and_the_numbers_types_refuse_alike():
    docs = {ast.get_docstring(parse(ROOT / c / "support.py")) for c in BOOK_FILES}
    assert len(docs) == 1
    from ch06_regression import support

    with pytest.raises(Exception, match="must be a number > 0"):
        support.positive_float("inf")


def test_the_books_training_in_ch11_is_one_stretch_of_section_11_4():
    """§11.4's settings, one epoch, the test, the saving and the loop read in one stretch."""
    path = ROOT / "ch11_mnist" / "mnist.py"
    source = path.read_text(encoding="utf-8")
    start = source.index("# ================================================================ §11.4")
    end = source.index("# ================================================================ §11.5")
    names = top_level_names(ast.parse(source))
    for piece in (
        "BookSettings",
        "train_epoch",
        "optim_sgd",
        "evaluate",
        "save_checkpoint",
        "train",
    ):
        at = source.index(ast.get_source_segment(source, names[piece]))
        assert start < at < end, f"{piece} lies outside §11.4"
    assert names["Net"].lineno < start
