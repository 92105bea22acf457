"""The install lines of README.md, checked offline: a row for every reader's system, Windows lines
that run in PowerShell 5.1 and cmd alike, GPU index tags that the pinned torch is built for, and
an older Python stopped by pip with one line that names the Python needed. The Colab set-up cell
(marker `notebooks`): a data host that fails costs one line, and the notebook runs on the samples."""

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENTS = ROOT / "requirements.txt"
README = ROOT / "README.md"
GUARD_NAME = "this-book-needs-python-3.11-or-newer"

try:  # pip always carries packaging; the stand-alone package may be absent
    from packaging.requirements import Requirement
except ImportError:  # pragma: no cover
    from pip._vendor.packaging.requirements import Requirement


def requirement_lines() -> list[str]:
    return [
        line.strip()
        for line in REQUIREMENTS.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def install_rows() -> dict[str, list[str]]:
    """The README's per-system table: system → the code spans of its 'run line by line' cell."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## 安装与运行 Install and run") :]
    section = section[: section.index("\n## ", 1)]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and not set(cells[0]) <= {"-"} and cells[0] != "系统 system":
            rows[cells[0]] = re.findall(r"`([^`]+)`", cells[1])
    return rows


def test_an_older_python_is_stopped_by_the_first_requirement():
    """The guard is the first requirement; its marker is true below 3.11 only."""
    first = Requirement(requirement_lines()[0])
    assert first.name == GUARD_NAME
    assert "Python-3.11-or-newer" in first.url
    for version, stops in [("3.9", True), ("3.10", True), ("3.11", False), ("3.13", False)]:
        assert first.marker.evaluate({"python_version": version}) is stops, version


def test_pip_says_what_is_needed_in_one_line(tmp_path):
    """Real pip, offline: with the guard's marker true (as on Python 3.10) the install stops
    with one error line naming Python 3.11; with it false (this Python) pip skips the line."""
    guard = requirement_lines()[0]
    as_on_old_python = tmp_path / "old.txt"
    as_on_old_python.write_text(
        guard.replace('python_version < "3.11"', 'python_version >= "3.0"') + "\n", encoding="utf-8"
    )
    here = tmp_path / "here.txt"
    here.write_text(guard + "\n", encoding="utf-8")

    def pip(path):
        return subprocess.run(
            [sys.executable, "-m", "pip", "install", "--dry-run", "--no-index", "-r", str(path)],
            capture_output=True,
            text=True,
            timeout=120,
        )

    old = pip(as_on_old_python)
    errors = [line for line in old.stderr.splitlines() if line.startswith("ERROR")]
    assert old.returncode != 0
    assert len(errors) == 1 and "ERROR-this-book-needs-Python-3.11-or-newer" in errors[0]
    new = pip(here)
    assert new.returncode == 0, new.stderr
    assert f"Ignoring {GUARD_NAME}" in new.stdout


def test_the_table_has_a_row_for_every_readers_system():
    rows = install_rows()
    wanted = {
        "Windows (PowerShell and cmd)": lambda k: (
            k.startswith("Windows 10/11") and "PowerShell" in k
        ),
        "Windows with an NVIDIA GPU": lambda k: k.startswith("Windows") and "NVIDIA" in k,
        "macOS 14+ Apple silicon": lambda k: k.startswith("macOS 14+"),
        "macOS < 14": lambda k: "macOS < 14" in k,
        "Intel Mac": lambda k: k.startswith("Intel Mac"),
        "Linux CPU": lambda k: k.startswith("Linux") and "无 NVIDIA" in k,
        "Linux with an NVIDIA GPU": lambda k: k.startswith("Linux") and "+ NVIDIA" in k,
        "Colab": lambda k: k == "Colab",
    }
    for system, matches in wanted.items():
        assert [k for k in rows if matches(k)], f"no row for {system}: {list(rows)}"
    for system, lines in rows.items():
        if system not in ("Colab",) and not system.startswith("Intel"):
            assert any("requirements" in line for line in lines), system


def test_windows_lines_run_in_powershell_and_cmd():
    """PowerShell 5.1 rejects `&&`, and its default execution policy blocks Activate.ps1: the
    Windows rows are one command a line and call the environment's python directly."""
    rows = {k: v for k, v in install_rows().items() if k.startswith("Windows")}
    assert len(rows) == 2
    for system, lines in rows.items():
        assert lines[0] == "py -m venv .venv", system
        for line in lines:
            assert "&&" not in line and ";" not in line, line
            assert "activate" not in line.lower(), line
            assert "/" not in line.split()[0], line  # a path cmd can run
        assert all(line.startswith(r".venv\Scripts\python ") for line in lines[1:]), system


def test_no_command_of_the_install_section_chains_with_ampersands():
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## 安装与运行 Install and run") :]
    section = section[: section.index("\n## ", 1)]
    blocks = re.findall(r"```\w*\n(.*?)```", section, re.S)
    assert blocks and "pytest" in blocks[0]
    for line in (line for block in blocks for line in block.splitlines()):
        assert "&&" not in line, line


def cuda_builds() -> tuple[str, set[str]]:
    """The comment beside the pin: '# torch X CUDA builds at …: cu126 cu130 …'."""
    text = REQUIREMENTS.read_text(encoding="utf-8")
    m = re.search(r"^# torch (\S+) CUDA builds at \S+: ((?:cu\d+ ?)+)$", text, re.M)
    assert m, "requirements.txt lists the CUDA builds of the pinned torch"
    return m.group(1), set(m.group(2).split())


def test_every_gpu_index_in_the_repository_is_a_build_the_pinned_torch_has():
    version, builds = cuda_builds()
    pin = next(line for line in requirement_lines() if line.startswith("torch=="))
    assert pin == f"torch=={version}"
    assert builds == {"cu126", "cu130", "cu132"}  # PyTorch 2.13's RELEASE.md support matrix
    files = [
        *ROOT.glob("*.md"),
        *ROOT.glob("ch*/*.md"),
        *ROOT.glob("ch*/*_cells.py"),
        *ROOT.glob(".github/workflows/*.yml"),
        *ROOT.glob(".ci/*"),
        ROOT / "data" / "README.md",
    ]
    found = {}
    for path in files:
        for tag in re.findall(r"download\.pytorch\.org/whl/(cu\d+)", path.read_text("utf-8")):
            found.setdefault(tag, []).append(path.name)
    assert found, "README.md gives a GPU line"
    assert set(found) <= builds, {t: f for t, f in found.items() if t not in builds}


def test_ch11_notebook_trains_on_the_automatic_device():
    """A Colab GPU is used: the cells pick the device as --device auto does, never "cpu"."""
    source = (ROOT / "ch11_mnist" / "mnist_cells.py").read_text(encoding="utf-8")
    strings = {n.value for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Constant)}
    assert "cpu" not in strings
    assert "support.auto_device()" in source


