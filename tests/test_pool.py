"""Pooling: forward and gradients against torch (float64), ties, the graded seed exercise."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from dlcourse.gradcheck import check_layer_gradients
from dlcourse.pool import (
    AvgPool2d,
    MaxPool2d,
    MinPool2d,
    avg_pool2d_backward,
    avg_pool2d_forward,
    max_pool2d_backward,
    max_pool2d_forward,
    min_pool2d_backward,
    min_pool2d_forward,
)
from hypothesis import given, settings
from hypothesis import strategies as st

POOLS = {
    "max": (max_pool2d_forward, max_pool2d_backward, lambda t, k, s, p: F.max_pool2d(t, k, s, p)),
    "avg": (avg_pool2d_forward, avg_pool2d_backward, lambda t, k, s, p: F.avg_pool2d(t, k, s, p)),
    "min": (min_pool2d_forward, min_pool2d_backward, lambda t, k, s, p: -F.max_pool2d(-t, k, s, p)),
}

# (shape, kernel_size, stride, padding)
CASES = [
    ((2, 3, 8, 8), 2, None, 0),
    ((2, 3, 8, 8), 2, 2, 1),
    ((1, 2, 13, 13), 3, 2, 0),  # AlexNet's overlapping 3x3 stride 2
    ((2, 2, 9, 7), 3, 2, 1),
    ((2, 2, 7, 9), (2, 3), (1, 2), (1, 1)),
    ((3, 1, 5, 5), 2, 1, 0),
    ((1, 1, 7, 7), 2, 2, 0),  # odd size: the last row and column are dropped (floor)
    ((2, 4, 6, 10), (3, 1), None, 0),
    ((1, 1, 4, 4), 4, None, 2),
]


def torch_pool(kind, x, case, dout):
    tx = torch.tensor(x, requires_grad=True)
    out = POOLS[kind][2](tx, *case[1:])
    out.backward(torch.tensor(dout))
    return out.detach().numpy(), tx.grad.numpy()


def run(kind, x, case, seed=1):
    forward, backward, _ = POOLS[kind]
    out, cache = forward(x, *case[1:])
    dout = np.random.default_rng(seed).standard_normal(out.shape)
    return out, backward(dout, cache), dout


@pytest.mark.parametrize("kind", POOLS)
@pytest.mark.parametrize("case", CASES, ids=str)
def test_pool_forward_and_backward_match_torch(kind, case):
    x = np.random.default_rng(0).standard_normal(case[0])
    out, dx, dout = run(kind, x, case)
    tout, tdx = torch_pool(kind, x, case, dout)
    np.testing.assert_allclose(out, tout, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dx, tdx, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kind", ["max", "min"])
@pytest.mark.parametrize("case", CASES, ids=str)
def test_ties_go_to_the_first_extremum_like_torch(kind, case):
    x = np.random.default_rng(2).integers(0, 3, case[0]).astype(np.float64)  # many ties
    _, dx, dout = run(kind, x, case)
    # a gradient routed to the wrong cell would be off by O(1); 1e-12 allows summation order
    np.testing.assert_allclose(dx, torch_pool(kind, x, case, dout)[1], rtol=0, atol=1e-12)


def test_max_pool_backward_routes_gradient_to_argmax():
    x = np.array([[[[1.0, 3.0], [2.0, 0.0]]]])
    out, cache = max_pool2d_forward(x, 2)
    assert out[0, 0, 0, 0] == 3
    np.testing.assert_array_equal(
        max_pool2d_backward(np.array([[[[5.0]]]]), cache)[0, 0], [[0, 5], [0, 0]]
    )


def test_max_pool_tie_goes_to_first_maximum_in_row_major_order():
    x = np.array([[[[1.0, 7.0], [7.0, 7.0]]]])
    _, cache = max_pool2d_forward(x, 2)
    np.testing.assert_array_equal(
        max_pool2d_backward(np.ones((1, 1, 1, 1)), cache)[0, 0], [[0, 1], [0, 0]]
    )


def test_avg_pool_backward_spreads_gradient_evenly():
    _, cache = avg_pool2d_forward(np.zeros((1, 1, 4, 4)), 2)
    dx = avg_pool2d_backward(np.array([[[[4.0, 8.0], [0.0, -4.0]]]]), cache)
    expected = np.array([[1, 1, 2, 2], [1, 1, 2, 2], [0, 0, -1, -1], [0, 0, -1, -1]])
    np.testing.assert_array_equal(dx[0, 0], expected)


def test_overlapping_windows_add_their_gradients():
    x = np.zeros((1, 1, 3, 3))
    x[0, 0, 1, 1] = 1.0  # the centre is the maximum of all four 2x2 windows
    _, cache = max_pool2d_forward(x, 2, 1)
    dx = max_pool2d_backward(np.ones((1, 1, 2, 2)), cache)
    assert dx[0, 0, 1, 1] == 4 and dx.sum() == 4


def test_graded_seed_exercise_max_and_average_pool():
    # seed 000: single depth slice, 2x2 filters, stride 2 (worked by hand below)
    x = np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]])[None, None]
    max_out, _ = max_pool2d_forward(x, 2, 2)
    avg_out, _ = avg_pool2d_forward(x, 2, 2)
    min_out, _ = min_pool2d_forward(x, 2, 2)
    np.testing.assert_array_equal(max_out[0, 0], [[6, 8], [3, 4]])  # max(1,1,5,6)=6 ...
    np.testing.assert_array_equal(avg_out[0, 0], [[3.25, 5.25], [2.0, 2.0]])  # (1+1+5+6)/4 ...
    np.testing.assert_array_equal(min_out[0, 0], [[1, 2], [1, 0]])


@pytest.mark.parametrize(
    "layer", [MaxPool2d(2), AvgPool2d(3, 2, 1), MinPool2d((2, 3), (1, 2))], ids=repr
)
def test_pool_layers_pass_the_numerical_gradient_check(layer):
    x = np.random.default_rng(3).standard_normal((2, 2, 6, 7))  # distinct values: no ties
    assert check_layer_gradients(layer, x)["x"] < 1e-8


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", POOLS)
def test_pool_keeps_the_input_dtype(kind, dtype):
    forward, backward, _ = POOLS[kind]
    out, cache = forward(np.ones((1, 1, 4, 4), dtype=dtype), 2, 2, 1)
    assert out.dtype == dtype and backward(np.ones_like(out), cache).dtype == dtype


@settings(max_examples=40, deadline=None)
@given(
    kind=st.sampled_from(list(POOLS)),
    n=st.integers(1, 2),
    c=st.integers(1, 3),
    h=st.integers(1, 9),
    w=st.integers(1, 9),
    kh=st.integers(1, 4),
    kw=st.integers(1, 4),
    sh=st.integers(1, 4),
    sw=st.integers(1, 4),
    ph=st.integers(0, 2),
    pw=st.integers(0, 2),
    ties=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_random_valid_configurations_match_torch(
    kind, n, c, h, w, kh, kw, sh, sw, ph, pw, ties, seed
):
    case = ((n, c, h, w), (kh, kw), (sh, sw), (ph, pw))
    if 2 * ph > kh or 2 * pw > kw or kh > h + 2 * ph or kw > w + 2 * pw:
        with pytest.raises(ValueError):
            POOLS[kind][0](np.zeros(case[0]), *case[1:])
        return
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 3, case[0]).astype(float) if ties else rng.standard_normal(case[0])
    out, dx, dout = run(kind, x, case, seed)
    tout, tdx = torch_pool(kind, x, case, dout)
    np.testing.assert_allclose(out, tout, atol=1e-12)
    np.testing.assert_allclose(dx, tdx, atol=1e-12)


@pytest.mark.parametrize(
    ("shape", "kernel", "stride", "padding", "match"),
    [
        ((1, 1, 3, 3), 4, None, 0, r"kernel_size 4x4 does not fit the padded input 3x3"),
        ((1, 1, 8, 8), 2, 0, 0, r"stride must be at least 1"),
        ((1, 1, 8, 8), 0, None, 0, r"kernel_size must be at least 1"),
        ((1, 1, 8, 8), 2, 2, 2, r"padding must be between 0 and half the window 2x2"),
        ((1, 1, 8, 8), 3, 2, -1, r"padding must be between 0 and half"),
        ((8, 8), 2, 2, 0, r"x must have 4 dimensions"),
        ((1, 1, 8, 8), "2", 2, 0, r"kernel_size must be an int or a pair"),
    ],
)
@pytest.mark.parametrize("kind", POOLS)
def test_bad_input_raises_a_value_error_naming_the_problem(
    kind, shape, kernel, stride, padding, match
):
    with pytest.raises(ValueError, match=match):
        POOLS[kind][0](np.zeros(shape), kernel, stride, padding)


def test_dout_of_the_wrong_shape_is_rejected():
    _, cache = max_pool2d_forward(np.zeros((1, 2, 4, 4)), 2)
    with pytest.raises(
        ValueError, match=r"dout must have the forward output's shape \(1, 2, 2, 2\)"
    ):
        max_pool2d_backward(np.zeros((1, 2, 4, 4)), cache)
