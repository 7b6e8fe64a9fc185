"""Layers with a fixed linear structure: the affine (fully connected) layer and Flatten.

An **affine layer** (완전연결 계층, fully connected or dense layer) computes

    y = x W + b,    x: (N, in_features),  W: (in_features, out_features),  b: (out_features,)

for a batch of N row vectors. Its backward pass follows from y_nj = sum_i x_ni W_ij + b_j:

    dL/dx = dy W^T,    dL/dW = x^T dy,    dL/db = sum_n dy_n.

(PyTorch's ``nn.Linear`` stores the transpose, ``weight`` of shape (out, in); the maths is
the same.)
"""

from __future__ import annotations

import math

import numpy as np

from dlcourse.network import Layer, Parameter


def make_rng(rng=None) -> np.random.Generator:
    """A numpy Generator from ``None`` (fresh entropy), an int seed, or a Generator."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, int | np.integer):
        return np.random.default_rng(rng)
    raise TypeError(f"rng must be None, an int seed or a numpy Generator, got {type(rng).__name__}")


class Affine(Layer):
    """Fully connected layer y = x W + b.

    Parameters ``W`` (in_features, out_features), initialised from a normal distribution with
    standard deviation sqrt(1 / in_features) (so that, with unit-variance inputs, each output
    starts with variance about 1), and ``b`` (out_features,), initialised to zero.
    ``rng`` is an int seed or a numpy Generator (``None``: not reproducible); ``dtype`` is the
    parameters' floating-point type (float64 by default; float32 halves memory and time).

    forward: x (N, in_features) -> y (N, out_features).
    """

    def __init__(self, in_features: int, out_features: int, rng=None, dtype=np.float64):
        if int(in_features) < 1 or int(out_features) < 1:
            raise ValueError(
                f"in_features and out_features must be positive, got {in_features}, {out_features}"
            )
        self.in_features, self.out_features = int(in_features), int(out_features)
        gen = make_rng(rng)
        std = math.sqrt(1.0 / self.in_features)
        W = gen.normal(0.0, std, (self.in_features, self.out_features)).astype(dtype)
        self.W = Parameter(W, "W")
        self.b = Parameter(np.zeros(self.out_features, dtype=dtype), "b")
        self._x = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        if x.ndim != 2 or x.shape[1] != self.in_features:
            hint = " (use Flatten first for images)" if x.ndim > 2 else ""
            raise ValueError(
                f"Affine expected input of shape (N, in_features={self.in_features}), "
                f"got shape {x.shape}{hint}"
            )
        self._x = x
        return x @ self.W.data + self.b.data

    def backward(self, dy: np.ndarray) -> np.ndarray:
        if self._x is None:
            raise RuntimeError("Affine.backward called before forward")
        dy = np.asarray(dy)
        expected = (self._x.shape[0], self.out_features)
        if dy.shape != expected:
            raise ValueError(f"Affine.backward expected dy of shape {expected}, got {dy.shape}")
        self.W.grad += self._x.T @ dy
        self.b.grad += dy.sum(axis=0)
        return dy @ self.W.data.T

    def __repr__(self) -> str:
        return f"Affine(in_features={self.in_features}, out_features={self.out_features})"


class Flatten(Layer):
    """Flatten every axis but the batch axis: (N, d1, d2, ...) -> (N, d1 * d2 * ...).

    backward reshapes the gradient back to the input's shape.
    """

    def __init__(self):
        self._shape = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        if x.ndim < 2:
            raise ValueError(
                f"Flatten expected input of shape (N, ...) with at least 2 dimensions, "
                f"got shape {x.shape}"
            )
        self._shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dy: np.ndarray) -> np.ndarray:
        if self._shape is None:
            raise RuntimeError("Flatten.backward called before forward")
        dy = np.asarray(dy)
        expected = (self._shape[0], int(np.prod(self._shape[1:])))
        if dy.shape != expected:
            raise ValueError(f"Flatten.backward expected dy of shape {expected}, got {dy.shape}")
        return dy.reshape(self._shape)
