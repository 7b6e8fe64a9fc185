"""Batch normalisation (Ioffe & Szegedy 2015) for dense layers, and the functions it is made of.

For a mini-batch ``x`` of shape ``(M, C)`` (M examples, C features or channels), training mode::

    mu     = mean_i x[i]                       (per feature, shape (C,))
    var    = mean_i (x[i] - mu)^2              (biased: divides by M)
    x_hat  = (x - mu) / sqrt(var + eps)
    y      = gamma * x_hat + beta              (gamma: scale, beta: shift; learnable)

and the running statistics used at inference are updated with PyTorch's momentum convention::

    running_mean <- (1 - momentum) * running_mean + momentum * mu
    running_var  <- (1 - momentum) * running_var  + momentum * var * M / (M - 1)   (unbiased)

Inference mode uses ``x_hat = (x - running_mean) / sqrt(running_var + eps)``.

The functions work on any 2-D array ``(M, C)``, so batch normalisation of sequences and images
is the same code after a reshape (:func:`to_rows`): for feature maps the same filter made every
pixel of a channel, so a channel is normalised over the batch *and* all positions (Ioffe &
Szegedy 2015, section 3.2): an ``(N, C, H, W)`` batch becomes ``(N*H*W, C)`` with
``x.transpose(0, 2, 3, 1).reshape(-1, C)``, and the result goes back with
``.reshape(N, H, W, C).transpose(0, 3, 1, 2)`` (:func:`from_rows`).

The layers follow ``torch.nn.BatchNorm1d`` (input ``(N, C)`` or ``(N, C, L)``) and
``torch.nn.BatchNorm2d`` (``(N, C, H, W)``), ``momentum=None`` included (a cumulative average
of the batch statistics). They compute in the input's float dtype (float32 stays float32;
integers become float64); the running statistics are kept in float64.
"""

from __future__ import annotations

import numpy as np

from dlcourse.errors import as_float_array, check_dtype, check_int, check_ndim, check_number
from dlcourse.network import Layer, Parameter, check_backward


def batchnorm_forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = 1e-5
) -> tuple[np.ndarray, tuple]:
    """Training-mode batch normalisation of ``x`` ``(M, C)`` with batch statistics.

    Returns ``(y, cache)``: ``y`` has shape ``(M, C)``; ``cache`` holds what
    :func:`batchnorm_backward` needs, and its entries ``cache[3]`` and ``cache[4]`` are the
    batch mean and the biased batch variance (shape ``(C,)``).
    """
    x = as_float_array(x, "x")
    check_ndim(x, 2, "x", "(M, C)")
    if x.shape[0] < 2:
        raise ValueError(
            f"batch normalisation in training mode needs more than 1 value per channel, "
            f"got x of shape {x.shape} (as rows of (M, C))"
        )
    mean = x.mean(axis=0)
    var = x.var(axis=0)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mean) * inv_std
    return gamma * x_hat + beta, (x_hat, gamma, inv_std, mean, var)


