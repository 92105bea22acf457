"""`--device auto` everywhere: CUDA, then Apple MPS, then the CPU, with the availability checks
patched so every branch runs on this CPU-only machine. The book-number tests stay on the CPU."""

import argparse
from pathlib import Path

import pytest
import torch

from ch01_tensor import tensor
from ch11_mnist import benchmark as mnist_benchmark
from ch11_mnist import compare, fast_recipe, mnist, own_data
from ch11_mnist import support as mnist_support
from ch16_textcls import benchmark as text_benchmark
from ch16_textcls import fast_recipe as text_recipe
from ch16_textcls import textcls

PARSERS = {
    "mnist.py": mnist.build_parser,
    "fast_recipe.py": fast_recipe.build_parser,
    "own_data.py": own_data.build_parser,
    "compare.py": compare.build_parser,
    "textcls.py": textcls.build_parser,
    "ch16 fast_recipe.py": text_recipe.build_parser,
}


@pytest.fixture
def machine(monkeypatch):
    """Pretend this machine has the given accelerators."""

    def have(cuda=False, mps=False, cuda_count=1):
        monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
        monkeypatch.setattr(torch.cuda, "device_count", lambda: cuda_count if cuda else 0)
        monkeypatch.setattr(torch.cuda, "get_device_name", lambda i=0: f"Pretend GPU {i}")
        monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)

    return have


@pytest.mark.parametrize(
    "cuda, mps, expected", [(True, True, "cuda"), (False, True, "mps"), (False, False, "cpu")]
)
@pytest.mark.parametrize("module", [mnist_support, textcls.support])
def test_auto_prefers_cuda_then_mps_then_cpu(machine, module, cuda, mps, expected):
    machine(cuda=cuda, mps=mps)
    assert module.device_option("auto") == expected
    assert tensor.device_for(tensor.hardware_report()) == expected


@pytest.mark.parametrize("name", PARSERS)
def test_every_device_option_defaults_to_auto_and_says_so(machine, name):
    machine(mps=True)
    parser = PARSERS[name]()
    action = next(a for a in parser._actions if a.dest == "device")
    assert action.default == "auto" and "CUDA, then Apple MPS" in action.help
    assert parser.parse_args([]).device == "mps"
    assert parser.parse_args(["--device", "cpu"]).device == "cpu"


def test_the_benchmarks_take_the_same_device_option():
    """One definition per chapter: the benchmarks import the chapter's."""
    for module in (mnist_benchmark, text_benchmark):
        source = Path(module.__file__).read_text(encoding="utf-8")
        assert "def device_option" not in source and "type=support.device_option" in source


@pytest.mark.parametrize(
    "text, have, message",
    [
        ("cuda", {}, "CUDA is not available"),
        ("cuda:1", {"cuda": True, "cuda_count": 1}, "1 CUDA device"),
        ("mps", {}, "MPS is not available"),
        ("gpu", {}, "unknown device 'gpu'"),
    ],
)
def test_an_unavailable_device_is_one_line(machine, text, have, message):
    machine(**have)
    with pytest.raises(argparse.ArgumentTypeError, match=message):
        mnist_support.device_option(text)


def test_cuda_n_is_accepted_where_it_exists(machine):
    machine(cuda=True, cuda_count=2)
    assert mnist_support.device_option("cuda:1") == "cuda:1"
    assert textcls.support.device_option("cuda") == "cuda"


def test_refused_device_end_to_end(machine, capsys):
    with pytest.raises(SystemExit) as exit_:
        mnist.main(["--device", "cuda"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "Traceback" not in err
    assert err.strip().splitlines()[-1].endswith("use auto or cpu")


def test_environment_report_names_the_chapters_device(machine, capsys):
    machine(mps=True)
    tensor.print_environment()
    assert "ch11、ch16 (--device auto) → mps" in capsys.readouterr().out
