"""第2章 变量 Variable — what `Variable` was, and what a plain Tensor does today.

Since PyTorch 0.4 (2018) `Variable` and `Tensor` are merged: every tensor carries
`requires_grad`, `.grad` and `.grad_fn` itself, and `Variable(t)` just returns a tensor.

Run:  python ch02_variable/variable.py
"""

import argparse
import warnings

import torch

try:  # imported as a package module (the tests), else run from this folder
    from . import support
except ImportError:
    import support


# ======== §2 torch.Tensor(3, 4) 未初始化 uninitialised memory


# §2 torch.Tensor(3, 4): the book says it makes "random numbers"; it is uninitialised memory.
def uninitialised_vs_initialised() -> dict[str, torch.Tensor]:
    return {
        "torch.Tensor(3, 4)": torch.Tensor(3, 4),  # legacy constructor: whatever was in memory
        "torch.empty(3, 4)": torch.empty(3, 4),  # the modern spelling of the same thing
        "torch.zeros(3, 4)": torch.zeros(3, 4),  # what you almost always want instead
        "torch.rand(3, 4)": torch.rand(3, 4),  # what "random numbers" really needs
    }


def draws_random_numbers(make) -> bool:
    """Whether `make()` takes numbers from torch's random generator (its state moves)."""
    before = torch.get_rng_state()
    make()
    return not torch.equal(before, torch.get_rng_state())


def print_tensor_constructor() -> None:
    print("== §2 torch.Tensor(3, 4) 未初始化 uninitialised ==")
    for name, t in uninitialised_vs_initialised().items():
        print(f"{name}:\n{t}")
    legacy = draws_random_numbers(lambda: torch.Tensor(3, 4))
    drawn = draws_random_numbers(lambda: torch.rand(3, 4))
    print(
        f"§2 draws random numbers 取随机数: torch.Tensor(3, 4) {legacy}, torch.rand(3, 4) {drawn}"
    )
    print(
        "前两个是内存里原有的字节 (书中称之为'随机'), 请用 torch.zeros / torch.rand。\n"
        "The first two hold whatever bytes were in memory (the book calls them 'random'): "
        "use torch.zeros / torch.rand."
    )


# ======== §2 Variable → Tensor


# §2 Variable(torch.Tensor(2, 2)): today the wrapper returns an ordinary torch.Tensor
def legacy_variable() -> torch.Tensor:
    from torch.autograd import Variable  # kept importable for old code; deprecated in spirit

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Variable(torch.zeros(2, 2))


def modern_leaf() -> torch.Tensor:
    return torch.zeros(2, 2, requires_grad=True)


def print_variable() -> None:
    print("== §2 Variable → Tensor ==")
    v = legacy_variable()
    print(
        f"type(Variable(torch.zeros(2, 2))) = {type(v).__name__}   (书中 book: 'Variable containing:')"
    )
    print(f"今天的写法 modern: torch.zeros(2, 2, requires_grad=True) → {modern_leaf()}")


# ======== §2 .data 与 .grad


# §2 x.data and x.grad: .grad is None until a backward pass reaches the tensor
def grad_before_and_after() -> tuple[object, torch.Tensor]:
    x = modern_leaf()
    before = x.grad
    (x + 1).pow(2).sum().backward()
    return before, x.grad


# §2 .data is the raw tensor without autograd history; .detach() is the safe modern spelling
def data_vs_detach() -> dict[str, bool]:
    x = torch.ones(2, 2, requires_grad=True)
    return {
        "x.data.requires_grad": x.data.requires_grad,
        "x.detach().requires_grad": x.detach().requires_grad,
        "x.detach() shares storage": x.detach().data_ptr() == x.data_ptr(),
    }


def edit_after_sigmoid(through: str) -> str:
    """y = sigmoid(x) keeps y for its backward; double y in place through y.data or y.detach():
    autograd sees the .detach() edit and refuses, while the .data edit gives a wrong gradient."""
    x = torch.zeros(3, requires_grad=True)
    y = x.sigmoid()
    (y.data if through == "data" else y.detach()).mul_(2)
    try:
        y.sum().backward()
    except RuntimeError:
        return "RuntimeError"
    right = torch.full((3,), 0.25)  # sigmoid'(0) = 0.25
    return "right gradient" if torch.allclose(x.grad, right) else f"wrong gradient {x.grad[0]:.2f}"


def print_data_and_grad() -> None:
    print("== §2 .data 与 .grad ==")
    before, after = grad_before_and_after()
    print(
        f"§2 x.grad before backward 反向传播前  书中 book None  今天 today {before}  "
        f"{'√' if before is None else '×'}"
    )
    print(f"反向传播后 x.grad after backward of sum((x+1)^2) = 2(x+1):\n{after}")
    for k, val in data_vs_detach().items():
        print(f"{k}: {val}")
    print(
        "§2 y = sigmoid(x), 然后原地 y *= 2 then doubled in place: 经 via y.data → "
        f"{edit_after_sigmoid('data')}; 经 via y.detach() → {edit_after_sigmoid('detach')} "
        "(勘误 erratum: .data hides the edit from autograd)"
    )


def build_parser() -> argparse.ArgumentParser:
    return argparse.ArgumentParser(description="第2章 变量 Variable → Tensor (§2)")


def main(argv=None) -> None:
    build_parser().parse_args(support.command_line(argv))
    print_tensor_constructor()
    print_variable()
    print_data_and_grad()


if __name__ == "__main__":
    main()
