"""第16章 throughput benchmark: documents/s of the LSTM classifier, training and inference.

    python ch16_textcls/benchmark.py [--docs 1024] [--batch-sizes 32 64 128] [--max-lens 200 400]

Synthetic documents whose lengths follow the 20 Newsgroups "bydate" training set's shape
(log-normal, median ≈ 150 tokens, truncated at --max-len); vocabulary 30,000; 20 classes.
Batches are either bucketed (documents of similar length together, as textcls.py trains) or
drawn at random (each batch padded to its longest document), and the LSTM reads them either
padded (bilstm.BiLSTM, the default) or packed with pack_padded_sequence (the same weights
through nn.LSTM's packed path, whose CPU backward pass grows with length²). One table.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # this chapter's modules, from any folder

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from bilstm import BiLSTMClassifier, bucketed_batches, pad_batch  # noqa: E402

import support  # noqa: E402


def synthetic_corpus(n=4096, vocab=30000, max_len=400, seed=0):
    gen = torch.Generator().manual_seed(seed)
    lengths = torch.exp(torch.randn(n, generator=gen) * 0.9 + 5.0).clamp(8, max_len).long()
    docs = [torch.randint(2, vocab, (int(k),), generator=gen).tolist() for k in lengths]
    labels = torch.randint(0, 20, (n,), generator=gen).tolist()
    return docs, labels


def batches(docs, batch_size, bucketed, gen):
    if bucketed:
        return bucketed_batches([len(d) for d in docs], batch_size, gen)
    order = torch.randperm(len(docs), generator=gen).tolist()
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def docs_per_second(model, docs, labels, batch_size, bucketed, train, device):
    """One full pass over `docs` (a time window would favour whichever batches come first)."""
    gen = torch.Generator().manual_seed(0)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model.train(train)
    start = time.perf_counter()
    for batch in batches(docs, batch_size, bucketed, gen):
        ids, lens = pad_batch([docs[i] for i in batch], device)
        if train:
            y = torch.tensor([labels[i] for i in batch], device=device)
            loss = F.cross_entropy(model(ids, lens), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        else:
            with torch.inference_mode():
                model(ids, lens)
    if device.type == "cuda":
        torch.cuda.synchronize()
    elif device.type == "mps":
        torch.mps.synchronize()
    return len(docs) / (time.perf_counter() - start)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description="ch16 LSTM classifier throughput (one table)")
    p.add_argument("--docs", type=int, default=1024, help="synthetic documents per pass")
    p.add_argument("--batch-sizes", type=int, nargs="+", default=[32, 64, 128])
    p.add_argument("--max-lens", type=int, nargs="+", default=[200, 400])
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument(
        "--device",
        type=support.device_option,
        default="auto",
        help=support.DEVICE_HELP + " (default: auto)",
    )
    args = p.parse_args(argv)
    device = torch.device(args.device)
    print(
        f"device {device}, {torch.get_num_threads()} threads, BiLSTM hidden {args.hidden}, "
        "embedding 128, vocabulary 30,000\n"
    )
    print(
        f"{'max_len':>7} {'batch':>5} {'batches':<9} {'lstm':<7} {'train docs/s':>12} "
        f"{'infer docs/s':>12}"
    )
    for max_len in args.max_lens:
        docs, labels = synthetic_corpus(n=args.docs, max_len=max_len)
        for batch_size in args.batch_sizes:
            for bucketed in (True, False):
                for packed in (False, True):
                    torch.manual_seed(0)
                    model = BiLSTMClassifier(30002, 20, hidden=args.hidden, packed=packed).to(
                        device
                    )
                    cell = (model, docs, labels, batch_size, bucketed)
                    train = docs_per_second(*cell, True, device)
                    infer = docs_per_second(*cell, False, device)
                    kind = "bucketed" if bucketed else "random"
                    lstm = "packed" if packed else "padded"
                    print(
                        f"{max_len:>7} {batch_size:>5} {kind:<9} {lstm:<7} {train:>12,.0f} "
                        f"{infer:>12,.0f}",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
