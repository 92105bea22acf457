"""Vocabulary and word ids for the modern recipe (not the book's Keras Tokenizer, which is in
textcls.py): the vocabulary comes from the training text alone, 0 pads and 1 stands for any
unknown word, and a long document keeps its head and its tail."""

from collections import Counter

VOCAB_SIZE = 30000  # most frequent training words kept
KEEP_TAIL = 100  # tokens kept from the end of a cut document (a newsgroup post's signature)

PAD, UNK = 0, 1


def build_vocab(token_lists, max_size=VOCAB_SIZE, min_count=2) -> dict[str, int]:
    counts = Counter(w for tokens in token_lists for w in tokens)
    common = [w for w, c in counts.most_common(max_size) if c >= min_count]
    return {w: i for i, w in enumerate(common, start=2)}  # 0 = padding, 1 = unknown


def encode(
    tokens: list[str], vocab: dict[str, int], max_len: int | None, keep_tail: int = KEEP_TAIL
) -> list[int]:
    """Word ids, unknown words as UNK. A document longer than max_len keeps its first
    max_len - keep_tail tokens and its last keep_tail (where a newsgroup post signs off)."""
    if max_len is not None and len(tokens) > max_len:
        head = max_len - min(keep_tail, max_len)
        tokens = tokens[:head] + tokens[len(tokens) - (max_len - head) :]
    ids = [vocab.get(w, UNK) for w in tokens]
    return ids or [UNK]


def choose_max_len(token_lists, quantile=0.9, cap=400) -> int:
    """Truncate at the 90th percentile of training lengths: 9 in 10 documents are kept whole."""
    lengths = sorted(len(t) for t in token_lists)
    return max(16, min(cap, lengths[int(quantile * (len(lengths) - 1))]))
