"""第1章 PyTorch 与 Tensor — §1.2 tensors, §1.4 install check, plus an environment report.

Run:  python ch01_tensor/tensor.py            (all sections)
      python ch01_tensor/tensor.py --help
"""

import argparse
import importlib
import importlib.metadata
import os
import platform
import re
from pathlib import Path

import numpy as np
import torch

try:  # imported as a package module (the tests), else run from this folder
    from . import support
except ImportError:
    import support

REQUIREMENTS = support.REPO / "requirements.txt"

# import name -> distribution name on PyPI (they differ for OpenCV)
PACKAGES = {
    "torch": "torch",
    "numpy": "numpy",
    "scipy": "scipy",
    "cv2": "opencv-python",
    "matplotlib": "matplotlib",
    "keras": "keras",
    "jieba": "jieba",
    "tqdm": "tqdm",
}


SEED = 0


# ======== §1.2 Tensor 张量


# §1.2 Tensor — a (5, 3) tensor of uniform [0, 1) numbers and its size
def random_tensor(seed: int = SEED) -> torch.Tensor:
    # The book prints values without a seed, so its digits cannot be reproduced; ours can.
    gen = torch.Generator().manual_seed(seed)
    return torch.rand(5, 3, generator=gen)


# §1.2's listing as printed: it never imports torch
BOOK_LISTING_1_2 = "x = torch.rand(5, 3)\nprint(x)\n"


def run_listing_as_printed(source: str) -> str:
    """Run a listing alone, as a reader pasting it would: 'runs' or the exception's name."""
    try:
        exec(compile(source, "<listing>", "exec"), {})
    except Exception as err:  # noqa: BLE001 — whatever it raises is the answer
        return type(err).__name__
    return "runs"


def print_section_1_2(seed: int = SEED) -> None:
    print("== §1.2 Tensor 张量 ==")
    x = random_tensor(seed)
    print(x)
    print(
        f"§1.2 x.size()  书中 book torch.Size([5, 3])  今天 today {x.size()}  "
        f"{'√' if x.size() == (5, 3) else '×'}"
    )
    print(f"§1.2 书中的代码单独运行 the listing alone: {run_listing_as_printed(BOOK_LISTING_1_2)}")


# ======== §1.3 numpy 安装检查 the numpy check


# §1.3 install check of numpy: the book types np.array([1,2,3]) and gets array([1, 2, 3])
def numpy_check() -> str:
    return repr(np.array([1, 2, 3]))


def print_section_1_3() -> None:
    print("== §1.3 numpy 安装检查 numpy install check ==")
    shown = numpy_check()
    print(
        f"§1.3 np.array([1,2,3])  书中 book array([1, 2, 3])  今天 today {shown}  "
        f"{'√' if shown == 'array([1, 2, 3])' else '×'}"
    )


# ======== §1.4 安装检查 the install check: torch.ones(2, 2)


# §1.4 install check — the book's first program: torch.ones(2, 2)
def ones_2x2() -> torch.Tensor:
    return torch.ones(2, 2)


def print_section_1_4() -> None:
    print("== §1.4 安装检查 install check: torch.ones(2, 2) ==")
    print(ones_2x2())
    print(
        "书中显示 the book shows '[torch.FloatTensor of size 2x2]'; 今天 today: tensor([[1., 1.], ...])"
    )


# ======== §1 numpy 与 torch 互转 numpy <-> torch


# §2 says tensors and numpy arrays convert freely; from_numpy and .numpy() share memory.
def numpy_round_trip() -> tuple[np.ndarray, torch.Tensor, bool]:
    array = np.arange(6, dtype=np.float32).reshape(2, 3)
    tensor = torch.from_numpy(array)
    array[0, 0] = 100.0  # visible through the tensor: no copy was made
    shares_memory = bool(tensor[0, 0] == 100.0)
    return tensor.numpy(), tensor, shares_memory


