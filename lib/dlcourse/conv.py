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

dtypes: float32 in, float32 out (the functions compute in the common float type of their
inputs; the layer in its input's). Integers become float64.
"""

from __future__ import annotations

import numpy as np

from dlcourse.errors import as_float_array, check_bool, check_dtype, check_int, check_ndim
from dlcourse.im2col import col2im, pair, window_view
from dlcourse.init import he_normal
from dlcourse.network import Layer, Parameter, check_backward

#: Bytes of input-gradient columns handled at once in the backward pass: a block of images
#: small enough for the processor's cache, so ``col2im`` adds into memory that is still hot.
BLOCK_BYTES = 1 << 21


def conv_output_size(n: int, kernel: int, stride: int = 1, padding: int = 0) -> int:
    """Output length ``(n + 2*padding - kernel) // stride + 1`` of one spatial dimension."""
    n, kernel = check_int(n, "n", 0), check_int(kernel, "kernel", 1)
    stride, padding = check_int(stride, "stride", 1), check_int(padding, "padding", 0)
    if kernel > n + 2 * padding:
        raise ValueError(f"kernel {kernel} does not fit {n} + 2 * padding {padding}")
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
    """Validate a convolution call; return ``(x, w, b, stride, pads, (Ho, Wo))`` or raise.

    ``x``, ``w`` and ``b`` come back as float arrays of one common dtype.
    """
    x, w = as_float_array(x, "x"), as_float_array(w, "w")
    b = None if b is None else as_float_array(b, "b")
    check_ndim(x, 4, "x", "(N, C, H, W)")
    check_ndim(w, 4, "w", "(F, C, kh, kw)")
    if x.shape[1] != w.shape[1]:
        raise ValueError(
            f"channel mismatch: x has {x.shape[1]} channels (x.shape={x.shape}) but the filters "
            f"expect {w.shape[1]} (w.shape={w.shape})"
        )
    if b is not None and b.shape != (w.shape[0],):
        raise ValueError(
            f"b must have shape (F,) = ({w.shape[0]},) for w.shape={w.shape}, got {b.shape}"
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
    dtype = np.result_type(x, w, *([] if b is None else [b]))
    x, w = x.astype(dtype, copy=False), w.astype(dtype, copy=False)
    b = None if b is None else b.astype(dtype, copy=False)
    return x, w, b, (sh, sw), pads, ((hp - kh) // sh + 1, (wp - kw) // sw + 1)


def buffer(buffers: dict | None, key: str, shape, dtype, zeroed: bool = False) -> np.ndarray:
    """A work array of ``shape``: the one kept in ``buffers[key]`` when it fits, else a new one.

    Reusing the same memory call after call spares the operating system from handing out (and
    zeroing) tens of megabytes of fresh pages per batch. ``zeroed``: a new array starts at 0
    (a reused one keeps what it had).
    """
    size = int(np.prod(shape))
    kept = None if buffers is None else buffers.get(key)
    if kept is None or kept.dtype != dtype or kept.size < size:
        kept = np.zeros(size, dtype) if zeroed else np.empty(size, dtype)
        if buffers is not None:
            buffers[key] = kept
    return kept[:size].reshape(shape)


def pad_input(x: np.ndarray, pads, buffers: dict | None = None) -> np.ndarray:
    """Zero-pad the two spatial dimensions of ``x`` by ``pads = (top, bottom, left, right)``."""
    top, bottom, left, right = pads
    if pads == (0, 0, 0, 0):
        return x
    n, c, h, w = x.shape
    shape = (n, c, h + top + bottom, w + left + right)
    if buffers is not None and buffers.get("xp shape") != (shape, x.dtype):
        buffers.pop("xp", None)  # a new shape: a new zeroed buffer, whose border stays zero
        buffers["xp shape"] = (shape, x.dtype)
    xp = buffer(buffers, "xp", shape, x.dtype, zeroed=True)
    xp[:, :, top : top + h, left : left + w] = x
    return xp


def conv2d_forward_naive(x, w, b, stride=1, padding=0) -> np.ndarray:
    """Convolution (cross-correlation) with plain loops, read straight off the formula.

    x (N, C, H, W), w (F, C, kh, kw), b (F,) or None -> out (N, F, Ho, Wo). For teaching and
    for testing :func:`conv2d_forward`; far too slow for training.
    """
    x, w, b, (sh, sw), pads, (ho, wo) = check_conv_args(x, w, b, stride, padding)
    xp = pad_input(x, pads)
    n_images, n_filters, kh, kw = x.shape[0], w.shape[0], w.shape[2], w.shape[3]
    out = np.zeros((n_images, n_filters, ho, wo), dtype=x.dtype)
    for n in range(n_images):
        for f in range(n_filters):
            for p in range(ho):
                for q in range(wo):
                    window = xp[n, :, p * sh : p * sh + kh, q * sw : q * sw + kw]  # (C, kh, kw)
                    out[n, f, p, q] = np.sum(window * w[f]) + (0 if b is None else b[f])
    return out


def conv2d_forward(x, w, b, stride=1, padding=0, buffers: dict | None = None):
    """Fast convolution: im2col, then one matrix product. Returns ``(out, cache)``.

    x (N, C, H, W), w (F, C, kh, kw), b (F,) or None -> out (N, F, Ho, Wo), same dtype as the
    inputs (float32 or float64). ``cache`` holds what :func:`conv2d_backward` needs.
    ``buffers``: a dict in which work arrays are kept for the next call (see :class:`Conv2d`).
    """
    x, w, b, stride, pads, (ho, wo) = check_conv_args(x, w, b, stride, padding)
    xp = pad_input(x, pads, buffers)
    n_filters, (c, kh, kw) = w.shape[0], w.shape[1:]
    cols = buffer(buffers, "cols", (c * kh * kw, x.shape[0] * ho * wo), x.dtype)
    view = window_view(xp, (kh, kw), stride)  # (N, C, kh, kw, Ho, Wo): im2col, in place
    np.copyto(cols.reshape(c, kh, kw, x.shape[0], ho, wo), view.transpose(1, 2, 3, 0, 4, 5))
    out = buffer(buffers, "out", (n_filters, cols.shape[1]), x.dtype)
    np.matmul(w.reshape(n_filters, -1), cols, out=out)  # (F, N*Ho*Wo)
    if b is not None:
        out += b[:, None]
    out = np.ascontiguousarray(out.reshape(n_filters, x.shape[0], ho, wo).transpose(1, 0, 2, 3))
    cache = {
        "cols": cols,
        "w": w,
        "has_bias": b is not None,
        "padded_shape": xp.shape,
        "x_shape": x.shape,
        "stride": stride,
        "pads": pads,
        "buffers": buffers,
    }
    return out, cache


def conv2d_backward(dout, cache, need_dx: bool = True):
    """Gradients of a convolution: ``(dx, dw, db)`` from ``dout`` of shape (N, F, Ho, Wo).

    With ``D = dout`` rearranged to (F, N*Ho*Wo) and ``X = im2col(x_pad)``:
    ``db = D.sum(1)``, ``dw = D @ X.T`` and ``dx = col2im(W.T @ D)`` cropped to the input
    (computed a block of images at a time, :func:`input_gradient`).
    ``db`` is None when the forward pass had no bias; ``dx`` is None with ``need_dx=False``
    (a first layer, whose input is the data, needs no input gradient).
    """
    w, cols = cache["w"], cache["cols"]
    n_filters = w.shape[0]
    expected = (cache["x_shape"][0], n_filters, *_out_hw(cache))
    dout = as_float_array(dout, "dout")
    if dout.shape != expected:
        raise ValueError(f"dout must have the forward output's shape {expected}, got {dout.shape}")
    d = buffer(cache["buffers"], "d", (n_filters, dout.size // n_filters), w.dtype)
    np.copyto(d.reshape(n_filters, expected[0], *expected[2:]), dout.transpose(1, 0, 2, 3))
    db = d.sum(axis=1) if cache["has_bias"] else None
    dw = (d @ cols.T).reshape(w.shape)
    dx = input_gradient(d, cache) if check_bool(need_dx, "need_dx") else None
    return dx, dw, db


def input_gradient(d: np.ndarray, cache) -> np.ndarray:
    """``dx = col2im(W.T @ D)`` cropped to the input, one cache-sized block at a time.

    The columns ``W.T @ D`` of all N images would be as large as ``im2col``'s matrix; made
    and added back one block of images (or, for large maps, of one image's channels) at a time,
    into two reused buffers, they stay in the processor's cache between the matrix product and
    ``col2im``'s adds. Blocks are independent: an image's or a channel's columns only ever add
    onto that image's or that channel's cells.
    """
    w, buffers = cache["w"], cache["buffers"]
    n, c, h, w_in = cache["x_shape"]
    _, _, hp, wp = cache["padded_shape"]
    top, _, left, _ = cache["pads"]
    taps, per_image = w[0, 0].size, d.shape[1] // n  # kh*kw, Ho*Wo
    channel_bytes = taps * per_image * w.itemsize  # the columns of one channel of one image
    images = max(1, min(n, BLOCK_BYTES // (c * channel_bytes)))
    channels = c if images > 1 else max(1, min(c, BLOCK_BYTES // channel_bytes))
    w_t = w.reshape(w.shape[0], -1).T  # (C*kh*kw, F)
    dx = np.empty((n, c, h, w_in), dtype=w.dtype)
    for start in range(0, n, images):
        stop = min(n, start + images)
        d_block = d[:, start * per_image : stop * per_image]
        for first in range(0, c, channels):
            last = min(c, first + channels)
            shape = ((last - first) * taps, (stop - start) * per_image)
            dcols = buffer(buffers, "dcols", shape, w.dtype)
            np.matmul(w_t[first * taps : last * taps], d_block, out=dcols)
            dxp = buffer(buffers, "dxp", (last - first, stop - start, hp, wp), w.dtype)
            dxp.fill(0)
            padded = (stop - start, last - first, hp, wp)
            col2im(dcols, padded, w.shape[2:], cache["stride"], out=dxp)
            crop = dxp[:, :, top : top + h, left : left + w_in]
            dx[start:stop, first:last] = crop.transpose(1, 0, 2, 3)
    return dx


def _out_hw(cache) -> tuple[int, int]:
    hp, wp = cache["padded_shape"][2:]
    kh, kw = cache["w"].shape[2:]
    sh, sw = cache["stride"]
    return (hp - kh) // sh + 1, (wp - kw) // sw + 1


def rot180(kernel: np.ndarray) -> np.ndarray:
    """The kernel rotated by 180 degrees: flipped upside down and left to right."""
    kernel = as_float_array(kernel, "kernel")
    if kernel.ndim < 2:
        raise ValueError(f"kernel must have at least 2 dimensions (kh, kw), got {kernel.shape}")
    return kernel[..., ::-1, ::-1]


def correlate2d(image, kernel, stride=1, padding=0) -> np.ndarray:
    """Single-channel cross-correlation: ``out[y, x] = sum_{a,b} I[y+a, x+b] K[a, b]``.

    image (H, W), kernel (kh, kw) -> (Ho, Wo). This is what a CNN layer computes.
    """
    image, kernel = as_float_array(image, "image"), as_float_array(kernel, "kernel")
    check_ndim(image, 2, "image", "(H, W)")
    check_ndim(kernel, 2, "kernel", "(kh, kw)")
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
    biases start at zero; ``bias=False`` leaves ``b`` out (None), as in ``torch.nn.Conv2d``.
    ``dtype`` sets the parameters' precision (float64 for gradient checks, float32 for fast
    training); the layer computes in its input's float dtype. Setting
    ``layer.input_grad = False`` (for a first layer, whose input is the data) skips the input
    gradient; ``backward`` then returns None. Work arrays are kept between batches.
    """

    input_grad = True

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size,
        stride=1,
        padding=0,
        bias: bool = True,
        rng=None,
        dtype=np.float64,
    ):
        self.in_channels = check_int(in_channels, "in_channels", 1)
        self.out_channels = check_int(out_channels, "out_channels", 1)
        kh, kw = pair(kernel_size, "kernel_size")
        if kh < 1 or kw < 1:
            raise ValueError(f"kernel_size must be positive, got {kernel_size!r}")
        dtype = check_dtype(dtype)
        resolve_padding(padding, (kh, kw))  # reject bad padding now, not at the first batch
        if min(pair(stride, "stride")) < 1:
            raise ValueError(f"stride must be at least 1, got {stride!r}")
        w = he_normal((self.out_channels, self.in_channels, kh, kw), rng=rng)
        self.W = Parameter(w.astype(dtype), "W")
        bias = check_bool(bias, "bias")
        self.b = Parameter(np.zeros(self.out_channels, dtype=dtype), "b") if bias else None
        self.kernel_size, self.stride, self.padding = (kh, kw), stride, padding
        self.cache = None
        self.buffers: dict = {}

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = as_float_array(x, "x")
        w = self.W.data.astype(x.dtype, copy=False)
        b = None if self.b is None else self.b.data.astype(x.dtype, copy=False)
        out, self.cache = conv2d_forward(x, w, b, self.stride, self.padding, self.buffers)
        return out

    def backward(self, dy: np.ndarray) -> np.ndarray:
        cache = self.cache
        if cache is None:
            check_backward(self, None, dy, ())
        shape = (cache["x_shape"][0], self.out_channels, *_out_hw(cache))
        dy = check_backward(self, cache, dy, shape, cache["w"].dtype)
        dx, dw, db = conv2d_backward(dy, cache, need_dx=self.input_grad)
        self.W.grad += dw
        if self.b is not None:
            self.b.grad += db
        return dx

    def __repr__(self) -> str:
        bias = "" if self.b is not None else ", bias=False"
        return (
            f"Conv2d({self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}, padding={self.padding!r}{bias})"
        )
