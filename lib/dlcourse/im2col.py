"""im2col: turn every window of an image batch into a column, so convolution becomes one matmul.

A convolution with ``F`` filters of shape ``(C, kh, kw)`` computes, for every output position,
a dot product between a filter and the ``C * kh * kw`` input values under it. If we copy those
values into the columns of one matrix (*im2col*, "image to columns"), all dot products of all
filters at all positions are a single matrix product::

    out (F, N*Ho*Wo) = W.reshape(F, C*kh*kw) @ cols (C*kh*kw, N*Ho*Wo)

(Chellapilla et al., 2006). The copy is built from a strided *view* of the padded input: numpy's
``as_strided`` lets us index the same memory as ``(C, kh, kw, N, Ho, Wo)`` without copying; one
``ascontiguousarray`` then materialises the matrix. ``col2im`` is the adjoint: it adds every
column back onto the window it came from (overlapping windows add up), which is exactly what
the backward pass needs.

Window geometry (PyTorch's, "floor" mode)::

    Ho = (H + pad_top + pad_bottom - kh) // sh + 1
    Wo = (W + pad_left + pad_right - kw) // sw + 1
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from dlcourse.errors import as_float_array, check_int, check_ndim


def pair(value, name: str) -> tuple[int, int]:
    """``3 -> (3, 3)``, ``(2, 3) -> (2, 3)``; anything else is a ValueError naming ``name``."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value), int(value)
    if (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value)
    ):
        return int(value[0]), int(value[1])
    raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")


def check_window(padded_shape, kernel_size, stride, name: str = "xp"):
    """Validate a window on a padded (N, C, Hp, Wp) batch: ``(kernel, stride, (Ho, Wo))`` or raise.

    Kernel and stride must be positive and the kernel must fit: an empty output is an error,
    not an empty array.
    """
    kh, kw = pair(kernel_size, "kernel_size")
    sh, sw = pair(stride, "stride")
    if kh < 1 or kw < 1:
        raise ValueError(f"kernel_size must be at least 1, got {kernel_size!r}")
    if sh < 1 or sw < 1:
        raise ValueError(f"stride must be at least 1, got {stride!r}")
    hp, wp = padded_shape[2:]
    if kh > hp or kw > wp:
        raise ValueError(
            f"kernel_size {kh}x{kw} does not fit {name} of shape {tuple(padded_shape)}"
        )
    return (kh, kw), (sh, sw), ((hp - kh) // sh + 1, (wp - kw) // sw + 1)


def window_view(xp: np.ndarray, kernel_size, stride) -> np.ndarray:
    """A read-only strided view ``(N, C, kh, kw, Ho, Wo)`` of an (already padded) batch.

    ``view[n, c, i, j, p, q] == xp[n, c, p * sh + i, q * sw + j]``: the value under kernel
    offset ``(i, j)`` of the window at output position ``(p, q)``. No data is copied.
    """
    kh, kw = kernel_size
    sh, sw = stride
    n, c, h, w = xp.shape
    ho, wo = (h - kh) // sh + 1, (w - kw) // sw + 1
    s0, s1, s2, s3 = xp.strides
    return as_strided(
        xp,
        shape=(n, c, kh, kw, ho, wo),
        strides=(s0, s1, s2, s3, s2 * sh, s3 * sw),
        writeable=False,
    )


def im2col(xp: np.ndarray, kernel_size, stride) -> np.ndarray:
    """Columns ``(C*kh*kw, N*Ho*Wo)`` of a padded batch ``xp`` of shape ``(N, C, Hp, Wp)``.

    Row ``(c, i, j)`` (in that order, matching ``W.reshape(F, -1)``) holds, for every image and
    output position ``(n, p, q)``, the input value ``xp[n, c, p*sh + i, q*sw + j]``.
    """
    xp = as_float_array(xp, "xp")
    check_ndim(xp, 4, "xp", "(N, C, Hp, Wp)")
    kernel_size, stride, _ = check_window(xp.shape, kernel_size, stride)
    view = window_view(xp, kernel_size, stride)  # (N, C, kh, kw, Ho, Wo)
    n, c, kh, kw, ho, wo = view.shape
    return np.ascontiguousarray(view.transpose(1, 2, 3, 0, 4, 5)).reshape(c * kh * kw, -1)


def col2im(cols: np.ndarray, padded_shape, kernel_size, stride, out=None) -> np.ndarray:
    """Adjoint of :func:`im2col`: add every column back onto its window; returns ``(N, C, Hp, Wp)``.

    ``cols`` has shape ``(C*kh*kw, N*Ho*Wo)``. Values of overlapping windows are summed, so
    ``sum(col2im(G) * X) == sum(G * im2col(X))`` for all ``G``, ``X`` (the defining property
    of an adjoint, and the reason the gradient of a convolution is a col2im). ``out``, a
    zeroed ``(C, N, Hp, Wp)`` buffer to reuse, receives the sums (channel first).
    """
    cols, (n, c, hp, wp), (kh, kw), (sh, sw) = check_cols(cols, padded_shape, kernel_size, stride)
    ho, wo = (hp - kh) // sh + 1, (wp - kw) // sw + 1
    cols = cols.reshape(c, kh, kw, n, ho, wo)
    if out is None:
        out = np.zeros((c, n, hp, wp), dtype=cols.dtype)  # channel-first: adds stay contiguous
    for i in range(kh):
        for j in range(kw):
            out[:, :, i : i + sh * ho : sh, j : j + sw * wo : sw] += cols[:, i, j]
    return out.transpose(1, 0, 2, 3)


def check_cols(cols, padded_shape, kernel_size, stride):
    """Validate :func:`col2im`'s arguments; return ``(cols, padded_shape, kernel, stride)``."""
    if not isinstance(padded_shape, tuple | list) or len(padded_shape) != 4:
        raise ValueError(f"padded_shape must be 4 sizes (N, C, Hp, Wp), got {padded_shape!r}")
    n, c, hp, wp = (check_int(s, "padded_shape entry", 1) for s in padded_shape)
    (kh, kw), stride, (ho, wo) = check_window((n, c, hp, wp), kernel_size, stride, "padded_shape")
    cols = as_float_array(cols, "cols")
    if cols.shape != (c * kh * kw, n * ho * wo):
        raise ValueError(
            f"cols must have shape (C*kh*kw, N*Ho*Wo) = {(c * kh * kw, n * ho * wo)} for "
            f"padded_shape {tuple(padded_shape)}, got {cols.shape}"
        )
    return cols, (n, c, hp, wp), (kh, kw), stride
