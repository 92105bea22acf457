import pytest
import torch

from ch04_losses import losses


@pytest.fixture
def st():
    return losses.book_sample_target()


@pytest.mark.parametrize(
    "section,name,fn",
    [
        ("4.1", "L1Loss", losses.l1),
        ("4.2", "SmoothL1Loss", losses.smooth_l1),
        ("4.3", "MSELoss", losses.mse),
    ],
)
def test_regression_losses(book, st, section, name, fn):
    today, by_formula = fn(*st)
    book.same(section, name, losses.BOOK[name], today, tol=1e-6)
    assert today == pytest.approx(by_formula, abs=1e-6)


def test_bce_book_value_is_the_old_log_clamp(book, st):
    book.same("4.4", "BCELoss via log(x+1e-12)", -13.8155, losses.bce_old_pytorch(*st), tol=1e-4)
    assert losses.bce_new_clamp(*st) == pytest.approx(-50.0)
    # the README's 27.63·(1 − t) for t = 0, 1, 2, 3, averaged to the book's number
    assert losses.bce_old_terms(*st) == pytest.approx([27.631, 0.0, -27.631, -55.262], abs=1e-3)


def test_bce_refuses_targets_outside_0_1(book, st):
    today = losses.bce_today(*st)
    book.changed(
        "4.4",
        "BCELoss(ones, [[0,1],[2,3]])",
        -13.8155,
        today.split(":")[0],
        expected="RuntimeError",
        status="API change",
        note="targets must lie in [0, 1]",
    )
    assert "between 0 and 1" in today


def test_bce_valid_usage_matches_with_logits():
    prob, logit = losses.bce_valid_example()
    assert prob == pytest.approx(logit, abs=1e-6) and prob > 0


def test_cross_entropy_float_target_is_class_probabilities(book, st):
    today = losses.cross_entropy_book_call(*st)
    book.changed(
        "4.5",
        "CrossEntropyLoss(sample, float target)",
        "error",
        round(today, 4),
        expected=2.0794,
        status="API change",
        note="float targets = probabilities",
    )
    assert today == pytest.approx(losses.cross_entropy_as_probabilities(*st), abs=1e-6)


def test_cross_entropy_with_indices_equals_nll_of_log_softmax(book):
    """§4.6: NLLLoss "在前面接上一个 LogSoftMax 层就等价于交叉熵损失了"."""
    ce, nll = losses.cross_entropy_with_indices()
    book.same(
        "4.6", "NLLLoss(LogSoftmax(x)) − CrossEntropyLoss(x), class indices", 0, nll - ce, 1e-6
    )
    logits = torch.tensor([[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]])
    assert ce < torch.nn.functional.cross_entropy(logits, torch.tensor([1, 0])).item()


def test_the_books_criterion_calls_the_function(book):
    book.changed(
        "4.6",
        "criterion = F.nll_loss()",
        "a criterion",
        losses.nll_criterion_as_printed(),
        expected="TypeError",
        note="a function called without arguments; the class is nn.NLLLoss()",
    )


def test_nll_still_refuses_the_books_call(book, st):
    today = losses.nll_book_call(*st)
    book.same(
        "4.6",
        "F.nll_loss(sample, 2×2 float target)",
        "error",
        "error" if today.startswith("RuntimeError") else today,
    )


def test_the_books_nllloss2d_call_still_fails(book, st):
    """§4.7 as printed: nn.NLLLoss2d() exists, warns that it is deprecated, and the call on the
    book's sample raises — the book's "报错" holds; the fix is NLLLoss on (N, C, H, W)."""
    warned, result = losses.nll2d_book_call(*st)
    assert "deprecated" in warned
    book.same(
        "4.7",
        "nn.NLLLoss2d()(sample, target)",
        "error",
        "error" if result.startswith("RuntimeError") else result,
    )


def test_nll_handles_nchw_like_nllloss2d():
    loss, by_hand = losses.nll_per_pixel()
    assert loss == pytest.approx(by_hand, abs=1e-6)


def test_the_opening_figures_weights_approach_the_true_line(book, tmp_path):
    """§4's figure: "随着迭代次数的增加，我们的目标是使得 w_n 无限接近真实值" — three iterations of
    gradient descent on Y = 2·X; the gaps "1/2/3" between predicted and true Y shrink (here the
    step halves the distance: 1.1, 1.55, 1.775)."""
    rows = losses.three_iterations()
    ws, gaps = [w for w, _ in rows], [g for _, g in rows]
    assert ws == pytest.approx([1.1, 1.55, 1.775], abs=1e-5)
    assert gaps[0] > gaps[1] > gaps[2] and gaps[2] == pytest.approx(gaps[0] / 4, rel=1e-4)
    book.same(
        "4",
        "w₃ after three iterations nearer 2 than w₁",
        True,
        abs(ws[2] - 2) < abs(ws[0] - 2),
        tol=0,
    )
    png = losses.print_section_4_intro(tmp_path / "图")
    assert png.is_file() and png.read_bytes()[:4] == b"\x89PNG"
