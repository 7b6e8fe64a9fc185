"""Two-dimensional convolution: forward, backward and the ``Conv2d`` layer.

Shapes (PyTorch's NCHW layout and argument names)::

    x    (N, C, H, W)       a batch of N images with C channels
    w    (F, C, kh, kw)     F filters, each spanning all C input channels
    b    (F,)               one bias per filter (or None)
    out  (N, F, Ho, Wo)     Ho = (H + pad_top + pad_bottom - kh) // sh + 1  (same for Wo)

What deep-learning libraries call "convolution" is, strictly, **cross-correlation**
(교차상관): the filter is laid on the input as it is,

    out[n, f, p, q] = b[f] + sum_{c, i, j} w[f, c, i, j] * x_pad[n, c, p*sh + i, q*sw + j].

The mathematical **convolution** (합성곱) first rotates the filter by 180 degrees
(:func:`convolve2d` against :func:`correlate2d`). Since the filter is learned, the two are
equally expressive; the rotation shows up in the backward pass, where the gradient with
respect to the input is a true convolution of the output gradient with the filter.

Padding is zero padding: an int, a pair ``(ph, pw)``, ``"valid"`` (none) or ``"same"`` (output
as large as the input; stride 1 only; an even kernel gets the extra row and column at the
bottom and right, as in PyTorch). When the stride does not divide ``H + 2p - kh``, the last
rows or columns that no window reaches are dropped (PyTorch's floor rule).
"""

from __future__ import annotations

import numpy as np

from dlcourse.errors import check_ndim
from dlcourse.im2col import col2im, im2col, pair
from dlcourse.init import he_normal
from dlcourse.network import Layer, Parameter


def conv_output_size(n: int, kernel: int, stride: int = 1, padding: int = 0) -> int:
    """Output length ``(n + 2*padding - kernel) // stride + 1`` of one spatial dimension."""
    return (n + 2 * padding - kernel) // stride + 1


def resolve_padding(padding, kernel_size) -> tuple[int, int, int, int]:
    """Turn ``padding`` into ``(top, bottom, left, right)`` zero rows/columns to add."""
    kh, kw = kernel_size
    if isinstance(padding, str):
        if padding == "valid":
            return 0, 0, 0, 0
        if padding == "same":
            # total padding k - 1; an odd total puts the extra row/column last (PyTorch)
            return (kh - 1) // 2, kh // 2, (kw - 1) // 2, kw // 2
        raise ValueError(f'padding must be an int, a pair, "valid" or "same", got {padding!r}')
    ph, pw = pair(padding, "padding")
    if ph < 0 or pw < 0:
        raise ValueError(f"padding must be non-negative, got {padding!r}")
    return ph, ph, pw, pw


def check_conv_args(x, w, b, stride, padding):
    """Validate a convolution call; return ``(stride, pads, (Ho, Wo))`` or raise ValueError."""
    check_ndim(x, 4, "x", "(N, C, H, W)")
    check_ndim(w, 4, "w", "(F, C, kh, kw)")
    if x.shape[1] != w.shape[1]:
        raise ValueError(
            f"channel mismatch: x has {x.shape[1]} channels (x.shape={x.shape}) but the filters "
            f"expect {w.shape[1]} (w.shape={w.shape})"
        )
    if b is not None and np.shape(b) != (w.shape[0],):
        raise ValueError(
            f"b must have shape (F,) = ({w.shape[0]},) for w.shape={w.shape}, got {np.shape(b)}"
        )
    sh, sw = pair(stride, "stride")
    if sh < 1 or sw < 1:
        raise ValueError(f"stride must be at least 1, got {stride!r}")
    if padding == "same" and (sh, sw) != (1, 1):
        raise ValueError(f'padding="same" needs stride 1, got stride={stride!r}')
    top, bottom, left, right = pads = resolve_padding(padding, w.shape[2:])
    hp, wp = x.shape[2] + top + bottom, x.shape[3] + left + right
    kh, kw = w.shape[2:]
    if kh > hp or kw > wp or kh < 1 or kw < 1:
        raise ValueError(
            f"kernel {kh}x{kw} (w.shape={w.shape}) does not fit the padded input "
            f"{hp}x{wp} (x.shape={x.shape}, padding={padding!r})"
        )
    return (sh, sw), pads, ((hp - kh) // sh + 1, (wp - kw) // sw + 1)


def pad_input(x: np.ndarray, pads, dtype) -> np.ndarray:
    """Zero-pad the two spatial dimensions of ``x`` by ``pads = (top, bottom, left, right)``."""
    top, bottom, left, right = pads
    x = np.asarray(x, dtype=dtype)
    if pads == (0, 0, 0, 0):
        return x
    return np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))


