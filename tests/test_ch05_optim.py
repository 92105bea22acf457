import pytest

from ch05_optim import optim


@pytest.mark.parametrize("name", list(optim.OPTIMIZERS))
def test_hand_written_update_matches_torch_optim(name):
    # float64, 100 steps: the two must agree to rounding error
    assert optim.compare_with_torch(name, steps=100) < 1e-10


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
    book_step, algo_step = optim.book_adagrad_first_step()
    book.changed(
        "5.3",
        "Adagrad εₙ with Σ to n-1: first step",
        "small",
        book_step,
        expected=5e4,
        tol=1,
        note=f"with the current g²: {algo_step:.3g}",
    )


@pytest.mark.parametrize(
    "name,key,book_value,torch_key",
    [
        ("RMSprop", "lr", 0.001, "lr"),
        ("RMSprop", "rho", 0.9, "alpha"),
        ("Adagrad", "epsilon", 1e-6, "eps"),
        ("Adadelta", "rho", 0.95, "rho"),
    ],
)
def test_book_keras_defaults_differ_from_torch(book, name, key, book_value, torch_key):
    assert optim.BOOK_DEFAULTS[name][key] == book_value
    today = optim.torch_defaults(name)[torch_key]
    book.changed(
        optim.SECTIONS[name],
        f"{name} default {key}",
        book_value,
        today,
        expected={"lr": 0.01, "alpha": 0.99, "eps": 1e-10, "rho": 0.9}[torch_key],
        tol=0,
        status="API change",
        note="book quotes Keras",
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
