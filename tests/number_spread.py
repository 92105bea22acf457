"""How far the trained numbers a README quotes ("≈ X ± T") move with the CPU's kernels and the
thread count: each chapter's entry script run under each setting, and for every quoted number the
one the script printed (the first within T, in the order the README cell lists them). A reader's machine differs from ours in exactly these ways (an
AVX-512 or Apple CPU, 8 or 16 threads), so T must cover the whole row.

    python tests/number_spread.py                      # every README-checked chapter (≈ 5 min)
    python tests/number_spread.py ch14_lstm/lstm.py    # one

Prints one Markdown table per script; the chapters' MEASUREMENTS.md quote them.
"""

import importlib.util
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = {
    "2 threads": {"OMP_NUM_THREADS": "2"},
    "1 thread": {"OMP_NUM_THREADS": "1"},
    "3 threads": {"OMP_NUM_THREADS": "3"},
    "ATEN_CPU_CAPABILITY=default": {"ATEN_CPU_CAPABILITY": "default"},
    "DNNL_MAX_CPU_ISA=SSE41": {"DNNL_MAX_CPU_ISA": "SSE41"},
    "MKL_ENABLE_INSTRUCTIONS=SSE4_2": {"MKL_ENABLE_INSTRUCTIONS": "SSE4_2"},
    "all three, 3 threads": {
        "ATEN_CPU_CAPABILITY": "default",
        "DNNL_MAX_CPU_ISA": "SSE41",
        "MKL_ENABLE_INSTRUCTIONS": "SSE4_2",
        "OMP_NUM_THREADS": "3",
    },
}


def readers_module():
    spec = importlib.util.spec_from_file_location("test_readers", ROOT / "tests/test_readers.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def command(script: str, out_dir: str) -> list[str]:
    """The script with --out-dir where it takes one (figures out of the repository)."""
    args = [sys.executable, str(ROOT / script)]
    help_text = subprocess.run([*args, "--help"], capture_output=True, text=True).stdout
    return [*args, "--out-dir", out_dir] if "--out-dir" in help_text else args


def run_script(args: list[str], env: dict) -> str:
    run = subprocess.run(
        args, capture_output=True, text=True, encoding="utf-8", env={**os.environ, **env}
    )
    run.check_returncode()
    return run.stdout


def spread_table(script: str, readers) -> list[str]:
    _, approx = readers.readme_today_numbers(ROOT / Path(script).parent / "README.md")
    if not approx:
        return [f"{script}: no trained number quoted"]
    lines = [
        f"| {script} quotes | " + " | ".join(SETTINGS) + " |",
        "|---" * (len(SETTINGS) + 1) + "|",
    ]
    rows = [[f"≈ {v:g} ± {t:g}"] for cell in approx for v, t in cell]
    with tempfile.TemporaryDirectory() as out_dir:
        args = command(script, out_dir)
        for env in SETTINGS.values():
            printed = readers.printed_numbers(run_script(args, env))
            found = [f for cell in approx for f in readers.match_in_order(cell, printed)]
            for row, value in zip(rows, found, strict=True):
                row.append("**× not printed within T**" if value is None else f"{value:.10g}")
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def main(argv=None) -> int:
    readers = readers_module()
    scripts = (argv if argv is not None else sys.argv[1:]) or readers.README_CHECKED
    for script in scripts:
        print("\n".join(spread_table(script, readers)) + "\n", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
