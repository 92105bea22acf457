"""第13章 LSTM 原理 · 第14章 PyTorch 中的 LSTM · 第15章 Embedding 层.

In the books' order, each section's code followed by the printer that shows its numbers: §13.1
long-term dependencies (measured, then trained), §13.4 the LSTM from its equations against
torch.nn.LSTM with the same weights, §13.5 the variants (GRU against torch.nn.GRU), §14
nn.LSTM's arguments and shapes from real calls, §15 the bag of words and nn.Embedding on the
book's Chinese sentence.

    python ch14_lstm/lstm.py               # everything, < 1 minute on 2 cores
    python ch14_lstm/lstm.py --section 13  # one chapter: 13, 14 or 15
"""

import argparse
import logging
import warnings
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

try:  # imported as a package module (the tests), else run from this folder
    from . import support
except ImportError:
    import support

DEFAULT_OUT = support.REPO / "outputs" / "ch14"

# Hidden sizes of 1–32 and batches of 64: a thread hand-off costs more than the work it shares.
# On a 2-core machine with another program busy, 2 threads took minutes, 1 thread 25 s
# (MEASUREMENTS.md); one thread also takes the thread count out of the trained numbers.
DEFAULT_THREADS = 1


# ================================================================ §13.1 long-term dependencies
#
# Why a plain RNN forgets: the influence of the first input on the last hidden state,
# ‖∂h_T/∂x_1‖ / ‖∂h_T/∂x_T‖, shrinks geometrically with T. The LSTM's cell path
# C_t = f_t * C_{t-1} + … multiplies by f_t instead; once f_t is near 1 (learned, or started there
# with a forget-gate bias of 1 as Gers et al. and Jozefowicz et al. recommend) the signal survives.


def first_input_influence(
    kind: str, length: int, forget_bias: float | None = None, hidden: int = 32, seeds: int = 5
) -> float:
    """Mean over random networks and inputs of ‖∂h_T/∂x_1‖ / ‖∂h_T/∂x_T‖."""
    ratios = []
    for seed in range(seeds):
        torch.manual_seed(seed)
        rnn = {"RNN": nn.RNN, "LSTM": nn.LSTM}[kind](4, hidden)
        if forget_bias is not None:  # gate order i, f, g, o: the second quarter is f
            with torch.no_grad():
                rnn.bias_ih_l0[hidden : 2 * hidden].fill_(forget_bias)
                rnn.bias_hh_l0[hidden : 2 * hidden].zero_()
        x = torch.randn(length, 16, 4, requires_grad=True)
        out, _ = rnn(x)
        (grad,) = torch.autograd.grad(out[-1].sum(), x)
        ratios.append(grad[0].norm().item() / grad[-1].norm().item())
    return sum(ratios) / len(ratios)


LONG_TERM_MODELS = {
    "RNN (tanh)": ("RNN", None),
    "LSTM, PyTorch's init": ("LSTM", None),
    "LSTM, forget bias 1": ("LSTM", 1.0),
}


def long_term_dependency(lengths=(5, 10, 20, 40, 80)) -> dict[tuple[str, int], float]:
    return {
        (name, t): first_input_influence(kind, t, bias)
        for name, (kind, bias) in LONG_TERM_MODELS.items()
        for t in lengths
    }


# The same point, trained: Hochreiter & Schmidhuber's adding problem. Each step carries a random
# number and a marker; the answer is the sum of the two marked numbers, one in each half of the
# sequence. Always answering the mean scores an MSE of 1/6 ≈ 0.167.


