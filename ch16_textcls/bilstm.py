"""The modern recipe's network and training loop (not in the book's form): a bidirectional LSTM
over right-padded, length-bucketed batches, read by max and mean over time; AdamW with a
cosine schedule, word dropout, early stopping, and optional distillation from a teacher.

The defaults below are the command line's: `LSTMSettings()` is what `python
ch16_textcls/textcls.py` trains (fast_recipe.Recipe extends it with the data settings), and
`train_lstm(...)` with it trains the same network (given the same word vectors and teacher)."""

import math
import sys
import time
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from distill import distillation_loss
from metrics import accuracy
from vocab import PAD, UNK

EPOCHS = 8
BATCH_SIZE = 64
LR = 1e-2  # AdamW, the peak of the cosine schedule
PATIENCE = 2  # early stopping: epochs without a better validation accuracy
EMBED_DIM = 128
HIDDEN = 64  # LSTM units per direction
POOL = "maxmean"
LAYERS = 1
BIDIRECTIONAL = True
WORD_DROPOUT = 0.1
DISTILL = 0.5  # the teacher's weight in the loss, when a teacher is given
DISTILL_TEMP = 2.0


@dataclass(frozen=True)
class LSTMSettings:
    """The network and its training loop, as values (one source for the parser and train_lstm)."""

    epochs: int = EPOCHS
    batch_size: int = BATCH_SIZE
    lr: float = LR
    patience: int = PATIENCE
    embed_dim: int = EMBED_DIM
    hidden: int = HIDDEN
    layers: int = LAYERS
    bidirectional: bool = BIDIRECTIONAL
    pool: str = POOL
    word_dropout: float = WORD_DROPOUT
    freeze_embeddings: bool = False
    distill: float | None = DISTILL  # used when train_lstm is given a teacher
    distill_temp: float = DISTILL_TEMP
    seed: int = 0
    device: str = "cpu"

    def network(self) -> dict:
        """BiLSTMClassifier's keyword arguments."""
        return dict(
            embed_dim=self.embed_dim,
            hidden=self.hidden,
            layers=self.layers,
            bidirectional=self.bidirectional,
            pool=self.pool,
        )


def bucketed_batches(lengths: list[int], batch_size: int, gen: torch.Generator | None):
    """Batches of similar length (sorted, chunked), in random order when `gen` is given."""
    order = sorted(range(len(lengths)), key=lengths.__getitem__)
    batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    if gen is not None:
        batches = [batches[i] for i in torch.randperm(len(batches), generator=gen).tolist()]
    return batches


def drop_words(ids: torch.Tensor, p: float, gen: torch.Generator) -> torch.Tensor:
    """Word dropout: each real token becomes UNK with probability p (padding stays), so the
    model cannot lean on any single word — the test period brings new ones."""
    if p == 0:
        return ids
    hit = (torch.rand(ids.shape, generator=gen) < p).to(ids.device) & (ids != PAD)
    return ids.masked_fill(hit, UNK)