@pytest.mark.notebooks
def test_colab_setup_cell_goes_on_with_the_samples_when_the_download_fails(tmp_path):
    """The notebook as Colab runs it: `google.colab` imported, the clone already there (made
    here from this checkout), a data/fetch.py that fails. The set-up cell changes into the
    chapter's folder, prints one line about the data and the rest of the notebook runs."""
    nbclient = pytest.importorskip("nbclient")
    nbformat = pytest.importorskip("nbformat")
    sys.path.insert(0, str(ROOT / "tests"))
    import make_notebooks

    clone = tmp_path / "pytorch-shizhan"
    shutil.copytree(
        ROOT / "ch11_mnist", clone / "ch11_mnist", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copytree(ROOT / "data" / "samples", clone / "data" / "samples")
    (clone / "data" / "fetch.py").write_text(
        'import sys\nsys.exit("fetch.py: no host answered (test) — run again later")\n',
        encoding="utf-8",
    )
    notebook = make_notebooks.build("ch11_mnist")
    fake_colab = "import sys, types\nsys.modules['google.colab'] = types.ModuleType('google.colab')"
    notebook.cells.insert(0, nbformat.v4.new_code_cell(fake_colab))
    client = nbclient.NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute(env={**__import__("os").environ, "MPLBACKEND": "agg"})
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "no data fetched: this notebook uses the samples" in text
    assert "sample" in text.lower() and "§11" in text
    assert "device: " in text
