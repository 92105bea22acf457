"""第8章 模型的保存和导入 — §8: whole-model pickle vs. state_dict, done safely.

The book saves the whole model with `torch.save(model, ...)` and reads it back with
`torch.load(...)`. Since PyTorch 2.6 `torch.load` defaults to `weights_only=True` and refuses such
a file: unpickling can run any code the file names. This chapter shows the refusal, why it
protects you, and the safe way: state_dict checkpoints written atomically.

Run:  python ch08_save_load/save_load.py [--out-dir outputs/ch08]
"""

import argparse
import os
import pickle
from pathlib import Path

import torch

try:  # imported as a package module (the tests), else run from this folder
    from . import support
except ImportError:
    import support

DEFAULT_OUT = support.REPO / "outputs" / "ch08"


# ======== §8 保存整个模型 the whole model: torch.save(model) / torch.load


def make_model(seed: int = 0) -> torch.nn.Module:
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))


def save_atomic(obj, path: Path) -> Path:
    """torch.save to a temporary file in the same folder, then rename: never a half-written file."""
    return support.write_atomic(path, lambda tmp: torch.save(obj, tmp))


# §8 the book's way: pickle the whole model, load it back
def load_whole_model_today(path: Path) -> str:
    """What today's default torch.load says to a whole-model pickle."""
    try:
        torch.load(path)
        return "loaded"
    except pickle.UnpicklingError as err:
        return "refused: " + str(err).split(".")[0]  # "Weights only load failed"


def print_whole_model(out_dir: Path = DEFAULT_OUT) -> None:
    print("== §8 保存整个模型 torch.save(model) / torch.load — the book's whole-model pickle ==")
    whole = save_atomic(make_model(), out_dir / "mymodel.pt")
    print(f"已保存 saved {whole}")
    print(
        f"§8 torch.load(whole model)  书中 book: loads  今天 today: {load_whole_model_today(whole)}"
    )
    print(
        "   (torch.load(path, weights_only=False) 仍可载入, 只用于你信任的文件 "
        "still loads it — only for files you trust)"
    )


# ======== §8 为什么 weights_only why: a checkpoint is a pickle


class _RunsCodeWhenUnpickled:
    """A harmless stand-in for a malicious checkpoint: unpickling it calls print()."""

    def __reduce__(self):
        return (print, ("!! code from inside the checkpoint just ran !!",))


def weights_only_blocks_code(folder: Path) -> tuple[str, str]:
    """Load a booby-trapped file both ways: weights_only=True refuses, False runs its code."""
    path = save_atomic(
        {"weights": torch.ones(2), "payload": _RunsCodeWhenUnpickled()}, folder / "untrusted.pt"
    )
    try:
        torch.load(path, weights_only=True)
        safe = "loaded (unexpected)"
    except pickle.UnpicklingError:
        safe = "refused"
    torch.load(path, weights_only=False)  # prints the message: this is what an attacker gets
    os.remove(path)
    return safe, "ran the file's code"


def print_why_weights_only(out_dir: Path = DEFAULT_OUT) -> None:
    print("== 为什么: 检查点是 pickle, pickle 能执行代码 why: a checkpoint is a pickle ==")
    safe, unsafe = weights_only_blocks_code(out_dir)
    print(f"weights_only=True: {safe};  weights_only=False: {unsafe}")


# ======== §8 安全的做法 the safe way: state_dict, weights_only=True


# §8 the recommended way: state_dict + weights_only=True
def state_dict_round_trip(folder: Path) -> tuple[torch.nn.Module, torch.nn.Module, Path]:
    model = make_model(seed=0)
    path = save_atomic(model.state_dict(), folder / "mymodel_params.pt")
    restored = make_model(seed=123)  # different initial weights, overwritten by the load
    restored.load_state_dict(torch.load(path, weights_only=True))
    return model, restored, path


def same_outputs(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    x = torch.randn(16, 4, generator=torch.Generator().manual_seed(7))
    with torch.inference_mode():
        return torch.equal(a(x), b(x))


def print_the_safe_way(out_dir: Path = DEFAULT_OUT) -> None:
    print("== 安全的做法 the safe way: state_dict, atomic write, weights_only=True ==")
    model, restored, path = state_dict_round_trip(out_dir)
    print(
        f"已保存 saved {path}; 恢复的模型输出完全相同 restored model gives identical outputs: "
        f"{same_outputs(model, restored)}"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="第8章 模型的保存和导入 save/load (§8)")
    parser.add_argument(
        "--out-dir", type=support.user_path, default=DEFAULT_OUT, help="where checkpoints go"
    )
    return parser


def main(argv=None) -> None:
    args = build_parser().parse_args(support.command_line(argv))
    print_whole_model(args.out_dir)
    print_why_weights_only(args.out_dir)
    print_the_safe_way(args.out_dir)


if __name__ == "__main__":
    main()
