"""第16章 从书到默认配方的阶梯 · the ladder from the book's LSTM to the default recipe (not in the book).

    python ch16_textcls/ladder.py                  # every rung on bydate (≈ 50 min on 2 CPU cores)
    python ch16_textcls/ladder.py --rungs book minibatch --limit 500 --epochs 1   # a quick look
    python ch16_textcls/ladder.py --plot-only      # redraw the table and PNG from saved results

One run per rung (the book's textcls.py, then fast_recipe.py), each adding one change to the one before, all on the bydate
split (headers stripped): test accuracy, training time and the command. Results are saved as
JSON in OUT_DIR/ladder/ as each rung ends, then a Markdown table and ladder.png are written.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import textcls

import fast_recipe
import support
from support import save_png, write_atomic

BOOK_NET = ["--layers", "2", "--no-bidirectional", "--embed-dim", "100", "--hidden", "100"]
PLAIN = ["--embed-init", "random", "--distill", "0"]
# (name, what it adds, fast_recipe.py arguments; the book's rung runs textcls.py)
RUNGS = [
    ("book", "书中的模型与训练 the book's LSTMNet, SGD on one message at a time", []),
    ("minibatch", "+ 小批量与 AdamW mini-batches and AdamW", [*BOOK_NET, "--pool", "last", *PLAIN]),
    ("pool", "+ 按时间池化 pooling over time", [*BOOK_NET, "--pool", "maxmean", *PLAIN]),
    ("bidirectional", "+ 双向 bidirectional (1 layer, 64 per direction)", PLAIN),
    ("vectors", "+ 训练文本的词向量 word vectors of the training text", ["--distill", "0"]),
    ("distill", "+ 词袋蒸馏 distillation from the bag of words (the default)", []),
]
DEFAULT_OUT = textcls.DEFAULT_OUT


def run_rung(name: str, extra: list[str], common: list[str]) -> dict:
    """Train one rung in this process (each recipe sets its own threads); returns what the
    table needs."""
    start = time.perf_counter()
    if name == "book":
        argv = ["--corpus", "20news-bydate", *common]
        args = textcls.build_parser().parse_args(argv + ([] if "--limit" in argv else ["--full"]))
        data_dir = support.resolve_data_dir(args.data_dir)
        result = textcls.run_book(textcls.settings_of(args), data_dir, args.out_dir)
        command = "python ch16_textcls/textcls.py --full --corpus 20news-bydate"
    else:
        result = fast_recipe.run(fast_recipe.parse([*extra, "--corpus", "20news-bydate", *common]))
        command = f"python ch16_textcls/fast_recipe.py {' '.join(extra)}"  # bydate: its default
    return dict(
        name=name,
        acc=result["acc"],
        train_seconds=result["train_seconds"],
        run_seconds=time.perf_counter() - start,
        bow_acc=result.get("bow_acc"),
        ensemble_acc=result.get("ensemble_acc"),
        command=command.strip(),
        is_sample=result["is_sample"],
    )


def write_json(path: Path, data: dict) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=1)
    write_atomic(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))


def load_results(folder: Path) -> list[dict]:
    order = [name for name, _, _ in RUNGS]
    found = [json.loads(p.read_text(encoding="utf-8")) for p in folder.glob("*.json")]
    return sorted(found, key=lambda r: order.index(r["name"]))


def table(results: list[dict]) -> list[str]:
    what = {name: text for name, text, _ in RUNGS}
    lines = [
        "| 阶梯 rung | 测试准确率 test accuracy | 训练时间 training time | 命令 command |",
        "|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {what[r['name']]} | {r['acc']:.1%} | {r['train_seconds']:.0f} s | `{r['command']}` |"
        )
    last = results[-1] if results and results[-1]["name"] == "distill" else None
    if last and last.get("ensemble_acc") is not None:
        lines.append(
            f"| + 与词袋集成 ensemble with the bag of words | {last['ensemble_acc']:.1%} | + 0 s | "
            "the same run's last line |"
        )
    return lines


def plot(results: list[dict], path: Path) -> Path:
    """Test accuracy against training time, one numbered point per rung (the order of RUNGS)."""
    from matplotlib.figure import Figure

    order = [name for name, _, _ in RUNGS]
    fig = Figure(figsize=(8, 5))
    ax = fig.subplots()
    for r in results:
        is_book = r["name"] == "book"
        ax.plot(
            r["train_seconds"],
            100 * r["acc"],
            "s" if is_book else "o",
            color="tab:red" if is_book else "tab:blue",
            ms=9 if is_book else 7,
        )
        ax.annotate(
            f"{order.index(r['name']) + 1} {r['name']}",
            (r["train_seconds"], 100 * r["acc"]),
            textcoords="offset points",
            xytext=(7, 4),
            fontsize=9,
        )
    ax.plot([], [], "s", color="tab:red", label="the book's model and training")
    ax.plot([], [], "o", color="tab:blue", label="LSTM, one change per rung (numbered)")
    bows = [r["bow_acc"] for r in results if r.get("bow_acc") is not None]
    if bows:
        ax.axhline(100 * bows[-1], color="tab:green", ls="--", label="bag of words (TF-IDF + LR)")
    last = results[-1]
    if last.get("ensemble_acc") is not None:
        ax.plot(
            last["train_seconds"],
            100 * last["ensemble_acc"],
            "*",
            color="tab:purple",
            ms=14,
            label="ensemble: default LSTM + bag of words",
        )
    ax.set_xlabel("training time (s)")
    ax.set_ylabel("bydate test accuracy (%)")
    ax.set_ylim(0, 100)
    ax.set_title("ch16 ladder: from the book's LSTM to the default recipe (20news-bydate)")
    ax.legend(loc="lower left", fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return save_png(fig, path)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        description="第16章 阶梯 the ladder from the book's LSTM to the default recipe, on bydate "
        "(every rung ≈ 50 min on 2 CPU cores)"
    )
    p.add_argument(
        "--rungs",
        nargs="+",
        choices=[n for n, _, _ in RUNGS],
        default=None,
        help="which rungs to run (default: all)",
    )
    p.add_argument(
        "--epochs",
        type=support.positive_int,
        default=None,
        help="passed to every rung (default: each recipe's own)",
    )
    p.add_argument(
        "--limit",
        type=support.positive_int,
        default=None,
        help="passed to every rung: train on the first N documents",
    )
    p.add_argument("--data-dir", type=support.user_path, help="default: $BOOK_DATA_DIR, else data/")
    p.add_argument("--out-dir", type=support.user_path, default=DEFAULT_OUT)
    p.add_argument("--plot-only", action="store_true", help="redraw from saved results")
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    folder = args.out_dir / "ladder"
    common = ["--out-dir", str(args.out_dir / "ladder_models")]
    for option in ("epochs", "limit", "data_dir"):
        if getattr(args, option) is not None:
            common += [f"--{option.replace('_', '-')}", str(getattr(args, option))]
    if not args.plot_only:
        for name, what, extra in RUNGS:
            if args.rungs and name not in args.rungs:
                continue
            print(f"\n===== {name}: {what}", flush=True)
            try:
                write_json(folder / f"{name}.json", run_rung(name, extra, common))
            except support.DataError as err:
                print(f"error: {err}", file=sys.stderr)
                return 1
    results = load_results(folder)
    if not results:
        print(f"error: no results in {folder} — run the ladder first", file=sys.stderr)
        return 1
    print("\n" + "\n".join(table(results)))
    print(f"\n图 figure: {plot(results, folder / 'ladder.png')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
