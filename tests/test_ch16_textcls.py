import ast
import dataclasses
import importlib
import inspect
import json
import os
import shutil
import sys
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

# the chapter's modules import each other by name, as a reader's copied folder does: the tests
# import them the same way, so that each is loaded once
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ch16_textcls"))
tc, support, bilstm, bow, distill, ensemble, fast_recipe, metrics, vocabulary, wordvec = (
    importlib.import_module(name)
    for name in (
        "textcls",
        "support",
        "bilstm",
        "bow",
        "distill",
        "ensemble",
        "fast_recipe",
        "metrics",
        "vocab",
        "wordvec",
    )
)

SAMPLES = support.REPO / "data" / "samples"
NEWS20 = SAMPLES / "20newsgroups" / "news20" / "20_newsgroup"


@pytest.fixture(scope="module")
def samples_only(tmp_path_factory):
    """A data folder holding only the committed samples, as a reader without the full data has."""
    data_dir = tmp_path_factory.mktemp("data")
    shutil.copytree(SAMPLES, data_dir / "samples")
    return str(data_dir)


@pytest.fixture(scope="module")
def news20():
    return tc.load_folder(NEWS20)


def test_tokenizer_matches_keras2_on_real_messages(news20):
    keras_text = pytest.importorskip(
        "keras_preprocessing.text",
        reason="pip install keras-preprocessing==1.1.2 (Keras 2's Tokenizer, test-only reference)",
    )
    texts = news20[0][:150]
    ours = tc.Tokenizer(num_words=2000).fit_on_texts(texts)
    ref = keras_text.Tokenizer(num_words=2000)
    ref.fit_on_texts(texts)
    assert ours.word_index == ref.word_index
    assert ours.texts_to_sequences(texts[:40]) == ref.texts_to_sequences(texts[:40])


def test_tokenizer_rules():
    tok = tc.Tokenizer(num_words=3).fit_on_texts(["b a, a! c", "A b"])
    assert tok.word_index == {"a": 1, "b": 2, "c": 3}  # frequency, then first appearance
    assert tok.texts_to_sequences(["a b c d"]) == [[1, 2]]  # num_words=3 keeps indices 1, 2


def test_header_stripping():
    msg = (
        "From: x@y\nNewsgroups: sci.space,sci.astro\nSubject: Re: orbits\n"
        "Path: a!b\n\nBody line one.\n> quoted line\nJohn writes:\n\n--\nsig\n"
    )
    stripped = tc.strip_headers(msg)
    assert stripped.startswith("Re: orbits\n") and "Newsgroups" not in stripped
    assert "sci.space" not in stripped and "Path:" not in stripped
    harder = fast_recipe.strip_quotes_and_signature(tc.strip_headers(msg, keep_subject=False))
    assert "Body line one." in harder
    assert "quoted" not in harder and "writes" not in harder and "sig" not in harder


def test_the_books_data_lines_today(book, news20, monkeypatch):
    """§16.2: `target_size = len(labels_index)` "是整个数据的数量 19997" — it is the number of
    groups, 20; Keras 3 has no keras.preprocessing.text; fit_on_texts(texts) runs before the
    split, so words that occur only in the test part get an index (open(fpath) on the Latin-1
    messages: the full-data test)."""
    texts, labels, names = news20
    # "经典的 LSTM 情绪训练数据集": its 20 labels are newsgroups, topics, not sentiments
    book.changed(
        "16.2",
        "the labels of the 'LSTM 情绪训练数据集' (first 3 of 20)",
        "sentiments",
        names[:3],
        expected=["alt.atheism", "comp.graphics", "comp.os.ms-windows.misc"],
        note="20 newsgroups: a topic corpus",
    )
    book.changed(
        "16.2",
        "target_size = len(labels_index)",
        19997,
        len(names),
        expected=20,
        tol=0,
        note="the number of groups, not of texts",
    )
    x_train, _ = tc.book_split(texts)
    train_words = set(tc.Tokenizer().fit_on_texts(x_train).word_index)
    all_words = tc.Tokenizer().fit_on_texts(texts).word_index
    only_test = [w for w in all_words if w not in train_words]
    book.changed(
        "16.2",
        "fit_on_texts(texts) before the split: words indexed that only the test part has (sample)",
        0,
        [len(only_test), len(all_words)],
        expected=[1509, 9113],
        tol=0,
        note="the vocabulary saw the test texts: fit on the training part",
    )
    if "KERAS_BACKEND" not in os.environ:  # Keras 3 picks its backend at import
        monkeypatch.setenv("KERAS_BACKEND", "torch")
    pytest.importorskip("keras")
    try:
        importlib.import_module("keras.preprocessing.text")
        outcome = "imports"
    except ModuleNotFoundError:
        outcome = "ModuleNotFoundError"
    book.changed(
        "16.2",
        "from keras.preprocessing.text import Tokenizer (Keras 3)",
        "imports",
        outcome,
        expected="ModuleNotFoundError",
        status="API change",
        note="textcls.Tokenizer is Keras 2's, tested against keras-preprocessing",
    )


def test_header_rule_reads_the_label(news20):
    texts, labels, names = news20
    assert tc.header_rule("Newsgroups: misc.forsale\n\nhi", names) == names.index("misc.forsale")
    assert tc.header_rule("Subject: none\n\nhi", names) == -1
    rule = [tc.header_rule(t, names) for t in texts]
    assert metrics.accuracy(rule, labels) > 0.9  # the leak: no model needed
    stripped = [tc.header_rule(tc.strip_headers(t), names) for t in texts]
    assert all(p == -1 for p in stripped)  # nothing left to read after stripping


def test_book_split_starves_the_last_groups(book, news20):
    texts, labels, names = news20
    facts = tc.examine_book(texts, labels, names)
    assert facts["unseen_share"] == 1.0  # sample: the whole test set is unseen classes
    assert set(facts["unseen"]) == set(names[-4:])


def test_jieba_book_lines(book):
    full = " ".join(tc.jieba_words("我来到北京清华大学", cut_all=True))
    default = " ".join(tc.jieba_words("我来到北京清华大学"))
    try:  # §16.3's listing prints with Python 2's statement
        compile("print \"Full Mode:\", ' '.join(seg_list)\n", "<§16.3>", "exec")
        outcome = "runs"
    except SyntaxError:
        outcome = "SyntaxError"
    book.changed(
        "16.3",
        'print "Full Mode:", ...',
        "prints",
        outcome,
        expected="SyntaxError",
        status="API change",
        note="Python 2's print statement: print(...)",
    )
    book.same("16.3", "jieba full mode", "我 来到 北京 清华 清华大学 华大 大学", full)
    book.same("16.3", "jieba default mode", "我 来到 北京 清华大学", default)


def test_vocab_and_encoding():
    vocab = vocabulary.build_vocab([["a", "b", "a"], ["a", "c"]], min_count=1)
    assert vocab["a"] == 2  # 0 padding, 1 unknown
    assert vocabulary.encode(["a", "zzz", "b", "c"], vocab, max_len=3, keep_tail=0) == [
        2,
        1,
        vocab["b"],
    ]
    assert vocabulary.encode([], vocab, 5) == [vocabulary.UNK]


