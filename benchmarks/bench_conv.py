"""Benchmark: the library's convolution and pooling layers against PyTorch (and, when a local
checkout is given, Deep Learning from Scratch's and CS231n's im2col layers), then the CNN
walk-through network's MNIST epoch against the same network in PyTorch.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/bench_conv.py \\
        [--threads 1] [--repeat 21] [--dlfs PATH] [--cs231n PATH] [--json out.json]

How it is made trustworthy (see benchmarks/README.md):

- **One thread** for numpy's BLAS and for torch unless ``--threads`` says otherwise.
- **Equal work first.** Before any timing, every contender computes the forward output and the
  three gradients on the same inputs, compared with torch in float64; a contender that
  disagrees stops the run. Forward passes are timed as each side trains: ours stores its
  backward cache and torch records its autograd graph (no ``no_grad`` on one side only).
- **Round robin with rotation.** Every repetition runs every contender once, and the order
  rotates from one repetition to the next, so that all see the same load and none is always
  first after another's cache damage.
- **Best and median of N, with the spread** (the interquartile range as a percentage of the
  median); ratios use medians.
- **The kernel is reported**: threadpoolctl's view of the BLAS (library, version, core type,
  threads) and the ``OPENBLAS_*`` variables in force.
- **The MNIST epoch is real**: 60,000 MNIST images in shuffled batches of 64, both networks
  stepping alternately batch by batch (forward, loss, backward, Adam), after a check that both
  compute the same loss and gradients from the same weights.

Nothing here asserts a speed: timings depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import json
import os
import platform
import sys
import time
from pathlib import Path

import dlcourse.conv
import numpy as np
import torch
import torch.nn.functional as F
from dlcourse.conv import Conv2d
from dlcourse.gradcheck import relative_error
from dlcourse.pool import MaxPool2d
from threadpoolctl import threadpool_info, threadpool_limits

#: Convolution cases (N, C, H, W, F, k, padding): A small images, B MNIST-like, C large maps.
CONV_CASES = {
    "A": (64, 3, 32, 32, 16, 3, 1),
    "B": (64, 16, 28, 28, 32, 3, 1),
    "C": (8, 64, 56, 56, 64, 3, 1),
}
#: Max-pooling cases (shape, kernel, stride).
POOL_CASES = {"P": ((64, 32, 28, 28), 2, 2)}
TOLERANCE = {np.float32: 1e-5, np.float64: 1e-10}  # relative error (norms) against torch f64


# --- the contenders --------------------------------------------------------------------------


class Contender:
    """One implementation of one case: ``forward()``, ``forward_backward()``, ``outputs()``."""

    def __init__(self, name, forward, forward_backward, outputs):
        self.name, self.forward, self.forward_backward, self.outputs = (
            name,
            forward,
            forward_backward,
            outputs,
        )


def conv_contenders(x, w, b, dout, pad, peers) -> list[Contender]:
    layer = Conv2d(w.shape[1], w.shape[0], w.shape[2:], padding=pad, dtype=w.dtype)
    layer.W.data[...], layer.b.data[...] = w, b

    def ours_fb():
        layer.zero_grad()
        layer.forward(x)
        return layer.backward(dout)

    def ours_outputs():
        out = layer.forward(x)
        layer.zero_grad()
        dx = layer.backward(dout)
        return {"out": out, "dx": dx, "dw": layer.W.grad, "db": layer.b.grad}

    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    tdout = torch.tensor(dout)

    def torch_forward():
        return F.conv2d(tx, tw, tb, padding=pad)  # records the graph, as in training

    def torch_fb():
        tx.grad = tw.grad = tb.grad = None
        F.conv2d(tx, tw, tb, padding=pad).backward(tdout)

    def torch_outputs():
        out = torch_forward()
        torch_fb()
        return {
            "out": out.detach().numpy(),
            "dx": tx.grad.numpy(),
            "dw": tw.grad.numpy(),
            "db": tb.grad.numpy(),
        }

    found = [
        Contender("dlcourse", lambda: layer.forward(x), ours_fb, ours_outputs),
        Contender("torch", torch_forward, torch_fb, torch_outputs),
    ]
    if "dlfs" in peers:
        conv = peers["dlfs"].Convolution(w, b, stride=1, pad=pad)

        def dlfs_fb():
            conv.forward(x)
            return conv.backward(dout)

        def dlfs_outputs():
            out = conv.forward(x)
            return {"out": out, "dx": conv.backward(dout), "dw": conv.dW, "db": conv.db}

        found.append(Contender("dlfs", lambda: conv.forward(x), dlfs_fb, dlfs_outputs))
    if "cs231n" in peers:
        fast, param = peers["cs231n"], {"stride": 1, "pad": pad}

        def cs_fb():
            return fast.conv_backward_fast(dout, fast.conv_forward_fast(x, w, b, param)[1])

        def cs_outputs():
            out, cache = fast.conv_forward_fast(x, w, b, param)
            dx, dw, db = fast.conv_backward_fast(dout, cache)
            return {"out": out, "dx": dx, "dw": dw, "db": db}

        found.append(
            Contender("cs231n", lambda: fast.conv_forward_fast(x, w, b, param), cs_fb, cs_outputs)
        )
    return found


def pool_contenders(x, k, s, dout, peers) -> list[Contender]:
    layer = MaxPool2d(k, s)

    def ours_outputs():
        return {"out": layer.forward(x), "dx": layer.backward(dout)}

    def ours_fb():
        layer.forward(x)
        return layer.backward(dout)

    tx, tdout = torch.tensor(x, requires_grad=True), torch.tensor(dout)

    def torch_forward():
        return F.max_pool2d(tx, k, s)

    def torch_fb():
        tx.grad = None
        F.max_pool2d(tx, k, s).backward(tdout)

    def torch_outputs():
        out = torch_forward().detach().numpy()
        torch_fb()
        return {"out": out, "dx": tx.grad.numpy()}

    found = [
        Contender("dlcourse", lambda: layer.forward(x), ours_fb, ours_outputs),
        Contender("torch", torch_forward, torch_fb, torch_outputs),
    ]
    if "dlfs" in peers:
        pool = peers["dlfs"].Pooling(k, k, stride=s)

        def dlfs_fb():
            pool.forward(x)
            return pool.backward(dout)

        def dlfs_outputs():
            return {"out": pool.forward(x), "dx": pool.backward(dout)}

        found.append(Contender("dlfs", lambda: pool.forward(x), dlfs_fb, dlfs_outputs))
    if "cs231n" in peers:
        fast, param = peers["cs231n"], {"pool_height": k, "pool_width": k, "stride": s}

        def cs_fb():
            return fast.max_pool_backward_fast(dout, fast.max_pool_forward_fast(x, param)[1])

        def cs_outputs():
            out, cache = fast.max_pool_forward_fast(x, param)
            return {"out": out, "dx": fast.max_pool_backward_fast(dout, cache)}

        found.append(
            Contender("cs231n", lambda: fast.max_pool_forward_fast(x, param), cs_fb, cs_outputs)
        )
    return found


def load_peers(args) -> dict:
    """Import the peers' layers from the local checkouts given (their code stays there)."""
    peers = {}
    if args.dlfs:
        root = Path(args.dlfs).resolve()
        if not (root / "common" / "layers.py").is_file():
            sys.exit(f"--dlfs {root}: no common/layers.py (give the repository's root)")
        sys.path.insert(0, str(root))
        peers["dlfs"] = importlib.import_module("common.layers")
    if args.cs231n:
        root = Path(args.cs231n).resolve()
        if (root / "fast_layers.py").is_file():  # the cs231n package itself
            root = root.parent
        if not (root / "cs231n" / "fast_layers.py").is_file():
            sys.exit(f"--cs231n {root}: no cs231n/fast_layers.py (give the assignment folder)")
        sys.path.insert(0, str(root))
        peers["cs231n"] = importlib.import_module("cs231n.fast_layers")
    return peers


