from ch01_tensor import tensor


def test_rand_5x3_size(book):
    x = tensor.random_tensor(seed=0)
    book.same("1.2", "torch.rand(5, 3).size()", (5, 3), tuple(x.size()), tol=0)
    in_unit = bool(((x >= 0) & (x < 1)).all())
    book.same("1.2", "torch.rand(5, 3): 15 numbers in [0, 1), as printed", True, in_unit)


def test_the_listing_of_1_2_alone_lacks_import_torch(book):
    book.changed(
        "1.2",
        "the listing x = torch.rand(5, 3); print(x), run alone",
        "runs",
        tensor.run_listing_as_printed(tensor.BOOK_LISTING_1_2),
        expected="NameError",
        note="it has no import torch",
    )
    assert tensor.run_listing_as_printed("import torch\n" + tensor.BOOK_LISTING_1_2) == "runs"


def test_rand_is_reproducible_with_a_seed():
    assert tensor.random_tensor(3).equal(tensor.random_tensor(3))
    assert not tensor.random_tensor(3).equal(tensor.random_tensor(4))


def test_numpy_install_check(book):
    """§1.3: `np.array([1,2,3])` shows `array([1, 2, 3])`."""
    book.same("1.3", "np.array([1,2,3])", "array([1, 2, 3])", tensor.numpy_check(), tol=0)


def test_ones_2x2(book):
    book.same(
        "1.4", "torch.ones(2, 2)", [[1.0, 1.0], [1.0, 1.0]], tensor.ones_2x2().tolist(), tol=0
    )
    footer = str(tensor.ones_2x2()).splitlines()[-1].strip()
    book.changed(
        "1.4",
        "print(torch.ones(2, 2)): its last line",
        "[torch.FloatTensor of size 2x2]",
        footer,
        expected="[1., 1.]])",
        status="API change",
        note="tensors print as tensor([...]) since 0.4",
    )


def test_theano_and_tensorflow_are_not_needed(book):
    """§1.1 installs Theano and "Tensowflow" among the packages; nothing here needs either (Keras 3
    runs on the torch backend), and no chapter imports them."""
    import ast

    needed = set(tensor.pinned_versions())
    imported = set()
    for path in tensor.support.REPO.glob("ch*/*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported.add(node.module.split(".")[0])
    today = sorted((needed | imported) & {"theano", "tensorflow"})
    book.changed("1.1", "Theano, TensorFlow among the packages needed", "both", today, expected=[])


def test_numpy_round_trip_shares_memory():
    array, t, shared = tensor.numpy_round_trip()
    assert shared
    assert array[0, 0] == 100.0 and t.shape == (2, 3)


def test_pinned_versions_are_read_from_requirements():
    pins = tensor.pinned_versions()
    assert pins["torch"] == "2.13.0"
    assert {"numpy", "scipy", "opencv-python", "keras", "jieba"} <= pins.keys()


def test_package_report_flags_every_package_and_keras_backend():
    rows = {r["package"]: r for r in tensor.package_report(tensor.pinned_versions())}
    assert set(rows) == set(tensor.PACKAGES.values())
    assert all(r["installed"] for r in rows.values()), rows
    assert rows["keras"]["note"] == "backend=torch"


def test_missing_package_gets_a_fix(monkeypatch):
    monkeypatch.setitem(tensor.PACKAGES, "no_such_module_xyz", "no-such-dist")
    rows = {r["package"]: r for r in tensor.package_report({})}
    assert rows["no-such-dist"]["installed"] is None
    assert "pip install -r requirements.txt" in rows["no-such-dist"]["fix"]


def test_main_runs(capsys):
    tensor.main([])
    out = capsys.readouterr().out
    assert "torch.Size([5, 3])" in out and "CUDA" in out
