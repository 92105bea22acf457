"""第11章 throughput benchmark: how fast do the book's Net and §11.6's wide Net train and test here?

    python ch11_mnist/benchmark.py [--seconds 2] [--batch-sizes 64 128 256 512] [--device cpu]

Prints one table: training and test images/s per model, batch size and memory format
(contiguous NCHW vs. channels_last), the achieved GFLOP/s, and its ratio to a matmul "roof"
(torch.mm of two 2048×2048 float32 matrices) measured in the same run on the same device.
Random data: this measures speed, not accuracy.
"""

import argparse
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from mnist import MODELS, Net


def forward_flops_per_image(model: nn.Module) -> int:
    """Multiply-adds ×2 of every conv and linear layer for one 1×28×28 image (pooling, ReLU free)."""
    flops = 0

    def conv_hook(mod, inp, out):
        nonlocal flops
        k = mod.kernel_size[0] * mod.kernel_size[1]
        flops += 2 * out[0].numel() * mod.in_channels * k

    def linear_hook(mod, inp, out):
        nonlocal flops
        flops += 2 * mod.in_features * mod.out_features

    hooks = [
        m.register_forward_hook(conv_hook if isinstance(m, nn.Conv2d) else linear_hook)
        for m in model.modules()
        if isinstance(m, (nn.Conv2d, nn.Linear))
    ]
    with torch.inference_mode():
        model.eval()(torch.zeros(1, 1, 28, 28))
    for h in hooks:
        h.remove()
    return flops


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def timed_rate(step, items_per_step: int, seconds: float, device) -> float:
    """Items per second of `step`, after warm-up, over at least `seconds`."""
    for _ in range(3):
        step()
    _sync(device)
    start, n = time.perf_counter(), 0
    while True:
        step()
        n += items_per_step
        _sync(device)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return n / elapsed


def matmul_roof_gflops(device, seconds: float, size: int = 2048) -> float:
    a, b = torch.randn(size, size, device=device), torch.randn(size, size, device=device)
    return timed_rate(lambda: torch.mm(a, b), 2 * size**3, seconds, device) / 1e9


def measure(model_name: str, batch: int, channels_last: bool, device, seconds: float):
    torch.manual_seed(0)
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    model = Net(**MODELS[model_name]).to(device, memory_format=fmt)
    x = torch.randn(batch, 1, 28, 28, device=device).contiguous(memory_format=fmt)
    y = torch.randint(0, 10, (batch,), device=device)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.5)

    def train_step():
        opt.zero_grad(set_to_none=True)
        F.nll_loss(model(x), y).backward()
        opt.step()

    model.train()
    train = timed_rate(train_step, batch, seconds, device)
    model.eval()
    with torch.inference_mode():
        test = timed_rate(lambda: model(x), batch, seconds, device)
    return train, test


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description="ch11 MNIST throughput benchmark (one table)")
    p.add_argument("--seconds", type=float, default=2.0, help="timing window per cell")
    p.add_argument("--batch-sizes", type=int, nargs="+", default=[64, 128, 256, 512])
    p.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    p.add_argument("--device", default=None, help="default: cuda if present, else cpu")
    p.add_argument("--threads", type=int, default=None, help="CPU threads (default: torch's)")
    args = p.parse_args(argv)
    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    if args.threads:
        torch.set_num_threads(args.threads)

    roof = matmul_roof_gflops(device, args.seconds)
    print(
        f"device {device}, {torch.get_num_threads()} threads, torch {torch.__version__}; "
        f"matmul roof (torch.mm 2048², float32): {roof:.1f} GFLOP/s"
    )
    print("training FLOPs counted as 3× forward (forward + backward for inputs and weights)\n")
    print(
        f"{'model':<6} {'params':>7} {'MFLOP/img':>9} {'batch':>5} {'layout':<14} "
        f"{'train img/s':>11} {'GFLOP/s':>8} {'of roof':>7} {'test img/s':>11} {'GFLOP/s':>8}"
    )
    for name in args.models:
        net = Net(**MODELS[name])
        params = sum(p.numel() for p in net.parameters())
        fwd = forward_flops_per_image(net)
        for batch in args.batch_sizes:
            for channels_last in (False, True):
                train, test = measure(name, batch, channels_last, device, args.seconds)
                train_gf, test_gf = 3 * fwd * train / 1e9, fwd * test / 1e9
                layout = "channels_last" if channels_last else "NCHW"
                print(
                    f"{name:<6} {params:>7,} {fwd / 1e6:>9.2f} {batch:>5} {layout:<14} "
                    f"{train:>11,.0f} {train_gf:>8.1f} {train_gf / roof:>6.1%} "
                    f"{test:>11,.0f} {test_gf:>8.1f}"
                )


if __name__ == "__main__":
    main()