def test_bucketed_batches_cover_everything_once():
    lengths = [5, 1, 9, 3, 7, 2, 8]
    batches = bilstm.bucketed_batches(lengths, 3, torch.Generator().manual_seed(0))
    assert sorted(i for b in batches for i in b) == list(range(7))
    for b in batches:  # similar lengths together
        assert max(lengths[i] for i in b) - min(lengths[i] for i in b) <= 4


def test_packed_model_ignores_padding():
    torch.manual_seed(0)
    model = bilstm.BiLSTMClassifier(50, 3, embed_dim=8, hidden=6).eval()
    short = [5, 6, 7]
    ids, lens = bilstm.pad_batch([short, [1, 2, 3, 4, 8, 9]], "cpu")
    with torch.no_grad():
        batched = model(ids, lens)[0]
        alone = model(*bilstm.pad_batch([short], "cpu"))[0]
    assert torch.allclose(batched, alone, atol=1e-6)


def test_padded_bilstm_matches_packed_nn_lstm():
    """BiLSTM on a right-padded batch = nn.LSTM(bidirectional) on the packed batch, same seed."""
    torch.manual_seed(0)
    reference = torch.nn.LSTM(8, 6, 2, batch_first=True, bidirectional=True)
    torch.manual_seed(0)
    ours = bilstm.BiLSTM(8, 6, layers=2)
    x, lengths = torch.randn(3, 7, 8), torch.tensor([7, 3, 5])
    packed = torch.nn.utils.rnn.pack_padded_sequence(
        x, lengths, batch_first=True, enforce_sorted=False
    )
    out, (h_n, _) = reference(packed)
    out, _ = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=True)
    real = (torch.arange(7)[None, :] < lengths[:, None]).unsqueeze(2)
    for use_packing in (False, True):
        mine, last = ours(x, lengths, packed=use_packing)
        assert torch.allclose(mine * real, out, atol=1e-6)
        assert torch.allclose(last, torch.cat([h_n[-2], h_n[-1]], dim=1), atol=1e-6)


def test_reverse_padded_reverses_each_row_within_its_length():
    x = torch.arange(8.0).reshape(2, 4, 1)
    flipped = bilstm.reverse_padded(x, torch.tensor([4, 2]))
    assert flipped[:, :, 0].tolist() == [[3, 2, 1, 0], [5, 4, 6, 7]]
    assert torch.equal(bilstm.reverse_padded(flipped, torch.tensor([4, 2])), x)


def test_training_lowers_the_loss_and_save_predict_round_trip(tmp_path):
    texts = [
        "rocket orbit launch moon",
        "orbit shuttle nasa moon",
        "goal hockey puck ice",
        "puck ice team goal",
    ] * 10
    labels = [0, 0, 1, 1] * 10
    tokens = [t.split() for t in texts]
    vocab = vocabulary.build_vocab(tokens, min_count=1)
    ids = [vocabulary.encode(t, vocab, 10) for t in tokens]
    settings = bilstm.LSTMSettings(epochs=6, batch_size=8, lr=1e-2, patience=10)
    model, history = bilstm.train_lstm(
        ids, labels, ids, labels, len(vocab) + 2, 2, settings, log=lambda *_: None
    )
    assert history[-1]["loss"] < history[0]["loss"]
    assert metrics.accuracy(bilstm.predict_ids(model, ids), labels) == 1.0
    fast_recipe.save_bundle(
        tmp_path, model, vocab, ["space", "hockey"], dict(max_len=10, chinese=False)
    )
    top = fast_recipe.predict_text(tmp_path, "the shuttle reached orbit")
    assert top[0][0] == "space" and abs(sum(p for _, p in top) - 1) < 1e-5


def test_predict_without_a_model_is_one_line(tmp_path, capsys):
    code = fast_recipe.main(["--out-dir", str(tmp_path), "--predict", "hello"])
    err = capsys.readouterr().err
    assert code == 1 and "train first" in err and len(err.strip().splitlines()) == 1


def test_tfidf_baseline_separates_two_topics():
    tokens = [["rocket", "orbit"], ["orbit", "moon"], ["puck", "ice"], ["ice", "goal"]] * 5
    labels = [0, 0, 1, 1] * 5
    vocab = {w: i for i, w in enumerate(vocabulary.build_vocab(tokens, min_count=1))}
    x, idf = bow.tfidf_matrix(tokens, vocab)
    w, b = bow.train_logistic_regression(x, labels, 2, steps=50)
    assert bow.baseline_predict(x, w, b) == labels
    dense = x.to_dense()
    assert torch.allclose(dense.norm(dim=1), torch.ones(len(tokens)))
    unknown = bow.tfidf_matrix([["zebra"], []], vocab, idf)[0]  # no known word: an empty row
    assert unknown.shape == (2, len(vocab)) and unknown.to_dense().abs().sum().item() == 0


def test_stratified_split_keeps_class_shares():
    labels = [0] * 80 + [1] * 20
    train, val, test = fast_recipe.stratified_split(labels, torch.Generator().manual_seed(0))
    assert len(train) == 80 and len(val) == 10 and len(test) == 10
    assert sum(labels[i] for i in test) == 2 and len(set(train) & set(test)) == 0


def test_book_recipe_on_the_sample_runs(capsys, samples_only):
    assert tc.main(["--data-dir", samples_only]) == 0  # the default run is the book's
    out = capsys.readouterr().out
    assert "never occur in training" in out and "using the sample" in out
    assert "§16.6" in out and tc.FULL_COMMAND in out  # a short run, and the full one's command


@pytest.mark.fulldata
def test_book_split_on_the_full_corpus(book):
    root, is_sample = tc.find_corpus("20news", support.resolve_data_dir(None))
    assert not is_sample
    texts, labels, names = tc.load_folder(root)
    facts = tc.examine_book(texts, labels, names)
    book.same("16.2", "Found N texts", 19997, facts["n"], tol=0)
    book.same("16.2", "train / test sizes", (15998, 3999), (facts["train"], facts["test"]), tol=0)
    book.changed(
        "16.6",
        "test classes absent from training",
        0,
        len(facts["unseen"]),
        expected=3,
        tol=0,
        note="4th test class has 1 training message; 91% impossible",
    )
    assert facts["test_counts"][names.index("talk.politics.guns")] == 999
    assert facts["rule_accuracy"] > 0.95
    # §16.2's `f = open(fpath)`: no encoding, so the reader's locale decides (UTF-8 on macOS and
    # Linux, GBK on a Chinese Windows); the messages are Latin-1
    not_utf8 = 0
    for group in sorted(p for p in root.iterdir() if p.is_dir()):
        for f in (f for f in group.iterdir() if f.name.isdigit()):
            try:
                f.read_bytes().decode("utf-8")
            except UnicodeDecodeError:
                not_utf8 += 1
    book.changed(
        "16.2",
        "open(fpath).read() as UTF-8: messages it fails on",
        0,
        not_utf8,
        expected=72,
        tol=0,
        note="Latin-1 files; read_message decodes latin-1",
    )


