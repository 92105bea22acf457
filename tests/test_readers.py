"""What a reader meets before any number: every entry script runs on a Chinese (GBK) console
from any folder, its chapter folder runs when copied out, its `--help` shows the defaults the code
uses, every number option refuses out-of-range values in one line, and every number a README
quotes in its "今天 today" column is one the script prints."""

import argparse
import importlib
import inspect
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# entry script -> the arguments that make it quick on the samples
ENTRY_SCRIPTS = {
    "ch01_tensor/tensor.py": [],
    "ch02_variable/variable.py": [],
    "ch03_autograd/autograd.py": [],
    "ch04_losses/losses.py": [],
    "ch05_optim/optim.py": [],
    "ch06_regression/regression.py": [],
    "ch08_save_load/save_load.py": [],
    "ch09_conv/conv.py": [],
    "ch10_pool/pool.py": [],
    "ch11_mnist/mnist.py": ["--epochs", "1", "--limit", "300", "--no-save-model"],
    "ch11_mnist/fast_recipe.py": ["--epochs", "1", "--limit", "300", "--no-save-model"],
    "ch12_image/image.py": [],
    "ch14_lstm/lstm.py": [],
    "ch16_textcls/textcls.py": ["--epochs", "1", "--limit", "60"],
    "ch16_textcls/fast_recipe.py": ["--epochs", "1", "--limit", "60"],
}
# chapters whose README numbers come from a deterministic script run with no arguments
README_CHECKED = [s for s in ENTRY_SCRIPTS if not s.startswith(("ch11", "ch16"))]
DATA_CHAPTERS = ("ch11_mnist/mnist.py", "ch16_textcls/textcls.py")


def module_of(script: str):
    return importlib.import_module(script.removesuffix(".py").replace("/", "."))


@pytest.fixture(scope="module")
def samples_only(tmp_path_factory) -> Path:
    """A data folder holding only the committed samples, as a reader without the full data has."""
    data_dir = tmp_path_factory.mktemp("data")
    shutil.copytree(ROOT / "data" / "samples", data_dir / "samples")
    return data_dir


@pytest.fixture(scope="module")
def gbk_runs(tmp_path_factory, samples_only) -> dict[str, subprocess.CompletedProcess]:
    """Each entry script run once as a reader on a Chinese Windows console would: output
    encoded as GBK, from a folder outside the repository. The data chapters run from a copy of
    their folder (copy-out), finding the samples through BOOK_DATA_DIR."""
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    env = {**os.environ, "PYTHONIOENCODING": "gbk", "BOOK_DATA_DIR": str(samples_only)}
    runs = {}
    for script, extra in ENTRY_SCRIPTS.items():
        path = ROOT / script
        if script in DATA_CHAPTERS:
            copy = shutil.copytree(path.parent, elsewhere / "copied" / path.parent.name)
            path = copy / path.name
        out_dir = elsewhere / "outputs" / path.parent.name
        runs[script] = subprocess.run(
            [sys.executable, str(path), *extra, "--out-dir", str(out_dir)]
            if "--out-dir" in build_help(script)
            else [sys.executable, str(path), *extra],
            cwd=elsewhere,
            env=env,
            capture_output=True,
            timeout=600,
        )
    return runs


def build_help(script: str) -> str:
    return module_of(script).build_parser().format_help()


@pytest.mark.parametrize("script", list(ENTRY_SCRIPTS))
def test_runs_on_a_gbk_console_from_any_folder(gbk_runs, script):
    run = gbk_runs[script]
    stderr = run.stderr.decode("gbk", errors="replace")
    assert run.returncode == 0, stderr[-2000:]
    assert "Traceback" not in stderr
    run.stdout.decode("gbk")  # strict: the whole output is valid GBK


@pytest.mark.parametrize("script", DATA_CHAPTERS)
def test_a_copied_chapter_folder_runs_on_the_samples(gbk_runs, script):
    out = gbk_runs[script].stdout.decode("gbk")
    assert "copied" in out or "sample" in out  # it says it used the sample
    assert str(ROOT) not in out  # and nothing was read from the repository


NUMBER = r"-?[0-9]+(?:\.[0-9]+)?(?:e[-+]?[0-9]+)?"
# a trained number, quoted as it must be: "≈ 0.0078 ± 0.003" or "≈ 1.4e-09 ± 10%"
APPROX = re.compile(rf"≈\s*({NUMBER})\s*±\s*({NUMBER})(%?)")


