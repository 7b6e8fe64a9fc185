"""Batch normalisation for convolutional feature maps: one mean and variance per channel.

A dense layer's batch norm normalises each *feature* over the batch. For feature maps the
same filter made every pixel of a channel, so a channel is normalised over the batch *and*
all positions: an ``(N, C, H, W)`` batch is read as ``N*H*W`` examples of ``C`` features and
handed to the dense functions of :mod:`dlcourse.batchnorm` (Ioffe & Szegedy 2015, section 3.2;
PyTorch's ``nn.BatchNorm2d``). ``gamma`` and ``beta`` have shape ``(C,)``.
"""

from __future__ import annotations

import numpy as np

from dlcourse.batchnorm import (
    batchnorm_backward,
    batchnorm_forward,
    batchnorm_inference,
    batchnorm_inference_backward,
    update_running_stats,
)
from dlcourse.errors import check_ndim
from dlcourse.network import Layer, Parameter


def to_rows(x: np.ndarray) -> np.ndarray:
    """(N, C, H, W) -> (N*H*W, C): every pixel of every image is one example of its channel."""
    return x.transpose(0, 2, 3, 1).reshape(-1, x.shape[1])


def from_rows(rows: np.ndarray, shape) -> np.ndarray:
    """Inverse of :func:`to_rows`: (N*H*W, C) -> (N, C, H, W) for the given NCHW ``shape``."""
    n, c, h, w = shape
    return np.ascontiguousarray(rows.reshape(n, h, w, c).transpose(0, 3, 1, 2))


class BatchNorm2d(Layer):
    """Per-channel batch normalisation of ``(N, num_features, H, W)`` maps (conv -> BN -> ReLU).

    Training mode uses the batch statistics and updates ``running_mean`` / ``running_var``
    (PyTorch's momentum convention); evaluation mode (``layer.eval()``) uses the running ones.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1):
        if int(num_features) != num_features or num_features < 1:
            raise ValueError(f"num_features must be a positive integer, got {num_features!r}")
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f"momentum must be in [0, 1], got {momentum!r}")
        self.num_features, self.eps, self.momentum = int(num_features), float(eps), momentum
        self.gamma = Parameter(np.ones(self.num_features), "gamma")
        self.beta = Parameter(np.zeros(self.num_features), "beta")
        self.running_mean = np.zeros(self.num_features)
        self.running_var = np.ones(self.num_features)
        self.cache = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_ndim(x, 4, "BatchNorm2d input", "(N, C, H, W)")
        if x.shape[1] != self.num_features:
            raise ValueError(
                f"BatchNorm2d({self.num_features}) got input of shape {x.shape}: "
                f"expected {self.num_features} channels"
            )
        rows = to_rows(x)
        if self.training:
            y, cache = batchnorm_forward(rows, self.gamma.data, self.beta.data, self.eps)
            update_running_stats(
                self.running_mean,
                self.running_var,
                cache[3],
                cache[4],
                rows.shape[0],
                self.momentum,
            )
        else:
            y, cache = batchnorm_inference(
                rows, self.gamma.data, self.beta.data, self.running_mean, self.running_var, self.eps
            )
        self.cache = (self.training, cache, x.shape)
        return from_rows(y.astype(x.dtype, copy=False), x.shape)

    def backward(self, dy: np.ndarray) -> np.ndarray:
        if self.cache is None:
            raise RuntimeError("BatchNorm2d.backward called before forward")
        training, cache, shape = self.cache
        if np.shape(dy) != shape:
            raise ValueError(
                f"BatchNorm2d.backward expected dy of shape {shape}, got {np.shape(dy)}"
            )
        backward = batchnorm_backward if training else batchnorm_inference_backward
        dx, dgamma, dbeta = backward(to_rows(dy), cache)
        self.gamma.grad += dgamma
        self.beta.grad += dbeta
        return from_rows(dx, shape)

    def __repr__(self) -> str:
        return f"BatchNorm2d({self.num_features}, eps={self.eps}, momentum={self.momentum})"