def adding_batch(n: int, length: int, gen: torch.Generator):
    values = torch.rand(n, length, generator=gen)
    marks = torch.zeros(n, length)
    first = torch.randint(0, length // 2, (n,), generator=gen)
    second = torch.randint(length // 2, length, (n,), generator=gen)
    marks[torch.arange(n), first] = 1
    marks[torch.arange(n), second] = 1
    return torch.stack([values, marks], dim=2), (values * marks).sum(dim=1)


class Adder(nn.Module):
    def __init__(self, kind: str, hidden: int = 32):
        super().__init__()
        self.rnn = {"RNN": nn.RNN, "LSTM": nn.LSTM}[kind](2, hidden, batch_first=True)
        self.head = nn.Linear(hidden, 1)
        if kind == "LSTM":  # forget-gate bias 1 (see above)
            with torch.no_grad():
                self.rnn.bias_ih_l0[hidden : 2 * hidden].fill_(1.0)

    def forward(self, x):
        return self.head(self.rnn(x)[0][:, -1]).squeeze(1)


ADDING_STEPS = 600

ADDING_LENGTHS = (5, 10, 25, 50)


def adding_problem_mse(kind: str, length: int, steps: int = ADDING_STEPS, seed: int = 0) -> float:
    """Test MSE after `steps` Adam steps (batch 64); ≈ 0.167 means nothing was learned."""
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = Adder(kind)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(steps):
        x, y = adding_batch(64, length, gen)
        loss = F.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
    x, y = adding_batch(1000, length, gen)
    with torch.inference_mode():
        return F.mse_loss(model(x), y).item()


def plot_long_term(results: dict, trained: dict, path: Path) -> Path:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 3.8))

    ax1, ax2 = fig.subplots(1, 2)
    for name in LONG_TERM_MODELS:
        lengths = sorted(t for k, t in results if k == name)
        ax1.semilogy(lengths, [results[(name, t)] for t in lengths], "o-", label=name)
    ax1.set_xlabel("T (sequence length)")
    ax1.set_ylabel("‖∂h_T/∂x_1‖ / ‖∂h_T/∂x_T‖")
    ax1.set_title("§13.1 how much the first input still matters")
    ax1.legend()
    for kind in ("RNN", "LSTM"):
        lengths = sorted(t for k, t in trained if k == kind)
        ax2.plot(lengths, [trained[(kind, t)] for t in lengths], "o-", label=kind)
    ax2.axhline(1 / 6, color="grey", ls=":", label="always the mean (1/6)")
    ax2.set_xlabel("T (sequence length)")
    ax2.set_ylabel(f"test MSE after {ADDING_STEPS} steps")
    ax2.set_title("§13.1 adding problem, trained")
    ax2.legend()
    fig.tight_layout()
    out = support.save_png(fig, path)
    return out


def print_section_13_1(out_dir: Path) -> None:
    print(
        "== §13.1 长期依赖 long-term dependencies: |dh_T/dx_1| / |dh_T/dx_T| at initialisation =="
    )
    results = long_term_dependency()
    for t in sorted({t for _, t in results}):
        print(
            f"  T={t:<3} "
            + "   ".join(f"{name} {results[(name, t)]:.1e}" for name in LONG_TERM_MODELS)
        )
    print(
        "== §13.1 训练: 加法问题 trained: the adding problem "
        f"(test MSE after {ADDING_STEPS} steps; 0.167 = nothing learned) =="
    )
    trained = {}
    for t in ADDING_LENGTHS:  # the slowest part (≈ 15 s on 2 cores): a line per length
        for kind in ("RNN", "LSTM"):
            trained[(kind, t)] = adding_problem_mse(kind, t)
        print(
            f"  T={t:<3}  RNN {trained[('RNN', t)]:.4f}   LSTM {trained[('LSTM', t)]:.4f}",
            flush=True,
        )
    print(f"  图 figure: {plot_long_term(results, trained, out_dir / 'long_term_dependency.png')}")


# ================================================================ §13.4 the LSTM, step by step
#
# The book writes each gate as W·[h_{t-1}, x_t] + b. PyTorch stores the same matrix split in
# two, W_ih (acting on x) and W_hh (acting on h), with two biases, and packs the four gates in
# the order i, f, g (= C̃), o along dim 0: weight_ih_l0 is (4·hidden, input).


def split_gates(layer: nn.LSTM | nn.GRU, index: int = 0, n_gates: int = 4) -> list[dict]:
    """One dict per gate, in PyTorch's order, with W_x, W_h, b (b_ih + b_hh) of layer `index`."""
    w_ih = getattr(layer, f"weight_ih_l{index}").detach()
    w_hh = getattr(layer, f"weight_hh_l{index}").detach()
    b_ih = getattr(layer, f"bias_ih_l{index}").detach()
    b_hh = getattr(layer, f"bias_hh_l{index}").detach()
    return [
        dict(W_x=wx, W_h=wh, b_x=bx, b_h=bh)
        for wx, wh, bx, bh in zip(
            w_ih.chunk(n_gates),
            w_hh.chunk(n_gates),
            b_ih.chunk(n_gates),
            b_hh.chunk(n_gates),
            strict=True,
        )
    ]