def test_benchmark_prints_a_table():
    import subprocess
    import sys

    script = support.REPO / "ch16_textcls" / "benchmark.py"
    out = subprocess.run(
        [
            sys.executable,
            str(script),
            "--docs",
            "64",
            "--batch-sizes",
            "32",
            "--max-lens",
            "100",
            "--device",
            "cpu",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd="/",
    )
    assert out.returncode == 0, out.stderr
    rows = [line.split() for line in out.stdout.splitlines() if line.strip().startswith("100")]
    assert [(r[2], r[3]) for r in rows] == [
        ("bucketed", "padded"),
        ("bucketed", "packed"),
        ("random", "padded"),
        ("random", "packed"),
    ]


def test_last_state_pooling_also_ignores_padding():
    torch.manual_seed(0)
    model = bilstm.BiLSTMClassifier(50, 3, embed_dim=8, hidden=6, pool="last").eval()
    ids, lens = bilstm.pad_batch([[5, 6, 7], [1, 2, 3, 4, 8, 9]], "cpu")
    with torch.no_grad():
        batched = model(ids, lens)[0]
        alone = model(*bilstm.pad_batch([[5, 6, 7]], "cpu"))[0]
    assert torch.allclose(batched, alone, atol=1e-6)


def _two_topic_corpus():
    """Two topics whose words never meet across topics: distributional vectors must split them."""
    gen = torch.Generator().manual_seed(0)
    space, hockey = ["rocket", "orbit", "moon", "nasa", "launch"], ["puck", "ice", "goal", "team"]
    docs = []
    for d in range(60):
        words = space if d % 2 == 0 else hockey
        docs.append([words[i] for i in torch.randint(0, len(words), (30,), generator=gen)])
    return docs, space, hockey


def test_ppmi_vectors_keep_topics_apart():
    docs, space, hockey = _two_topic_corpus()
    vocab = vocabulary.build_vocab(docs, min_count=1)
    ids = [[vocab[w] for w in d] for d in docs]
    vectors = wordvec.ppmi_embeddings(ids, len(vocab) + 2, dim=4, window=3)
    assert vectors.shape == (len(vocab) + 2, 4)
    assert vectors[vocabulary.PAD].abs().sum() == 0 and vectors[vocabulary.UNK].abs().sum() == 0
    for word, near in wordvec.nearest_words(vectors, vocab, space + hockey, k=3):
        same_topic = space if word in space else hockey
        assert set(near) <= set(same_topic), (word, near)


def test_frozen_embeddings_stay_as_given():
    docs, _, _ = _two_topic_corpus()
    labels = [d % 2 for d in range(len(docs))]
    vocab = vocabulary.build_vocab(docs, min_count=1)
    ids = [vocabulary.encode(d, vocab, 30) for d in docs]
    start = wordvec.ppmi_embeddings(ids, len(vocab) + 2, dim=8, window=3)
    settings = bilstm.LSTMSettings(epochs=2, batch_size=16, embed_dim=8, hidden=4)
    model, _ = bilstm.train_lstm(
        ids,
        labels,
        ids,
        labels,
        len(vocab) + 2,
        2,
        dataclasses.replace(settings, freeze_embeddings=True),
        embeddings=start,
        log=lambda *_: None,
    )
    assert torch.equal(model.embedding.weight.detach(), start)
    assert metrics.accuracy(bilstm.predict_ids(model, ids), labels) == 1.0


@pytest.mark.fulldata
def test_bydate_lstm_is_close_to_the_bag_of_words(tmp_path):
    """The issue's floor, the TF-IDF baseline of the same run minus 2 points (random-start
    LSTMs land at 65-77%). Measured with the default distillation: 84.6% against 85.2%
    (84.6-85.3% over the seeds, thread counts and LSTM paths tried); without it 83.0-84.0%. The
    temperature-scaled ensemble of the two must beat the bag of words by half a point (measured
    86.35%, +1.2). The README tracks the 86.5% goal."""
    result = fast_recipe.run(fast_recipe.parse(["--out-dir", str(tmp_path)]))  # defaults, ≈ 7 min
    assert not result["is_sample"]
    assert result["acc"] >= result["bow_acc"] - 0.02, (result["acc"], result["bow_acc"])
    assert result["ensemble_acc"] >= result["bow_acc"] + 0.005, (
        result["ensemble_acc"],
        result["bow_acc"],
    )


@pytest.mark.fulldata
def test_chnsenticorp_lstm_reaches_89_percent(tmp_path):
    """The issue's floor; measured 89.7% and, with word dropout, 90.3% (2 threads, packed LSTM);
    89.2% on 1 thread; 89.3% with the padded LSTM (2 threads)."""
    command = fast_recipe.parse(["--corpus", "chnsenticorp", "--out-dir", str(tmp_path)])
    result = fast_recipe.run(command)
    assert not result["is_sample"]
    assert result["acc"] >= 0.89, result["acc"]


@pytest.mark.fulldata
def test_the_chinese_corpora_say_what_copies_they_hold(capsys):
    """waimai_10k: 14 rows are exact copies of another row (all seven pairs carry both labels),
    and 8 more rows match another once full-width commas are read as commas; ChnSentiCorp has
    no two reviews alike, so its split is the one it always had."""
    data_dir = support.resolve_data_dir(None)
    waimai = fast_recipe.prepare(fast_recipe.Recipe(corpus="waimai"), data_dir)
    out = capsys.readouterr().out
    assert not waimai.is_sample
    assert "22 of 11987 rows (0.2%) share their text with another row (11976 distinct texts)" in out
    assert "7 text(s) carry more than one label" in out and "(14 rows)" in out
    texts = {own_corpus.normal_form(" ".join(t)) for part in waimai.split[::2] for t in part}
    assert len(texts) == 11976 - 7  # every distinct text but the conflicting ones
    fast_recipe.prepare(fast_recipe.Recipe(corpus="chnsenticorp"), data_dir)
    out = capsys.readouterr().out
    assert "重复" not in out and "标签冲突" not in out


def test_chinese_token_units():
    assert fast_recipe.chinese_tokens("我来到北京", "chars") == ["我", "来", "到", "北", "京"]
    assert fast_recipe.chinese_tokens("我来到北京") == ["我", "来到", "北京"]
    assert fast_recipe.chinese_tokens("我来到 北京", "both") == [
        "我",
        "来到",
        "北京",
        "我",
        "来",
        "到",
        "北",
        "京",
    ]


def test_ppmi_on_a_vocabulary_smaller_than_the_vectors():
    vectors = wordvec.ppmi_embeddings([[2, 3, 4, 2, 3]], vocab_size=5, dim=16)
    assert vectors.shape == (5, 16) and torch.isfinite(vectors).all()
    assert wordvec.ppmi_embeddings([[2]], vocab_size=3, dim=8).abs().sum() == 0  # no pairs at all


def test_encode_keeps_the_head_and_the_tail():
    words = [f"w{i}" for i in range(10)]
    vocab = vocabulary.build_vocab([words], min_count=1)
    ids = vocabulary.encode(words, vocab, max_len=6, keep_tail=2)
    assert ids == [vocab[w] for w in ["w0", "w1", "w2", "w3", "w8", "w9"]]
    assert vocabulary.encode(words, vocab, max_len=6, keep_tail=0) == [
        vocab[f"w{i}"] for i in range(6)
    ]
    assert vocabulary.encode(words, vocab, max_len=3, keep_tail=5) == [
        vocab[w] for w in ["w7", "w8", "w9"]
    ]
    assert len(vocabulary.encode(words[:4], vocab, max_len=6, keep_tail=2)) == 4  # short: untouched


def test_word_dropout_only_touches_real_tokens():
    ids, _ = bilstm.pad_batch([list(range(2, 202)), [5, 6, 7]], "cpu")
    gen = torch.Generator().manual_seed(0)
    dropped = bilstm.drop_words(ids, 0.3, gen)
    assert torch.equal(
        dropped[ids == vocabulary.PAD], ids[ids == vocabulary.PAD]
    )  # padding stays padding
    changed = dropped != ids
    assert (dropped[changed] == vocabulary.UNK).all()
    assert 0.2 < changed.sum().item() / (ids != vocabulary.PAD).sum().item() < 0.4
    assert torch.equal(bilstm.drop_words(ids, 0.0, gen), ids)


def test_temperature_and_ensemble():
    # a model that says 0.99 but is right only 70% of the time is overconfident: T > 1
    gen = torch.Generator().manual_seed(0)
    truth = torch.randint(0, 2, (1000,), generator=gen)
    guess = torch.where(torch.rand(1000, generator=gen) < 0.7, truth, 1 - truth)
    probs = F.one_hot(guess, 2).float() * 0.98 + 0.01
    assert ensemble.fit_temperature(probs, truth) > 2.0
    assert ensemble.fit_temperature(F.one_hot(truth, 2).float() * 0.5 + 0.25, truth) < 1.0  # timid
    # averaging log-probabilities: a sure model outvotes an unsure one, rows stay distributions
    sure, unsure = torch.tensor([[0.9, 0.1]]), torch.tensor([[0.4, 0.6]])
    both = ensemble.combine([sure, unsure], [1.0, 1.0])
    assert both.argmax(dim=1).item() == 0 and torch.allclose(both.sum(dim=1), torch.ones(1))
    assert torch.allclose(ensemble.combine([unsure], [1.0]), unsure)


def test_crossfit_teacher_predicts_documents_it_did_not_see():
    # every "mars" document is labelled 0 except one; the regression that holds that one out
    # must call it 0, while a regression fitted on everything has learned it by heart
    tokens = [["rocket", "orbit", "mars"]] * 10 + [["puck", "ice", "goal"]] * 10
    labels = [0] * 9 + [1] + [1] * 10
    logits = distill.crossfit_teacher(tokens, labels, 2, folds=5, seed=0)
    assert logits.shape == (20, 2) and (logits.abs().sum(dim=1) > 0).all()  # every row filled
    assert logits[9].argmax().item() == 0  # the odd one, judged by the other mars documents
    assert (logits[10:].argmax(dim=1) == 1).all()


def test_bag_of_words_weight_decay_is_chosen_on_validation():
    tokens = [["rocket", "orbit", "mars"]] * 6 + [["puck", "ice", "goal"]] * 5
    labels = [0] * 6 + [1] * 5
    val_tokens, val_labels = [["orbit"], ["ice"]], [0, 1]
    # λ = 10 squeezes the weights to nothing and predicts the larger class: validation 50%
    chosen = bow.tune_bag_of_words(tokens, labels, val_tokens, val_labels, 2, grid=(10.0, 1e-5))
    assert chosen.weight_decay == 1e-5 and chosen.scorer(val_tokens).argmax(dim=1).tolist() == [
        0,
        1,
    ]
    # every λ of the default grid separates these: the tie goes to the largest, and to words
    tie = bow.tune_bag_of_words(tokens, labels, val_tokens, val_labels, 2)
    assert tie.weight_decay == max(bow.WEIGHT_DECAYS) and tie.ngrams == 1


def test_bag_of_words_takes_word_pairs_where_validation_needs_them():
    """ "good" and "not" stand in both classes; only the pair "not good" tells them apart."""
    tokens = [
        ["not", "good", "x"],
        ["good", "not", "y"],
        ["not", "good", "z"],
        ["good", "not", "w"],
    ] * 4
    labels = [0, 1, 0, 1] * 4
    val_tokens, val_labels = [["not", "good"], ["good", "not"]], [0, 1]
    assert bow.with_pairs(["not", "good", "x"], 2) == ["not", "good", "x", "not good", "good x"]
    chosen = bow.tune_bag_of_words(tokens, labels, val_tokens, val_labels, 2)
    assert chosen.ngrams == 2 and chosen.scorer(val_tokens).argmax(dim=1).tolist() == [0, 1]
    words_only = bow.tune_bag_of_words(tokens, labels, val_tokens, val_labels, 2, ngram_grid=(1,))
    assert words_only.ngrams == 1 and chosen.word_weight_decay == words_only.weight_decay


def test_distillation_loss_pulls_the_student_towards_the_teacher():
    teacher = torch.tensor([[2.0, 0.0, -1.0], [0.0, 1.0, 0.0]])
    assert distill.distillation_loss(teacher.clone(), teacher, 2.0).abs().item() < 1e-6
    student = torch.zeros(2, 3, requires_grad=True)
    loss = distill.distillation_loss(student, teacher, 2.0)
    loss.backward()
    assert loss.item() > 0
    step = student - student.grad  # one gradient step moves towards the teacher's favourite
    assert step.argmax(dim=1).tolist() == [0, 1]


def test_training_with_a_teacher_learns_the_task():
    tokens = [t.split() for t in ["rocket orbit moon", "puck ice goal"] * 20]
    labels = [0, 1] * 20
    vocab = vocabulary.build_vocab(tokens, min_count=1)
    ids = [vocabulary.encode(t, vocab, 10) for t in tokens]
    teacher = distill.crossfit_teacher(tokens, labels, 2, folds=4)
    settings = bilstm.LSTMSettings(epochs=4, batch_size=8, patience=10, distill=0.5)
    model, history = bilstm.train_lstm(
        ids, labels, ids, labels, len(vocab) + 2, 2, settings, teacher=teacher
    )
    assert history[-1]["loss"] < history[0]["loss"]
    assert metrics.accuracy(bilstm.predict_ids(model, ids), labels) == 1.0


def test_a_teacher_weight_outside_0_to_1_is_one_line(capsys):
    with pytest.raises(SystemExit) as exit_:
        fast_recipe.main(["--distill", "1.5", "--data-dir", "/nonexistent", "--limit", "40"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "between 0 and 1" in err
    assert "error: argument --distill" in err.strip().splitlines()[-1]


def test_training_without_validation_runs_every_planned_epoch():
    tokens = [t.split() for t in ["rocket orbit moon", "puck ice goal"] * 20]
    labels = [0, 1] * 20
    vocab = vocabulary.build_vocab(tokens, min_count=1)
    ids = [vocabulary.encode(t, vocab, 10) for t in tokens]
    settings = bilstm.LSTMSettings(epochs=3, batch_size=8)
    model, history = bilstm.train_lstm(
        ids, labels, None, None, len(vocab) + 2, 2, settings, log=lambda *_: None
    )
    assert [h["epoch"] for h in history] == [1, 2, 3]
    assert all(h["val_acc"] is None for h in history)
    assert metrics.accuracy(bilstm.predict_ids(model, ids), labels) == 1.0


def test_refit_trains_a_second_model_on_training_and_validation(tmp_path, capsys, samples_only):
    args = ["--refit", "--epochs", "2", "--limit", "40", "--distill", "0"]
    args += ["--data-dir", samples_only, "--out-dir", str(tmp_path)]
    result = fast_recipe.run(fast_recipe.parse(args))
    out = capsys.readouterr().out
    n_val = int(out.split("validation ")[1].split(",")[0])
    assert f"training + validation ({40 + n_val} documents)" in out
    assert result["acc_before_refit"] is not None
    assert (tmp_path / "20news-bydate" / "model.pt").exists()


# ---------------------------------------------------------------- the book's §16.1, §16.4–16.6


def test_section_16_1_shapes(book):
    """§16.1: torch.ones(1,2,1) 输出 [[[1],[1]]]; randn(1, 2, 4) of shape (1, 2, 4); a = ones(2, 2):
    view(-1) a 1-D array of 4, view(-1, 2, 1) of shape (2, 2, 1)."""
    shapes = tc.section_16_1()
    ones = shapes["torch.ones(1, 2, 1)"].tolist()
    book.same("16.1", "torch.ones(1,2,1)", [[[1], [1]]], ones, tol=0)
    today = [list(shapes[k].shape) for k in ("a.view(-1)", "a.view(-1, 2, 1)")]
    book.same("16.1", "ones(2, 2).view(-1), .view(-1,2,1): shapes", [[4], [2, 2, 1]], today, tol=0)
    book.same(
        "16.1",
        "torch.randn(1,2, 4): shape",
        [1, 2, 4],
        list(shapes["torch.randn(1, 2, 4).shape"]),
        tol=0,
    )


def test_book_lstmnet_is_the_books_model_read_at_its_last_step(book):
    """§16.4's LSTMNet: Embedding(20000, 100), dropout 0.2, a 2-layer LSTM(100, 100), the last
    step through Linear(100, 20), log_softmax."""
    torch.manual_seed(0)
    model = tc.LSTMNet().eval()
    sizes = [
        model.word_embeddings.num_embeddings,
        model.word_embeddings.embedding_dim,
        model.lstm.hidden_size,
        model.lstm.num_layers,
        model.hidden2tag.out_features,
    ]
    what = "LSTMNet: vocabulary, embedding, hidden, layers, classes"
    book.same("16.4", what, [20000, 100, 100, 2, 20], sizes, tol=0)
    assert model.word_embeddings.num_embeddings == tc.MAX_NB_WORDS == 20000
    assert (model.lstm.input_size, model.lstm.hidden_size, model.lstm.num_layers) == (100, 100, 2)
    assert model.hidden2tag.out_features == 20 and model.drop.p == 0.2
    x = torch.randint(1, tc.MAX_NB_WORDS, (1, 37))
    out = model(x)
    assert out.shape == (1, 20) and torch.allclose(out.exp().sum(), torch.tensor(1.0))
    steps, _ = model.lstm(model.word_embeddings(x))
    by_hand = F.log_softmax(model.hidden2tag(steps[:, -1]), dim=1)
    assert torch.allclose(out, by_hand, atol=1e-6)
    # the last step is what is read: changing the last word moves the output far more than
    # changing the first, whose trace 36 steps later has all but faded
    first, last = x.clone(), x.clone()
    first[0, 0] = x[0, 0] % (tc.MAX_NB_WORDS - 1) + 1
    last[0, -1] = x[0, -1] % (tc.MAX_NB_WORDS - 1) + 1
    moved_first = (model(first) - out).abs().max()
    moved_last = (model(last) - out).abs().max()
    assert moved_last > 100 * moved_first


def test_the_books_training_settings_16_5(book):
    """§16.5: SGD lr 0.01 momentum 0.5 on one message at a time; §16.2 sets epochs = 2 and the
    loop `for epoch in range(1, epochs)` runs once."""
    s = tc.BookSettings()
    today = [tc.BOOK_LR, tc.BOOK_MOMENTUM, tc.BOOK_BATCH, s.lr, s.momentum]
    book.same(
        "16.5",
        "SGD lr, momentum, batch_size (constants; settings lr, momentum)",
        [0.01, 0.5, 1, 0.01, 0.5],
        today,
        tol=0,
    )
    epochs = 2  # the book's
    book.changed(
        "16.5",
        "epochs trained by range(1, epochs) with epochs = 2",
        2,
        len(range(1, epochs)),
        expected=tc.BOOK_EPOCHS,
        tol=0,
        note="one: range(1, 2) is [1]",
    )
    assert tc.BOOK_EPOCHS == 1


def test_one_book_training_step_lowers_the_loss(news20):
    texts, labels, _ = news20
    tokenizer = tc.Tokenizer(num_words=tc.MAX_NB_WORDS).fit_on_texts(texts)
    seqs, empty = tc.book_sequences(tokenizer, texts[:1])
    assert empty == 0
    torch.manual_seed(0)
    model = tc.LSTMNet()
    model.drop.p = 0.0  # compare the same function before and after the step

    def loss():
        model.eval()
        with torch.no_grad():
            return F.nll_loss(model(torch.tensor(seqs)), torch.tensor(labels[:1])).item()

    before = loss()
    tc.train_book(model, seqs, labels[:1], log=lambda _: None)
    assert loss() < before


def test_book_split_test_classes_on_the_sample(news20):
    texts, labels, names = news20
    facts = tc.examine_book(texts, labels, names)
    assert facts["test"] == int(0.2 * len(labels)) and facts["train"] + facts["test"] == len(labels)
    # sorted folder order + the last 20% as test: only the last groups are tested
    assert facts["unseen"] == names[-4:] and facts["unseen_share"] == 1.0


def test_evaluate_book_scores_overall_per_class_and_the_first_400(book):
    class Constant(torch.nn.Module):  # always class 1
        def forward(self, x):
            return F.log_softmax(torch.tensor([[0.0, 5.0, 0.0]]), dim=1)

    y = [1] * 300 + [2] * 200
    result = tc.evaluate_book(Constant(), [[3]] * 500, y, 3)
    assert (result["correct"], result["total"]) == (300, 500)
    assert result["per_class"] == {1: (300, 300), 2: (0, 200)}
    assert (result["first_correct"], result["first_total"]) == (300, 400)
    book.changed(
        "16.6",
        "test messages test() reads (len = 400) of a 500-message test set",
        500,
        result["first_total"],
        expected=400,
        tol=0,
        note="the book's loop stops at 400 whatever the test set holds",
    )


def test_defaults_are_one_source_for_command_line_and_functions():
    """The parser leaves every default to the settings dataclasses; the functions' own keyword
    defaults agree with them, and --help shows them."""
    recipe = fast_recipe.parse([]).settings
    assert recipe.device == support.auto_device()  # --device auto is resolved when parsed
    assert dataclasses.replace(recipe, device="auto") == fast_recipe.Recipe()
    fast = dataclasses.asdict(recipe)
    for fn in (bilstm.BiLSTMClassifier.__init__, vocabulary.encode):
        for name, param in inspect.signature(fn).parameters.items():
            if name in fast and param.default is not inspect.Parameter.empty:
                assert param.default == fast[name], f"{fn.__qualname__}({name}=) vs the recipe"
    assert (recipe.corpus, recipe.epochs, recipe.hidden, recipe.distill) == (
        "20news-bydate",
        bilstm.EPOCHS,
        bilstm.HIDDEN,
        None,
    )
    args = tc.build_parser().parse_args([])
    book = dataclasses.replace(tc.settings_of(args), device="auto")
    assert book == tc.BookSettings() and (book.corpus, book.epochs, book.lr) == ("20news", 1, 0.01)
    assert book.lr == inspect.signature(tc.train_book).parameters["lr"].default
    assert book.limit == tc.QUICK_LIMIT  # the default run is short; --full is the book's
    assert tc.settings_of(tc.build_parser().parse_args(["--full"])).limit is None
    shown = " ".join(fast_recipe.build_parser().format_help().split())
    assert f"(default: {bilstm.HIDDEN})" in shown


def test_parsed_options_reach_the_settings():
    recipe = fast_recipe.parse(["--hidden", "32", "--no-bidirectional", "--distill", "0"]).settings
    assert (recipe.hidden, recipe.bidirectional, recipe.distill) == (32, False, 0.0)
    assert fast_recipe.teacher_weight(fast_recipe.Recipe(), chinese=True) == 0.0
    assert fast_recipe.teacher_weight(fast_recipe.Recipe(), chinese=False) == bilstm.DISTILL
    book = tc.settings_of(
        tc.build_parser().parse_args(["--corpus", "20news-bydate", "--lr", "0.1"])
    )
    assert (book.corpus, book.lr) == ("20news-bydate", 0.1)


def test_the_book_file_refuses_the_modern_recipes_options(capsys):
    with pytest.raises(SystemExit):
        tc.main(["--hidden", "32"])
    assert "unrecognized arguments: --hidden 32" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        tc.main(["--corpus", "chnsenticorp"])
    assert "invalid choice" in capsys.readouterr().err
    for moved in ("--recipe", "--predict", "--batch-size"):
        with pytest.raises(SystemExit) as stop:
            tc.main([moved, "x"])
        assert "fast_recipe.py" in str(stop.value.code) and moved in str(stop.value.code)


def test_textcls_is_the_book_and_imports_no_sibling_but_its_support():
    """Every import arrow points from beyond-the-book to the book: textcls.py imports only
    third-party packages and the chapter's support.py."""
    folder = Path(tc.__file__).parent
    siblings = {p.stem for p in folder.glob("*.py")}
    tree = ast.parse(Path(tc.__file__).read_text(encoding="utf-8"))
    top_level = [
        n
        for node in tree.body
        for n in ([node] if not isinstance(node, ast.Try) else [*node.body, *node.handlers[0].body])
        if isinstance(n, (ast.Import, ast.ImportFrom))
    ]
    names = {a.name.split(".")[0] for n in top_level for a in n.names} | {
        (n.module or "").split(".")[0] for n in top_level if isinstance(n, ast.ImportFrom)
    }
    assert names & siblings == {"support"}, names & siblings
    assert "sys.path" not in Path(tc.__file__).read_text(encoding="utf-8")


def test_one_writer_and_one_thread_setter_in_the_chapter():
    folder = Path(tc.__file__).parent
    sources = {p.name: p.read_text(encoding="utf-8") for p in folder.glob("*.py")}
    assert [n for n, text in sources.items() if "os.replace(" in text] == ["support.py"]
    setters = [n for n, text in sources.items() if "set_num_threads(" in text]
    assert setters == ["support.py"], setters
    assert sum(text.count("set_num_threads(") for text in sources.values()) == 2  # set, restore


@pytest.mark.fulldata
def test_book_recipe_measured_against_the_books_16_6(book, tmp_path):
    """§16.4–16.6 as printed, one epoch (≈ 5 min on 2 cores): the book's 9140/10000 is §11.5's
    MNIST number; three of the four test groups never occur in training, so the split allows
    at most the 25% of talk.politics.guns."""
    result = tc.run_book(tc.BookSettings(limit=None), support.resolve_data_dir(None), tmp_path)
    assert not result["is_sample"]
    book.changed(
        "16.6",
        "test messages scored (the book prints 9140/10000)",
        10000,
        result["total"],
        expected=3999,
        tol=0,
        note="the book's 20% split of 19,997 messages; 10000 is §11.5's MNIST test set",
    )
    book.below(
        "16.6",
        "book LSTMNet accuracy on the book's test set",
        0.914,
        round(result["acc"], 4),
        upper=0.25,
        note="three of the four test groups never occur in training: at most 25%",
    )
    # the README's book-vs-today table is what this run prints (the command above the table)
    readme = (support.REPO / "ch16_textcls" / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("## 书中 vs. 今天") : readme.index("## 勘误 Errata")]
    facts = result["facts"]
    rows = {
        "文本数 texts found": f"| {facts['n']:,} |",
        "训练 / 测试 train / test": f"| {facts['train']:,} / {facts['test']:,} |",
        "测试准确率 test accuracy": f"**{result['correct']}/{result['total']} = ",
        "书中循环读的前 400 条": f"| {result['first_correct']}/{result['first_total']} |",
        "the header rule, no model": f"| {facts['rule_accuracy']:.1%} |",
    }
    for what, printed in rows.items():
        line = next(line for line in table.splitlines() if what in line)
        assert line.rstrip().endswith(printed) or printed in line, (what, printed, line)


@pytest.mark.fulldata
def test_book_model_on_the_fair_split_is_what_the_readme_says(tmp_path):
    """The README's paragraph under its table: `textcls.py --full --corpus 20news-bydate` scores
    251/7532, all of them talk.religion.misc (the last group read, 251/251), the 19 others 0%."""
    settings = tc.BookSettings(corpus="20news-bydate", limit=None)
    result = tc.run_book(settings, support.resolve_data_dir(None), tmp_path)
    assert not result["is_sample"]
    readme = (support.REPO / "ch16_textcls" / "README.md").read_text(encoding="utf-8")
    score = f"**{result['correct']}/{result['total']} = {result['correct'] / result['total']:.1%}**"
    assert score in readme, score
    right = {c: hit for c, (hit, n) in result["per_class"].items() if hit}
    last = max(result["per_class"])  # the last group in file order: talk.religion.misc
    assert list(right) == [last] and right[last] == result["per_class"][last][1]
    assert f"({right[last]}/{right[last]})" in readme


def test_ladder_runs_two_rungs_and_writes_the_table_and_png(tmp_path, samples_only):
    import subprocess
    import sys

    run = subprocess.run(
        [
            sys.executable,
            str(support.REPO / "ch16_textcls" / "ladder.py"),
            "--rungs",
            "book",
            "minibatch",
            "--limit",
            "40",
            "--epochs",
            "1",
            "--data-dir",
            samples_only,
            "--out-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    rows = [line for line in run.stdout.splitlines() if line.startswith("| ")]
    assert len(rows) == 3  # header and two rungs
    assert "textcls.py --full --corpus 20news-bydate" in rows[1] and "--pool last" in rows[2]
    assert (tmp_path / "ladder" / "ladder.png").stat().st_size > 10000


# ---------------------------------------------------------------- your own texts (own_corpus.py)

own_corpus = importlib.import_module("own_corpus")
TOPICS = {
    "体育": ["比赛", "球队", "进球", "冠军", "教练", "球员"],
    "财经": ["股票", "银行", "利率", "市场", "投资", "经济"],
    "科技": ["手机", "芯片", "软件", "电脑", "网络", "算法"],
}


def _texts(n_per_label=30, seed=0):
    import random

    rnd = random.Random(seed)
    rows = []
    for label, words in TOPICS.items():
        for _ in range(n_per_label):
            rows.append((label, "今天" + "".join(rnd.choices(words, k=6)) + "。"))
    return rows


def _csv(path, rows, encoding, text="review", label="label", sep=","):
    body = "\n".join(f"{y}{sep}{t}" for y, t in rows)
    path.write_bytes(f"{label}{sep}{text}\n{body}\n".encode(encoding))
    return path


@pytest.mark.parametrize("encoding, read_as", [("gbk", "gb18030"), ("utf-8-sig", "utf-8-sig")])
def test_own_chinese_csv_trains_and_predicts_its_labels(encoding, read_as, tmp_path, capsys):
    path = _csv(tmp_path / "我的 评论.csv", _texts(), encoding)
    own = own_corpus.read_corpus(str(path))
    assert own.chinese and own.names == sorted(TOPICS) and len(own.texts) == 90
    assert f"({read_as})" in capsys.readouterr().out
    out = tmp_path / "输出"
    args = ["--corpus", str(path), "--epochs", "1", "--out-dir", str(out), "--distill", "0"]
    assert fast_recipe.main(args) == 0
    printed = capsys.readouterr().out
    assert "3 labels" in printed and "TF-IDF" in printed
    assert (out / "own" / "我的 评论" / "confusion.png").is_file()
    assert (
        fast_recipe.main(
            ["--corpus", str(path), "--out-dir", str(out), "--predict", "股票市场利率"]
        )
        == 0
    )
    answers = capsys.readouterr().out.split()
    assert answers[1] in TOPICS  # the top answer is one of the reader's labels


def test_own_jsonl_tsv_and_folder_corpora_read_alike(tmp_path):
    rows = [(y, t) for y, t in _texts(5)]
    jsonl = tmp_path / "a.jsonl"
    jsonl.write_text(
        "\n".join(json.dumps({"text": t, "category": y}, ensure_ascii=False) for y, t in rows),
        encoding="utf-8",
    )
    tsv = _csv(tmp_path / "a.tsv", rows, "utf-8", text="content", label="class", sep="\t")
    folder = tmp_path / "文本"
    for k, (y, t) in enumerate(rows):
        (folder / y).mkdir(parents=True, exist_ok=True)
        (folder / y / f"{k}.txt").write_text(t, encoding="gb18030")
    results = [own_corpus.read_corpus(str(p)) for p in (jsonl, tsv, folder)]
    for own in results:
        assert own.names == sorted(TOPICS) and sorted(own.texts) == sorted(t for _, t in rows)
    english = tmp_path / "e.csv"
    english.write_text(
        "text,label\nthe rocket reached orbit,space\nthe puck hit the ice,hockey\n"
        "a shuttle launch,space\nthe goalie saved,hockey\n",
        encoding="utf-8",
    )
    assert own_corpus.read_corpus(str(english)).chinese is False


@pytest.mark.parametrize(
    "content, message",
    [
        (
            "words,tag\nhello,a\n",
            "no text column (text / review / content / sentence); its columns: words, tag",
        ),
        ("text,label\nhello,a\nworld,a\n", "1 label(s) (a)"),
        ("text,label\nhello,a\nworld,a\nx,b\n", "too few texts for b (1)"),
    ],
)
def test_own_corpus_bad_tables_are_one_line(content, message, tmp_path, capsys):
    path = tmp_path / "t.csv"
    path.write_text(content, encoding="utf-8")
    assert fast_recipe.main(["--corpus", str(path), "--out-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1, err


def test_own_corpus_empty_texts_are_dropped_and_counted(tmp_path, capsys):
    path = tmp_path / "t.csv"
    path.write_text("text,label\nhello,a\n,a\nworld,a\nx,b\ny,b\n  ,b\n", encoding="utf-8")
    own = own_corpus.read_corpus(str(path))
    assert len(own.texts) == 4 and own.names == ["a", "b"]
    assert "dropped 2 empty" in capsys.readouterr().out


def test_own_corpus_that_is_not_text_is_one_line(tmp_path, capsys):
    path = tmp_path / "图.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20)
    assert fast_recipe.main(["--corpus", str(path), "--out-dir", str(tmp_path)]) == 1
    assert "is not a text file" in capsys.readouterr().err
    assert (
        fast_recipe.main(["--corpus", str(tmp_path / "missing.csv"), "--out-dir", str(tmp_path)])
        == 1
    )
    assert "not found" in capsys.readouterr().err


# ---------------------------------------------------------------- duplicates and conflicts


def _planted_corpus(seed: int, copies: bool, n: int = 3000):
    """n distinct two-label texts (ten words each: 12% drawn from the label's own words, the rest
    from 300 common ones); with `copies`, each text stands 1–7 times, as in a scraped corpus."""
    import random

    rnd = random.Random(seed)
    common = [f"w{i}" for i in range(300)]
    own = {y: [f"{y}{i}" for i in range(40)] for y in "ab"}
    rows = []
    for k in range(n):
        y = "ab"[k % 2]
        words = [
            rnd.choice(own[y]) if rnd.random() < 0.12 else rnd.choice(common) for _ in range(10)
        ]
        rows += [(" ".join(words), y)] * (rnd.randint(1, 7) if copies else 1)
    rnd.shuffle(rows)
    return rows


def _write_rows(path, rows):
    path.write_text(
        "text,label\n" + "\n".join(f"{t},{y}" for t, y in rows) + "\n", encoding="utf-8"
    )
    return path


def _baseline_accuracy(path, grouped=True):
    """The run's bag-of-words test accuracy on the split prepare() makes (grouped=False: the
    plain split a corpus got before duplicates were grouped)."""
    recipe = fast_recipe.Recipe(corpus=str(path))
    if grouped:
        split = fast_recipe.prepare(recipe, None).split
    else:
        own = own_corpus.read_corpus(str(path))
        tokens = [fast_recipe.tokens_for(t, False) for t in own.texts]
        parts = fast_recipe.stratified_split(own.labels, torch.Generator().manual_seed(recipe.seed))
        split = fast_recipe.split_by_index(tokens, own.labels, *parts)
    bag = bow.fit_bag_of_words(
        split[0], split[1], 2, weight_decay=1e-5
    )  # one fit: the split is tested
    return metrics.accuracy(bag(split[4]).argmax(dim=1).tolist(), split[5])


def test_duplicates_no_longer_inflate_the_test_accuracy(tmp_path, capsys):
    """The issue's corpus in small: 3,000 distinct texts, each standing 1–7 times. Split row by
    row, the test part held copies of training texts (92.0% measured, one bag-of-words fit);
    grouped, with each distinct test text counted once, the accuracy is the one of the same
    corpus de-duplicated by hand (85.4% vs 86.0%). Over five generated corpora the grouped and
    the hand-made figures differed by 0.0–4.0 points (300 test texts each: the difference of two
    such accuracies has a standard deviation of ≈ 2.9 points); the row-by-row split was 6.6–9.4
    points above the grouped one."""
    planted = _write_rows(tmp_path / "planted.csv", _planted_corpus(0, copies=True))
    by_hand = _write_rows(tmp_path / "by_hand.csv", _planted_corpus(0, copies=False))
    grouped, plain, hand = (
        _baseline_accuracy(planted),
        _baseline_accuracy(planted, grouped=False),
        _baseline_accuracy(by_hand),
    )
    assert abs(grouped - hand) <= 0.05, (grouped, hand)
    assert plain - grouped >= 0.04, (plain, grouped)  # the leak the grouping removes
    out = capsys.readouterr().out
    assert "share their text with another row (3000 distinct texts)" in out


def _rows_with_planted_copies():
    """Thirty distinct texts per label, five of them standing three times in other spellings
    (full-width, upper case, extra spaces), and two texts under both labels."""
    rows = [(y, f"{y} text number {k} about {y}") for y in ("好评", "差评") for k in range(30)]
    for k in range(5):
        rows += [
            ("好评", f"好评 TEXT NUMBER {k} ABOUT 好评"),
            ("好评", f"好评  text　number {k} about 好评"),
        ]
        rows[-1] = ("好评", rows[-1][1].replace(f"{k}", chr(0xFF10 + k)))  # a full-width digit
    rows += [
        ("好评", "还行吧"),
        ("差评", "还行吧"),
        ("差评", "还行吧"),
        ("好评", "一般"),
        ("差评", "一般"),
    ]
    return rows


def test_identical_texts_are_reported_and_kept_in_one_part(tmp_path, capsys):
    path = _csv(tmp_path / "评论.csv", _rows_with_planted_copies(), "gbk")
    own = own_corpus.read_corpus(str(path))
    out = capsys.readouterr().out
    # 5 texts × 3 spellings = 15 rows in groups, + the 5 rows of the two conflicting texts
    assert "重复 duplicates: 20 of 75 rows (26.7%) share their text with another row" in out
    assert "(62 distinct texts)" in out
    assert "标签冲突 conflicting labels: 2 text(s) carry more than one label" in out
    assert (
        "「还行吧」 (好评 ×1, 差评 ×2)" in out
        and "left out of training and evaluation (5 rows)" in out
    )
    assert len(own.texts) == 70 and "还行吧" not in own.texts and "一般" not in own.texts
    corpus = fast_recipe.prepare(fast_recipe.Recipe(corpus=str(path)), None)
    tr, _, va, _, te, _ = corpus.split
    seen = {own_corpus.normal_form(" ".join(t)) for t in tr}
    assert seen.isdisjoint(own_corpus.normal_form(" ".join(t)) for t in va + te)  # none trained on
    same = own_corpus.normal_form
    evaluated = [same(" ".join(t)) for t in va + te]
    assert len(evaluated) == len(set(evaluated))  # validation and test count a text once
    assert len({same(" ".join(t)) for t in tr + va + te}) == 60  # every distinct text is used


def test_conflicts_majority_keeps_a_conflicting_text_with_its_majority_label(tmp_path, capsys):
    path = _csv(tmp_path / "评论.csv", _rows_with_planted_copies(), "utf-8")
    own = own_corpus.read_corpus(str(path), conflicts="majority")
    assert "kept with their majority label" in capsys.readouterr().out
    kept = {own.names[y] for t, y in zip(own.texts, own.labels, strict=True) if t == "还行吧"}
    assert kept == {"差评"} and len(own.texts) == 75
    tie = {own.names[y] for t, y in zip(own.texts, own.labels, strict=True) if t == "一般"}
    assert tie == {"好评"}  # a tie goes to the label met first
    assert (
        fast_recipe.parse(["--corpus", str(path), "--conflicts", "majority"]).settings.conflicts
        == "majority"
    )


def test_a_corpus_without_copies_splits_as_before():
    """No two texts alike (ChnSentiCorp's case): the grouped split is the plain one, text for
    text, so the chapter's numbers stay what they were."""
    labels = [k % 3 for k in range(200)]
    plain = fast_recipe.stratified_split(labels, torch.Generator().manual_seed(7))
    grouped = fast_recipe.stratified_split(
        labels, torch.Generator().manual_seed(7), groups=list(range(200))
    )
    assert grouped == plain
    moved = fast_recipe.stratified_split(
        labels, torch.Generator().manual_seed(7), groups=[k // 6 for k in range(200)]
    )
    assert moved != plain


def test_the_chapters_chinese_samples_report_their_copies(samples_only, capsys):
    """Read as the recipe reads them: the sample of waimai says what it holds, ChnSentiCorp's
    says nothing (it has no copy)."""
    for corpus in ("chnsenticorp", "waimai"):
        fast_recipe.prepare(fast_recipe.Recipe(corpus=corpus), Path(samples_only))
    out = capsys.readouterr().out
    assert "chnsenticorp: 重复" not in out and "chnsenticorp: 标签冲突" not in out


def test_confusion_without_a_chinese_font_prints_which_name_each_number_is(
    tmp_path, monkeypatch, capsys
):
    """Sorted by name the classes read 一 七 三 …: tick "0" is 一, and the run says so."""
    from matplotlib import font_manager

    no_cjk = [f for f in font_manager.fontManager.ttflist if f.name not in support.CJK_FONTS]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", no_cjk)
    figures = []
    real_save = metrics.save_png
    monkeypatch.setattr(
        metrics, "save_png", lambda fig, path, dpi: figures.append(fig) or real_save(fig, path, dpi)
    )
    names = sorted(["一", "二", "三", "七"])
    saved = metrics.save_confusion([0, 1, 2, 3], [0, 1, 3, 2], names, tmp_path / "c.png")
    out = capsys.readouterr().out
    assert "class numbers in c.png" in out and "0 = 一, 1 = 七, 2 = 三, 3 = 二" in out
    ax = figures[0].axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1", "2", "3"]
    assert "see the table printed with this figure" in ax.get_title() and saved.is_file()
    assert metrics.tick_labels(["alt.atheism", "sci.space"])[2] is None


def test_the_books_16_6_test_stops_before_scoring_a_message(book):
    """§16.6's test() as printed: `len=400` makes `len(x_test)` a TypeError (erratum 8); with
    that name changed, `target[i:i+1]` is read before the loop assigns it (erratum 15)."""
    book.changed(
        "16.6",
        "test() as printed: len=400, then len(x_test)",
        "runs",
        tc.run_books_test_listing(),
        expected="TypeError: 'int' object is not callable",
        note="len=400 shadows the built-in len",
    )
    assert tc.run_books_test_listing(fix_len=True).startswith(
        "UnboundLocalError: cannot access local variable 'target'"
    )


def _book_lengths(data_dir):
    data = tc.book_data("20news", data_dir)
    return [len(s) for s in data.x_train + data.x_test], data.is_sample


def test_the_books_sequences_differ_in_length(samples_only, capsys, book):
    """§16.2 "这时候的 19997 条数据的长度是不一样的，单词多的文本它的数据长度就稍长一些": the word-id
    lists are as long as their messages (MAX_SEQUENCE_LENGTH is never applied)."""
    lengths, is_sample = _book_lengths(Path(samples_only))
    assert is_sample and min(lengths) < max(lengths)
    out = capsys.readouterr().out
    assert f"{max(lengths)} at most" in out
    book.same("16.2", "sequences differ in length (sample)", True, len(set(lengths)) > 1, tol=0)


@pytest.mark.fulldata
def test_the_books_sequences_on_the_full_corpus_are_as_the_readme_says(book):
    """ch16 README erratum 5: MAX_SEQUENCE_LENGTH=400 is set and never used: the 19,997 messages
    go in at full length, 358 word ids on average and 27,437 at most."""
    lengths, is_sample = _book_lengths(support.resolve_data_dir(None))
    assert not is_sample
    today = [round(sum(lengths) / len(lengths)), max(lengths)]
    book.changed(
        "16.2",
        "word ids per message with MAX_SEQUENCE_LENGTH=400: mean, longest",
        "400",
        today,
        expected=[358, 27437],
        tol=0,
        note="the constant is never applied (no pad_sequences call)",
    )