def readme_today_numbers(readme: Path) -> tuple[list[str], list[list[tuple[float, float]]]] | None:
    """The numbers in every table column headed "今天 today": (exact numbers, which the script
    must print as written; trained numbers, written "≈ X ± T", as one list of (X, T) per cell,
    which the script must print within T and in the cell's order). Bounds (a number after ≤, <
    or ~) are left out; a bare "≈ X" without its tolerance is an error. None if the README has
    no such column."""
    exact, approx, found = [], [], False
    today_col = None
    for line in readme.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            today_col = None
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if today_col is None:
            today_col = next((i for i, c in enumerate(cells) if "今天 today" in c), -1)
            found = found or today_col >= 0
            continue
        if today_col < 0 or set(cells[0]) <= {"-", ":"} or today_col >= len(cells):
            continue
        cell = cells[today_col]
        quoted = []
        for m in APPROX.finditer(cell):
            value, tol = float(m.group(1)), float(m.group(2))
            quoted.append((value, abs(value) * tol / 100 if m.group(3) else tol))
        if quoted:
            approx.append(quoted)
        cell = APPROX.sub(" ", cell)
        assert "≈" not in cell, f"{readme}: '{cell}' quotes ≈ without its tolerance (≈ X ± T)"
        for m in re.finditer(rf"(?<![\w.]){NUMBER}", cell):
            if not re.search(r"[≤<~]\s*$", cell[: m.start()]):
                exact.append(m.group())
    return (exact, approx) if found else None


def printed_numbers(out: str) -> list[float]:
    return [float(m.group()) for m in re.finditer(rf"(?<![\w.]){NUMBER}", out)]


def match_in_order(quoted: list[tuple[float, float]], printed: list[float]) -> list[float | None]:
    """For each quoted (X, T) of one README cell, the first printed number within T of X after
    the one matched before it (None where there is none): a cell's numbers must come out in
    the order the cell lists them, as the script prints them."""
    found, start = [], 0
    for value, tol in quoted:
        i = next((i for i in range(start, len(printed)) if abs(printed[i] - value) <= tol), None)
        found.append(None if i is None else printed[i])
        start = start if i is None else i + 1
    return found


@pytest.mark.parametrize("script", README_CHECKED)
def test_readme_numbers_are_printed_by_the_script(gbk_runs, script):
    """Exact numbers as written; trained ones within the tolerance the README quotes beside
    them, which comes from their spread over thread counts and CPU kernels (the command that
    measures it, and the table: tests/number_spread.py, MEASUREMENTS.md)."""
    readme = ROOT / Path(script).parent / "README.md"
    numbers = readme_today_numbers(readme)
    assert numbers is not None, f"{readme} has no book-vs-today table (a 今天 today column)"
    exact, approx = numbers
    out = gbk_runs[script].stdout.decode("gbk")
    missing = [n for n in exact if n not in out]
    assert not missing, f"{readme.name} quotes {missing}, which {script} does not print"
    printed = printed_numbers(out)
    for quoted in approx:
        found = match_in_order(quoted, printed)
        outside = [q for q, f in zip(quoted, found, strict=True) if f is None]
        assert not outside, f"{readme.name} quotes ≈ {outside} (value, tolerance): not printed"


def is_path_type(kind) -> bool:
    return kind is Path or getattr(kind, "__name__", "") == "user_path"


def numeric_actions(parser: argparse.ArgumentParser):
    """Options with a number type (paths and --device have their own checks and tests)."""
    return [
        a
        for a in parser._actions
        if a.option_strings
        and a.type not in (None, str)
        and not is_path_type(a.type)
        and getattr(a.type, "__name__", "") != "device_option"
    ]


@pytest.mark.parametrize("script", list(ENTRY_SCRIPTS))
def test_every_path_option_expands_the_home_folder(script):
    """`~` reaches the script unexpanded from cmd.exe, PowerShell, a quoted argument or a
    notebook: every path option expands it itself."""
    module = module_of(script)
    parser = module.build_parser()
    for action in parser._actions:
        if is_path_type(action.type):
            assert action.type is not Path, f"{script} {action.option_strings}: plain Path"
            option = action.option_strings[-1]
            value = getattr(parser.parse_args([option, "~/书 x/a.png"]), action.dest)
            value = value[0] if isinstance(value, list) else value  # nargs="+": a list of paths
            assert value == Path.home() / "书 x" / "a.png", (script, option)
    if hasattr(module, "resolve_data_dir"):
        assert module.resolve_data_dir("~/数据") == Path.home() / "数据"


@pytest.mark.parametrize("script", list(ENTRY_SCRIPTS))
def test_every_number_option_refuses_zero_or_negative_in_one_line(script, capsys):
    module = module_of(script)
    for action in numeric_actions(module.build_parser()):
        option = action.option_strings[-1]
        assert action.type.__name__ in {
            "positive_int",
            "non_negative_int",
            "positive_float",
            "fraction",
            "share",
        }, f"{script} {option}: type {action.type.__name__} does not check its range"
        bad = ["-1"] if action.type.__name__ in {"non_negative_int", "fraction"} else ["0", "-1"]
        if action.type.__name__ == "fraction":
            bad.append("1.5")
        if action.type.__name__ == "share":  # strictly between 0 and 1
            bad = ["0", "1", "-1"]
        for value in bad:
            with pytest.raises(SystemExit) as exit_:
                module.main([option, value])
            err = capsys.readouterr().err
            assert exit_.value.code == 2, f"{script} {option} {value}"
            assert "Traceback" not in err and f"argument {option}" in err.splitlines()[-1]


