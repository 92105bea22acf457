"""第6章 线性回归 + 第7章 numpy 矩阵的保存 — §6: fit Y = 0.5·X + noise with Linear(1, 1).

Run:  python ch06_regression/regression.py [--steps 300] [--lr 0.5] [--out-dir outputs/ch06]
"""

import argparse
import contextlib
from pathlib import Path

import numpy as np
import torch

try:  # imported as a package module (the tests), else run from this folder
    from . import support
except ImportError:
    import support

DEFAULT_OUT = support.REPO / "outputs" / "ch06"
# §6 the book's settings: SGD lr 0.5, 300 steps; seed 1 is the book's suggested
# torch.manual_seed(1), which its own listing never calls (a seed is what makes a run repeat)
SEED = 1
LR = 0.5
STEPS = 300


# ======== §6 线性回归 linear regression


# §6 data: 200 points on [-1, 1], Y = 0.5·X + 0.2·N(0, 0.05) (noise std 0.01), as (batch, 1)
def make_data(seed: int = SEED, n: int = 200) -> tuple[torch.Tensor, torch.Tensor]:
    rng = np.random.default_rng(seed)
    x = np.linspace(-1, 1, n)
    y = 0.5 * x + 0.2 * rng.normal(0, 0.05, (n,))
    return (
        torch.tensor(x, dtype=torch.float32).reshape(n, 1),
        torch.tensor(y, dtype=torch.float32).reshape(n, 1),
    )


# §6 model, optimizer and loss exactly as the book: Linear(1, 1), SGD lr 0.5, MSE, 300 steps
def fit(x, y, steps: int = STEPS, lr: float = LR, seed: int = SEED):
    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Linear(1, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_function = torch.nn.MSELoss()
    losses = []
    for _ in range(steps):
        prediction = model(x)
        loss = loss_function(prediction, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    with torch.inference_mode():
        prediction = model(x)
    return model, prediction, losses


def learned_w_b(model) -> tuple[float, float]:
    linear = model[0]
    return linear.weight.item(), linear.bias.item()


def save_plot(x, y, prediction, path: Path) -> Path:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 4))

    ax = fig.subplots()
    ax.scatter(x.numpy(), y.numpy(), s=8, label="data: 0.5·X + noise")
    ax.plot(x.numpy(), prediction.numpy(), "r-", lw=3, label="Linear(1, 1) fit")
    ax.set_title("§6 linear regression: Y = 0.5·X + noise")
    ax.legend()
    return support.write_atomic(path, lambda tmp: fig.savefig(tmp, dpi=110))


# §6's closing listing: np.save, then numpy.load with only `np` imported
BOOK_6_LISTING = """import numpy as np
np.save("pred.npy", prediction)
pred = numpy.load("pred.npy")
"""


def run_listing(code: str, folder: Path, **names) -> tuple[str | None, dict]:
    """Run a book listing in `folder` as its working directory: (the error it ends in, as
    'Type: message', or None; its variables)."""
    scope = dict(names)
    folder.mkdir(parents=True, exist_ok=True)
    with contextlib.chdir(folder):
        try:
            exec(code, scope)  # the book's own lines, to show what they do today
        except Exception as err:
            return f"{type(err).__name__}: {err}", scope
    return None, scope


def print_section_6(
    seed: int = SEED, steps: int = STEPS, lr: float = LR, out_dir: Path = DEFAULT_OUT
) -> tuple[torch.Tensor, Path]:
    """§6's fit, printed beside the book; returns the prediction and the figure's path."""
    print("== §6 线性回归 linear regression: Y = 0.5·X + noise, Linear(1, 1), SGD ==")
    x, y = make_data(seed)
    model, prediction, losses = fit(x, y, steps, lr, seed)
    w, b = learned_w_b(model)
    print(
        f"损失 loss: step 1 {losses[0]:.5f} → step {len(losses)} {losses[-1]:.6f} "
        f"(噪声方差 noise variance 0.01^2 = 0.0001)"
    )
    print(f"§6 w  书中 book ≈0.5  今天 today {w:.4f}  {'√' if abs(w - 0.5) < 0.01 else '×'}")
    print(f"§6 b  书中 book ≈0    今天 today {b:.4f}  {'√' if abs(b) < 0.01 else '×'}")
    png = save_plot(x, y, prediction, out_dir / "regression.png")
    print(f"图 figure: {png}")
    error, _ = run_listing(BOOK_6_LISTING, out_dir / "book_6", prediction=prediction.numpy())
    print(
        f"§6 书中的保存代码 the book's lines np.save(...) / numpy.load(...): {error} (勘误 erratum)"
    )
    return prediction, png


# ======== §7 numpy 矩阵的保存 saving a numpy array


# §6 / §7 the book saves the prediction with np.save and reads it back with np.load.


def save_npy_atomic(array: np.ndarray, path: Path) -> Path:
    def write(tmp):
        with open(tmp, "wb") as f:  # a file object: np.save would append ".npy" to a str name
            np.save(f, array)

    return support.write_atomic(path, write)


def numpy_round_trip(array: np.ndarray, path: Path) -> np.ndarray:
    save_npy_atomic(array, path)
    return np.load(path)


# §7's listing as printed: it saves nm.npy and loads "nm. npy " (spaces inside the name)
BOOK_7_LISTING = """import numpy as np
a = np.array(2)
np.save("nm.npy", a)
a = np.load("nm. npy ")
"""


def section_7_listing(folder: Path) -> dict:
    """§7 as printed, then with the file name corrected to the one np.save wrote."""
    error, _ = run_listing(BOOK_7_LISTING, folder)
    fixed_error, scope = run_listing(BOOK_7_LISTING.replace('"nm. npy "', '"nm.npy"'), folder)
    return dict(as_printed=error, fixed_error=fixed_error, loaded=scope.get("a"))


def print_section_7(prediction: torch.Tensor, out_dir: Path = DEFAULT_OUT) -> None:
    print("== §7 numpy 矩阵的保存 saving a numpy array ==")
    npy = out_dir / "pred.npy"
    loaded = numpy_round_trip(prediction.numpy(), npy)
    print(
        f"§7 np.save / np.load 预测值往返 round trip of the prediction: {npy}, "
        f"完全相同 identical: {np.array_equal(loaded, prediction.numpy())}"
    )
    listing = section_7_listing(out_dir / "book_7")
    print(
        f"§7 书中的代码 the book's listing as printed: {listing['as_printed']}; with the name "
        f"np.save wrote (nm.npy): a = {listing['loaded']!r} (错误 error: {listing['fixed_error']})"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="第6章 线性回归 + 第7章 numpy 保存 linear regression, numpy save (§6, §7)",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--steps", type=support.positive_int, default=STEPS, help="SGD steps, as the book"
    )
    parser.add_argument(
        "--lr", type=support.positive_float, default=LR, help="learning rate, as the book"
    )
    parser.add_argument(
        "--seed", type=support.non_negative_int, default=SEED, help="seed, as the book"
    )
    parser.add_argument(
        "--out-dir", type=support.user_path, default=DEFAULT_OUT, help="where PNG/npy go"
    )
    return parser


def main(argv=None) -> None:
    args = build_parser().parse_args(support.command_line(argv))
    prediction, _ = print_section_6(args.seed, args.steps, args.lr, args.out_dir)
    print()
    print_section_7(prediction, args.out_dir)


if __name__ == "__main__":
    main()
