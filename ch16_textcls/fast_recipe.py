"""The modern recipe (`--recipe fast`, the default; not in the book): a fair split, the
bag-of-words baseline, word vectors of the training text, a BiLSTM distilled from the bag of
words, and their calibrated ensemble. textcls.py prepares the tokenised parts (§16.2, §16.3)
and calls run_fast(); the trained model is saved as a bundle that predict_tokens() reads."""

import json
import time
from pathlib import Path

import torch
from bilstm import BiLSTMClassifier, model_settings, predict_ids, predict_proba, train_lstm
from bow import WEIGHT_DECAYS, fit_bag_of_words, tune_bag_of_words
from distill import crossfit_teacher
from ensemble import report_ensemble
from metrics import accuracy, per_class_f1, save_confusion, write_atomic
from vocab import build_vocab, choose_max_len, encode
from wordvec import PROBE_WORDS, nearest_words, ppmi_embeddings


def write_json_file(path, data) -> None:
    Path(path).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


class BundleError(Exception):
    """A saved model that is missing or does not fit: one line naming the fix."""


def save_bundle(
    folder: Path, model: BiLSTMClassifier, vocab: dict, names: list[str], settings: dict
):
    """Model weights, vocabulary (JSON) and settings, each written atomically."""
    full_settings = dict(settings, **model_settings(model), names=names, vocab_size=len(vocab) + 2)
    write_atomic(folder / "model.pt", lambda tmp: torch.save(model.state_dict(), tmp))
    for name, data in (("vocab.json", vocab), ("settings.json", full_settings)):
        write_atomic(folder / name, lambda tmp, d=data: write_json_file(tmp, d))
    return folder