def test_a_refused_option_exits_2_without_traceback_end_to_end():
    run = subprocess.run(
        [sys.executable, str(ROOT / "ch11_mnist/mnist.py"), "--epochs", "-1"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert run.stderr.strip().splitlines()[-1].endswith("must be >= 1, got -1")


def test_an_empty_text_to_predict_is_one_line(capsys):
    from ch16_textcls import fast_recipe

    with pytest.raises(SystemExit) as exit_:
        fast_recipe.main(["--predict", "   "])
    assert exit_.value.code == 2 and "at least one word" in capsys.readouterr().err


def shown_default(parser: argparse.ArgumentParser, action) -> str | None:
    """The X of '(default: X)' in this option's --help text, as argparse expands it."""
    expanded = parser._get_formatter()._expand_help(action) if action.help else ""
    m = re.search(r"\(default: ([^)]*)\)", expanded)
    return m.group(1) if m else None


@pytest.mark.parametrize("script", list(ENTRY_SCRIPTS))
def test_help_shows_the_codes_defaults(script):
    """No default typed twice: --help, the parser and the functions agree."""
    module = module_of(script)
    parser = module.build_parser()
    for action in numeric_actions(parser):
        option = action.option_strings[-1]
        if action.default is not None:
            shown = shown_default(parser, action)
            assert shown == str(action.default), f"{script} --help {option} shows {shown}"
        # a function of the module taking the same name has the same default
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ != module.__name__:
                continue
            param = inspect.signature(fn).parameters.get(action.dest)
            if param is None or param.default is inspect.Parameter.empty:
                continue
            if action.default is not None:
                assert param.default == action.default, f"{name}({action.dest}=) vs {option}"


def test_fast_recipe_help_lists_every_recipe_default():
    from ch11_mnist import fast_recipe

    flat = re.sub(r"\s+", " ", fast_recipe.build_parser().format_help())
    for key in ("epochs", "batch_size", "lr"):
        for recipe, table in fast_recipe.RECIPES.items():
            listed = " / ".join(f"{v[key]} ({model} Net)" for model, v in table.items())
            assert f"{recipe} {listed}" in flat


@pytest.mark.parametrize("script", list(ENTRY_SCRIPTS))
def test_help_survives_a_gbk_console(script):
    build_help(script).encode("gbk")  # strict: every character of --help exists in GBK


# ch11's two book-vs-today tables: the command above each, and the text that starts the next part
CH11_TABLES = [
    ([], "## 书中 vs. 今天 Book vs. today", "§11.6 宽网络"),
    (["--model", "wide", "--epochs", "4"], "§11.6 宽网络", "## 勘误 Errata"),
]


@pytest.mark.fulldata
@pytest.mark.parametrize("args, start, end", CH11_TABLES)
def test_ch11_readme_tables_are_what_the_command_prints(args, start, end, tmp_path, book):
    """The trained numbers of ch11's README tables (≈ X ± T), each row's printed by the command
    the README gives above the table, on the full MNIST, in that epoch's line. §11.6's wide Net
    (whose accuracies no other test trains for) records its book check here: epoch 1 reaches the
    book's count, epochs 2–4 end 0.4–0.6 points below it, the measured counts asserted."""
    text = (ROOT / "ch11_mnist" / "README.md").read_text(encoding="utf-8")
    rows, book_counts = {}, {}
    for line in text[text.index(start) : text.index(end)].splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[0].isdigit():
            quoted = [(float(v), float(tol)) for v, tol, _ in APPROX.findall(cells[-1])]
            rows[int(cells[0])] = quoted
            book_counts[int(cells[0])] = cells[1].split(" / ")[0]
    assert rows and all(len(q) == 2 for q in rows.values()), rows
    run = subprocess.run(
        [sys.executable, str(ROOT / "ch11_mnist" / "mnist.py"), *args, "--out-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=dict(os.environ, PYTHONIOENCODING="utf-8"),
        timeout=1200,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "书中 vs. 今天 book vs. today" in run.stdout  # printed on the full data only
    epochs = {
        int(line.split()[1]): printed_numbers(line)
        for line in run.stdout.splitlines()
        if line.startswith("epoch ")
    }
    for epoch, quoted in rows.items():
        outside = [
            (v, tol) for v, tol in quoted if not any(abs(p - v) <= tol for p in epochs[epoch])
        ]
        assert not outside, (
            f"epoch {epoch}: README quotes {outside}; the run printed {epochs[epoch]}"
        )
    if "wide" in args:
        for epoch, count in book_counts.items():
            line = next(
                x for x in run.stdout.splitlines() if x.split()[:2] == ["epoch", str(epoch)]
            )
            today = int(re.search(r"accuracy (\d+)/", line).group(1))
            what = f"correct of 10000 after {epoch} epochs (wide Net)"
            if today >= int(count) - 30:  # the spread of ch11's full-data test, as in §11.5
                book.at_least("11.6", what, int(count), today, slack=30)
            else:
                quoted, tol = rows[epoch][0]
                book.not_reproduced(
                    "11.6",
                    what,
                    int(count),
                    today,
                    expected=quoted,
                    tol=tol,
                    note=f"one seed, {(int(count) - today) / 100:.2f} points below; "
                    f"README ≈ {quoted:.0f} ± {tol:.0f}",
                )
