"""The benchmark's guards: the equal-work check stops a wrong contender, the rounds rotate."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest


@pytest.fixture(scope="module")
def bench(repo_root):
    spec = importlib.util.spec_from_file_location(
        "bench_conv", repo_root / "benchmarks" / "bench_conv.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def small_conv(bench, dtype=np.float64):
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=(2, 3, 6, 6)), rng.normal(size=(4, 3, 3, 3)), rng.normal(size=4)
    dout = rng.normal(size=(2, 4, 6, 6))
    reference = bench.conv_contenders(x, w, b, dout, 1, {})[1].outputs()
    arrays = [a.astype(dtype) for a in (x, w, b, dout)]
    return bench.conv_contenders(*arrays, 1, {}), reference


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dlcourse_and_torch_pass_the_equal_work_check(bench, dtype):
    contenders, reference = small_conv(bench, dtype)
    errors, kept = bench.check_equal_work(contenders, reference, dtype)
    assert [c.name for c in kept] == ["dlcourse", "torch"]
    assert max(errors.values()) < bench.TOLERANCE[dtype]


def test_a_contender_computing_something_else_stops_the_run(bench):
    contenders, reference = small_conv(bench)
    right = contenders[0].outputs
    contenders[0].outputs = lambda: right() | {"dx": 2 * right()["dx"]}
    with pytest.raises(SystemExit, match="dlcourse disagrees with torch float64"):
        bench.check_equal_work(contenders, reference, np.float64)


def test_a_peer_that_fails_is_left_out_with_the_reason(bench, capsys):
    contenders, reference = small_conv(bench)

    def broken():
        raise ValueError("Buffer dtype mismatch")

    contenders.append(bench.Contender("peer", broken, broken, broken))
    errors, kept = bench.check_equal_work(contenders, reference, np.float64)
    assert "peer" not in [c.name for c in kept]
    assert "Buffer dtype mismatch" in errors["peer"] and "left out: peer" in capsys.readouterr().out


def test_round_robin_rotates_the_order_every_round(bench):
    calls = []
    functions = {name: (lambda name=name: calls.append(name)) for name in "abc"}
    times = bench.round_robin(functions, repeat=3, warmup=0)
    assert calls == ["a", "b", "c", "b", "c", "a", "c", "a", "b"]
    assert all(len(t) == 3 for t in times.values())


def test_summary_reports_best_median_and_spread(bench):
    s = bench.summary([1.0, 2.0, 3.0, 4.0, 100.0])
    assert s["best_s"] == 1.0 and s["median_s"] == 3.0 and s["spread_pct"] == pytest.approx(200 / 3)