def print_numpy_bridge() -> None:
    print("== numpy <-> torch 互转 ==")
    array, tensor, shared = numpy_round_trip()
    print(
        f"torch.from_numpy 与数组共享内存 shares memory: {shared}; 转回 back to numpy: {array.tolist()}"
    )


# ======== 环境 the environment (not in the book: what runs the chapters)


def pinned_versions(requirements: Path = REQUIREMENTS) -> dict[str, str]:
    """Read `name==version` pins from requirements.txt (empty if the file is absent)."""
    if not requirements.is_file():
        return {}
    pins = {}
    for line in requirements.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\s*([A-Za-z0-9_.-]+)\s*==\s*([^\s#;]+)", line)
        if m:
            pins[m.group(1).lower()] = m.group(2)
    return pins


def package_report(pins: dict[str, str]) -> list[dict]:
    """One row per package: installed version (or a fix), the pinned version, and whether they agree."""
    os.environ.setdefault("KERAS_BACKEND", "torch")  # Keras 3 picks its backend at import
    rows = []
    for module, dist in PACKAGES.items():
        row = {"package": dist, "pinned": pins.get(dist, "-")}
        try:
            importlib.import_module(module)
            row["installed"] = importlib.metadata.version(dist)
        except ImportError:
            row["installed"] = None
            row["fix"] = f"{dist} is missing — run: pip install -r requirements.txt"
            rows.append(row)
            continue
        # torch's CPU wheel reports e.g. 2.13.0+cpu: compare the release part
        row["matches"] = row["installed"].split("+")[0] == row["pinned"] or row["pinned"] == "-"
        if module == "keras":
            import keras

            row["note"] = f"backend={keras.backend.backend()}"
        rows.append(row)
    return rows


def hardware_report() -> dict:
    mps = getattr(torch.backends, "mps", None)
    return {
        "python": platform.python_version(),
        "cpu_threads": torch.get_num_threads(),
        "cuda": torch.cuda.is_available(),
        "cuda_devices": [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())],
        "mps": bool(mps and mps.is_available()),
    }


def device_for(hw: dict) -> str:
    """What `--device auto` of ch11 and ch16 picks: CUDA, then Apple MPS, then the CPU."""
    return "cuda" if hw["cuda"] else "mps" if hw["mps"] else "cpu"


def print_environment() -> None:
    hw = hardware_report()
    print(f"Python {hw['python']}   torch 使用的 CPU 线程 threads: {hw['cpu_threads']}")
    cuda = (
        ", ".join(hw["cuda_devices"])
        if hw["cuda"]
        else "不可用 not available (CPU build or no GPU)"
    )
    print(f"CUDA: {cuda}   Apple MPS: {'yes' if hw['mps'] else 'no'}")
    print(
        f"设备 device: ch11、ch16 (--device auto) → {device_for(hw)}; "
        "其余各章在 CPU 上 the other chapters run on the CPU (the book's small examples)"
    )
    for row in package_report(pinned_versions()):
        if row["installed"] is None:
            print(f"  × {row['fix']}")
            continue
        mark = "√" if row["matches"] else "≠"
        extra = f"  ({row['note']})" if "note" in row else ""
        print(
            f"  {mark} {row['package']:<14} 已安装 installed {row['installed']:<12} "
            f"固定 pinned {row['pinned']}{extra}"
        )


def print_environment_section() -> None:
    print("== 环境 environment ==")
    print_environment()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="第1章 Tensor 基础 + 环境检查 Tensor basics and environment check (§1.2, §1.4)",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--seed", type=support.non_negative_int, default=SEED, help="seed for §1.2's torch.rand"
    )
    return parser


def main(argv=None) -> None:
    args = build_parser().parse_args(support.command_line(argv))
    print_section_1_2(args.seed)
    print_section_1_3()
    print_section_1_4()
    print_numpy_bridge()
    print_environment_section()


if __name__ == "__main__":
    main()