# --- equal work, then timing -------------------------------------------------------------------


def check_equal_work(contenders, reference, dtype):
    """Each contender's worst relative error against ``reference`` (torch f64), and those kept.

    dlcourse or torch failing the check stops the run; a peer that cannot run this case (an
    uncompiled extension, a float64-only kernel) or disagrees is left out of it, with the reason.
    """
    errors, kept = {}, []
    for c in contenders:
        try:
            outputs = c.outputs()
            errors[c.name] = max(relative_error(outputs[k], reference[k]) for k in reference)
            problem = None
            if errors[c.name] > TOLERANCE[dtype]:
                problem = f"disagrees with torch float64 by {errors[c.name]:.2e}"
        except Exception as error:
            errors[c.name], problem = None, f"failed: {type(error).__name__}: {error}"
        if problem is None:
            kept.append(c)
        elif c.name in ("dlcourse", "torch"):
            sys.exit(f"equal-work check: {c.name} {problem} (> {TOLERANCE[dtype]:.0e})")
        else:
            print(f"  (left out: {c.name} {problem})")
            errors[c.name] = problem
    return errors, kept


def round_robin(functions: dict, repeat: int, warmup: int = 2) -> dict[str, list[float]]:
    """Seconds per call of each function: ``repeat`` rounds, the order rotating every round."""
    names = list(functions)
    for _ in range(warmup):
        for name in names:
            functions[name]()
    times = {name: [] for name in names}
    for r in range(repeat):
        k = r % len(names)
        for name in names[k:] + names[:k]:
            start = time.perf_counter()
            functions[name]()
            times[name].append(time.perf_counter() - start)
    return times


