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

The functions work on any 2-D array ``(M, C)``, so batch normalisation of images is the same
code after a reshape: an ``(N, C, H, W)`` batch becomes ``(N*H*W, C)`` with
``x.transpose(0, 2, 3, 1).reshape(-1, C)`` (every pixel of every image is one example of its
channel), and the result goes back with ``.reshape(N, H, W, C).transpose(0, 3, 1, 2)``.
"""

from __future__ import annotations

import numpy as np

from dlcourse.errors import check_ndim
from dlcourse.network import Layer, Parameter


def batchnorm_forward(
    x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = 1e-5
) -> tuple[np.ndarray, tuple]:
    """Training-mode batch normalisation of ``x`` ``(M, C)`` with batch statistics.

    Returns ``(y, cache)``: ``y`` has shape ``(M, C)``; ``cache`` holds what
    :func:`batchnorm_backward` needs, and its entries ``cache[3]`` and ``cache[4]`` are the
    batch mean and the biased batch variance (shape ``(C,)``).
    """
    check_ndim(x, 2, "batch norm input", "(M, C)")
    if x.shape[0] < 2:
        raise ValueError(
            f"batch normalisation in training mode needs more than 1 value per feature, "
            f"got a batch of shape {x.shape}"
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
    check_ndim(x, 2, "batch norm input", "(M, C)")
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


class BatchNorm1d(Layer):
    """Batch normalisation of ``(N, num_features)`` activations, usually between Affine and ReLU.

    Parameters ``gamma`` (ones) and ``beta`` (zeros) have shape ``(num_features,)``; buffers
    ``running_mean`` (zeros) and ``running_var`` (ones) are updated in training mode and used
    in evaluation mode (``layer.eval()``).
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1):
        if int(num_features) != num_features or num_features < 1:
            raise ValueError(f"num_features must be a positive integer, got {num_features!r}")
        if not 0.0 <= momentum <= 1.0:
            raise ValueError(f"momentum must be in [0, 1], got {momentum!r}")
        if eps <= 0:
            raise ValueError(f"eps must be > 0, got {eps!r}")
        self.num_features, self.eps, self.momentum = int(num_features), float(eps), momentum
        self.gamma = Parameter(np.ones(self.num_features), "gamma")
        self.beta = Parameter(np.zeros(self.num_features), "beta")
        self.running_mean = np.zeros(self.num_features)
        self.running_var = np.ones(self.num_features)

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_ndim(x, 2, "BatchNorm1d input", "(N, num_features)")
        if x.shape[1] != self.num_features:
            raise ValueError(
                f"BatchNorm1d({self.num_features}) got input of shape {x.shape}: "
                f"expected {self.num_features} features"
            )
        if self.training:
            y, cache = batchnorm_forward(x, self.gamma.data, self.beta.data, self.eps)
            update_running_stats(
                self.running_mean, self.running_var, cache[3], cache[4], x.shape[0], self.momentum
            )
        else:
            y, cache = batchnorm_inference(
                x, self.gamma.data, self.beta.data, self.running_mean, self.running_var, self.eps
            )
        self.cache = (self.training, cache)
        return y

    def backward(self, dy: np.ndarray) -> np.ndarray:
        training, cache = self.cache
        if training:
            dx, dgamma, dbeta = batchnorm_backward(dy, cache)
        else:
            dx, dgamma, dbeta = batchnorm_inference_backward(dy, cache)
        self.gamma.grad += dgamma
        self.beta.grad += dbeta
        return dx

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"{name}({self.num_features}, eps={self.eps}, momentum={self.momentum})"