def result_dtype(*arrays) -> np.dtype:
    """float32 stays float32, float64 stays float64; integers become float64."""
    return np.result_type(*[np.asarray(a).dtype for a in arrays if a is not None], np.float32)


def conv2d_forward_naive(x, w, b, stride=1, padding=0) -> np.ndarray:
    """Convolution (cross-correlation) with plain loops, read straight off the formula.

    x (N, C, H, W), w (F, C, kh, kw), b (F,) or None -> out (N, F, Ho, Wo). For teaching and
    for testing :func:`conv2d_forward`; far too slow for training.
    """
    x, w = np.asarray(x), np.asarray(w)
    (sh, sw), pads, (ho, wo) = check_conv_args(x, w, b, stride, padding)
    dtype = result_dtype(x, w, b)
    xp = pad_input(x, pads, dtype)
    n_images, n_filters, kh, kw = x.shape[0], w.shape[0], w.shape[2], w.shape[3]
    out = np.zeros((n_images, n_filters, ho, wo), dtype=dtype)
    for n in range(n_images):
        for f in range(n_filters):
            for p in range(ho):
                for q in range(wo):
                    window = xp[n, :, p * sh : p * sh + kh, q * sw : q * sw + kw]  # (C, kh, kw)
                    out[n, f, p, q] = np.sum(window * w[f]) + (0 if b is None else b[f])
    return out


def conv2d_forward(x, w, b, stride=1, padding=0):
    """Fast convolution: im2col, then one matrix product. Returns ``(out, cache)``.

    x (N, C, H, W), w (F, C, kh, kw), b (F,) or None -> out (N, F, Ho, Wo), same dtype as the
    inputs (float32 or float64). ``cache`` holds what :func:`conv2d_backward` needs.
    """
    x, w = np.asarray(x), np.asarray(w)
    stride, pads, (ho, wo) = check_conv_args(x, w, b, stride, padding)
    dtype = result_dtype(x, w, b)
    xp = pad_input(x, pads, dtype)
    w = np.asarray(w, dtype=dtype)
    n_filters, kernel = w.shape[0], w.shape[2:]
    cols = im2col(xp, kernel, stride)  # (C*kh*kw, N*Ho*Wo)
    out = w.reshape(n_filters, -1) @ cols  # (F, N*Ho*Wo)
    if b is not None:
        out += np.asarray(b, dtype=dtype)[:, None]
    out = np.ascontiguousarray(out.reshape(n_filters, x.shape[0], ho, wo).transpose(1, 0, 2, 3))
    cache = {
        "cols": cols,
        "w": w,
        "has_bias": b is not None,
        "padded_shape": xp.shape,
        "x_shape": x.shape,
        "stride": stride,
        "pads": pads,
    }
    return out, cache


def conv2d_backward(dout, cache, need_dx: bool = True):
    """Gradients of a convolution: ``(dx, dw, db)`` from ``dout`` of shape (N, F, Ho, Wo).

    With ``D = dout`` rearranged to (F, N*Ho*Wo) and ``X = im2col(x_pad)``:
    ``db = D.sum(1)``, ``dw = D @ X.T`` and ``dx = col2im(W.T @ D)`` cropped to the input.
    ``db`` is None when the forward pass had no bias; ``dx`` is None with ``need_dx=False``
    (a first layer, whose input is the data, needs no input gradient).
    """
    w, cols = cache["w"], cache["cols"]
    n_filters = w.shape[0]
    expected = (cache["x_shape"][0], n_filters, *_out_hw(cache))
    if np.shape(dout) != expected:
        raise ValueError(
            f"dout must have the forward output's shape {expected}, got {np.shape(dout)}"
        )
    d = np.ascontiguousarray(np.asarray(dout, dtype=w.dtype).transpose(1, 0, 2, 3))
    d = d.reshape(n_filters, -1)  # (F, N*Ho*Wo)
    db = d.sum(axis=1) if cache["has_bias"] else None
    dw = (d @ cols.T).reshape(w.shape)
    if not need_dx:
        return None, dw, db
    dxp = col2im(
        w.reshape(n_filters, -1).T @ d, cache["padded_shape"], w.shape[2:], cache["stride"]
    )
    top, bottom, left, right = cache["pads"]
    hp, wp = cache["padded_shape"][2:]
    dx = np.ascontiguousarray(dxp[:, :, top : hp - bottom, left : wp - right])
    return dx, dw, db


