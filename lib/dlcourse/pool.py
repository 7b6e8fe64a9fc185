"""Pooling (풀링): max, average and min over sliding windows, forward and backward.

Shapes: x (N, C, H, W) -> out (N, C, Ho, Wo) with ``Ho = (H + 2*ph - kh) // sh + 1`` (PyTorch's
floor rule); ``stride`` defaults to ``kernel_size``; channels are pooled independently.

All three walk over the ``kh * kw`` *kernel offsets* rather than over the windows: for offset
``(i, j)`` the strided slice ``x[:, :, i::sh, j::sw]`` (cut to Ho x Wo) holds the value at that
offset of *every* window at once, so a 2x2 pool is four slices and three ``np.maximum`` calls.
This works for any window and stride, overlapping windows included (AlexNet's 3x3 stride 2).

Padding: max pooling pads with -inf and min pooling with +inf and never routes a gradient to a
padded cell (as in PyTorch: a window whose real cells are all -inf sends its gradient to its
first real cell); average pooling pads with zeros that count in the mean (PyTorch's default
``count_include_pad=True``). As in PyTorch, padding may be at most half the window.

Backward:
- max: the gradient of a window goes to its arg-max only. **Ties** go to the *first* maximum in
  row-major window order (top row first, left to right), which is PyTorch's rule too, so the
  gradient is deterministic. Seen from the output, this is *up-sampling* through a mask.
- average: each of the ``kh * kw`` cells gets ``dout / (kh * kw)``: up-sampling by repetition.
- min: ``min(x) = -max(-x)``, so its backward is max-pool backward on ``-x`` (first minimum wins).
Where windows overlap, the contributions to a cell add up.
"""

from __future__ import annotations

import numpy as np

from dlcourse.errors import as_float_array, check_ndim
from dlcourse.im2col import pair
from dlcourse.network import Layer, check_backward


def check_pool_geometry(kernel_size, stride, padding):
    """Validate a window; return ``(kernel, stride, padding)`` as pairs."""
    kh, kw = pair(kernel_size, "kernel_size")
    sh, sw = (kh, kw) if stride is None else pair(stride, "stride")
    ph, pw = pair(padding, "padding")
    if kh < 1 or kw < 1:
        raise ValueError(f"kernel_size must be at least 1, got {kernel_size!r}")
    if sh < 1 or sw < 1:
        raise ValueError(f"stride must be at least 1, got {stride!r}")
    if ph < 0 or pw < 0 or 2 * ph > kh or 2 * pw > kw:
        raise ValueError(
            f"padding must be between 0 and half the window {kh}x{kw}, got {padding!r}"
        )
    return (kh, kw), (sh, sw), (ph, pw)


def check_pool_args(x, kernel_size, stride, padding):
    """Validate a pooling call; return ``(kernel, stride, padding, (Ho, Wo))`` as pairs."""
    check_ndim(x, 4, "x", "(N, C, H, W)")
    (kh, kw), (sh, sw), (ph, pw) = check_pool_geometry(kernel_size, stride, padding)
    hp, wp = np.shape(x)[2] + 2 * ph, np.shape(x)[3] + 2 * pw
    if kh > hp or kw > wp:
        raise ValueError(
            f"kernel_size {kh}x{kw} does not fit the padded input {hp}x{wp} "
            f"(x.shape={np.shape(x)}, padding={padding!r})"
        )
    return (kh, kw), (sh, sw), (ph, pw), ((hp - kh) // sh + 1, (wp - kw) // sw + 1)


def _float(x) -> np.ndarray:
    return as_float_array(x, "x")


def _pad(x, padding, value) -> np.ndarray:
    ph, pw = padding
    if ph == 0 and pw == 0:
        return x
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=value)


def _offsets(kernel, stride, out_hw):
    """Yield, for each kernel offset (i, j) in row-major order, the index of its strided slice."""
    (kh, kw), (sh, sw), (ho, wo) = kernel, stride, out_hw
    for i in range(kh):
        for j in range(kw):
            yield (..., slice(i, i + sh * (ho - 1) + 1, sh), slice(j, j + sw * (wo - 1) + 1, sw))


def max_pool2d_forward(x, kernel_size, stride=None, padding=0):
    """Max pooling. x (N, C, H, W) -> ``(out, cache)`` with out (N, C, Ho, Wo)."""
    x = _float(x)
    kernel, stride, padding, out_hw = check_pool_args(x, kernel_size, stride, padding)
    xp = _pad(x, padding, -np.inf)
    slices = list(_offsets(kernel, stride, out_hw))
    out = xp[slices[0]].copy()
    for s in slices[1:]:
        np.maximum(out, xp[s], out=out)
    cache = {"xp": xp, "out": out, "out_shape": out.shape, "kernel": kernel, "stride": stride}
    cache["padding"] = padding
    return out, cache


