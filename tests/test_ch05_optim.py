import pytest

from ch05_optim import optim


@pytest.mark.parametrize("name", list(optim.OPTIMIZERS))
def test_hand_written_update_matches_torch_optim(name):
    # float64, 100 steps: the two must agree to rounding error
    assert optim.compare_with_torch(name, steps=100) < 1e-10


def test_the_books_sgd_and_rmsprop_updates_are_torchs(book):
    """§5.1's Δx = −η·g (no momentum: the book gives no formula for it) and §5.2's
    r ← ρr + (1-ρ)ĝ⊙ĝ, Δθ = −ε/(δ + √r)⊙ĝ, run beside torch.optim for 100 steps."""
    sgd = optim.max_gap_to_torch(optim.sgd_step, optim.torch.optim.SGD, dict(lr=0.01), 100)
    book.same("5.1", "Δx = −η·g vs torch.optim.SGD: max gap in 100 steps", 0, sgd, tol=1e-10)
    rmsprop = optim.compare_with_torch("RMSprop", steps=100)
    book.same("5.2", "RMSprop Δθ = −ε/(δ+√r)·g vs torch.optim: max gap", 0, rmsprop, tol=1e-10)


@pytest.mark.parametrize("name", list(optim.OPTIMIZERS))
def test_optimizers_reduce_the_loss(name):
    runs = optim.trajectories(steps=100)
    _, losses = runs[name]
    assert losses[-1] < 0.05 * losses[0]


def test_book_adam_formula_differs(book):
    gap = optim.book_adam_gap(steps=100)
    book.changed(
        "5.5",
        "Adam r ← ρ₂r + (1-ρ₂)g⊙s",
        "as printed",
        "differs" if gap > 1e-3 else "same",
        expected="differs",
        note=f"g⊙g and 1-βᵗ are right; gap {gap:.2g}",
    )


def test_book_adadelta_formula_never_moves(book):
    moved = optim.book_adadelta_moves()
    book.changed(
        "5.4",
        "Adadelta Δx without ε on top",
        "learns",
        moved,
        expected=0.0,
        tol=0,
        note="needs √(E[Δx²]+ε)",
    )


def test_book_adagrad_first_step(book):
    """§5.3's εₙ sums g² to n-1: at n = 1 the sum is empty and the step is lr·g/δ = 0.01 · 0.5 /
    1e-7 = 5e4; torch.optim.Adagrad includes the current g: lr·g/(|g| + δ) ≈ lr = 0.01. The
    book's rate at step n is torch's at step n - 1: its sum lags one gradient behind."""
    book_step, torch_step = optim.book_adagrad_first_step()
    book.changed(
        "5.3",
        "Adagrad εₙ with Σ to n-1: first step",
        "small",
        book_step,
        expected=5e4,
        tol=1,
        note=f"torch.optim.Adagrad's first step: {torch_step:.3g}",
    )
    assert torch_step == pytest.approx(0.01, rel=1e-5)
    steps = optim.torch_adagrad_steps([0.5, 0.5, 0.5])
    assert steps[1] == pytest.approx(0.01 / 2**0.5, rel=1e-5)  # √(0.25 + 0.25) = √0.5; × g
    assert optim.book_epsilon_n([0.5, 0.5, 0.5], 3) * 0.5 == pytest.approx(steps[1], rel=1e-5)


# every default the book quotes (Keras's): (optimizer, the book's name, its value, torch's name,
# torch's value); torch's betas are one tuple
BOOK_DEFAULTS_TODAY = [
    ("RMSprop", "lr", 0.001, "lr", 0.01),
    ("RMSprop", "rho", 0.9, "alpha", 0.99),
    ("RMSprop", "epsilon", 1e-6, "eps", 1e-8),
    ("Adagrad", "lr", 0.01, "lr", 0.01),
    ("Adagrad", "epsilon", 1e-6, "eps", 1e-10),
    ("Adadelta", "lr", 1.0, "lr", 1.0),
    ("Adadelta", "rho", 0.95, "rho", 0.9),
    ("Adadelta", "epsilon", 1e-6, "eps", 1e-6),
    ("Adam", "lr", 0.001, "lr", 0.001),
    ("Adam", "beta_1", 0.9, "betas[0]", 0.9),
    ("Adam", "beta_2", 0.999, "betas[1]", 0.999),
    ("Adam", "epsilon", 1e-8, "eps", 1e-8),
    ("Adamax", "lr", 0.002, "lr", 0.002),
    ("Adamax", "beta_1", 0.9, "betas[0]", 0.9),
    ("Adamax", "beta_2", 0.999, "betas[1]", 0.999),
    ("Adamax", "epsilon", 1e-8, "eps", 1e-8),
]


@pytest.mark.parametrize("name,key,book_value,torch_key,torch_value", BOOK_DEFAULTS_TODAY)
def test_the_books_keras_defaults_against_torchs(
    book, name, key, book_value, torch_key, torch_value
):
    """§5.2–§5.6 quote keras.optimizers' defaults: where torch.optim's (read from its signature)
    are the same numbers the row says same, elsewhere API change with torch's asserted."""
    assert optim.BOOK_DEFAULTS[name][key] == book_value
    defaults = optim.torch_defaults(name)
    betas = {f"betas[{i}]": beta for i, beta in enumerate(defaults.get("betas", ()))}
    today = {**defaults, **betas}[torch_key]
    what, section = f"{name} default {key}", optim.SECTIONS[name]
    if book_value == torch_value:
        book.same(section, what, book_value, today, tol=0)
    else:
        book.changed(
            section,
            what,
            book_value,
            today,
            expected=torch_value,
            tol=0,
            status="API change",
            note=f"book quotes Keras; torch's {torch_key}",
        )


