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


def test_conv2d_by_hand_on_non_constant_input(book):
    """§9.1 B: the kernel "和目标区域做矩阵乘法"; each output is the window and the kernel
    multiplied element by element and summed (unflipped: cross-correlation), not a matrix product."""
    x = torch.arange(16.0).view(4, 4)
    w = torch.tensor([[0.1, 0.2], [0.3, 0.4]])
    ref = torch.nn.functional.conv2d(x.view(1, 1, 4, 4), w.view(1, 1, 2, 2))[0, 0]
    assert torch.allclose(conv.conv2d_by_hand(x, w), ref)
    distinct = len(set(ref.flatten().tolist()))
    # "因为原始数据都是 1，所有最后卷积出来的结果才是相同的，否则的话是不同的"
    book.same("9.1", "conv2d on 0..15 as 4×4: distinct values among the 3×3", 9, distinct, tol=0)
    window = x[:2, :2]  # [[0, 1], [4, 5]]
    candidates = {
        "Σ window ⊙ kernel": (window * w).sum(),
        "Σ window · kernel (matrix product)": (window @ w).sum(),
        "Σ window ⊙ flipped kernel": (window * w.flip(0, 1)).sum(),
    }
    found = [name for name, v in candidates.items() if torch.isclose(v, ref[0, 0])]
    book.changed(
        "9.1",
        "out[0, 0] of conv2d(0..15 as 4×4, [[.1,.2],[.3,.4]])",
        "matrix product",
        found,
        expected=["Σ window ⊙ kernel"],
        note=f"{ref[0, 0].item():.1f} = 0·.1 + 1·.2 + 4·.3 + 5·.4",
    )


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


def test_groups_split_the_channels_into_separate_convolutions(book):
    """§9.1 groups "通常不用管这个参数，没有太大意义": the weight is (out, in/groups, kH, kW) and
    groups=2 is two convolutions side by side, with half the weights."""
    facts = conv.groups_facts()
    book.changed(
        "9.1",
        "groups=2: Conv2d(4, 6, 3) weight shape",
        "(no effect)",
        facts["weight_shape"],
        expected=(6, 2, 3, 3),
        tol=0,
        note="(out_channels, in_channels/groups, kH, kW): two convolutions side by side",
    )
    assert facts["is_two_convolutions"] and facts["parameters"] * 2 == facts["parameters_groups_1"]


def test_padding_adds_zeros_on_both_sides_not_up_to_a_multiple(book):
    """§9.1 says padding makes the input a multiple of the kernel size; 5×5 with a 2×2 kernel
    padded by 1 is 7×7 (output 6×6), by 2 is 9×9 (output 8×8)."""
    sizes = conv.padding_facts()
    assert sizes == {0: (4, 4), 1: (6, 6), 2: (8, 8)}
    book.changed(
        "9.1",
        "padding=1 on 5×5, 2×2 kernel: padded size",
        "a multiple of 2",
        5 + 2 * 1,
        expected=7,
        tol=0,
        note="padding adds p zeros on both sides; output by the size formula",
    )