def summary(times: list[float]) -> dict[str, float]:
    q1, median, q3 = np.percentile(times, [25, 50, 75])
    return {
        "best_s": float(min(times)),
        "median_s": float(median),
        "spread_pct": float(100 * (q3 - q1) / median),
        "n": len(times),
    }


def run_case(kind, label, case, dtype, repeat, peers):
    rng = np.random.default_rng(0)
    if kind == "conv":
        n, c, h, w_, f, k, p = case
        x = rng.standard_normal((n, c, h, w_))
        w = rng.standard_normal((f, c, k, k)) / np.sqrt(c * k * k)
        b = rng.standard_normal(f)
        dout = rng.standard_normal((n, f, h + 2 * p - k + 1, w_ + 2 * p - k + 1))
        reference = conv_contenders(x, w, b, dout, p, {})[1].outputs()  # torch, float64
        arrays = [a.astype(dtype) for a in (x, w, b, dout)]
        contenders = conv_contenders(*arrays, p, peers)
        name = f"{label}: conv N={n} C={c} {h}x{w_} F={f} {k}x{k} pad {p}"
    else:
        shape, k, s = case
        x = rng.standard_normal(shape)
        dout = rng.standard_normal((*shape[:2], (shape[2] - k) // s + 1, (shape[3] - k) // s + 1))
        reference = pool_contenders(x, k, s, dout, {})[1].outputs()
        contenders = pool_contenders(x.astype(dtype), k, s, dout.astype(dtype), peers)
        name = f"{label}: max-pool {k}x{k} stride {s} on {shape}"
    errors, contenders = check_equal_work(contenders, reference, dtype)
    rows = []
    for mode in ("forward", "forward+backward"):
        fns = {c.name: (c.forward if mode == "forward" else c.forward_backward) for c in contenders}
        times = round_robin(fns, repeat)
        torch_median = float(np.median(times["torch"]))
        for who, t in times.items():
            row = {"case": name, "dtype": np.dtype(dtype).name, "pass": mode, "contender": who}
            row |= summary(t) | {"ratio_to_torch": float(np.median(t)) / torch_median}
            rows.append(row | {"equal_work_error": errors[who], "times_s": t})
    return rows


# --- the MNIST epoch ---------------------------------------------------------------------------


def mnist_epoch(batch_size: int = 64, max_batches: int | None = None, seed: int = 0) -> dict:
    """One real MNIST epoch of the walk-through network in dlcourse and torch, interleaved."""
    from dlcourse.cnn import lecture_cnn, torch_lecture_cnn
    from dlcourse.data import load_mnist
    from dlcourse.losses import SoftmaxCrossEntropyLoss
    from dlcourse.optim import Adam

    data = load_mnist()
    order = np.random.default_rng(seed).permutation(len(data.X_train))
    batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    batches = batches[:max_batches]

    def pair():
        net = lecture_cnn(rng=seed, dtype=np.float32)
        tnet = torch_lecture_cnn(net).float()  # the same weights
        return net, tnet

    def steppers(net, tnet):
        loss, opt = SoftmaxCrossEntropyLoss(), Adam(net.parameters(), lr=1e-3)
        topt = torch.optim.Adam(tnet.parameters(), lr=1e-3)

        def ours(x, y):
            value = loss.forward(net.forward(x), y)
            net.zero_grad()
            net.backward(loss.backward())
            opt.step()
            return value

        def theirs(x, y):
            topt.zero_grad()
            value = F.cross_entropy(tnet(torch.from_numpy(x)), torch.from_numpy(y))
            value.backward()
            topt.step()
            return value.item()

        return ours, theirs

    # equal work: the same loss over three steps from the same weights on the same batches
    ours, theirs = steppers(*pair())
    check = [
        (ours(data.X_train[i], data.y_train[i]), theirs(data.X_train[i], data.y_train[i]))
        for i in batches[:3]
    ]
    worst = max(abs(a - b) / abs(b) for a, b in check)
    if worst > 1e-4:
        sys.exit(f"equal-work check (MNIST network): losses differ by {worst:.2e}: {check}")

    ours, theirs = steppers(*pair())
    times = {"dlcourse": [], "torch": []}
    for i, idx in enumerate(batches):
        x, y = data.X_train[idx], data.y_train[idx]
        for name, fn in [("dlcourse", ours), ("torch", theirs)][:: 1 if i % 2 else -1]:
            start = time.perf_counter()
            fn(x, y)
            times[name].append(time.perf_counter() - start)
    result = {"batches": len(batches), "images": int(sum(len(b) for b in batches))}
    result["loss_check_worst_relative_difference"] = worst
    for name, t in times.items():
        result[name] = {"epoch_s": float(sum(t))} | summary(t)
    result["ratio"] = result["dlcourse"]["epoch_s"] / result["torch"]["epoch_s"]
    return result


# --- the report --------------------------------------------------------------------------------


def environment(threads) -> dict:
    blas = [
        {k: info.get(k) for k in ("internal_api", "version", "architecture", "num_threads")}
        for info in threadpool_info()
        if info["user_api"] == "blas"
    ]
    return {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "command": " ".join(sys.argv),
        "machine": platform.machine(),
        "processor": platform.processor(),
        "cpu_count": os.cpu_count(),
        "load_average": os.getloadavg(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": torch.__version__,
        "threads": threads,
        "block_bytes": dlcourse.conv.BLOCK_BYTES,
        "torch_threads": torch.get_num_threads(),
        "blas": blas,
        "openblas_env": {k: os.environ.get(k) for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")},
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--threads", type=int, default=1, help="BLAS and torch threads (1)")
    parser.add_argument("--repeat", type=int, default=21, help="timed rounds per measurement")
    parser.add_argument("--dtypes", default="float32,float64", help="comma-separated")
    parser.add_argument("--cases", default=",".join([*CONV_CASES, *POOL_CASES]))
    parser.add_argument("--dlfs", help="a checkout of Deep Learning from Scratch (repo root)")
    parser.add_argument("--cs231n", help="a CS231n assignment folder holding cs231n/ (compiled)")
    parser.add_argument("--mnist-batches", type=int, default=None, help="default: all 938")
    parser.add_argument("--no-mnist", action="store_true", help="skip the MNIST epoch")
    parser.add_argument("--json", help="write the whole record (raw times included) here")
    parser.add_argument(
        "--block-bytes",
        type=int,
        default=dlcourse.conv.BLOCK_BYTES,
        help="dlcourse.conv.BLOCK_BYTES, the backward pass's block size (default: %(default)s)",
    )
    args = parser.parse_args()

    dlcourse.conv.BLOCK_BYTES = args.block_bytes
    limiter = threadpool_limits(args.threads)  # noqa: F841 (kept alive for the whole run)
    torch.set_num_threads(args.threads)
    try:
        torch.set_num_interop_threads(args.threads)
    except RuntimeError:
        pass
    peers = load_peers(args)
    env = environment(args.threads)
    print(f"{env['date']}  {env['command']}")
    print(
        f"numpy {env['numpy']}, torch {env['torch']} x{env['torch_threads']}, python "
        f"{env['python']}, {env['cpu_count']} CPUs, load {env['load_average'][0]:.2f}"
    )
    for info in env["blas"]:
        print(
            f"BLAS: {info['internal_api']} {info['version']}, kernel {info['architecture']}, "
            f"{info['num_threads']} thread(s); env {env['openblas_env']}"
        )
    header = (
        f"{'case':48s} {'dtype':7s} {'pass':16s} {'who':8s} {'best ms':>9s} {'median ms':>10s}"
        f" {'spread':>7s} {'vs torch':>8s}"
    )
    print(f"\n{header}\n{'-' * len(header)}")
    rows = []
    cases = [("conv", k, v) for k, v in CONV_CASES.items()] + [
        ("pool", k, v) for k, v in POOL_CASES.items()
    ]
    for kind, label, case in cases:
        if label not in args.cases.split(","):
            continue
        for dtype in [getattr(np, d) for d in args.dtypes.split(",")]:
            for row in run_case(kind, label, case, dtype, args.repeat, peers):
                rows.append(row)
                print(
                    f"{row['case']:48s} {row['dtype']:7s} {row['pass']:16s} "
                    f"{row['contender']:8s} {row['best_s'] * 1e3:9.2f} "
                    f"{row['median_s'] * 1e3:10.2f} {row['spread_pct']:6.1f}% "
                    f"{row['ratio_to_torch']:8.2f}"
                )
    record = {"environment": env, "repeat": args.repeat, "rows": rows}
    if not args.no_mnist:
        epoch = mnist_epoch(max_batches=args.mnist_batches)
        record["mnist_epoch"] = epoch
        print(
            f"\nMNIST epoch, walk-through network, float32, batch 64, Adam, interleaved "
            f"({epoch['images']} images): dlcourse {epoch['dlcourse']['epoch_s']:.1f} s, torch "
            f"{epoch['torch']['epoch_s']:.1f} s, ratio {epoch['ratio']:.2f} (step spread "
            f"{epoch['dlcourse']['spread_pct']:.0f}% / {epoch['torch']['spread_pct']:.0f}%)"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(record, indent=1))
        print(f"record written to {args.json}")


if __name__ == "__main__":
    main()