def test_figure_is_written(tmp_path):
    path = optim.save_figure(optim.trajectories(steps=20), tmp_path / "opt.png")
    assert path.stat().st_size > 10_000
    assert not list(tmp_path.glob("*.tmp*"))


def test_sgds_decay_is_weight_decay_and_lr_decay_is_a_scheduler(book):
    """§5.1: "SGD supports learning-rate decay" — torch's SGD has weight_decay (L2) only."""
    facts = optim.sgd_decay_facts(lr=0.1, weight_decay=0.5, gamma=0.5)
    book.changed(
        "5.1",
        "SGD's decay option",
        "learning-rate decay",
        ", ".join(facts["decay_options"]),
        expected="weight_decay",
        note="L2 on the weights; decay the learning rate with a scheduler",
    )
    assert facts["theta_after_one_step"] == pytest.approx(1 - 0.1 * 0.5)
    assert facts["lr_per_epoch"] == pytest.approx([0.1, 0.05, 0.025])


def test_adagrad_step_only_shrinks(book):
    """§5.3 "深度过深时会造成训练提前结束": with a steady gradient the step is lr/√t."""
    sizes = optim.adagrad_step_sizes()
    assert sizes[1] == pytest.approx(0.01, rel=1e-5)
    assert sizes[1000] == pytest.approx(0.01 / 1000**0.5, rel=1e-3)
    book.same(
        "5.3",
        "Adagrad step shrinks (t=1000 vs t=1)",
        1 / 1000**0.5,
        sizes[1000] / sizes[1],
        tol=1e-4,
    )


def test_adadelta_keeps_the_learning_rate_as_a_factor(book):
    """§5.4: the book says the learning rate disappears; torch's update is scaled by lr."""
    steps = optim.adadelta_step_by_lr()
    book.changed(
        "5.4",
        "Adadelta: step with lr=0.5 ÷ step with lr=1.0",
        "no learning rate",
        round(steps[0.5] / steps[1.0], 6),
        expected=0.5,
        tol=1e-6,
        status="API change",
        note="torch.optim.Adadelta multiplies its update by lr (default 1.0)",
    )


def test_adam_step_stays_within_the_learning_rate(book):
    """§5.5: Adam's step has a fixed range (≈ lr) whatever the gradient's scale; SGD's grows."""
    for scale in (1e-4, 1.0, 1e4):
        assert optim.largest_step_over_lr("Adam", scale) <= 1.0001
    book.same(
        "5.5",
        "Adam max |Δθ|/lr, gradient ×1e4",
        1.0,
        optim.largest_step_over_lr("Adam", 1e4),
        tol=1e-3,
    )
    assert optim.largest_step_over_lr("SGD", 1e4) == pytest.approx(80000, rel=1e-4)


def test_the_intermediate_adadelta_step_keeps_moving_and_is_rmsprop(book):
    """§5.4: with E[g²] a decaying average "从而使得还很长时间之后，参数仍然可以得到更新": for a
    steady gradient the step settles at lr (Adagrad's has fallen to 1/√1000 of it), and the
    formula is torch's RMSprop (ε inside the root instead of outside)."""
    ours, theirs = optim.intermediate_step_sizes()
    assert ours[1000] == pytest.approx(0.01, rel=1e-4)
    assert optim.adagrad_step_sizes()[1000] < 0.05 * ours[1000]
    for t in ours:
        assert ours[t] == pytest.approx(theirs[t], rel=1e-4)
    book.same(
        "5.4", "intermediate Δx at t=1000, steady gradient (÷ lr)", 1.0, ours[1000] / 0.01, tol=1e-3
    )


def test_section_5_1_batches_over_redundant_halves_take_two_steps(book):
    """§5.1: with the two halves of the data alike, one pass in two batches moves twice (it is
    two full-batch steps, to rounding) and ends nearer the optimum than one full-batch pass."""
    d = optim.batch_vs_full_pass()
    two = d["batches_minus_two_full"] < 1e-12
    book.same(
        "5.1",
        "steps one pass takes over halves alike: batches, whole set",
        (2, 1),
        (2 if two else 1, 1),
        tol=0,
    )
    assert d["batches"] < d["full"] < d["start"]


def test_an_optimizer_turns_gradients_into_steps_it_computes_none(book):
    """§5: "优化器……是一种计算导数的算法". backward() computes the derivatives; step() only uses
    them: with no gradient it moves nothing, with one it moves by −lr·g (SGD). §5.1's
    "parameters: Variable 参数" are today an iterable of tensors or of parameter groups."""
    theta = optim.torch.tensor([1.0, 2.0], requires_grad=True)
    sgd = optim.torch.optim.SGD([theta], lr=0.1)
    sgd.step()  # no backward() yet: theta.grad is None
    moved_without_grad = theta.tolist() != [1.0, 2.0]
    (theta**2).sum().backward()  # autograd: grad = 2θ = [2, 4]
    sgd.step()
    book.changed(
        "5",
        "SGD.step() before backward() moves θ; after it θ is",
        "computes derivatives",
        [moved_without_grad, *[round(v, 6) for v in theta.tolist()]],
        expected=[False, 0.8, 1.6],
        note="backward() computes them; step() applies −lr·g",
    )
    groups = optim.torch.optim.SGD([{"params": [theta]}, {"params": [], "lr": 1.0}], lr=0.1)
    assert [g["lr"] for g in groups.param_groups] == [0.1, 1.0]