def _out_hw(cache) -> tuple[int, int]:
    hp, wp = cache["padded_shape"][2:]
    kh, kw = cache["w"].shape[2:]
    sh, sw = cache["stride"]
    return (hp - kh) // sh + 1, (wp - kw) // sw + 1


def rot180(kernel: np.ndarray) -> np.ndarray:
    """The kernel rotated by 180 degrees: flipped upside down and left to right."""
    return np.asarray(kernel)[..., ::-1, ::-1]


def correlate2d(image, kernel, stride=1, padding=0) -> np.ndarray:
    """Single-channel cross-correlation: ``out[y, x] = sum_{a,b} I[y+a, x+b] K[a, b]``.

    image (H, W), kernel (kh, kw) -> (Ho, Wo). This is what a CNN layer computes.
    """
    check_ndim(image, 2, "image", "(H, W)")
    check_ndim(kernel, 2, "kernel", "(kh, kw)")
    image, kernel = np.asarray(image), np.asarray(kernel)
    out, _ = conv2d_forward(image[None, None], kernel[None, None], None, stride, padding)
    return out[0, 0]


def convolve2d(image, kernel, stride=1, padding=0) -> np.ndarray:
    """Single-channel true convolution: ``out[y, x] = sum_{a,b} I[y+a, x+b] K[kh-1-a, kw-1-b]``.

    The same as :func:`correlate2d` with the kernel rotated by 180 degrees (:func:`rot180`).
    With ``padding = kernel size - 1`` it is the "full" convolution of signal processing.
    """
    return correlate2d(image, rot180(kernel), stride, padding)


class Conv2d(Layer):
    """Convolutional layer: ``y = conv(x, W) + b`` with W (out, in, kh, kw) and b (out,).

    Weights start He-normal (std ``sqrt(2 / fan_in)``, fan_in = in * kh * kw, suited to ReLU);
    biases start at zero. ``dtype`` sets the parameters' precision (float64 for gradient
    checks, float32 for fast training). Setting ``layer.input_grad = False`` (for a first
    layer, whose input is the data) skips the input gradient; ``backward`` then returns None.
    """

    input_grad = True

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        rng=None,
        dtype=np.float64,
    ):
        kh, kw = pair(kernel_size, "kernel_size")
        if in_channels < 1 or out_channels < 1 or kh < 1 or kw < 1:
            raise ValueError(
                f"in_channels, out_channels and kernel_size must be positive, got "
                f"{in_channels}, {out_channels}, {kernel_size!r}"
            )
        w = he_normal((out_channels, in_channels, kh, kw), rng=rng)
        self.W = Parameter(w.astype(dtype), "W")
        self.b = Parameter(np.zeros(out_channels, dtype=dtype), "b")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding = (kh, kw), stride, padding
        resolve_padding(padding, (kh, kw))  # reject bad padding now, not at the first batch
        pair(stride, "stride")
        self.cache = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        out, self.cache = conv2d_forward(x, self.W.data, self.b.data, self.stride, self.padding)
        return out

    def backward(self, dy: np.ndarray) -> np.ndarray:
        if self.cache is None:
            raise RuntimeError("Conv2d.backward called before forward")
        dx, dw, db = conv2d_backward(dy, self.cache, need_dx=self.input_grad)
        self.W.grad += dw
        self.b.grad += db
        return dx

    def __repr__(self) -> str:
        return (
            f"Conv2d({self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}, padding={self.padding!r})"
        )
