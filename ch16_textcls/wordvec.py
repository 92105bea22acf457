"""Word vectors from the training text (not in the book: §16.2 loads a word-vector matrix into a
frozen Embedding layer without saying where it comes from; these need no download)."""

import torch


def ppmi_embeddings(id_lists, vocab_size, dim=128, window=5, seed=0) -> torch.Tensor:
    """Word vectors from co-occurrence in the training text alone (no download): positive PMI
    of word pairs within ±window tokens, factorised by a truncated SVD (Levy & Goldberg 2014:
    what word2vec's skip-gram implicitly does). The padding and unknown rows stay zero."""
    pairs = [torch.zeros(2, 0, dtype=torch.long)]
    for ids in id_lists:
        t = torch.tensor(ids)
        for k in range(1, window + 1):
            if len(t) > k:
                pairs.append(torch.stack([t[:-k], t[k:]]))
    a, b = torch.cat(pairs, dim=1)
    a, b = torch.cat([a, b]), torch.cat([b, a])  # symmetric window
    keep = (a > 1) & (b > 1)
    counts = torch.sparse_coo_tensor(
        torch.stack([a[keep], b[keep]]),
        torch.ones(int(keep.sum())),
        (vocab_size, vocab_size),
        check_invariants=False,
    ).coalesce()
    (rows, cols), c = counts.indices(), counts.values()
    word = torch.zeros(vocab_size).index_add_(0, rows, c)
    context = word**0.75  # context distribution smoothing, as word2vec's negative sampling
    pmi = torch.log(c * context.sum() / (word[rows] * context[cols]))
    pos = pmi > 0
    ppmi = torch.sparse_coo_tensor(
        torch.stack([rows[pos], cols[pos]]),
        pmi[pos],
        (vocab_size, vocab_size),
        check_invariants=False,
    ).coalesce()
    torch.manual_seed(seed)
    rank = min(dim, vocab_size - 2)  # a tiny corpus (--limit) can have fewer words than dims
    u, s, _ = torch.svd_lowrank(ppmi, q=rank, niter=3)
    vectors = torch.zeros(vocab_size, dim)
    vectors[:, :rank] = u * s.sqrt()
    block = vectors[2:, :rank]
    if block.numel() > 1:  # the spread of nn.Embedding's N(0, 1) start
        vectors /= block.std().clamp_min(1e-9)
    vectors[:2] = 0.0  # padding, unknown
    return vectors


PROBE_WORDS = {
    False: ["space", "god", "car", "windows", "gun"],
    True: ["酒店", "服务", "好吃", "送餐"],
}


def nearest_words(vectors, vocab, words, k=5):
    """(word, its k nearest words by cosine) for the probe words that are in the vocabulary."""
    inverse = {i: w for w, i in vocab.items()}
    unit = vectors / vectors.norm(dim=1, keepdim=True).clamp_min(1e-9)
    out = []
    for w in words:
        if w in vocab:
            best = (unit @ unit[vocab[w]]).topk(k + 1).indices.tolist()
            out.append((w, [inverse[i] for i in best if i in inverse and i != vocab[w]][:k]))
    return out
