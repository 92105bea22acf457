import torch

from ch09_conv import conv


def test_conv2d_ones(book):
    y = conv.conv2d_book()
    assert y.shape == (1, 1, 3, 3)
    book.same(
        "9.1", "conv2d(ones(4,4), [[.1,.2],[.3,.4]])", [1.0] * 9, y.flatten().tolist(), tol=1e-6
    )
    by_hand = conv.conv2d_by_hand(torch.ones(4, 4), torch.tensor([[0.1, 0.2], [0.3, 0.4]]))
    assert torch.allclose(by_hand, y[0, 0])


def test_conv2d_by_hand_on_non_constant_input():
    x = torch.arange(16.0).view(4, 4)
    w = torch.tensor([[0.1, 0.2], [0.3, 0.4]])
    ref = torch.nn.functional.conv2d(x.view(1, 1, 4, 4), w.view(1, 1, 2, 2))[0, 0]
    assert torch.allclose(conv.conv2d_by_hand(x, w), ref)


def test_conv1d(book):
    y = conv.conv1d_book()[0, 0].tolist()
    book.same("9.2", "conv1d(0..15, [.1,.2,.3]) length", 14, len(y), tol=0)
    book.same("9.2", "conv1d(0..15, [.1,.2,.3])[:2]", [0.8, 1.4], y[:2], tol=1e-5)
    by_hand = conv.conv1d_by_hand(torch.arange(16.0).view(1, 16), torch.tensor([[0.1, 0.2, 0.3]]))
    assert torch.allclose(torch.tensor(by_hand), torch.tensor(y), atol=1e-5)


def test_conv1d_two_channels(book):
    y = conv.conv1d_two_channels_book()
    assert y.shape == (1, 1, 6)
    book.same("9.2", "conv1d 2 channels [:2]", [27.8, 31.4], y[0, 0, :2].tolist(), tol=1e-4)
    by_hand = conv.conv1d_by_hand(
        torch.arange(16.0).view(2, 8), torch.tensor([[0.1, 0.2, 0.3], [1.0, 1.0, 1.0]])
    )
    assert torch.allclose(torch.tensor(by_hand), y[0, 0], atol=1e-4)


def test_output_size_formula_agrees_with_conv1d():
    rows = conv.output_size_table()
    assert len(rows) == 5
    assert all(formula == real for *_, formula, real in rows)


def test_signatures_and_defaults_are_the_books(book):
    """§9.1/§9.2 print stride=1, padding=0, dilation=1; read from torch's own signature."""
    for fn in (conv.F.conv2d, conv.F.conv1d):
        today = conv.documented_defaults(fn)
        for name, value in conv.BOOK_CONV_DEFAULTS.items():
            book.same(
                "9.1" if fn is conv.F.conv2d else "9.2",
                f"{fn.__name__} {name}=",
                value,
                today[name],
            )
        assert today["groups"] == 1
    assert conv.defaults_are_what_runs()