def max_pool2d_backward(dout, cache):
    """Gradient of max pooling: route each ``dout`` value to its window's first arg-max."""
    xp, out = cache["xp"], cache["out"]
    dout = _check_dout(dout, out.shape, xp.dtype)
    dxp = np.zeros_like(xp)
    slices = list(_offsets(cache["kernel"], cache["stride"], out.shape[2:]))
    disjoint = all(s >= k for s, k in zip(cache["stride"], cache["kernel"], strict=True))
    real = _real_cells(xp.shape, cache["padding"])  # None without padding
    remaining = None  # windows whose gradient has not been routed yet
    for index, s in enumerate(slices):
        if remaining is None:
            hit = xp[s] == out  # the first offset wins every window whose maximum it holds
            if real is not None:
                hit &= real[s]  # a padded cell never wins, even when the maximum is -inf
            remaining = ~hit
        elif index == len(slices) - 1:
            hit = remaining  # the last offset holds the maximum of every window left
        else:
            hit = xp[s] == out
            if real is not None:
                hit &= real[s]
            hit &= remaining  # ties: an earlier offset has already taken the window
            remaining ^= hit
        if disjoint:
            np.multiply(dout, hit, out=dxp[s])
        else:
            dxp[s] += dout * hit
    return _crop(dxp, cache["padding"])


def avg_pool2d_forward(x, kernel_size, stride=None, padding=0):
    """Average pooling (zero padding counted in the mean). x (N, C, H, W) -> ``(out, cache)``."""
    x = _float(x)
    kernel, stride, padding, out_hw = check_pool_args(x, kernel_size, stride, padding)
    xp = _pad(x, padding, 0)
    slices = list(_offsets(kernel, stride, out_hw))
    out = xp[slices[0]].copy()
    for s in slices[1:]:
        out += xp[s]
    out /= kernel[0] * kernel[1]
    cache = {
        "padded_shape": xp.shape,
        "out_shape": out.shape,
        "dtype": xp.dtype,
        "kernel": kernel,
        "stride": stride,
        "padding": padding,
    }
    return out, cache


def avg_pool2d_backward(dout, cache):
    """Gradient of average pooling: every cell of a window gets ``dout / (kh * kw)``."""
    dout = _check_dout(dout, cache["out_shape"], cache["dtype"])
    kh, kw = cache["kernel"]
    share = dout / (kh * kw)
    dxp = np.zeros(cache["padded_shape"], dtype=cache["dtype"])
    for s in _offsets(cache["kernel"], cache["stride"], cache["out_shape"][2:]):
        dxp[s] += share
    return _crop(dxp, cache["padding"])


def min_pool2d_forward(x, kernel_size, stride=None, padding=0):
    """Min pooling, computed as ``-max_pool(-x)``. x (N, C, H, W) -> ``(out, cache)``."""
    out, cache = max_pool2d_forward(-_float(x), kernel_size, stride, padding)
    return -out, cache


def min_pool2d_backward(dout, cache):
    """Gradient of min pooling: route each ``dout`` value to its window's first minimum.

    From ``y = -max(-x)``: dL/dx = -(max-pool backward of -dout) = max-pool backward of dout.
    """
    return max_pool2d_backward(dout, cache)


def _real_cells(padded_shape, padding) -> np.ndarray | None:
    """``(1, 1, Hp, Wp)`` mask: True on the input's cells, False on the padding."""
    ph, pw = padding
    if ph == 0 and pw == 0:
        return None
    real = np.zeros((1, 1, *padded_shape[2:]), dtype=bool)
    real[..., ph : padded_shape[2] - ph, pw : padded_shape[3] - pw] = True
    return real


def _check_dout(dout, shape, dtype) -> np.ndarray:
    dout = as_float_array(dout, "dout")
    if dout.shape != tuple(shape):
        raise ValueError(
            f"dout must have the forward output's shape {tuple(shape)}, got {np.shape(dout)}"
        )
    return dout.astype(dtype, copy=False)


def _crop(dxp, padding) -> np.ndarray:
    ph, pw = padding
    if ph == 0 and pw == 0:
        return dxp
    return np.ascontiguousarray(dxp[:, :, ph : dxp.shape[2] - ph, pw : dxp.shape[3] - pw])


class _Pool2d(Layer):
    forward_fn = staticmethod(max_pool2d_forward)
    backward_fn = staticmethod(max_pool2d_backward)

    def __init__(self, kernel_size, stride=None, padding=0):
        check_pool_geometry(kernel_size, stride, padding)  # reject a bad window now
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding
        self.cache = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        out, self.cache = self.forward_fn(x, self.kernel_size, self.stride, self.padding)
        return out

    def backward(self, dy: np.ndarray) -> np.ndarray:
        cache = self.cache
        dy = check_backward(self, cache, dy, () if cache is None else cache["out_shape"])
        return self.backward_fn(dy, cache)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(kernel_size={self.kernel_size}, stride={self.stride}, "
            f"padding={self.padding})"
        )


class MaxPool2d(_Pool2d):
    """Max pooling layer (no parameters): ``MaxPool2d(kernel_size, stride=None, padding=0)``."""


class AvgPool2d(_Pool2d):
    """Average pooling layer: ``AvgPool2d(kernel_size, stride=None, padding=0)``."""

    forward_fn = staticmethod(avg_pool2d_forward)
    backward_fn = staticmethod(avg_pool2d_backward)


class MinPool2d(_Pool2d):
    """Min pooling layer: ``MinPool2d(kernel_size, stride=None, padding=0)``."""

    forward_fn = staticmethod(min_pool2d_forward)
    backward_fn = staticmethod(min_pool2d_backward)