def affine(gate: dict, h: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """W·[h, x] + b, written as W_h·h + W_x·x + b."""
    return h @ gate["W_h"].T + x @ gate["W_x"].T + gate["b_h"] + gate["b_x"]


def lstm_cell(x, h, c, gates, candidate=torch.tanh):
    """One step of §13.4. `candidate` is tanh (right) or sigmoid (the book's printed C̃)."""
    g_i, g_f, g_c, g_o = gates  # PyTorch's order: i, f, g, o
    f = torch.sigmoid(affine(g_f, h, x))  # f_t = σ(W_f·[h_{t-1}, x_t] + b_f)
    i = torch.sigmoid(affine(g_i, h, x))  # i_t = σ(W_i·[h_{t-1}, x_t] + b_i)
    c_tilde = candidate(affine(g_c, h, x))  # C̃_t = tanh(W_C·[h_{t-1}, x_t] + b_C)
    c = f * c + i * c_tilde  # C_t = f_t * C_{t-1} + i_t * C̃_t
    o = torch.sigmoid(affine(g_o, h, x))  # o_t = σ(W_o·[h_{t-1}, x_t] + b_o)
    h = o * torch.tanh(c)  # h_t = o_t * tanh(C_t)
    return h, c


def run_recurrent(cell, layers_gates, x, h0, c0=None, batch_first=False):
    """Unroll `cell` over time and layers; returns (output, h_n[, c_n]) shaped like nn.LSTM/GRU."""
    if batch_first:
        x = x.transpose(0, 1)  # work in (seq, batch, feature), as nn.LSTM does inside
    h_n, c_n = [], []
    for layer, gates in enumerate(layers_gates):
        h = h0[layer]
        c = c0[layer] if c0 is not None else None
        outputs = []
        for x_t in x:
            if c is None:
                h = cell(x_t, h, gates)
            else:
                h, c = cell(x_t, h, c, gates)
            outputs.append(h)
        x = torch.stack(outputs)  # the next layer's input is this layer's output sequence
        h_n.append(h)
        c_n.append(c)
    output = x.transpose(0, 1) if batch_first else x
    if c0 is None:
        return output, torch.stack(h_n)
    return output, torch.stack(h_n), torch.stack(c_n)


def compare_lstm(num_layers=1, batch_first=False, candidate=torch.tanh, seed=0) -> float:
    """Max |ours - nn.LSTM| over output, h_n and c_n, on a random sequence (seq 7, batch 3)."""
    torch.manual_seed(seed)
    lstm = nn.LSTM(6, 5, num_layers=num_layers, batch_first=batch_first)
    x = torch.randn(3, 7, 6) if batch_first else torch.randn(7, 3, 6)
    h0, c0 = torch.randn(num_layers, 3, 5), torch.randn(num_layers, 3, 5)
    with torch.no_grad():
        ref_out, (ref_h, ref_c) = lstm(x, (h0, c0))
    gates = [split_gates(lstm, k) for k in range(num_layers)]
    cell = lambda x_t, h, c, g: lstm_cell(x_t, h, c, g, candidate)  # noqa: E731
    out, h_n, c_n = run_recurrent(cell, gates, x, h0, c0, batch_first)
    return max(
        (out - ref_out).abs().max().item(),
        (h_n - ref_h).abs().max().item(),
        (c_n - ref_c).abs().max().item(),
    )


def print_section_13_4() -> None:
    print("== §13.4 按公式实现的 LSTM vs. nn.LSTM: LSTM from the equations (max |difference|) ==")
    for label, kwargs in (
        ("1 layer", {}),
        ("2 layers", dict(num_layers=2)),
        ("batch_first", dict(batch_first=True)),
    ):
        d = compare_lstm(**kwargs)
        print(f"  {label:<12} {d:.2e}  {'√' if d <= 1e-5 else '×'}", flush=True)
    d = compare_lstm(candidate=torch.sigmoid)
    print(
        f"§13.4 书中候选值用 σ (the book's candidate C~ with sigma): {d:.3f}  "
        "× — 应为 tanh, the candidate needs tanh"
    )


# ================================================================ §13.5 variants


def peephole_cell(x, h, c, gates, peep):
    """Gers & Schmidhuber (2000): the gates also see the cell state (f, i: C_{t-1}; o: C_t).

    `peep` = (P_f, P_i, P_o), matrices acting on C (the book's W·[C, h, x] split into parts)."""
    g_i, g_f, g_c, g_o = gates
    p_f, p_i, p_o = peep
    f = torch.sigmoid(affine(g_f, h, x) + c @ p_f.T)  # f_t = σ(W_f·[C_{t-1}, h_{t-1}, x_t] + b_f)
    i = torch.sigmoid(affine(g_i, h, x) + c @ p_i.T)  # i_t = σ(W_i·[C_{t-1}, h_{t-1}, x_t] + b_i)
    c = f * c + i * torch.tanh(affine(g_c, h, x))
    o = torch.sigmoid(affine(g_o, h, x) + c @ p_o.T)  # o_t = σ(W_o·[C_t, h_{t-1}, x_t] + b_o)
    return o * torch.tanh(c), c


def coupled_cell(x, h, c, gates):
    """Coupled forget and input gates: C_t = f_t * C_{t-1} + (1 - f_t) * C̃_t (no input gate)."""
    _, g_f, g_c, g_o = gates
    f = torch.sigmoid(affine(g_f, h, x))
    c = f * c + (1 - f) * torch.tanh(affine(g_c, h, x))
    o = torch.sigmoid(affine(g_o, h, x))
    return o * torch.tanh(c), c


def gru_cell(x, h, gates):
    """nn.GRU's equations (gate order r, z, n). Note where r enters: r ⊙ (W_hn·h + b_hn)."""
    g_r, g_z, g_n = gates
    r = torch.sigmoid(affine(g_r, h, x))  # r_t = σ(W_r·[h_{t-1}, x_t])
    z = torch.sigmoid(affine(g_z, h, x))  # z_t = σ(W_z·[h_{t-1}, x_t])
    n = torch.tanh(x @ g_n["W_x"].T + g_n["b_x"] + r * (h @ g_n["W_h"].T + g_n["b_h"]))
    return (1 - z) * n + z * h  # PyTorch: z keeps the old state; the book's z takes the new one


def gru_cell_book(x, h, gates):
    """The book's (Cho et al. 2014) form: h̃ = tanh(W·[r * h_{t-1}, x_t]), h = (1-z)·h + z·h̃."""
    g_r, g_z, g_n = gates
    r = torch.sigmoid(affine(g_r, h, x))
    z = torch.sigmoid(affine(g_z, h, x))
    h_tilde = torch.tanh(affine(g_n, r * h, x))  # r scales h *before* the matrix
    return (1 - z) * h + z * h_tilde


def compare_gru(cell=gru_cell, num_layers=1, seed=0) -> float:
    torch.manual_seed(seed)
    gru = nn.GRU(6, 5, num_layers=num_layers)
    x, h0 = torch.randn(7, 3, 6), torch.randn(num_layers, 3, 5)
    with torch.no_grad():
        ref_out, ref_h = gru(x, h0)
    gates = [split_gates(gru, k, n_gates=3) for k in range(num_layers)]
    out, h_n = run_recurrent(cell, gates, x, h0)
    return max((out - ref_out).abs().max().item(), (h_n - ref_h).abs().max().item())


def print_section_13_5() -> None:
    print("== §13.5 变体 variants ==")
    print(f"  GRU 按 PyTorch 的公式 from PyTorch's equations vs nn.GRU:  {compare_gru():.2e}")
    print(
        f"  GRU 书中的形式 in the book's form (r before W) vs nn.GRU: "
        f"{compare_gru(gru_cell_book):.3f}"
        "  (另一个模型 a different model; PyTorch applies r after W_hn and swaps z's role)"
    )
    print(
        "  peephole 与 coupled 单元: PyTorch 无内置 no built-in; see the tests for their properties"
    )


# ================================================================ §14 nn.LSTM, argument by argument, shape by shape

# §14's list of nn.LSTM's arguments and the defaults it gives them
# (num_layers, whose default the book gives as 2, is printed on its own line below: erratum)
BOOK_14_DEFAULTS = dict(bias=True, batch_first=False, dropout=0, bidirectional=False)


def lstm_defaults() -> dict:
    """The defaults as a real nn.LSTM(10, 20) holds them (nn.LSTM's signature is *args)."""
    rnn = nn.LSTM(10, 20)
    return {name: getattr(rnn, name) for name in BOOK_14_DEFAULTS}


def book_lstm_shapes(**kwargs) -> dict[str, tuple]:
    """The book's call nn.LSTM(10, 20, 2) on input (5, 3, 10), with optional extra arguments."""
    torch.manual_seed(0)
    rnn = nn.LSTM(10, 20, 2, **kwargs)
    directions = 2 if rnn.bidirectional else 1
    x = torch.randn(3, 5, 10) if rnn.batch_first else torch.randn(5, 3, 10)
    h_size = rnn.proj_size or rnn.hidden_size
    h0 = torch.randn(2 * directions, 3, h_size)
    c0 = torch.randn(2 * directions, 3, 20)
    with warnings.catch_warnings():  # "LSTM with projections is not supported with oneDNN"
        warnings.simplefilter("ignore", UserWarning)
        output, (h_n, c_n) = rnn(x, (h0, c0))
    return dict(
        input=tuple(x.shape), output=tuple(output.shape), h_n=tuple(h_n.shape), c_n=tuple(c_n.shape)
    )


def default_num_layers() -> int:
    return nn.LSTM(10, 20).num_layers  # read from a real object, not a constant


def packed_matches_individual(seed=0) -> float:
    """Max |h_n(packed batch) - h_n(each sequence alone)| for sequences of lengths 5, 3, 2."""
    torch.manual_seed(seed)
    lstm = nn.LSTM(4, 6, batch_first=True)
    lengths = [5, 3, 2]
    seqs = [torch.randn(n, 4) for n in lengths]
    padded = nn.utils.rnn.pad_sequence(seqs, batch_first=True)  # (3, 5, 4), zeros after the end
    packed = nn.utils.rnn.pack_padded_sequence(
        padded, torch.tensor(lengths), batch_first=True, enforce_sorted=False
    )
    with torch.no_grad():
        _, (h_packed, _) = lstm(packed)
        alone = torch.stack([lstm(s.unsqueeze(0))[1][0][0, 0] for s in seqs])
    return (h_packed[0] - alone).abs().max().item()


def padded_without_packing_differs(seed=0) -> float:
    """Without packing, the last step of a short sequence reads padding: h_n changes."""
    torch.manual_seed(seed)
    lstm = nn.LSTM(4, 6, batch_first=True)
    seqs = [torch.randn(n, 4) for n in (5, 2)]
    padded = nn.utils.rnn.pad_sequence(seqs, batch_first=True)
    with torch.no_grad():
        _, (h_padded, _) = lstm(padded)
        _, (h_alone, _) = lstm(seqs[1].unsqueeze(0))
    return (h_padded[0, 1] - h_alone[0, 0]).abs().max().item()


def print_section_14() -> None:
    print("== §14 nn.LSTM 的参数默认值 the defaults of nn.LSTM's arguments ==")
    for name, value in lstm_defaults().items():
        book = BOOK_14_DEFAULTS[name]
        print(
            f"  {name:<13} 书中 book {book!s:<6} 今天 today {value!s:<6} {'√' if value == book else '×'}"
        )
    print("== §14 nn.LSTM(10, 20, 2), 输入 input (5, 3, 10) ==")
    book = dict(output=(5, 3, 20), h_n=(2, 3, 20), c_n=(2, 3, 20))
    today = book_lstm_shapes()
    for k, v in book.items():
        print(f"  {k:<7} 书中 book {v}  今天 today {today[k]}  {'√' if v == today[k] else '×'}")
    for label, kwargs in (
        ("bidirectional=True", dict(bidirectional=True)),
        ("batch_first=True", dict(batch_first=True)),
        ("proj_size=5", dict(proj_size=5)),
    ):
        print(f"  {label:<19} {book_lstm_shapes(**kwargs)}")
    print(
        f"§14 num_layers 默认值 default  书中 book 2  今天 today {default_num_layers()}  (勘误 erratum)"
    )
    print(
        f"  打包的批次 packed batch vs. each sequence alone: max |Δh_n| = "
        f"{packed_matches_individual():.2e}"
    )
    print(
        f"  未打包的填充批次 padded batch without packing:  max |Δh_n| = "
        f"{padded_without_packing_differs():.3f}  (填充泄漏进 h_n, padding leaks into h_n)"
    )


# ================================================================ §15 bag of words and Embedding

BOOK_SENTENCE = "苏宁易购是国内著名的B2C电商之一"

BOOK_SEGMENTATION = ["苏宁易购", "是", "国内", "著名", "的", "B2C", "电商", "之一"]


def segment(sentence: str, extra_words=()) -> list[str]:
    """jieba with its default dictionary, plus `extra_words` (a private Tokenizer: no global state)."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    for word in extra_words:
        tokenizer.add_word(word)
    return tokenizer.lcut(sentence)


def word_index(words: list[str]) -> dict[str, int]:
    """Index in order of first appearance (the book gives 苏宁易购 index 0)."""
    index: dict[str, int] = {}
    for w in words:
        index.setdefault(w, len(index))
    return index


# §15's own example: "let 苏宁易购 have index 0, 电商 index 1, and so on"
BOOK_15_FIRST = ["苏宁易购", "电商"]


def book_word_index(words: list[str], first=BOOK_15_FIRST) -> dict[str, int]:
    """The book's index: its two named words first (苏宁易购 = 0, 电商 = 1), then the rest in
    order of appearance."""
    return word_index([*first, *(w for w in words if w not in first)])


def bag_of_words(words: list[str], index: dict[str, int]) -> list[int]:
    counts = [0] * len(index)
    for w in words:
        counts[index[w]] += 1
    return counts


def embedding_facts(vocab_size=10, dim=4, padding_idx=0, seed=0) -> dict:
    torch.manual_seed(seed)
    emb = nn.Embedding(vocab_size, dim, padding_idx=padding_idx)
    ids = torch.tensor([[1, 2, 0], [3, 0, 0]])  # two "sentences", padded with 0
    out = emb(ids)
    out.sum().backward()
    return dict(
        shape=tuple(out.shape),
        lookup_is_row=torch.equal(out[0, 1], emb.weight[2]),
        padding_row_zero=bool((emb.weight[padding_idx] == 0).all()),
        padding_grad_zero=bool((emb.weight.grad[padding_idx] == 0).all()),
        used_row_grad=emb.weight.grad[1].tolist(),
    )


# A toy corpus with two topics: words that share contexts should end up close.
TOY_TOPICS = {
    "fruit": ["苹果", "香蕉", "橘子", "葡萄"],
    "vehicle": ["汽车", "火车", "飞机", "轮船"],
}

TOY_CONTEXT = {"fruit": ["好吃", "甜", "新鲜", "水果"], "vehicle": ["快", "开", "交通", "旅行"]}


def toy_corpus(n=2000, seed=0) -> list[list[str]]:
    gen = torch.Generator().manual_seed(seed)
    sentences = []
    for k in range(n):
        topic = "fruit" if k % 2 else "vehicle"
        word = TOY_TOPICS[topic][torch.randint(4, (1,), generator=gen).item()]
        ctx = [TOY_CONTEXT[topic][j] for j in torch.randint(4, (2,), generator=gen).tolist()]
        sentences.append([ctx[0], word, ctx[1]])
    return sentences


def train_toy_embedding(dim=8, epochs=30, seed=0):
    """CBOW: predict the middle word from the mean embedding of its two neighbours."""
    torch.manual_seed(seed)
    corpus = toy_corpus(seed=seed)
    index = word_index([w for s in corpus for w in s])
    ids = torch.tensor([[index[w] for w in s] for s in corpus])
    emb = nn.Embedding(len(index), dim)
    out = nn.Linear(dim, len(index))
    opt = torch.optim.Adam([*emb.parameters(), *out.parameters()], lr=0.05)
    for _ in range(epochs):
        for batch in ids.split(200):
            context = emb(batch[:, [0, 2]]).mean(dim=1)
            loss = F.cross_entropy(out(context), batch[:, 1])
            # and the reverse: the middle word predicts a context word (makes neighbours symmetric)
            loss = loss + F.cross_entropy(out(emb(batch[:, 1])), batch[:, 0])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return emb.weight.detach(), index


def nearest(weights, index, word, k=3) -> list[str]:
    names = list(index)
    sims = F.cosine_similarity(weights[index[word]].unsqueeze(0), weights, dim=1)
    order = sims.argsort(descending=True).tolist()
    return [names[i] for i in order if names[i] != word][:k]


# English glosses, so the figure reads even where matplotlib has no Chinese font
GLOSS = {
    "苹果": "apple", "香蕉": "banana", "橘子": "orange", "葡萄": "grape",
    "汽车": "car", "火车": "train", "飞机": "plane", "轮船": "ship",
    "好吃": "tasty", "甜": "sweet", "新鲜": "fresh", "水果": "fruit",
    "快": "fast", "开": "drive", "交通": "traffic", "旅行": "travel",
}  # fmt: skip


def plot_embedding(weights, index, path: Path) -> Path:
    from matplotlib.figure import Figure

    font = support.chinese_font()

    centred = weights - weights.mean(dim=0)
    _, _, v = torch.pca_lowrank(centred, q=2, center=False)
    xy = centred @ v[:, :2]
    fig = Figure(figsize=(6.5, 5))
    ax = fig.subplots()
    topic_of = {w: t for t, ws in TOY_TOPICS.items() for w in ws}
    topic_of |= {w: t for t, ws in TOY_CONTEXT.items() for w in ws}
    colours = {"fruit": "tab:orange", "vehicle": "tab:blue"}
    for word, i in index.items():
        ax.scatter(*xy[i].tolist(), color=colours[topic_of[word]])
        label = f"{word} {GLOSS[word]}" if font else GLOSS[word]
        ax.annotate(label, xy[i].tolist(), fontsize=8, fontfamily=font or "sans-serif")
    ax.set_title("§15 learned embeddings (PCA)\norange: fruit words, blue: vehicle words")
    fig.tight_layout()
    out = support.save_png(fig, path)
    return out


def print_section_15(out_dir: Path) -> None:
    print("== §15 词袋 bag of words ==")
    default = segment(BOOK_SENTENCE)
    book = segment(BOOK_SENTENCE, extra_words=["苏宁易购"])
    print(f"  jieba 默认词典 default dictionary: {'/'.join(default)}")
    print(
        f"  jieba + add_word('苏宁易购'): {'/'.join(book)}   (书中的分词 the book's segmentation: "
        f"{'√' if book == BOOK_SEGMENTATION else '×'})"
    )
    index = book_word_index(book)
    print(
        f"  书中的索引 the book's index (苏宁易购 = 0, 电商 = 1, then in order): {index}  "
        f"(书中 book 苏宁易购 0, 电商 1; 今天 today {index['苏宁易购']}, {index['电商']})"
    )
    print(f"  词袋 bag of words: {bag_of_words(book, index)}")
    print("== §15 nn.Embedding 词嵌入 ==")
    for k, v in embedding_facts().items():
        print(f"  {k}: {v}")
    weights, toy_index = train_toy_embedding()
    for word in ("苹果", "汽车"):
        print(f"  最近的词 nearest to {word}: {nearest(weights, toy_index, word)}")
    print(f"  图 figure: {plot_embedding(weights, toy_index, out_dir / 'embedding_pca.png')}")


# ================================================================ the command line


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="第13–15章 LSTM 原理, nn.LSTM, Embedding")
    parser.add_argument("--section", choices=["13", "14", "15"], help="run one chapter only")
    parser.add_argument(
        "--out-dir", type=support.user_path, default=DEFAULT_OUT, help="where PNGs go"
    )
    parser.add_argument(
        "--threads",
        type=support.positive_int,
        default=DEFAULT_THREADS,
        help="CPU threads (default: %(default)s): these small models run fastest on one, "
        "see MEASUREMENTS.md",
    )
    return parser


def main(argv=None) -> None:
    args = build_parser().parse_args(support.command_line(argv))
    torch.set_num_threads(args.threads)
    torch.set_printoptions(precision=4)
    if args.section in (None, "13"):  # §13 in the book's order
        print_section_13_1(args.out_dir)
        print_section_13_4()
        print_section_13_5()
    if args.section in (None, "14"):
        print_section_14()
    if args.section in (None, "15"):
        print_section_15(args.out_dir)


if __name__ == "__main__":
    main()
