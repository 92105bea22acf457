import pytest
import torch

from ch08_save_load import save_load


def test_whole_model_pickle_is_refused_by_default(tmp_path, book):
    path = save_load.save_atomic(save_load.make_model(), tmp_path / "whole.pt")
    today = save_load.load_whole_model_today(path)
    book.changed(
        "8",
        "torch.load(whole-model pickle)",
        "loads",
        today.split(":")[0],
        expected="refused",
        status="API change",
        note="weights_only=True since 2.6",
    )
    import zipfile

    book.changed(
        "8",
        "torch.save(mymodel, 'mymodel.pkl'): the file's format",
        "pickle (.pkl)",
        "zip archive" if zipfile.is_zipfile(path) else "other",
        expected="zip archive",
        status="API change",
        note="a zip of pickles and tensors since 1.6; the custom is .pt",
    )
    # the explicit opt-in still works, for trusted files: the file holds the whole model
    whole = torch.load(path, weights_only=False)
    book.same(
        "8",
        "torch.save(mymodel): the file holds the whole Module",
        True,
        isinstance(whole, torch.nn.Module),
    )


def test_weights_only_blocks_code_execution(tmp_path, capsys):
    safe, unsafe = save_load.weights_only_blocks_code(tmp_path)
    assert safe == "refused"
    assert "code from inside the checkpoint just ran" in capsys.readouterr().out


def test_state_dict_round_trip_gives_identical_outputs(tmp_path, book):
    """§8's second save: mymodel.state_dict() "只保存神经网络的模型参数" — tensors only, which
    torch.load's default (weights_only=True) reads, into a model built again."""
    model, restored, path = save_load.state_dict_round_trip(tmp_path)
    state = torch.load(path, weights_only=True)
    only_tensors = all(isinstance(v, torch.Tensor) for v in state.values())
    book.same(
        "8", "torch.save(mymodel.state_dict()): only the parameters (tensors)", True, only_tensors
    )
    assert save_load.same_outputs(model, restored)
    assert not save_load.same_outputs(save_load.make_model(seed=123), model)


def test_atomic_save_leaves_no_partial_file(tmp_path):
    class Unpicklable:
        def __reduce__(self):
            raise RuntimeError("boom")

    target = tmp_path / "ckpt.pt"
    with pytest.raises(RuntimeError):
        save_load.save_atomic({"x": Unpicklable()}, target)
    assert list(tmp_path.iterdir()) == []
