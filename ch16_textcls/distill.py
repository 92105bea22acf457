"""Distillation from the bag of words (not in the book). The bag of words generalises to the
later test messages a little better than the LSTM, and the two make different mistakes.
Distillation (Hinton et al. 2015) lets the LSTM learn the regression's view during training;
at prediction time the LSTM runs alone."""

import torch
import torch.nn.functional as F
from bow import fit_bag_of_words


def crossfit_teacher(
    token_lists, labels, n_classes, folds=5, seed=0, weight_decay=1e-5
) -> torch.Tensor:
    """Bag-of-words logits for every training document from a regression that did not see it
    (k-fold cross-fitting). On its own training text the regression is nearly certain, so only
    held-out predictions carry what it would say of a new message, doubts included."""
    folds = max(2, min(folds, len(token_lists)))  # a handful of documents (--limit) still works
    order = torch.randperm(len(token_lists), generator=torch.Generator().manual_seed(seed))
    logits = torch.zeros(len(token_lists), n_classes)
    for k in range(folds):
        held = order[k::folds].tolist()
        fit = sorted(set(range(len(token_lists))) - set(held))
        bag = fit_bag_of_words(
            [token_lists[i] for i in fit], [labels[i] for i in fit], n_classes, weight_decay
        )
        logits[held] = bag([token_lists[i] for i in held])
    return logits


def distillation_loss(student_logits, teacher_logits, temperature: float) -> torch.Tensor:
    """KL(teacher ‖ student) of the temperature-softened distributions, times T² so that
    its gradients keep their size as T changes (Hinton et al. 2015)."""
    return temperature**2 * F.kl_div(
        F.log_softmax(student_logits / temperature, dim=1),
        F.log_softmax(teacher_logits / temperature, dim=1),
        reduction="batchmean",
        log_target=True,
    )
