import torch

from ch03_autograd import autograd


def test_out_and_grad(book):
    out, grad = autograd.autograd_gradient()
    book.same("3", "out = mean(3(x+2)²)", 27.0, out, tol=0)
    book.same("3", "x.grad", [4.5] * 4, grad.flatten().tolist(), tol=1e-6)


def test_gradient_matches_closed_form_and_finite_differences():
    _, grad = autograd.autograd_gradient()
    ones = torch.ones(2, 2)
    assert torch.allclose(grad, autograd.analytic_gradient(ones))
    fd = autograd.finite_difference_gradient(ones)
    assert torch.allclose(fd, grad.double(), atol=1e-6)


def test_finite_differences_see_a_different_point():
    # guards against a checker that returns 4.5 whatever x is
    x = torch.full((2, 2), 3.0)
    assert torch.allclose(
        autograd.finite_difference_gradient(x), torch.full((2, 2), 7.5).double(), atol=1e-5
    )


def test_update_sign(book):
    down = autograd.fit_line(sign=-1)
    up = autograd.fit_line(sign=+1)
    assert down[-1] < 0.01 * down[0]
    book.changed(
        "3",
        "weight = weight + lr·grad",
        "loss falls",
        "loss grows" if up[-1] > up[0] else "loss falls",
        expected="loss grows",
        note="descent is weight - lr·grad, as the book's code does",
    )
