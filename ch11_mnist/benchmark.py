"""第11章 throughput benchmark: how fast do the book's Net and §11.6's wide Net train and test here?

    python ch11_mnist/benchmark.py [--seconds 2] [--batch-sizes 64 128 256 512] [--device cpu]
    python ch11_mnist/benchmark.py --variants      # the roof table: compile, threads, evaluation
    python ch11_mnist/benchmark.py --profile       # where a training step's time goes, per op

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

try:  # imported as ch11_mnist.benchmark, else from this folder
    from . import mnist, support
except ImportError:
    import mnist

    import support


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
    """Wait for queued GPU work, so a timer measures it."""
    if device.type == "cuda":
        torch.cuda.synchronize()
    elif device.type == "mps":
        torch.mps.synchronize()


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
    model = mnist.Net(**mnist.MODELS[model_name]).to(device, memory_format=fmt)
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


# ---------------------------------------------------------------- the roof: what the CPU offers


def fast_recipe_step(model, batch: int, device):
    """One training step as fast_recipe.py takes it (AdamW, channels_last, smoothing)."""
    x = torch.randn(batch, 1, 28, 28, device=device).contiguous(memory_format=torch.channels_last)
    y = torch.randint(0, 10, (batch,), device=device)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=5e-4)

    def step():
        opt.zero_grad(set_to_none=True)
        logp = model(x)
        loss = 0.95 * F.nll_loss(logp, y) - 0.05 * logp.mean()
        loss.backward()
        opt.step()

    return step, x


def book_net(device):
    torch.manual_seed(0)
    return mnist.Net(**mnist.MODELS["book"], p_conv=0.1, p_fc=0.1).to(
        device, memory_format=torch.channels_last
    )


def variant_rows(device, seconds: float, batch: int, compile_too: bool):
    """(variant, train img/s, test img/s, compile seconds) for the book mnist.Net at `batch`."""
    threads = torch.get_num_threads()
    rows = []
    for n in sorted({threads, 1}, reverse=True):
        torch.set_num_threads(n)
        model = book_net(device)
        step, x = fast_recipe_step(model.train(), batch, device)
        train = timed_rate(step, batch, seconds, device)
        model.eval()
        with torch.inference_mode():
            test = timed_rate(lambda m=model, x=x: m(x), batch, seconds, device)
        rows.append((f"eager, {n} thread{'s' if n > 1 else ''}, inference_mode", train, test, None))
    torch.set_num_threads(threads)
    model = book_net(device).eval()
    with torch.no_grad():
        no_grad = timed_rate(lambda: model(x), batch, seconds, device)
    grad = timed_rate(lambda: model(x), batch, seconds, device)
    rows.append((f"eager, {threads} threads, evaluation under no_grad", None, no_grad, None))
    rows.append((f"eager, {threads} threads, evaluation with autograd on", None, grad, None))
    if compile_too:
        model = book_net(device)
        compiled = torch.compile(model)
        step, x = fast_recipe_step(compiled.train(), batch, device)
        start = time.perf_counter()
        step()  # the first call compiles forward and backward
        _sync(device)
        compile_s = time.perf_counter() - start
        train = timed_rate(step, batch, seconds, device)
        compiled.eval()
        with torch.inference_mode():
            compiled(x)  # compiles the inference graph
            test = timed_rate(lambda: compiled(x), batch, seconds, device)
        rows.append((f"torch.compile (inductor), {threads} threads", train, test, compile_s))
    return rows


def print_variants(args, device, roof: float) -> None:
    fwd = forward_flops_per_image(mnist.Net(**mnist.MODELS["book"]))
    batch = args.batch_sizes[0] if args.batch_sizes != DEFAULT_BATCHES else 256
    print(f"book mnist.Net, batch {batch}, channels_last, the fast recipe's step (AdamW)\n")
    print(f"{'variant':<52} {'train img/s':>11} {'of roof':>7} {'test img/s':>11} {'compile s':>9}")
    for name, train, test, compile_s in variant_rows(
        device, args.seconds, batch, not args.no_compile
    ):
        share = f"{3 * fwd * train / 1e9 / roof:>7.1%}" if train else f"{'':>7}"
        shown = f"{train:>11,.0f}" if train else f"{'':>11}"
        print(
            f"{name:<52} {shown} {share} {test:>11,.0f} "
            f"{'' if compile_s is None else f'{compile_s:.1f}':>9}"
        )


def print_profile(device, batch: int = 256) -> None:
    """The ops that take a fast-recipe training step's time, by self CPU time."""
    from torch.profiler import ProfilerActivity, profile

    step, _ = fast_recipe_step(book_net(device).train(), batch, device)
    for _ in range(3):
        step()
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for _ in range(10):
            step()
    print(
        f"book mnist.Net, batch {batch}, channels_last: 10 training steps, top ops by self CPU time"
    )
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=12))


DEFAULT_BATCHES = [64, 128, 256, 512]


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description="ch11 MNIST throughput benchmark (one table)")
    p.add_argument(
        "--seconds", type=support.positive_float, default=2.0, help="timing window per cell"
    )
    p.add_argument("--batch-sizes", type=support.positive_int, nargs="+", default=DEFAULT_BATCHES)
    p.add_argument("--models", nargs="+", default=list(mnist.MODELS), choices=list(mnist.MODELS))
    p.add_argument(
        "--device",
        type=support.device_option,
        default="auto",
        help=support.DEVICE_HELP + " (default: auto)",
    )
    p.add_argument(
        "--threads", type=support.positive_int, default=None, help="CPU threads (default: torch's)"
    )
    p.add_argument(
        "--variants",
        action="store_true",
        help="instead: the book mnist.Net under torch.compile, 1 thread, and three ways to evaluate",
    )
    p.add_argument("--no-compile", action="store_true", help="--variants without torch.compile")
    p.add_argument("--profile", action="store_true", help="instead: top ops of a training step")
    args = p.parse_args(argv)
    device = torch.device(args.device)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.profile:
        print_profile(device)
        return

    roof = matmul_roof_gflops(device, args.seconds)
    print(
        f"device {device}, {torch.get_num_threads()} threads, torch {torch.__version__}; "
        f"matmul roof (torch.mm 2048², float32): {roof:.1f} GFLOP/s"
    )
    print("training FLOPs counted as 3× forward (forward + backward for inputs and weights)\n")
    if args.variants:
        print_variants(args, device, roof)
        return
    print(
        f"{'model':<6} {'params':>7} {'MFLOP/img':>9} {'batch':>5} {'layout':<14} "
        f"{'train img/s':>11} {'GFLOP/s':>8} {'of roof':>7} {'test img/s':>11} {'GFLOP/s':>8}"
    )
    for name in args.models:
        net = mnist.Net(**mnist.MODELS[name])
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
