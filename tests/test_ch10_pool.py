import math

from ch10_pool import pool


def test_max_pool2d(book):
    book.same(
        "10.1",
        "max_pool2d(0..19 as 4×5, 2, 2)",
        [[6, 8], [16, 18]],
        pool.max_pool2d_book()[0, 0].tolist(),
        tol=0,
    )


def test_avg_pool2d(book):
    """§10.2: avg_pool2d works as max_pool2d does, taking the mean instead of the maximum: the
    means of the same 2×2 windows, cut by hand from the grid (the 5th column dropped as for max)."""
    grid = pool.grid_4x5()[0, 0, :, :4]  # the columns two windows of 2 cover
    by_hand = grid.reshape(2, 2, 2, 2).mean(dim=(1, 3)).tolist()
    today = pool.avg_pool2d_book()[0, 0].tolist()
    book.same("10.2", "avg_pool2d(0..19 as 4×5, 2, 2) = the windows' means", by_hand, today, tol=0)
    assert today == [[3.0, 5.0], [13.0, 15.0]]


def test_max_pool1d(book):
    book.same(
        "10.3",
        "max_pool1d(0..15, 2, 2)",
        list(range(1, 16, 2)),
        pool.max_pool1d_book()[0, 0].tolist(),
        tol=0,
    )
    two = pool.max_pool1d_two_channels_book()
    book.same("10.3", "max_pool1d on (1, 2, 8): shape", (1, 2, 4), tuple(two.shape), tol=0)
    assert two[0].tolist() == [[1, 3, 5, 7], [9, 11, 13, 15]]


def test_ceil_mode_and_padding_change_the_shape(book):
    """§10.1: ceil_mode chooses ceil instead of floor for the output size; count_include_pad=True
    counts the zero padding in the mean, and "只有在 avg_pool2d 并且 padding 参数不为 0 时才有意义"."""
    out = {k.split(" (")[0]: v for k, v in pool.ceil_mode_and_padding().items()}
    width = (5 - 2) / 2 + 1  # 5 columns, kernel 2, stride 2: 2.5 windows
    book.same(
        "10.1",
        "ceil_mode=True: windows across 5 columns, ceil(2.5)",
        math.ceil(width),
        out["ceil_mode=True"].shape[-1],
        tol=0,
    )
    assert pool.max_pool2d_book().shape[-1] == math.floor(width)
    assert out["ceil_mode=True"][0, 0].tolist() == [[6, 8, 9], [16, 18, 19]]
    assert out["padding=1"].shape[-2:] == (3, 3)
    assert out["padding=1"][0, 0, 0, 0] == 0  # max over one real value and -inf padding
    # "是否对输入在左前端填充 0": both sides, and max pooling pads −∞ (zeros would win here)
    negative = pool.F.max_pool2d(-1 - pool.grid_4x5(), 2, 2, padding=1)
    corner = negative[0, 0, 0, 0].item()
    what = "max_pool2d(padding=1) on −1…−20: the top-left window (pad + −1)"
    book.changed("10.1", what, "0 (zero padding)", corner, expected=-1.0, tol=0, note="pads −∞")
    # the window over the grid's 1 and 2 and two padded zeros: ÷ 4 counting the padding, ÷ 2 not
    counted = out["avg, padding=1, count_include_pad=True"][0, 0, 0, 1].item()
    what = "count_include_pad=True: (1 + 2 + 0 + 0) / 4 at the padded top edge"
    book.same("10.1", what, (1 + 2) / 4, counted, tol=0)
    assert out["avg, padding=1, count_include_pad=False"][0, 0, 0, 1] == (1 + 2) / 2
    x = pool.grid_4x5()
    unpadded = [pool.F.avg_pool2d(x, 2, 2, count_include_pad=c) for c in (True, False)]
    book.same(
        "10.1",
        "count_include_pad without padding changes nothing",
        True,
        pool.torch.equal(*unpadded),
    )


def test_max_pool2d_signature_stride_none_and_indices(book):
    """§10.1's printed signature, read from torch; stride=None means kernel_size."""
    today = pool.documented_defaults(pool.F.max_pool2d)
    for name, value in pool.BOOK_MAX_POOL2D.items():
        book.same("10.1", f"max_pool2d {name}=", value, today[name])
    assert pool.stride_none_is_kernel_size()
    values, indices = pool.with_indices()
    assert values[0, 0].tolist() == [[6.0, 8.0], [16.0, 18.0]]
    assert indices[0, 0].tolist() == [[6, 8], [16, 18]]  # 0..19: each maximum is its position


def test_three_dimensional_input_and_the_name(book):
    """§10.1 says the input is (channels, H, W) and calls the function F.max_pool2d: both hold
    today (the book's own code passes (N, C, H, W), which works too)."""
    book.same(
        "10.1",
        "max_pool2d on a (C, H, W) input: shape",
        [1, 2, 2],
        list(pool.unbatched_input().shape),
        tol=0,
    )
    assert pool.signature_name(pool.F.max_pool2d) == "max_pool2d"
    book.changed(
        "10.1",
        "torch.nn.functional.F.max_pool2d, the name the book prints",
        "a function",
        "exists" if hasattr(pool.torch.nn.functional, "F") else "AttributeError",
        expected="AttributeError",
        note="torch.nn.functional.max_pool2d, usually F.max_pool2d",
    )
    assert pool.torch.equal(pool.unbatched_input(), pool.max_pool2d_book()[0])


def test_stride_below_the_kernel_overlaps_the_windows(book):
    """§10.1: with stride < kernel_size neighbouring windows overlap (3×3 windows, stride 1)."""
    maxima = pool.overlapping_windows()[0, 0]
    assert maxima.tolist() == [[12, 13, 14], [17, 18, 19]]
    # 3×3 windows on 4×5 at stride 1: 2×3 of them, where side by side only one would fit
    book.same("10.1", "stride 1 < kernel 3: windows on a 4×5 input", (2, 3), tuple(maxima.shape))


def test_padding_keeps_the_column_a_plain_pool_drops(book):
    """§10.1 padding "这样就不会丢弃掉原始数据了": without it the 5th column (4, 9, 14, 19) is
    dropped; with padding=1 it is pooled (19 is a maximum)."""
    plain = pool.max_pool2d_book()[0, 0]
    padded = pool.ceil_mode_and_padding()["padding=1 (pads with -inf for max)"][0, 0]
    assert 19 not in plain and 19 in padded
    book.same(
        "10.1",
        "padding=1 keeps the last column: 19 pooled",
        True,
        bool((padded == 19).any()),
        tol=0,
    )


def test_the_listing_of_10_1_alone_lacks_import_torch(book):
    """§10.1's listing imports torch.nn.functional as F and Variable, then calls torch.Tensor:
    pasted alone it stops at the first use of `torch`."""
    listing = (  # the listing's lines up to the first use of torch, as printed
        "import torch.nn.functional as F\n"
        "from torch.autograd import Variable\n"
        "a=range(20)\n"
        "x = Variable(torch.Tensor(a))\n"
    )
    try:
        exec(compile(listing, "<§10.1>", "exec"), {})
        outcome = "runs"
    except NameError:
        outcome = "NameError"
    book.changed(
        "10.1",
        "the max_pool2d listing, run alone",
        "runs",
        outcome,
        expected="NameError",
        note="no import torch",
    )
