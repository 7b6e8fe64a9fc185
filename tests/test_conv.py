"""Convolution: forward and gradients against torch (float64), loops vs im2col, seed examples."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from dlcourse.conv import (
    Conv2d,
    conv2d_backward,
    conv2d_forward,
    conv2d_forward_naive,
    conv_output_size,
    convolve2d,
    correlate2d,
    rot180,
)
from dlcourse.gradcheck import check_layer_gradients, numerical_gradient, relative_error
from dlcourse.im2col import col2im, im2col
from hypothesis import given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel:UserWarning")

# (N, C, H, W, F, kh, kw, stride, padding)
CASES = [
    (1, 1, 5, 5, 1, 3, 3, 1, 0),
    (2, 3, 7, 6, 4, 3, 2, 1, 0),
    (3, 2, 9, 8, 5, 3, 3, 2, 1),
    (1, 4, 6, 10, 2, 1, 1, 1, 0),
    (2, 1, 8, 7, 3, 2, 3, (2, 3), (1, 0)),
    (4, 3, 11, 11, 2, 5, 5, 3, 2),
    (2, 2, 6, 6, 3, 6, 6, 1, 0),
    (1, 3, 7, 9, 2, 3, 3, 1, "same"),
    (2, 2, 6, 7, 2, 4, 2, 1, "same"),
    (2, 2, 6, 7, 3, 3, 3, 1, "valid"),
    (1, 2, 4, 4, 2, 3, 3, 2, 2),
]


def random_case(case, seed=0):
    n, c, h, w, f, kh, kw, _, _ = case
    rng = np.random.default_rng(seed)
    return (
        rng.standard_normal((n, c, h, w)),
        rng.standard_normal((f, c, kh, kw)),
        rng.standard_normal(f),
    )


def torch_conv(x, w, b, stride, padding, dout):
    """Output and gradients (dx, dw, db) from torch autograd, float64."""
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    out = F.conv2d(tx, tw, tb, stride=stride, padding=padding)
    if dout is None:
        return out.detach().numpy()
    out.backward(torch.tensor(dout))
    return out.detach().numpy(), tx.grad.numpy(), tw.grad.numpy(), tb.grad.numpy()


@pytest.mark.parametrize("case", CASES, ids=str)
def test_conv_forward_matches_torch(case):
    x, w, b = random_case(case)
    out, _ = conv2d_forward(x, w, b, case[7], case[8])
    np.testing.assert_allclose(
        out, torch_conv(x, w, b, case[7], case[8], None), rtol=1e-12, atol=1e-12
    )


@pytest.mark.parametrize("case", CASES, ids=str)
def test_conv_backward_matches_torch_autograd(case):
    x, w, b = random_case(case)
    out, cache = conv2d_forward(x, w, b, case[7], case[8])
    dout = np.random.default_rng(1).standard_normal(out.shape)
    dx, dw, db = conv2d_backward(dout, cache)
    _, tdx, tdw, tdb = torch_conv(x, w, b, case[7], case[8], dout)
    np.testing.assert_allclose(dx, tdx, rtol=1e-11, atol=1e-11)
    np.testing.assert_allclose(dw, tdw, rtol=1e-11, atol=1e-11)
    np.testing.assert_allclose(db, tdb, rtol=1e-11, atol=1e-11)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_naive_loops_and_im2col_agree(case):
    x, w, b = random_case(case, seed=2)
    fast, _ = conv2d_forward(x, w, b, case[7], case[8])
    np.testing.assert_allclose(conv2d_forward_naive(x, w, b, case[7], case[8]), fast, atol=1e-12)


@pytest.mark.parametrize("case", CASES[:6], ids=str)
def test_conv_gradients_match_numerical_gradients(case):
    x, w, b = random_case(case, seed=3)
    stride, padding = case[7], case[8]
    out, cache = conv2d_forward(x, w, b, stride, padding)
    r = np.random.default_rng(4).standard_normal(out.shape)
    dx, dw, db = conv2d_backward(r, cache)

    def loss():
        return float(np.sum(conv2d_forward(x, w, b, stride, padding)[0] * r))

    for analytic, array in ((dx, x), (dw, w), (db, b)):
        assert relative_error(analytic, numerical_gradient(loss, array)) < 1e-8


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 3),
    c=st.integers(1, 4),
    f=st.integers(1, 4),
    h=st.integers(1, 9),
    w=st.integers(1, 9),
    kh=st.integers(1, 4),
    kw=st.integers(1, 4),
    sh=st.integers(1, 3),
    sw=st.integers(1, 3),
    ph=st.integers(0, 2),
    pw=st.integers(0, 2),
    bias=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_random_valid_configurations_match_torch(n, c, f, h, w, kh, kw, sh, sw, ph, pw, bias, seed):
    if kh > h + 2 * ph or kw > w + 2 * pw:
        with pytest.raises(ValueError, match="does not fit"):
            conv2d_forward(
                np.zeros((n, c, h, w)), np.zeros((f, c, kh, kw)), None, (sh, sw), (ph, pw)
            )
        return
    rng = np.random.default_rng(seed)
    x, wt = rng.standard_normal((n, c, h, w)), rng.standard_normal((f, c, kh, kw))
    b = rng.standard_normal(f) if bias else None
    out, cache = conv2d_forward(x, wt, b, (sh, sw), (ph, pw))
    dout = rng.standard_normal(out.shape)
    dx, dw, db = conv2d_backward(dout, cache)
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(wt, requires_grad=True)
    tb = torch.tensor(b, requires_grad=True) if bias else None
    tout = F.conv2d(tx, tw, tb, stride=(sh, sw), padding=(ph, pw))
    tout.backward(torch.tensor(dout))
    np.testing.assert_allclose(out, tout.detach().numpy(), atol=1e-11)
    np.testing.assert_allclose(conv2d_forward_naive(x, wt, b, (sh, sw), (ph, pw)), out, atol=1e-11)
    np.testing.assert_allclose(dx, tx.grad.numpy(), atol=1e-11)
    np.testing.assert_allclose(dw, tw.grad.numpy(), atol=1e-11)
    if bias:
        np.testing.assert_allclose(db, tb.grad.numpy(), atol=1e-11)
    else:
        assert db is None


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_conv_keeps_the_input_dtype(dtype):
    x, w, b = (a.astype(dtype) for a in random_case(CASES[2]))
    out, cache = conv2d_forward(x, w, b, 2, 1)
    dx, dw, db = conv2d_backward(np.ones_like(out), cache)
    assert out.dtype == dx.dtype == dw.dtype == db.dtype == dtype


def test_float32_conv_is_close_to_float64():
    x, w, b = random_case(CASES[5])
    out64, _ = conv2d_forward(x, w, b, 3, 2)
    out32, _ = conv2d_forward(
        x.astype(np.float32), w.astype(np.float32), b.astype(np.float32), 3, 2
    )
    np.testing.assert_allclose(out32, out64, rtol=1e-4, atol=1e-4)


def test_same_padding_keeps_the_spatial_size_for_odd_and_even_kernels():
    x = np.zeros((1, 1, 7, 8))
    for k in (1, 2, 3, 4, 5):
        out, _ = conv2d_forward(x, np.zeros((1, 1, k, k)), None, 1, "same")
        assert out.shape == (1, 1, 7, 8)


# --- the seed examples ------------------------------------------------------------------------

SEED_IMAGE = np.array(
    [[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]]
)
SEED_FILTER = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]])


def test_seed_5x5_image_with_x_filter_gives_the_seed_feature_map():
    # hand computation: top-left window 1*1+1*0+1*1 + 0*0+1*1+1*0 + 0*1+0*0+1*1 = 4
    expected = np.array([[4, 3, 4], [2, 4, 3], [2, 3, 4]])
    np.testing.assert_array_equal(correlate2d(SEED_IMAGE, SEED_FILTER), expected)
    assert correlate2d(SEED_IMAGE, SEED_FILTER)[0, 0] == 4


@pytest.mark.parametrize(
    ("n", "f", "s", "p", "expected"),
    [
        (5, 3, 1, 0, 3),
        (5, 3, 1, 1, 5),
        (7, 3, 1, 0, 5),
        (28, 5, 1, 0, 24),
        (12, 5, 1, 0, 8),
        (96, 8, 1, 0, 89),
        (227, 11, 4, 0, 55),
    ],
)
def test_output_size_formula(n, f, s, p, expected):
    assert conv_output_size(n, f, s, p) == expected
    out, _ = conv2d_forward(np.zeros((1, 1, n, n)), np.zeros((1, 1, f, f)), None, s, p)
    assert out.shape[2:] == (expected, expected)


def test_a_stride_that_does_not_divide_drops_the_unreached_rows_like_torch():
    # (7 - 2) / 2 + 1 = 3.5: the last row and column are reached by no window (floor rule)
    x = np.arange(49.0).reshape(1, 1, 7, 7)
    out, cache = conv2d_forward(x, np.ones((1, 1, 2, 2)), None, stride=2)
    assert out.shape == (1, 1, 3, 3)
    dx, _, _ = conv2d_backward(np.ones_like(out), cache)
    assert np.all(dx[0, 0, 6, :] == 0) and np.all(dx[0, 0, :, 6] == 0)
    assert np.all(dx[0, 0, :6, :6] == 1)


def test_convolution_is_correlation_with_the_kernel_rotated_180_degrees():
    rng = np.random.default_rng(5)
    image, kernel = rng.standard_normal((6, 7)), rng.standard_normal((3, 2))
    np.testing.assert_allclose(convolve2d(image, kernel), correlate2d(image, rot180(kernel)))
    # definition of convolution, written out: out[y, x] = sum I[y + a, x + b] K[kh-1-a, kw-1-b]
    expected = np.array(
        [
            [
                sum(image[y + a, x + b] * kernel[2 - a, 1 - b] for a in range(3) for b in range(2))
                for x in range(6)
            ]
            for y in range(4)
        ]
    )
    np.testing.assert_allclose(convolve2d(image, kernel), expected)
    assert not np.allclose(convolve2d(image, kernel), correlate2d(image, kernel))


def test_input_gradient_is_full_convolution_of_dout_with_the_filter():
    rng = np.random.default_rng(6)
    x, w = rng.standard_normal((1, 1, 6, 6)), rng.standard_normal((1, 1, 3, 3))
    out, cache = conv2d_forward(x, w, None)
    dout = rng.standard_normal(out.shape)
    dx, _, _ = conv2d_backward(dout, cache)
    np.testing.assert_allclose(dx[0, 0], convolve2d(dout[0, 0], w[0, 0], padding=2))


def test_col2im_is_the_adjoint_of_im2col():
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 3, 7, 8))
    cols = im2col(x, (3, 2), (2, 1))
    g = rng.standard_normal(cols.shape)
    assert np.isclose(np.sum(g * cols), np.sum(col2im(g, x.shape, (3, 2), (2, 1)) * x))


# --- the layer --------------------------------------------------------------------------------


def test_conv2d_layer_gradients_pass_the_numerical_check():
    layer = Conv2d(2, 3, (3, 2), stride=(2, 1), padding=1, rng=0)
    x = np.random.default_rng(8).standard_normal((2, 2, 5, 6))
    errors = check_layer_gradients(layer, x)
    assert set(errors) == {"x", "W", "b"}
    assert max(errors.values()) < 1e-8


def test_conv2d_layer_accumulates_gradients_like_torch():
    layer = Conv2d(1, 2, 3, rng=0)
    x = np.random.default_rng(9).standard_normal((1, 1, 4, 4))
    for _ in range(2):
        layer.backward(np.ones_like(layer.forward(x)))
    _, cache = conv2d_forward(x, layer.W.data, layer.b.data)
    _, dw, db = conv2d_backward(np.ones((1, 2, 2, 2)), cache)
    np.testing.assert_allclose(layer.W.grad, 2 * dw)
    np.testing.assert_allclose(layer.b.grad, 2 * db)


def test_conv2d_layer_has_torch_shaped_parameters():
    layer = Conv2d(3, 8, (5, 3), rng=0)
    assert layer.W.shape == (8, 3, 5, 3) and layer.b.shape == (8,)
    assert [p.name for p in layer.parameters()] == ["W", "b"]


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x_shape", "w_shape", "stride", "padding", "match"),
    [
        ((1, 1, 3, 3), (1, 1, 5, 5), 1, 0, r"kernel 5x5 .* does not fit the padded input 3x3"),
        ((1, 1, 3, 3), (1, 1, 5, 5), 1, (0, 1), r"does not fit the padded input 3x5"),
        ((2, 3, 8, 8), (4, 2, 3, 3), 1, 0, r"channel mismatch: x has 3 channels .*expect 2"),
        ((1, 1, 8, 8), (1, 1, 3, 3), 0, 0, r"stride must be at least 1"),
        ((1, 1, 8, 8), (1, 1, 3, 3), (1, -1), 0, r"stride must be at least 1"),
        ((1, 1, 8, 8), (1, 1, 3, 3), 2, "same", r'padding="same" needs stride 1'),
        ((1, 1, 8, 8), (1, 1, 3, 3), 1, -1, r"padding must be non-negative"),
        ((1, 1, 8, 8), (1, 1, 3, 3), 1, "full", r"padding must be an int, a pair"),
        ((1, 8, 8), (1, 1, 3, 3), 1, 0, r"x must have 4 dimensions \(N, C, H, W\)"),
        ((1, 1, 8, 8), (1, 3, 3), 1, 0, r"w must have 4 dimensions \(F, C, kh, kw\)"),
        ((1, 1, 8, 8), (1, 1, 3, 3), 1.5, 0, r"stride must be an int or a pair"),
    ],
)
def test_bad_input_raises_a_value_error_naming_the_problem(
    x_shape, w_shape, stride, padding, match
):
    with pytest.raises(ValueError, match=match):
        conv2d_forward(np.zeros(x_shape), np.zeros(w_shape), None, stride, padding)
    with pytest.raises(ValueError, match=match):
        conv2d_forward_naive(np.zeros(x_shape), np.zeros(w_shape), None, stride, padding)


def test_bias_of_the_wrong_shape_is_rejected():
    with pytest.raises(ValueError, match=r"b must have shape \(F,\) = \(4,\)"):
        conv2d_forward(np.zeros((1, 2, 5, 5)), np.zeros((4, 2, 3, 3)), np.zeros(3))


def test_dout_of_the_wrong_shape_is_rejected():
    _, cache = conv2d_forward(np.zeros((2, 1, 5, 5)), np.zeros((3, 1, 3, 3)), None)
    with pytest.raises(
        ValueError, match=r"dout must have the forward output's shape \(2, 3, 3, 3\)"
    ):
        conv2d_backward(np.zeros((2, 3, 4, 4)), cache)


@pytest.mark.parametrize("block_bytes", [1, 3000, 20000, 10**9])
@pytest.mark.parametrize("case", [CASES[2], CASES[4], CASES[5], CASES[8]], ids=str)
def test_blocked_backward_matches_torch_for_every_block_size(case, block_bytes, monkeypatch):
    """Blocks of one channel of one image, of a few images, or everything at once: same dx."""
    import dlcourse.conv

    monkeypatch.setattr(dlcourse.conv, "BLOCK_BYTES", block_bytes)
    x, w, b = random_case(case, seed=3)
    _, _, _, _, _, _, _, stride, padding = case
    layer = Conv2d(x.shape[1], w.shape[0], w.shape[2:], stride=stride, padding=padding)
    layer.W.data[...], layer.b.data[...] = w, b
    out = layer.forward(x)
    dout = np.random.default_rng(4).standard_normal(out.shape)
    _, dx, dw, _ = torch_conv(x, w, b, stride, padding, dout)
    for _ in range(2):  # the second pass reuses the layer's buffers
        layer.zero_grad()
        layer.forward(x)
        np.testing.assert_allclose(layer.backward(dout), dx, atol=1e-12)
        np.testing.assert_allclose(layer.W.grad, dw, atol=1e-12)


def test_reused_buffers_do_not_leak_between_batches_of_different_sizes():
    layer = Conv2d(2, 3, 3, padding=1, rng=0)
    rng = np.random.default_rng(5)
    for n in (4, 2, 5, 2):
        x = rng.standard_normal((n, 2, 6, 6))
        fresh = Conv2d(2, 3, 3, padding=1, rng=0)
        np.testing.assert_array_equal(layer.forward(x), fresh.forward(x))
        dout = rng.standard_normal((n, 3, 6, 6))
        np.testing.assert_array_equal(layer.backward(dout), fresh.backward(dout))
