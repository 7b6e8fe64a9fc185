"""Inverted dropout: training only, expected activation unchanged, backward uses the same mask."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from dlcourse.dropout import Dropout


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_fraction_dropped_is_p_and_kept_units_are_scaled(p):
    layer = Dropout(p, rng=0)
    x = np.full((200, 500), 2.0)
    y = layer.forward(x)
    dropped = np.mean(y == 0)
    n = x.size
    assert abs(dropped - p) < 5 * np.sqrt(p * (1 - p) / n)
    np.testing.assert_allclose(y[y != 0], 2.0 / (1 - p))


@pytest.mark.parametrize("p", [0.2, 0.5, 0.9])
def test_expected_activation_is_unchanged(p):
    layer = Dropout(p, rng=1)
    x = np.random.default_rng(2).uniform(0.5, 1.5, size=(50, 40))
    mean = np.mean([layer.forward(x) for _ in range(2000)], axis=0)
    # each element's average over 2000 masks: standard error x * sqrt(p / ((1 - p) 2000))
    se = x * np.sqrt(p / ((1 - p) * 2000))
    assert np.max(np.abs(mean - x) / se) < 5.5
    assert abs(np.mean((mean - x) / se)) < 0.1  # no bias overall


def test_eval_mode_is_identity():
    layer = Dropout(0.5, rng=0).eval()
    x = np.random.default_rng(3).normal(size=(4, 6))
    assert np.array_equal(layer.forward(x), x)
    assert np.array_equal(layer.backward(x), x)


def test_backward_uses_the_forward_mask():
    layer = Dropout(0.5, rng=4)
    x = np.random.default_rng(5).normal(size=(3, 4, 5, 5))
    y = layer.forward(x)
    dy = np.random.default_rng(6).normal(size=y.shape)
    dx = layer.backward(dy)
    mask = np.where(y != 0, 2.0, 0.0)
    np.testing.assert_allclose(dx, dy * mask)


def test_same_seed_gives_same_mask():
    x = np.ones((10, 10))
    assert np.array_equal(Dropout(0.3, rng=7).forward(x), Dropout(0.3, rng=7).forward(x))


def test_p_zero_keeps_everything():
    x = np.ones((3, 3))
    assert np.array_equal(Dropout(0.0).forward(x), x)


@pytest.mark.parametrize("p", [-0.1, 1.5, float("nan")])
def test_probability_outside_unit_interval_is_an_error(p):
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\]"):
        Dropout(p)


def test_p_one_zeroes_everything_like_torch():
    x = np.random.default_rng(0).normal(size=(3, 4))
    y = Dropout(1.0, rng=0).forward(x)
    expected = torch.nn.functional.dropout(torch.tensor(x), p=1.0, training=True).numpy()
    np.testing.assert_array_equal(y, expected)
    assert not y.any()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_in_is_dtype_out(dtype):
    layer = Dropout(0.5, rng=0)
    assert layer.forward(np.ones((4, 5), dtype=dtype)).dtype == dtype
    assert layer.backward(np.ones((4, 5), dtype=dtype)).dtype == dtype


def test_backward_before_forward_is_an_error():
    with pytest.raises(RuntimeError, match="before forward"):
        Dropout(0.5).backward(np.ones(3))


def test_backward_with_wrong_shape_is_an_error():
    layer = Dropout(0.5, rng=0)
    layer.forward(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"expected dy of shape \(2, 3\), got \(3, 2\)"):
        layer.backward(np.ones((3, 2)))
