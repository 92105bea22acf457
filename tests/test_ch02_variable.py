import torch

from ch02_variable import variable


def test_variable_is_now_a_plain_tensor(book):
    v = variable.legacy_variable()
    book.changed(
        "2",
        "type(Variable(t))",
        "Variable",
        type(v).__name__,
        expected="Tensor",
        status="API change",
        note="Variable merged into Tensor in 0.4",
    )


def test_grad_is_none_before_backward(book):
    before, after = variable.grad_before_and_after()
    book.same("2", "x.grad before backward", "None", str(before))
    assert torch.equal(after, torch.full((2, 2), 2.0))


def test_uninitialised_constructors_have_the_right_shape():
    tensors = variable.uninitialised_vs_initialised()
    assert all(t.shape == (3, 4) for t in tensors.values())
    assert torch.equal(tensors["torch.zeros(3, 4)"], torch.zeros(3, 4))


def test_torch_tensor_3_4_is_not_random(book):
    """§2: "torch.Tensor() 方法生成制定维度的随机数". It takes nothing from the random generator
    (its state does not move, as it does for torch.rand): the numbers are whatever memory held."""
    legacy = variable.draws_random_numbers(lambda: torch.Tensor(3, 4))
    book.changed(
        "2",
        "torch.Tensor(3, 4) draws random numbers",
        True,
        legacy,
        expected=False,
        tol=0,
        note="uninitialised memory, as torch.empty(3, 4); random numbers: torch.rand",
    )
    assert variable.draws_random_numbers(lambda: torch.rand(3, 4))
    assert not variable.draws_random_numbers(lambda: torch.empty(3, 4))


def test_an_edit_through_data_goes_unnoticed(book):
    """§2 reads a Variable's tensor as .data; an in-place edit through it escapes autograd's
    version check and the gradient comes out wrong, while .detach() makes backward() refuse."""
    book.changed(
        "2",
        "y = sigmoid(x); y.data *= 2; backward(): the gradient",
        "right",
        variable.edit_after_sigmoid("data"),
        expected="wrong gradient 0.00",
        note="use .detach(): the same edit raises RuntimeError",
    )
    assert variable.edit_after_sigmoid("detach") == "RuntimeError"


def test_data_and_detach_drop_history_and_share_storage():
    facts = variable.data_vs_detach()
    assert facts == {
        "x.data.requires_grad": False,
        "x.detach().requires_grad": False,
        "x.detach() shares storage": True,
    }
