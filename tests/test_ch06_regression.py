import numpy as np

from ch06_regression import regression


def test_fit_recovers_w_and_b(book):
    x, y = regression.make_data(seed=1)
    assert x.shape == (200, 1) and y.shape == (200, 1)
    model, prediction, losses = regression.fit(x, y, steps=300, lr=0.5)
    w, b = regression.learned_w_b(model)
    book.same("6", "learned w", 0.5, w, tol=0.005)
    book.same("6", "learned b", 0.0, b, tol=0.005)
    assert losses[-1] < 2e-4  # noise variance is 1e-4
    assert prediction.shape == (200, 1)


def test_the_loss_falls_every_step_and_the_prediction_is_the_line(book):
    """§6's loop computes the loss at every step and draws the prediction as "红色是模拟出来的
    回归曲线": full-batch SGD on this convex loss never goes up, and the fitted line lies within
    0.01 of Y = 0.5·X everywhere on [-1, 1]."""
    x, y = regression.make_data(seed=1)
    _, prediction, losses = regression.fit(x, y)
    assert len(losses) == 300
    assert all(later <= earlier + 1e-9 for earlier, later in zip(losses, losses[1:], strict=False))
    gap = (prediction - 0.5 * x).abs().max().item()
    book.same("6", "prediction vs the line 0.5·X: largest gap", 0.0, gap, tol=0.01)


def test_fit_is_deterministic(book):
    """§6: "随机种子基本不影响随机数的值，也可以不定义随机种子" — the seed is what fixes the
    values: the same seed gives the same fit, another seed other numbers."""
    x, y = regression.make_data(seed=1)
    a = regression.learned_w_b(regression.fit(x, y)[0])
    b = regression.learned_w_b(regression.fit(x, y)[0])
    assert a == b
    import torch

    draws = []
    for seed in (1, 1, 2):
        torch.manual_seed(seed)
        draws.append(torch.rand(3))
    today = [torch.equal(draws[0], draws[1]), torch.equal(draws[0], draws[2])]
    book.changed(
        "6",
        "torch.rand after manual_seed(1), (1), (2): 1st = 2nd, 1st = 3rd",
        "the seed hardly matters",
        today,
        expected=[True, False],
        note="the seed fixes the values: it makes a run repeat",
    )


def test_npy_round_trip_and_png(tmp_path, book):
    x, y = regression.make_data()
    _, prediction, _ = regression.fit(x, y, steps=50)
    path = tmp_path / "pred.npy"
    loaded = regression.numpy_round_trip(prediction.numpy(), path)
    book.same(
        "7",
        "np.save/np.load round trip equal",
        True,
        bool(np.array_equal(loaded, prediction.numpy())),
    )
    png = regression.save_plot(x, y, prediction, tmp_path / "fit.png")
    assert png.stat().st_size > 5_000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fit.png", "pred.npy"]


def test_main_writes_outputs(tmp_path, capsys):
    regression.main(["--out-dir", str(tmp_path), "--steps", "300"])
    assert (tmp_path / "regression.png").exists() and (tmp_path / "pred.npy").exists()
    assert "√" in capsys.readouterr().out


def test_the_books_6_and_7_listings_as_printed(tmp_path, book):
    """§6 calls numpy.load with only `np` imported; §7 loads "nm. npy " after saving nm.npy."""
    error, _ = regression.run_listing(
        regression.BOOK_6_LISTING, tmp_path / "six", prediction=np.zeros((2, 1))
    )
    book.changed(
        "6",
        "pred = numpy.load('pred.npy') with only `import numpy as np`",
        "loads",
        error,
        expected="NameError: name 'numpy' is not defined",
    )
    assert (tmp_path / "six" / "pred.npy").is_file()  # np.save ran before the failing line
    listing = regression.section_7_listing(tmp_path / "seven")
    book.changed(
        "7",
        'np.load("nm. npy ") after np.save("nm.npy", a)',
        "loads",
        listing["as_printed"].split(":")[0],
        expected="FileNotFoundError",
        note="spaces in the name; np.load('nm.npy') reads it",
    )
    assert "nm. npy " in listing["as_printed"]
    assert listing["fixed_error"] is None
    book.same("7", "np.load of the saved np.array(2)", 2, int(listing["loaded"]), tol=0)
    assert listing["loaded"].ndim == 0


def test_the_books_data_and_settings(book):
    """§6: 200 points X = linspace(-1, 1, 200), Y = 0.5·X + 0.2·N(0, 0.05) (noise of s.d. 0.01),
    Linear(1, 1), SGD lr 0.5, 300 steps of MSELoss."""
    x, y = regression.make_data()
    noise_sd = float((y - 0.5 * x).std())
    today = [len(x), float(x.min()), float(x.max()), regression.LR, regression.STEPS]
    book.same("6", "points, X from, to; SGD lr; steps", [200, -1.0, 1.0, 0.5, 300], today, tol=1e-6)
    book.same("6", "noise s.d. of Y − 0.5·X (0.2 × 0.05)", 0.01, noise_sd, tol=0.0015)