def pad_batch(seqs: list[list[int]], device) -> tuple[torch.Tensor, torch.Tensor]:
    lengths = torch.tensor([len(s) for s in seqs])
    ids = torch.zeros(len(seqs), int(lengths.max()), dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = torch.tensor(s)
    return ids.to(device), lengths


def reverse_padded(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Each row's first `length` steps in reverse order, the padding left where it is (batch ×
    time × features). It is its own inverse: the backward direction of a BiLSTM reads a
    right-padded batch this way, and its outputs are turned back the same way."""
    steps = torch.arange(x.shape[1], device=x.device)[None, :]
    lengths = lengths.to(x.device)[:, None]
    index = torch.where(steps < lengths, lengths - 1 - steps, steps)
    return x.gather(1, index.unsqueeze(2).expand_as(x))


class BiLSTM(nn.Module):
    """A (bi)directional LSTM over a right-padded batch that gives, at every real step, what
    `nn.LSTM` gives on the same batch packed with `pack_padded_sequence`.

    Why not pack: on the CPU the backward pass of a packed LSTM allocates and zero-fills a
    tensor the size of the whole input at every time step (slice_backward), so it grows with
    length² — 18× slower than a padded batch at 400 steps (pytorch/pytorch#149194). Padding
    is harmless instead when (1) the forward direction runs left to right, so the padding at
    the end never reaches a real step, (2) the backward direction reads each row reversed
    within its own length (`reverse_padded`), so its padding is at the end too, and (3) the
    padded steps are masked out afterwards. Bucketed batches keep that padding to a few
    steps. `packed=True` runs the same weights through packed sequences, for comparison."""

    def __init__(self, input_size, hidden, layers=1, bidirectional=True, dropout=0.0):
        super().__init__()
        directions = 2 if bidirectional else 1
        # created forward, backward, layer by layer: the order in which nn.LSTM(bidirectional)
        # draws its initial weights, so a seed gives the same start as before
        self.layers = nn.ModuleList(
            nn.ModuleList(
                nn.LSTM(input_size if k == 0 else hidden * directions, hidden, batch_first=True)
                for _ in range(directions)
            )
            for k in range(layers)
        )
        self.bidirectional, self.drop = bidirectional, nn.Dropout(dropout)

    def forward(self, x, lengths, packed: bool = False):
        """Outputs (batch × time × directions·hidden; padded steps hold junk) and the final
        state of each direction (batch × directions·hidden)."""
        for k, directions in enumerate(self.layers):
            if k:
                x = self.drop(x)  # between layers, as nn.LSTM(dropout=...) does
            outs = [run_direction(directions[0], x, lengths, packed)]
            if self.bidirectional:
                backward = run_direction(directions[1], reverse_padded(x, lengths), lengths, packed)
                outs.append(reverse_padded(backward, lengths))
            x = torch.cat(outs, dim=2)
        rows = torch.arange(x.shape[0], device=x.device)
        hidden = self.layers[0][0].hidden_size
        last = [x[rows, lengths.to(x.device) - 1, :hidden]]  # forward: the last real step
        if self.bidirectional:
            last.append(x[:, 0, hidden:])  # backward: it ends at the first step
        return x, torch.cat(last, dim=1)


def run_direction(lstm: nn.LSTM, x, lengths, packed: bool) -> torch.Tensor:
    if not packed:
        return lstm(x)[0]
    seq = nn.utils.rnn.pack_padded_sequence(
        x, lengths.cpu(), batch_first=True, enforce_sorted=False
    )
    return nn.utils.rnn.pad_packed_sequence(
        lstm(seq)[0], batch_first=True, total_length=x.shape[1]
    )[0]


class BiLSTMClassifier(nn.Module):
    """Embedding → (bi)LSTM → max and mean over time → dropout → Linear.

    The book's LSTMNet (textcls.py) reads only the last time step of a batch of one; pooling over all
    steps keeps what the network saw early in a long message. Padding never reaches a real
    step or the pooling (BiLSTM), so a document scores the same alone or in a batch."""

    def __init__(
        self,
        vocab_size,
        n_classes,
        embed_dim=EMBED_DIM,
        hidden=HIDDEN,
        layers=LAYERS,
        bidirectional=BIDIRECTIONAL,
        dropout=0.4,
        pool=POOL,
        packed=False,
    ):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=PAD)
        self.lstm = BiLSTM(embed_dim, hidden, layers, bidirectional, dropout if layers > 1 else 0.0)
        width = hidden * (2 if bidirectional else 1)
        self.pool, self.packed = pool, packed
        self.drop = nn.Dropout(dropout)
        self.out = nn.Linear((2 if pool == "maxmean" else 1) * width, n_classes)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        x = self.drop(self.embedding(ids))
        out, last = self.lstm(x, lengths, self.packed)
        if self.pool == "last":  # the book's choice: the final state (of each direction)
            return self.out(self.drop(last))
        lengths = lengths.to(out.device)
        mask = (
            torch.arange(out.shape[1], device=out.device)[None, :] < lengths[:, None]
        ).unsqueeze(2)
        max_pool = out.masked_fill(~mask, float("-inf")).amax(dim=1)
        mean_pool = out.masked_fill(~mask, 0.0).sum(dim=1) / lengths[:, None]
        return self.out(self.drop(torch.cat([max_pool, mean_pool], dim=1)))


def model_settings(model: BiLSTMClassifier) -> dict:
    """What it takes to build the same network again (saved beside its weights)."""
    first = model.lstm.layers[0][0]
    return dict(
        embed_dim=model.embedding.embedding_dim,
        hidden=first.hidden_size,
        layers=len(model.lstm.layers),
        bidirectional=model.lstm.bidirectional,
        pool=model.pool,
    )


def train_lstm(
    train_ids,
    train_y,
    val_ids,
    val_y,
    vocab_size: int,
    n_classes: int,
    settings: LSTMSettings | None = None,
    *,
    embeddings: torch.Tensor | None = None,
    teacher: torch.Tensor | None = None,
    log=print,
):
    """AdamW, gradient clipping at 1, early stopping on validation accuracy; returns best model.
    With `val_ids` None (a refit on every labelled document) all `settings.epochs` run and the
    last state is kept.
    `embeddings` (vocab_size × embed_dim) start the embedding layer, e.g. ppmi_embeddings();
    `teacher` (train docs × classes logits, e.g. crossfit_teacher()) with `settings.distill` > 0
    mixes distillation_loss into the cross-entropy."""
    s = settings or LSTMSettings()
    seed, device, epochs, batch_size = s.seed, s.device, s.epochs, s.batch_size
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = BiLSTMClassifier(vocab_size, n_classes, **s.network())
    if embeddings is not None:
        with torch.no_grad():
            model.embedding.weight.copy_(embeddings)
        model.embedding.weight.requires_grad_(not s.freeze_embeddings)
    model.to(device)
    trainable = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(trainable, lr=s.lr, weight_decay=1e-2)
    lengths = [len(s) for s in train_ids]
    total_steps = epochs * math.ceil(len(train_ids) / batch_size)
    # the learning rate decays to zero on a cosine over the planned epochs
    schedule = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda step: 0.5 * (1 + math.cos(math.pi * min(step, total_steps) / total_steps))
    )
    best, best_state, stale, history = -1.0, None, 0, []
    for epoch in range(1, epochs + 1):
        model.train()
        start, total, seen = time.perf_counter(), 0.0, 0
        for batch in progress(bucketed_batches(lengths, batch_size, gen), f"epoch {epoch}"):
            ids, lens = pad_batch([train_ids[i] for i in batch], device)
            ids = drop_words(ids, s.word_dropout, gen)
            y = torch.tensor([train_y[i] for i in batch], device=device)
            logits = model(ids, lens)
            loss = F.cross_entropy(logits, y)
            if teacher is not None and s.distill:
                soft = distillation_loss(logits, teacher[batch].to(device), s.distill_temp)
                loss = (1 - s.distill) * loss + s.distill * soft
            opt.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(trainable, 1.0)
            opt.step()
            schedule.step()
            total += loss.item() * len(batch)
            seen += len(batch)
        seconds = time.perf_counter() - start
        val_acc = None if val_ids is None else accuracy(predict_ids(model, val_ids, device), val_y)
        history.append(dict(epoch=epoch, loss=total / seen, val_acc=val_acc, seconds=seconds))
        log(
            f"epoch {epoch:2d}  loss {total / seen:.4f}  "
            + ("" if val_acc is None else f"val acc {val_acc:.4f}  ")
            + f"{seconds:.1f} s  {seen / seconds:.0f} docs/s"
        )
        if val_acc is None:
            continue
        if val_acc > best:
            best, stale = val_acc, 0
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        else:
            stale += 1
            if stale >= s.patience:
                log(f"early stop: no better validation accuracy for {s.patience} epochs")
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    return model, history


def progress(batches: list, desc: str):
    """A tqdm bar over the batches on a terminal; the plain list in logs and tests."""
    if not sys.stderr.isatty():
        return batches
    from tqdm import tqdm

    return tqdm(batches, desc=desc, unit="batch", leave=False)


@torch.inference_mode()
def predict_proba(model, seqs, device="cpu", chunk=128) -> torch.Tensor:
    """Class probabilities (documents × classes), in the order of `seqs`."""
    model.eval()
    probs = torch.zeros(len(seqs), model.out.out_features)
    for batch in bucketed_batches([len(s) for s in seqs], chunk, None):
        ids, lens = pad_batch([seqs[i] for i in batch], device)
        probs[batch] = F.softmax(model(ids, lens), dim=1).cpu()
    return probs


def predict_ids(model, seqs, device="cpu", chunk=128) -> list[int]:
    return predict_proba(model, seqs, device, chunk).argmax(dim=1).tolist()
