import pytest
import torch
import torch.nn as nn

from ch14_lstm import lstm


@pytest.mark.parametrize(
    "kwargs", [{}, dict(num_layers=2), dict(batch_first=True), dict(num_layers=2, batch_first=True)]
)
def test_lstm_from_equations_matches_nn_lstm(kwargs, book):
    """§13.4's gates f, i, C̃ (with tanh, see the erratum), C, o, h, written out: nn.LSTM's output."""
    gap = lstm.compare_lstm(**kwargs)
    book.same(
        "13.4",
        f"the gate equations vs nn.LSTM {kwargs or ''}: max gap".replace(" :", ":"),
        0,
        gap,
        tol=1e-5,
    )


def test_book_sigmoid_candidate_does_not_match(book):
    diff = lstm.compare_lstm(candidate=torch.sigmoid)
    book.changed(
        "13.4",
        "C̃ = σ(W_C·[h, x] + b_C) matches nn.LSTM",
        "as printed",
        "no" if diff > 1e-2 else "yes",
        expected="no",
        note=f"tanh is right; diff {diff:.2f}",
    )


def test_gru_from_equations_matches_nn_gru():
    assert lstm.compare_gru() <= 1e-5
    assert lstm.compare_gru(num_layers=2) <= 1e-5


def test_book_gru_form_is_a_different_model(book):
    diff = lstm.compare_gru(lstm.gru_cell_book)
    book.changed(
        "13.5",
        "GRU h̃ = tanh(W·[r*h, x]) equals nn.GRU",
        "(formula)",
        "no" if diff > 1e-2 else "yes",
        expected="no",
        status="API change",
        note="PyTorch: r*(W_hn·h + b_hn), z keeps h",
    )


def _cell_args(seed=0):
    torch.manual_seed(seed)
    layer = nn.LSTM(6, 5)
    gates = lstm.split_gates(layer)
    return torch.randn(3, 6), torch.randn(3, 5), torch.randn(3, 5), gates


def test_peephole_with_zero_peepholes_is_the_plain_lstm():
    x, h, c, gates = _cell_args()
    zero = (torch.zeros(5, 5),) * 3
    h1, c1 = lstm.peephole_cell(x, h, c, gates, zero)
    h2, c2 = lstm.lstm_cell(x, h, c, gates)
    assert torch.allclose(h1, h2) and torch.allclose(c1, c2)


def test_peephole_gates_see_the_cell_state(book):
    """§13.5's peephole LSTM, "我们让门层也会接受细胞状态的输入": with h and x fixed, changing
    C_{t-1} changes the gates, so ∂C_t/∂C_{t-1} is no longer the plain LSTM's f_t."""
    x, h, c, gates = _cell_args()
    peep = tuple(torch.randn(5, 5) for _ in range(3))
    c = c.requires_grad_(True)
    _, c_next = lstm.peephole_cell(x, h, c, gates, peep)
    # plain LSTM: ∂C_t/∂C_{t-1} = f_t exactly (diagonal); the peephole adds terms through f and i
    (jac_peep,) = torch.autograd.grad(c_next.sum(), c)
    _, c_plain = lstm.lstm_cell(x, h, c, gates)
    (jac_plain,) = torch.autograd.grad(c_plain.sum(), c)
    g_f = gates[1]
    f = torch.sigmoid(lstm.affine(g_f, h, x))
    assert torch.allclose(jac_plain, f)
    gap = (jac_peep - jac_plain).abs().max().item()
    book.same("13.5", "peephole: the gates read C_{t-1} (∂C_t/∂C_{t-1} ≠ f_t)", True, gap > 1e-3)


def test_coupled_cell_is_an_lstm_with_input_gate_one_minus_forget(book):
    """§13.5's coupled gates, C_t = f_t * C_{t-1} + (1 - f_t) * C̃_t: an LSTM whose input gate is
    1 - f_t (σ(-a) = 1 - σ(a))."""
    x, h, c, gates = _cell_args()
    g_i, g_f, g_c, g_o = gates
    tied = [{k: -v for k, v in g_f.items()}, g_f, g_c, g_o]  # σ(-a) = 1 - σ(a)
    h1, c1 = lstm.coupled_cell(x, h, c, gates)
    h2, c2 = lstm.lstm_cell(x, h, c, tied)
    gap = max((h1 - h2).abs().max().item(), (c1 - c2).abs().max().item())
    book.same("13.5", "coupled cell − LSTM with i = 1 − f: max gap", 0, gap, tol=1e-6)


