import torch

from ch03_autograd import autograd


def test_out_and_grad(book):
    out, grad = autograd.autograd_gradient()
    book.same("3", "out = mean(3(x+2)²)", 27.0, out, tol=0)
    book.same("3", "x.grad", [4.5] * 4, grad.flatten().tolist(), tol=1e-6)


def test_y_is_x_plus_two_and_dz_dx_is_18_not_the_books_4_5(book, capsys):
    """§3 prints y = x + 2 as four 3s; it calls 3(x+2)/2 the derivative of z, which is d(out)/dx:
    z's own derivative is 6(x+2) = 18."""
    y, _, _ = autograd.forward(torch.ones(2, 2))
    book.same("3", "y = x + 2 on ones(2, 2)", [3.0] * 4, y.flatten().tolist(), tol=0)
    dz = autograd.z_gradient()
    book.changed(
        "3",
        "dz/dx at x = 1 (the book: 3(x+2)/2)",
        4.5,
        dz.flatten().tolist()[0],
        expected=18.0,
        note="3(x+2)/2 = 4.5 is d(out)/dx; dz/dx = 6(x+2)",
    )
    assert dz.tolist() == [[18.0, 18.0], [18.0, 18.0]]
    autograd.print_gradient()
    assert "今天 today [[18.0, 18.0], [18.0, 18.0]]" in capsys.readouterr().out


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


def test_a_larger_learning_rate_is_faster_and_less_precise(book):
    """§3 "lr 越大表示学习的速度越快，相应的精度就会降低", on minibatches of a noisy line."""
    runs = [autograd.fit_line_minibatch(lr) for lr in autograd.LR_TABLE]
    steps, errors = [r[0] for r in runs], [r[1] for r in runs]
    assert None not in steps and steps == sorted(steps, reverse=True) and steps[0] > 5 * steps[-1]
    assert errors == sorted(errors) and errors[-1] > 5 * errors[0]
    book.same(
        "3",
        "larger lr: faster (steps, lr 0.02 → 0.9) and less precise",
        True,
        steps[0] > steps[-1] and errors[-1] > errors[0],
        tol=0,
    )


def test_the_derivative_is_a_rate_not_the_acceleration(book):
    """§3: "求取方程式相对于输入参数的变化率，也就是加速度": for s(t) = t² the derivative at t = 3
    is the velocity 6; the acceleration is the second derivative, 2."""
    velocity, acceleration = autograd.velocity_and_acceleration(3.0)
    book.changed(
        "3",
        "ds/dt of s = t² at t = 3 (the book: the acceleration)",
        "acceleration",
        velocity,
        expected=6.0,
        note=f"that is the velocity; the acceleration d²s/dt² = {acceleration:g}",
    )
    assert acceleration == 2.0