def read_settings(folder: Path) -> dict:
    try:
        return json.loads((folder / "settings.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BundleError(
            f"no trained model in {folder} — train first: python ch16_textcls/textcls.py"
        ) from None


def load_bundle(folder: Path):
    try:
        settings = json.loads((folder / "settings.json").read_text(encoding="utf-8"))
        vocab = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
        state = torch.load(folder / "model.pt", weights_only=True)
    except FileNotFoundError as err:
        raise BundleError(
            f"no trained model in {folder} ({Path(err.filename).name} missing) — "
            "train first: python ch16_textcls/textcls.py"
        ) from None
    if settings["vocab_size"] != len(vocab) + 2:
        raise BundleError(f"{folder}/vocab.json does not match the model — train again")
    model = BiLSTMClassifier(
        settings["vocab_size"],
        len(settings["names"]),
        embed_dim=settings["embed_dim"],
        hidden=settings["hidden"],
        pool=settings["pool"],
        layers=settings["layers"],
        bidirectional=settings["bidirectional"],
    )
    try:
        model.load_state_dict(state)
    except RuntimeError:
        raise BundleError(f"{folder}/model.pt does not match settings.json — train again") from None
    return model.eval(), vocab, settings


def predict_tokens(folder: Path, tokens: list[str], top: int = 3) -> list[tuple[str, float]]:
    """The `top` most likely classes of one tokenised document, with their probabilities."""
    model, vocab, settings = load_bundle(folder)
    ids = encode(tokens, vocab, settings["max_len"], settings.get("keep_tail", 0))
    probs = predict_proba(model, [ids])[0]
    best = probs.argsort(descending=True)[:top].tolist()
    return [(settings["names"][i], probs[i].item()) for i in best]


def fit_lstm(
    args,
    tokens,
    labels,
    n_classes,
    vocab,
    to_ids,
    embeddings,
    distill,
    *,
    val,
    bow_decay,
    epochs=None,
):
    """The teacher (when `distill` > 0, a regression with λ = `bow_decay`) and the LSTM for one
    labelled set. `val` = (ids, labels) for early stopping, or None for a refit over a fixed
    `epochs`."""
    teacher, teacher_s = None, 0.0
    if distill:
        start = time.perf_counter()
        teacher = crossfit_teacher(
            tokens, labels, n_classes, seed=args.seed, weight_decay=bow_decay
        )
        teacher_s = time.perf_counter() - start
        print(
            f"teacher: 5-fold cross-fitted bag of words, held-out accuracy on training text "
            f"{accuracy(teacher.argmax(dim=1).tolist(), labels):.4f} ({teacher_s:.1f} s)"
        )
    model, history = train_lstm(
        to_ids(tokens),
        labels,
        *(val or (None, None)),
        len(vocab) + 2,
        n_classes,
        epochs=epochs or args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        patience=args.patience,
        seed=args.seed,
        device=args.device,
        embed_dim=args.embed_dim,
        hidden=args.hidden,
        pool=args.pool,
        layers=args.layers,
        bidirectional=args.bidirectional,
        embeddings=embeddings,
        freeze_embeddings=args.freeze_embeddings,
        word_dropout=args.word_dropout,
        teacher=teacher,
        distill=distill,
        distill_temp=args.distill_temp,
    )
    return model, history, teacher_s


def run_fast(args, parts, names: list[str], chinese: bool, is_sample: bool) -> dict:
    """Train and evaluate the modern recipe on tokenised (train, validation, test) parts."""
    tr_tok, tr_y, va_tok, va_y, te_tok, te_y = parts
    max_len = args.max_len or choose_max_len(tr_tok)
    vocab = build_vocab(tr_tok, max_size=args.vocab_size)  # from the training part only
    print(
        f"{args.corpus}: train {len(tr_tok)}, validation {len(va_tok)}, test {len(te_tok)}, "
        f"{len(names)} classes; vocabulary {len(vocab)} (training text only); "
        f"max length {max_len} tokens"
    )
    if args.limit:
        tr_tok, tr_y = tr_tok[: args.limit], tr_y[: args.limit]

    start = time.perf_counter()
    bag, bow_decay = tune_bag_of_words(tr_tok, tr_y, va_tok, va_y, len(names))
    bow_val, bow_test = bag(va_tok).softmax(dim=1), bag(te_tok).softmax(dim=1)
    bow_acc = accuracy(bow_test.argmax(dim=1).tolist(), te_y)
    print(
        f"TF-IDF + logistic regression (weight decay {bow_decay:g}, chosen on validation from "
        f"{len(WEIGHT_DECAYS)} values): test accuracy {bow_acc:.4f} "
        f"({time.perf_counter() - start:.1f} s)"
    )

    to_ids = lambda toks: [encode(t, vocab, max_len, args.keep_tail) for t in toks]  # noqa: E731
    embeddings, ppmi_s = None, 0.0
    if args.embed_init == "ppmi":
        start = time.perf_counter()
        whole = [encode(t, vocab, max_len=None) for t in tr_tok]  # untruncated training text
        embeddings = ppmi_embeddings(whole, len(vocab) + 2, args.embed_dim, seed=args.seed)
        ppmi_s = time.perf_counter() - start
        print(f"word vectors: PPMI + SVD of the training text ({ppmi_s:.1f} s); nearest words:")
        for word, near in nearest_words(embeddings, vocab, PROBE_WORDS[chinese]):
            print(f"  {word}: {' '.join(near)}")
    # measured: +1.2 to +1.7 points on bydate, none on the binary reviews
    distill = (0.0 if chinese else 0.5) if args.distill is None else args.distill
    val_ids, test_ids = to_ids(va_tok), to_ids(te_tok)
    model, history, teacher_s = fit_lstm(
        args,
        tr_tok,
        tr_y,
        len(names),
        vocab,
        to_ids,
        embeddings,
        distill,
        val=(val_ids, va_y),
        bow_decay=bow_decay,
    )
    val_probs = predict_proba(model, val_ids, args.device)
    refit_s, first_acc = 0.0, None
    if args.refit:  # the ensemble keeps the temperatures fitted to the first models' validation
        epochs = max(range(len(history)), key=lambda i: history[i]["val_acc"]) + 1
        print(
            f"refit: a new LSTM on training + validation ({len(tr_tok) + len(va_tok)} "
            f"documents) for the {epochs} epochs early stopping chose"
        )
        first_acc = accuracy(predict_ids(model, test_ids, args.device), te_y)
        print(f"LSTM trained on the training part alone: test accuracy {first_acc:.4f}")
        all_tok, all_y = tr_tok + va_tok, tr_y + va_y
        model, refit_history, refit_teacher_s = fit_lstm(
            args,
            all_tok,
            all_y,
            len(names),
            vocab,
            to_ids,
            embeddings,
            distill,
            val=None,
            bow_decay=bow_decay,
            epochs=epochs,
        )
        refit_s = sum(h["seconds"] for h in refit_history) + refit_teacher_s
        bag = fit_bag_of_words(all_tok, all_y, len(names), bow_decay)
        bow_test = bag(te_tok).softmax(dim=1)
        bow_acc = accuracy(bow_test.argmax(dim=1).tolist(), te_y)
        print(f"TF-IDF + logistic regression on training + validation: test accuracy {bow_acc:.4f}")
    test_probs = predict_proba(model, test_ids, args.device)
    pred = test_probs.argmax(dim=1).tolist()
    acc = accuracy(pred, te_y)
    f1 = per_class_f1(pred, te_y, len(names))
    train_s = sum(h["seconds"] for h in history) + ppmi_s + teacher_s + refit_s
    print(
        f"LSTM: test accuracy {acc:.4f}, macro-F1 {sum(f1) / len(f1):.4f} "
        f"(bag of words {bow_acc:.4f}); training {train_s:.0f} s"
    )
    for name, score in zip(names, f1, strict=True):
        print(f"  {name:<26} F1 {score:.3f}")
    ensemble_acc = report_ensemble(
        [val_probs, bow_val],
        va_y,
        [test_probs, bow_test],
        te_y,
    )
    out = args.out_dir / args.corpus
    save_bundle(
        out,
        model.cpu(),
        vocab,
        names,
        dict(
            max_len=max_len,
            keep_tail=args.keep_tail,
            chinese=chinese,
            chinese_tokens=args.chinese_tokens,
            corpus=args.corpus,
        ),
    )
    print(f"model: {out}  confusion: {save_confusion(pred, te_y, names, out / 'confusion.png')}")
    return dict(
        acc=acc,
        bow_acc=bow_acc,
        ensemble_acc=ensemble_acc,
        macro_f1=sum(f1) / len(f1),
        history=history,
        is_sample=is_sample,
        train_seconds=train_s,
        acc_before_refit=first_acc,
    )