def test_the_lstm_has_three_gates_and_the_gru_is_simpler(book):
    """§13.3 "LSTM 拥有三个门" (with the candidate C̃, four blocks of weights in nn.LSTM); §13.5: the
    GRU merges forget and input gates into one update gate, "比标准的 LSTM 模型要简单"."""
    lstm_ = nn.LSTM(10, 20)
    gru = nn.GRU(10, 20)
    blocks = [lstm_.weight_ih_l0.shape[0] // 20, gru.weight_ih_l0.shape[0] // 20]
    book.same(
        "13.3", "weight blocks: nn.LSTM (3 gates + C̃), nn.GRU (2 gates + h̃)", [4, 3], blocks, tol=0
    )
    sizes = [sum(p.numel() for p in m.parameters()) for m in (lstm_, gru)]
    book.same(
        "13.5", "GRU simpler than LSTM: parameters, GRU ÷ LSTM", 0.75, sizes[1] / sizes[0], tol=0
    )


def test_long_term_dependency_the_cell_path_keeps_the_signal(book):
    """§13.1: "在这个间隔不断增大时，RNN 会丧失学习到连接如此远的信息的能力": x_1's influence on
    h_T falls with T for the RNN and the LSTM alike; the cell path (forget gates near 1) keeps it."""
    res = lstm.long_term_dependency(lengths=(5, 40))
    rnn, lstm_init, lstm_fb = (res[(name, 40)] for name in lstm.LONG_TERM_MODELS)
    rnn_5 = res[("RNN (tanh)", 5)]
    what = "RNN: ‖∂h_T/∂x_1‖ ÷ ‖∂h_T/∂x_T‖ at T = 40 below T = 5's; an LSTM's forget path keeps it"
    book.same("13.1", what, True, rnn < rnn_5 and lstm_fb > 1e4 * rnn)
    assert rnn < 1e-6  # the plain RNN's memory of x_1 is gone after 40 steps
    assert lstm_fb > 1e4 * rnn  # forget gates near 1: orders of magnitude more signal
    assert lstm_init > rnn
    assert all(res[(name, 5)] > res[(name, 40)] for name in lstm.LONG_TERM_MODELS)


def test_long_term_memory_is_not_the_lstms_default_at_initialisation(book):
    """§13.2 "记住长期的信息在实践中是 LSTM 的默认行为": with PyTorch's init the first input's
    influence after 40 steps decays as the RNN's does (1.1e-08 vs 1.4e-09); a forget-gate bias of
    1 keeps 7.4e-04 of it."""
    res = lstm.long_term_dependency(lengths=(40,))
    rnn, lstm_init, lstm_fb = (res[(name, 40)] for name in lstm.LONG_TERM_MODELS)
    book.changed(
        "13.2",
        "LSTM keeps x_1 by default: |dh_40/dx_1| / |dh_40/dx_40| at PyTorch's init",
        "kept",
        f"{lstm_init:.1e}",
        expected="1.1e-08",
        note=f"RNN {rnn:.1e}; with a forget-gate bias of 1: {lstm_fb:.1e}",
    )
    assert lstm_init < 100 * rnn and lstm_fb > 1e4 * lstm_init


def test_book_lstm_shapes(book):
    shapes = lstm.book_lstm_shapes()
    book.same("14", "nn.LSTM(10,20,2) output shape", (5, 3, 20), shapes["output"], tol=0)
    book.same("14", "h_n shape", (2, 3, 20), shapes["h_n"], tol=0)
    book.same("14", "c_n shape", (2, 3, 20), shapes["c_n"], tol=0)


def test_h_n_is_the_last_state_not_a_weight(book):
    """§14: "hn 的长度是 2", "hn[0] 是隐藏层的权重值". hn is (h_n, c_n); h_n is each layer's
    hidden state at the last step, so the top layer's equals output's last step; the weights
    are rnn.weight_hh_l0 and the rest, which the call leaves as they were."""
    torch.manual_seed(0)
    rnn = nn.LSTM(10, 20, 2)
    before = rnn.weight_hh_l0.detach().clone()
    output, hn = rnn(torch.randn(5, 3, 10), (torch.randn(2, 3, 20), torch.randn(2, 3, 20)))
    book.same("14", "len(hn)", 2, len(hn), tol=0)
    is_state = torch.equal(hn[0][-1], output[-1]) and torch.equal(before, rnn.weight_hh_l0)
    book.changed(
        "14",
        "hn[0]: h_n[-1] = output[-1]",
        "the hidden layer's weights",
        "the last hidden state" if is_state else "other",
        expected="the last hidden state",
        note="a state per layer; the weights are rnn.weight_hh_l0 …",
    )


def test_dropout_comes_between_layers_and_bidirectional_reads_backwards(book, warns_with):
    """§14: dropout "表示最后跟一个 dropout 层" — PyTorch drops between stacked layers only (one
    layer: a warning, and training-mode output equals the dropout-free one); bidirectional "是指同时
    可以往后影响参数" — it adds a second LSTM that reads the sequence backwards."""
    x = torch.randn(5, 3, 10, generator=torch.Generator().manual_seed(1))
    torch.manual_seed(0)
    one, warned = warns_with(
        lambda: nn.LSTM(10, 20, 1, dropout=0.5), "all but last recurrent layer"
    )
    plain = nn.LSTM(10, 20, 1)
    plain.load_state_dict(one.state_dict())
    one.train()
    same_output = torch.equal(one(x)[0], plain(x)[0])
    book.changed(
        "14",
        "nn.LSTM(10, 20, 1, dropout=0.5), training: output = no dropout",
        "a dropout layer after the last",
        same_output and warned,
        expected=True,
        note="PyTorch warns: dropout goes after all but the last layer",
    )
    torch.manual_seed(0)
    bi = nn.LSTM(10, 20, 1, bidirectional=True)
    backward = nn.LSTM(10, 20, 1)
    backward.load_state_dict(
        {k.replace("_reverse", ""): v for k, v in bi.state_dict().items() if "reverse" in k}
    )
    out_bi, _ = bi(x)
    out_back, _ = backward(x.flip(0))
    reads_backwards = torch.allclose(out_bi[:, :, 20:], out_back.flip(0), atol=1e-6)
    book.changed(
        "14",
        "bidirectional: output[..., 20:] = an LSTM over the reversed sequence",
        "同时可以往后影响参数",
        reads_backwards,
        expected=True,
        note="a second LSTM reading backwards, its outputs beside the first's",
    )


def test_pack_padded_sequence_packs_it_does_not_pad(book):
    """§14: "可以先用 torch.nn.utils.rnn.pack_padded_sequence() 方法进行填充" — pad_sequence pads;
    pack_padded_sequence packs a padded batch so that the LSTM skips the padding: its data has
    the real steps only."""
    from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence

    seqs = [torch.ones(5, 2), torch.ones(3, 2), torch.ones(2, 2)]
    padded = pad_sequence(seqs)  # (5, 3, 2): 15 steps, 5 of them padding
    packed = pack_padded_sequence(padded, [5, 3, 2])
    book.changed(
        "14",
        "pack_padded_sequence on 3 sequences of 5, 3, 2 steps (padded to 5): steps it holds",
        "pads them",
        packed.data.shape[0],
        expected=10,
        tol=0,
        note="it packs, dropping the padding; pad_sequence pads (15 steps)",
    )
    assert padded.shape[:2] == (5, 3)


def test_lstm_option_shapes():
    assert lstm.book_lstm_shapes(bidirectional=True) == dict(
        input=(5, 3, 10), output=(5, 3, 40), h_n=(4, 3, 20), c_n=(4, 3, 20)
    )
    # batch_first changes input/output only: h_n and c_n stay (layers, batch, hidden)
    assert lstm.book_lstm_shapes(batch_first=True) == dict(
        input=(3, 5, 10), output=(3, 5, 20), h_n=(2, 3, 20), c_n=(2, 3, 20)
    )
    assert lstm.book_lstm_shapes(proj_size=5) == dict(
        input=(5, 3, 10), output=(5, 3, 5), h_n=(2, 3, 5), c_n=(2, 3, 20)
    )


def test_num_layers_default_is_one(book):
    book.changed(
        "14",
        "nn.LSTM num_layers default",
        2,
        lstm.default_num_layers(),
        expected=1,
        tol=0,
        note="the docs' default; the book says 2",
    )


def test_the_books_other_defaults_hold(book):
    """§14's list: bias True, batch_first False, dropout 0 (none), bidirectional False."""
    today = lstm.lstm_defaults()
    for name, value in lstm.BOOK_14_DEFAULTS.items():
        book.same("14", f"nn.LSTM {name} default", value, today[name])
    assert set(today) == set(lstm.BOOK_14_DEFAULTS)


def test_packed_sequence_gives_each_sequences_own_last_state():
    assert lstm.packed_matches_individual() <= 1e-6
    assert lstm.padded_without_packing_differs() > 1e-3


def test_jieba_segmentation(book):
    default = lstm.segment(lstm.BOOK_SENTENCE)
    assert "苏宁" in default and "易购" in default and "苏宁易购" not in default
    with_word = lstm.segment(lstm.BOOK_SENTENCE, extra_words=["苏宁易购"])
    book.same(
        "15",
        "jieba + add_word: 苏宁易购/是/国内/…",
        "/".join(lstm.BOOK_SEGMENTATION),
        "/".join(with_word),
    )
    # the private tokenizer left jieba's global dictionary alone
    assert "苏宁易购" not in lstm.segment(lstm.BOOK_SENTENCE)


def test_word_index_and_bag_of_words(book):
    index = lstm.word_index(lstm.BOOK_SEGMENTATION)
    book.same("15", "index of 苏宁易购", 0, index["苏宁易购"], tol=0)
    assert lstm.bag_of_words(["的", "电商", "的"], index) == [0, 0, 0, 0, 2, 0, 1, 0]


def test_the_books_own_index_example(book):
    """§15: "例如，我们令“苏宁易购”的索引为0，“电商”的索引为 1，其他以此类推". Built the way a
    tokenizer builds it (first appearance), 苏宁易购 lands at 0 and 电商 at 6: the book's 1 is a
    choice it states, and any one-to-one index gives the same bag of words up to the order."""
    natural = lstm.word_index(lstm.BOOK_SEGMENTATION)
    book.changed(
        "15",
        "index of 电商 by first appearance (the book lets it be 1)",
        1,
        natural["电商"],
        expected=6,
        tol=0,
        status="same",
        note="an example index: the book chooses it",
    )
    chosen = lstm.book_word_index(lstm.BOOK_SEGMENTATION)
    assert (chosen["苏宁易购"], chosen["电商"]) == (0, 1)
    text = ["电商", "的", "电商", "B2C"]
    by_first, by_choice = lstm.bag_of_words(text, natural), lstm.bag_of_words(text, chosen)
    assert by_first != by_choice and sorted(by_first) == sorted(by_choice)
    assert by_first[natural["电商"]] == by_choice[chosen["电商"]] == 2


def test_each_section_prints_after_its_code_in_the_books_order():
    """d2l's order: a section's code, then its printer; §13.1 before §13.4 before §13.5."""
    import inspect

    source = inspect.getsource(lstm)
    banners = [source.index(f"======== §{s} ") for s in ("13.1", "13.4", "13.5", "14", "15")]
    assert banners == sorted(banners)
    for name, code in (
        ("print_section_13_1", "def adding_problem_mse"),
        ("print_section_13_4", "def compare_lstm"),
        ("print_section_13_5", "def compare_gru"),
        ("print_section_14", "def book_lstm_shapes"),
        ("print_section_15", "def train_toy_embedding"),
    ):
        printer = source.index(f"def {name}")
        assert source.index(code) < printer, name
        later = [b for b in banners if b > source.index(code)]
        assert not later or printer < later[0], f"{name} is not in its section"


def test_embedding_lookup_and_padding():
    facts = lstm.embedding_facts()
    assert facts["shape"] == (2, 3, 4)
    assert facts["lookup_is_row"] and facts["padding_row_zero"] and facts["padding_grad_zero"]
    assert facts["used_row_grad"] == [1.0] * 4  # row 1 used once, gradient of sum = 1


def test_toy_embedding_groups_topics(book):
    """§15: "将意思相近的词的向量值安排的靠近一些" — trained on texts of two topics, each word's 3
    nearest vectors are words of its own topic."""
    weights, index = lstm.train_toy_embedding()
    for word, topic in (("苹果", "fruit"), ("汽车", "vehicle")):
        near = lstm.nearest(weights, index, word, k=3)
        same_topic = set(lstm.TOY_TOPICS[topic]) | set(lstm.TOY_CONTEXT[topic])
        book.same(
            "15", f"the 3 vectors nearest {word}: of its topic", True, set(near) <= same_topic
        )


def test_main_writes_pngs(tmp_path, capsys):
    lstm.main(["--section", "15", "--out-dir", str(tmp_path)])
    assert (tmp_path / "embedding_pca.png").stat().st_size > 5000
    assert "√" in capsys.readouterr().out


def test_adding_problem_rnn_fails_as_t_grows_lstm_succeeds(book):
    """§13.1 trained: at T=10 both learn; at T=25 the RNN is stuck at chance, the LSTM is not."""
    chance = 1 / 6
    assert lstm.adding_problem_mse("RNN", 10) < 0.05
    rnn_25 = lstm.adding_problem_mse("RNN", 25)
    lstm_25 = lstm.adding_problem_mse("LSTM", 25)
    assert rnn_25 > 0.8 * chance
    book.changed(
        "13.1",
        "adding problem T=25: LSTM learns, RNN does not",
        "(prose)",
        "yes" if lstm_25 < 0.01 and rnn_25 > 0.8 * chance else "no",
        expected="yes",
        status="same",
        note=f"MSE RNN {rnn_25:.3f}, LSTM {lstm_25:.4f}",
    )
