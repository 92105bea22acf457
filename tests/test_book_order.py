"""d2l's order in the book files: each section's code, then the printer that shows it, section
by section in the book's order (ch12 and ch14 check their own in their test files)."""

import importlib
import inspect

import pytest

# module → [(section banner, a function of that section's code, the section's printer)]
SECTIONS = {
    "ch01_tensor.tensor": [
        ("§1.2 Tensor", "def random_tensor(", "print_section_1_2"),
        ("§1.3 numpy", "def numpy_check(", "print_section_1_3"),
        ("§1.4", "def ones_2x2(", "print_section_1_4"),
        ("§1 numpy 与 torch", "def numpy_round_trip(", "print_numpy_bridge"),
        ("环境 the environment", "def hardware_report(", "print_environment_section"),
    ],
    "ch02_variable.variable": [
        ("§2 torch.Tensor(3, 4)", "def uninitialised_vs_initialised(", "print_tensor_constructor"),
        ("§2 Variable", "def legacy_variable(", "print_variable"),
        ("§2 .data", "def grad_before_and_after(", "print_data_and_grad"),
    ],
    "ch03_autograd.autograd": [
        ("§3 求导", "def autograd_gradient(", "print_gradient"),
        ("§3 权值更新", "def fit_line(", "print_weight_update"),
        ("§3 学习率", "def fit_line_minibatch(", "print_learning_rates"),
    ],
    "ch04_losses.losses": [
        ("§4 引言", "def three_iterations(", "print_section_4_intro"),
        ("§4.1–4.3", "def l1(", "print_regression_losses"),
        ("§4.4", "def bce_today(", "print_section_4_4"),
        ("§4.5", "def cross_entropy_book_call(", "print_section_4_5"),
        ("§4.6–4.7", "def nll_book_call(", "print_sections_4_6_and_4_7"),
    ],
    "ch05_optim.optim": [
        ("§5.1–5.6", "def sgd_step(", "print_against_torch"),
        ("§5.1 SGD's decay", "def sgd_decay_facts(", "print_sgd_decay"),
        ("§5.2–5.6 the book's defaults", "def torch_defaults(", "print_book_defaults"),
        ("§5.3–5.5 the book's formulas", "def book_adam_gap(", "print_book_formulas"),
        ("§5.3–5.5 the book's claims", "def adagrad_step_sizes(", "print_book_claims"),
    ],
    "ch06_regression.regression": [
        ("§6 线性回归", "def make_data(", "print_section_6"),
        ("§7 numpy", "def numpy_round_trip(", "print_section_7"),
    ],
    "ch08_save_load.save_load": [
        ("§8 保存整个模型", "def load_whole_model_today(", "print_whole_model"),
        ("§8 为什么", "def weights_only_blocks_code(", "print_why_weights_only"),
        ("§8 安全的做法", "def state_dict_round_trip(", "print_the_safe_way"),
    ],
    "ch09_conv.conv": [
        ("§9.1 / §9.2", "def documented_defaults(", "print_sections_9_1_9_2_signatures"),
        ("§9.1 Conv2d", "def conv2d_book(", "print_section_9_1"),
        ("§9.1 Conv2d", "def groups_facts(", "print_groups_and_padding"),
        ("§9.2 Conv1d", "def conv1d_book(", "print_section_9_2"),
    ],
    "ch10_pool.pool": [
        ("§10.1 max_pool2d", "def documented_defaults(", "print_section_10_1_signature"),
        ("§10.1–10.3", "def max_pool2d_book(", "print_sections_10_1_to_10_3"),
        ("§10.1 ceil_mode", "def ceil_mode_and_padding(", "print_ceil_mode_and_padding"),
    ],
}


@pytest.mark.parametrize("module", list(SECTIONS))
def test_each_section_prints_after_its_code(module):
    source = inspect.getsource(importlib.import_module(module))
    banners = {}
    for banner, _, _ in SECTIONS[module]:
        banners.setdefault(banner, source.index(f"# ======== {banner}"))
    starts = sorted(banners.values())
    assert list(banners.values()) == starts, "sections out of the book's order"
    for banner, code, printer in SECTIONS[module]:
        begin = banners[banner]
        end = next((s for s in starts if s > begin), len(source))
        at = source.index(f"def {printer}(")
        assert begin < source.index(code) < at < end, f"{printer} is not after its code in {banner}"