def batchnorm_backward(dy: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients ``(dx, dgamma, dbeta)`` of training-mode batch normalisation.

    Because ``mu`` and ``var`` depend on every example, ``dx`` is not just
    ``gamma * dy / std``: with ``d_hat = gamma * dy``,

        dx = (d_hat - mean_i(d_hat) - x_hat * mean_i(d_hat * x_hat)) / sqrt(var + eps)

    ``dy`` and ``dx`` have shape ``(M, C)``; ``dgamma = sum_i dy * x_hat`` and
    ``dbeta = sum_i dy`` have shape ``(C,)``.
    """
    x_hat, gamma, inv_std, _, _ = cache
    dgamma = np.sum(dy * x_hat, axis=0)
    dbeta = np.sum(dy, axis=0)
    d_hat = dy * gamma
    dx = (d_hat - d_hat.mean(axis=0) - x_hat * np.mean(d_hat * x_hat, axis=0)) * inv_std
    return dx, dgamma, dbeta


def batchnorm_inference(
    x: np.ndarray,
    gamma: np.ndarray,
    beta: np.ndarray,
    running_mean: np.ndarray,
    running_var: np.ndarray,
    eps: float = 1e-5,
) -> tuple[np.ndarray, tuple]:
    """Inference-mode batch normalisation with fixed statistics: a per-feature affine map.

    Returns ``(y, cache)``; :func:`batchnorm_inference_backward` takes the cache.
    """
    x = as_float_array(x, "x")
    check_ndim(x, 2, "x", "(M, C)")
    inv_std = 1.0 / np.sqrt(running_var + eps)
    x_hat = (x - running_mean) * inv_std
    return gamma * x_hat + beta, (x_hat, gamma, inv_std)


def batchnorm_inference_backward(dy: np.ndarray, cache: tuple):
    """Gradients ``(dx, dgamma, dbeta)`` of :func:`batchnorm_inference` (statistics fixed)."""
    x_hat, gamma, inv_std = cache
    return dy * gamma * inv_std, np.sum(dy * x_hat, axis=0), np.sum(dy, axis=0)


def update_running_stats(
    running_mean: np.ndarray,
    running_var: np.ndarray,
    mean: np.ndarray,
    var: np.ndarray,
    m: int,
    momentum: float,
) -> None:
    """Update the running mean and unbiased running variance in place (PyTorch's convention).

    ``var`` is the biased batch variance of ``m`` examples; ``var * m / (m - 1)`` is unbiased.
    """
    running_mean *= 1 - momentum
    running_mean += momentum * mean
    running_var *= 1 - momentum
    running_var += momentum * var * m / (m - 1)


def to_rows(x: np.ndarray) -> np.ndarray:
    """(N, C, *spatial) -> (N * prod(spatial), C): every position of every example is one
    example of its channel. (N, C) comes back as it is."""
    return np.moveaxis(x, 1, -1).reshape(-1, x.shape[1])


def from_rows(rows: np.ndarray, shape) -> np.ndarray:
    """Inverse of :func:`to_rows`: (N * prod(spatial), C) -> (N, C, *spatial) for ``shape``."""
    n, c, *spatial = shape
    return np.ascontiguousarray(np.moveaxis(rows.reshape(n, *spatial, c), -1, 1))


class _BatchNorm(Layer):
    """Per-channel batch normalisation of ``(N, num_features, *spatial)`` (see the module).

    Parameters ``gamma`` (ones) and ``beta`` (zeros) have shape ``(num_features,)`` and dtype
    ``dtype``; buffers ``running_mean`` (zeros) and ``running_var`` (ones) are updated in
    training mode and used in evaluation mode (``layer.eval()``). ``momentum=None`` averages
    all batches seen so far equally (PyTorch's cumulative moving average).
    """

    layouts: dict[int, str] = {}

    def __init__(
        self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, dtype=np.float64
    ):
        self.num_features = check_int(num_features, "num_features", 1)
        self.eps = check_number(eps, "eps", 0.0, low_open=True)
        self.momentum = None if momentum is None else check_number(momentum, "momentum", 0.0, 1.0)
        dtype = check_dtype(dtype)
        self.gamma = Parameter(np.ones(self.num_features, dtype=dtype), "gamma")
        self.beta = Parameter(np.zeros(self.num_features, dtype=dtype), "beta")
        self.running_mean = np.zeros(self.num_features)
        self.running_var = np.ones(self.num_features)
        self.num_batches_tracked = 0
        self.cache = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = as_float_array(x, "x")
        name = type(self).__name__
        if x.ndim not in self.layouts:
            raise ValueError(
                f"x must have {' or '.join(map(str, self.layouts))} dimensions "
                f"{' or '.join(self.layouts.values())} for {name}, got shape {x.shape}"
            )
        if x.shape[1] != self.num_features:
            raise ValueError(
                f"{name}({self.num_features}) got x of shape {x.shape}: "
                f"expected {self.num_features} channels in dimension 1"
            )
        rows = to_rows(x)
        gamma, beta = (p.data.astype(x.dtype, copy=False) for p in (self.gamma, self.beta))
        if self.training:
            y, cache = batchnorm_forward(rows, gamma, beta, self.eps)
            self.num_batches_tracked += 1
            momentum = self.momentum
            if momentum is None:
                momentum = 1.0 / self.num_batches_tracked
            update_running_stats(
                self.running_mean, self.running_var, cache[3], cache[4], len(rows), momentum
            )
        else:
            mean, var = (a.astype(x.dtype) for a in (self.running_mean, self.running_var))
            y, cache = batchnorm_inference(rows, gamma, beta, mean, var, self.eps)
        self.cache = (self.training, cache, x.shape)
        return from_rows(y, x.shape)

    def backward(self, dy: np.ndarray) -> np.ndarray:
        training, cache, shape = self.cache if self.cache is not None else (None, None, None)
        dy = to_rows(check_backward(self, self.cache, dy, shape).astype(cache[0].dtype, copy=False))
        if training:
            dx, dgamma, dbeta = batchnorm_backward(dy, cache)
        else:
            dx, dgamma, dbeta = batchnorm_inference_backward(dy, cache)
        self.gamma.grad += dgamma
        self.beta.grad += dbeta
        return from_rows(dx, shape)

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"{name}({self.num_features}, eps={self.eps}, momentum={self.momentum})"


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of ``(N, C)`` features (between Affine and ReLU) or ``(N, C, L)``
    sequences (one mean and variance per channel over the batch and all L positions)."""

    layouts = {2: "(N, C)", 3: "(N, C, L)"}


class BatchNorm2d(_BatchNorm):
    """Per-channel batch normalisation of ``(N, C, H, W)`` feature maps (conv -> BN -> ReLU)."""

    layouts = {4: "(N, C, H, W)"}
