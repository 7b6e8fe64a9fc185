"""Benchmark: the library's fast convolution and pooling against PyTorch, same inputs, one process.

    .venv/bin/python benchmarks/bench_conv.py [--threads 1] [--repeat 7] [--json out.json]

For every case prints the best-of-``repeat`` wall time of dlcourse and of torch (CPU), forward
and forward+backward, in float32 and float64, and the ratio dlcourse / torch (below 1: the
library is faster). Then times one training step of seed 000's MNIST network (batch 64, Adam)
in both and extrapolates to one epoch of 60,000 images. This is a script, not a test: timings
depend on the machine and its load; nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import numpy as np
import torch
import torch.nn.functional as F
from dlcourse.conv import conv2d_backward, conv2d_forward
from dlcourse.pool import max_pool2d_backward, max_pool2d_forward
from threadpoolctl import threadpool_info, threadpool_limits

CONV_CASES = [  # (N, C, H, W, F, k, padding)
    (64, 3, 32, 32, 16, 3, 1),
    (64, 16, 28, 28, 32, 3, 1),
    (8, 64, 56, 56, 64, 3, 1),
]
POOL_CASES = [((64, 32, 28, 28), 2, 2)]  # (shape, kernel_size, stride)


def best_times(ours, theirs, repeat: int) -> tuple[float, float]:
    """Best-of-``repeat`` seconds of two functions, timed alternately (both see the same load)."""
    ours(), theirs()  # warm-up
    times = ([], [])
    for _ in range(repeat):
        for fn, record in ((ours, times[0]), (theirs, times[1])):
            start = time.perf_counter()
            fn()
            record.append(time.perf_counter() - start)
    return min(times[0]), min(times[1])


def conv_case(case, dtype, repeat):
    n, c, h, w, f, k, p = case
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, c, h, w)).astype(dtype)
    wt = rng.standard_normal((f, c, k, k)).astype(dtype)
    b = rng.standard_normal(f).astype(dtype)
    dout = rng.standard_normal((n, f, h + 2 * p - k + 1, w + 2 * p - k + 1)).astype(dtype)
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, wt, b))
    tdout = torch.tensor(dout)

    def ours_fb():
        conv2d_backward(dout, conv2d_forward(x, wt, b, 1, p)[1])

    def torch_f():
        with torch.no_grad():
            F.conv2d(tx, tw, tb, padding=p)

    def torch_fb():
        tx.grad = tw.grad = tb.grad = None
        F.conv2d(tx, tw, tb, padding=p).backward(tdout)

    return {
        "forward": best_times(lambda: conv2d_forward(x, wt, b, 1, p), torch_f, repeat),
        "forward+backward": best_times(ours_fb, torch_fb, repeat),
    }


def pool_case(case, dtype, repeat):
    shape, k, s = case
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    out_shape = (*shape[:2], (shape[2] - k) // s + 1, (shape[3] - k) // s + 1)
    dout = np.random.default_rng(1).standard_normal(out_shape).astype(dtype)
    tx, tdout = torch.tensor(x, requires_grad=True), torch.tensor(dout)

    def ours_fb():
        max_pool2d_backward(dout, max_pool2d_forward(x, k, s)[1])

    def torch_f():
        with torch.no_grad():
            F.max_pool2d(tx, k, s)

    def torch_fb():
        tx.grad = None
        F.max_pool2d(tx, k, s).backward(tdout)

    return {
        "forward": best_times(lambda: max_pool2d_forward(x, k, s), torch_f, repeat),
        "forward+backward": best_times(ours_fb, torch_fb, repeat),
    }


def seed_network_step_times(steps: int, batch_size: int = 64, full_epoch: bool = False):
    """Median seconds per training step (forward, loss, backward, Adam) in dlcourse and torch.

    With ``full_epoch`` also the seconds of one real epoch over the 60,000 MNIST training
    images (shuffled batches of ``batch_size``), under the keys ``"<name> epoch"``.
    """
    from dlcourse.cnn import seed_cnn, torch_seed_cnn
    from dlcourse.losses import SoftmaxCrossEntropyLoss
    from dlcourse.optim import Adam

    rng = np.random.default_rng(0)
    x = rng.random((batch_size, 1, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, batch_size)

    net, loss = seed_cnn(rng=0), SoftmaxCrossEntropyLoss()
    opt = Adam(net.parameters(), lr=1e-3)

    def ours():
        out = net.forward(x)
        loss.forward(out, y)
        net.zero_grad()
        net.backward(loss.backward())
        opt.step()

    torch.manual_seed(0)
    tnet = torch_seed_cnn()
    topt = torch.optim.Adam(tnet.parameters(), lr=1e-3)
    tx, ty = torch.tensor(x), torch.tensor(y)

    def theirs():
        topt.zero_grad()
        F.cross_entropy(tnet(tx), ty).backward()
        topt.step()

    ours(), theirs()  # warm-up
    times = {"dlcourse": [], "torch": []}
    for _ in range(steps):  # alternate, so that both see the same load
        for name, fn in (("dlcourse", ours), ("torch", theirs)):
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    result = {name: float(np.median(t)) for name, t in times.items()}
    if full_epoch:
        from dlcourse.data import load_mnist

        data = load_mnist()
        order = np.random.default_rng(0).permutation(len(data.X_train))
        for name, fn in (("dlcourse", ours), ("torch", theirs)):
            start = time.perf_counter()
            for i in range(0, len(order), batch_size):
                idx = order[i : i + batch_size]
                x, y = data.X_train[idx], data.y_train[idx]
                tx, ty = torch.from_numpy(x), torch.from_numpy(y)
                fn()
            result[f"{name} epoch"] = time.perf_counter() - start
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--threads", type=int, default=None, help="BLAS and torch threads (default: as set)"
    )
    parser.add_argument(
        "--repeat", type=int, default=7, help="timed runs per measurement (best is kept)"
    )
    parser.add_argument(
        "--steps", type=int, default=60, help="training steps timed for the MNIST network"
    )
    parser.add_argument(
        "--full-epoch", action="store_true", help="also time one real MNIST epoch in each"
    )
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args()

    if args.threads is not None:
        threadpool_limits(args.threads)
        torch.set_num_threads(args.threads)
    blas = [
        f"{i['internal_api']} {i.get('version')} {i.get('architecture')} x{i['num_threads']}"
        for i in threadpool_info()
        if i["user_api"] == "blas"
    ]
    print(
        f"numpy {np.__version__} ({'; '.join(blas)}), torch {torch.__version__} "
        f"x{torch.get_num_threads()} threads, {platform.processor() or platform.machine()}"
    )
    rows = []
    header = f"{'case':44s} {'dtype':8s} {'pass':17s} {'dlcourse ms':>12s} {'torch ms':>10s}"
    header += f" {'ratio':>7s}"
    print(header)
    print("-" * len(header))
    jobs = [
        (f"conv N={n} C={c} {h}x{w} F={f} {k}x{k} pad {p}", conv_case, case)
        for case in CONV_CASES
        for n, c, h, w, f, k, p in [case]
    ]
    jobs += [
        (f"max-pool {k}x{k} stride {s} on {shape}", pool_case, (shape, k, s))
        for shape, k, s in POOL_CASES
    ]
    for name, fn, case in jobs:
        for dtype in (np.float32, np.float64):
            for mode, (ours, theirs) in fn(case, dtype, args.repeat).items():
                rows.append(
                    {
                        "case": name,
                        "dtype": np.dtype(dtype).name,
                        "pass": mode,
                        "dlcourse_s": ours,
                        "torch_s": theirs,
                        "ratio": ours / theirs,
                    }
                )
                print(
                    f"{name:44s} {np.dtype(dtype).name:8s} {mode:17s} {ours * 1e3:12.2f} "
                    f"{theirs * 1e3:10.2f} {ours / theirs:7.2f}"
                )
    steps = seed_network_step_times(args.steps, full_epoch=args.full_epoch)
    per_epoch = {k: v * 60000 / 64 for k, v in steps.items() if "epoch" not in k}
    print(
        "\nseed 000 network, batch 64, float32, Adam: one MNIST epoch (938 steps) "
        f"extrapolated from the median of {args.steps} steps: "
        f"dlcourse {per_epoch['dlcourse']:.1f} s, torch {per_epoch['torch']:.1f} s, "
        f"ratio {per_epoch['dlcourse'] / per_epoch['torch']:.2f}"
    )
    if args.full_epoch:
        ours, theirs = steps["dlcourse epoch"], steps["torch epoch"]
        print(
            f"one real MNIST epoch (60,000 images, batches of 64): dlcourse {ours:.1f} s, "
            f"torch {theirs:.1f} s, ratio {ours / theirs:.2f}"
        )
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(
                {
                    "threads": args.threads,
                    "blas": blas,
                    "torch_threads": torch.get_num_threads(),
                    "rows": rows,
                    "mnist_epoch_s": per_epoch,
                    "mnist_full_epoch_s": {k: v for k, v in steps.items() if "epoch" in k},
                },
                fh,
                indent=2,
            )


if __name__ == "__main__":
    main()
