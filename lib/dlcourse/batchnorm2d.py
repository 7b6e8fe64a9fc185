"""Batch normalisation for convolutional feature maps: one mean and variance per channel.

A dense layer's batch norm normalises each *feature* over the batch. For feature maps the
same filter made every pixel of a channel, so a channel is normalised over the batch *and*
all positions: an ``(N, C, H, W)`` batch is read as ``N*H*W`` examples of ``C`` features and
handed to the dense functions of :mod:`dlcourse.batchnorm` (Ioffe & Szegedy 2015, section 3.2;
PyTorch's ``nn.BatchNorm2d``). ``gamma`` and ``beta`` have shape ``(C,)``.
"""

from __future__ import annotations

import numpy as np

from dlcourse.batchnorm import BatchNorm1d
from dlcourse.errors import check_ndim


def to_rows(x: np.ndarray) -> np.ndarray:
    """(N, C, H, W) -> (N*H*W, C): every pixel of every image is one example of its channel."""
    return x.transpose(0, 2, 3, 1).reshape(-1, x.shape[1])


def from_rows(rows: np.ndarray, shape) -> np.ndarray:
    """Inverse of :func:`to_rows`: (N*H*W, C) -> (N, C, H, W) for the given NCHW ``shape``."""
    n, c, h, w = shape
    return np.ascontiguousarray(rows.reshape(n, h, w, c).transpose(0, 3, 1, 2))


class BatchNorm2d(BatchNorm1d):
    """Per-channel batch normalisation of ``(N, num_features, H, W)`` maps (conv -> BN -> ReLU).

    Training mode uses the batch statistics and updates ``running_mean`` / ``running_var``
    (PyTorch's momentum convention); evaluation mode (``layer.eval()``) uses the running ones.
    """

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_ndim(x, 4, "BatchNorm2d input", "(N, C, H, W)")
        if x.shape[1] != self.num_features:
            raise ValueError(
                f"BatchNorm2d({self.num_features}) got input of shape {x.shape}: "
                f"expected {self.num_features} channels"
            )
        self.input_shape = x.shape
        y = super().forward(to_rows(x))
        return from_rows(y.astype(x.dtype, copy=False), x.shape)

    def backward(self, dy: np.ndarray) -> np.ndarray:
        shape = getattr(self, "input_shape", None)
        if shape is None:
            raise RuntimeError("BatchNorm2d.backward called before forward")
        if np.shape(dy) != shape:
            raise ValueError(
                f"BatchNorm2d.backward expected dy of shape {shape}, got {np.shape(dy)}"
            )
        return from_rows(super().backward(to_rows(dy)), shape)
