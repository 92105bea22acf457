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
    # the explicit opt-in still works, for trusted files
    assert isinstance(torch.load(path, weights_only=False), torch.nn.Module)


def test_weights_only_blocks_code_execution(tmp_path, capsys):
    safe, unsafe = save_load.weights_only_blocks_code(tmp_path)
    assert safe == "refused"
    assert "code from inside the checkpoint just ran" in capsys.readouterr().out


def test_state_dict_round_trip_gives_identical_outputs(tmp_path):
    model, restored, path = save_load.state_dict_round_trip(tmp_path)
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
