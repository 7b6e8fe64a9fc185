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

from dlcourse.errors import as_float_array, check_bool, check_dtype, check_int
from dlcourse.network import Layer, Parameter, check_backward
from dlcourse.rng import make_rng


class Affine(Layer):
    """Fully connected layer y = x W + b.

    Parameters ``W`` (in_features, out_features), initialised from a normal distribution with
    standard deviation sqrt(1 / in_features) (so that, with unit-variance inputs, each output
    starts with variance about 1), and ``b`` (out_features,), initialised to zero.
    ``rng`` is an int seed or a numpy Generator (``None``: not reproducible); ``dtype`` is the
    parameters' floating-point type (float64 by default; float32 halves memory and time).
    ``bias=False`` leaves ``b`` out (``b`` is then None), as in ``torch.nn.Linear``.

    forward: x (N, in_features) -> y (N, out_features), in x's float dtype (float32 stays
    float32 whatever the parameters' dtype; integers become float64).
    """

    def __init__(
        self, in_features: int, out_features: int, rng=None, dtype=np.float64, bias: bool = True
    ):
        self.in_features = check_int(in_features, "in_features", 1)
        self.out_features = check_int(out_features, "out_features", 1)
        dtype = check_dtype(dtype)
        gen = make_rng(rng)
        std = math.sqrt(1.0 / self.in_features)
        W = gen.normal(0.0, std, (self.in_features, self.out_features)).astype(dtype)
        self.W = Parameter(W, "W")
        bias = check_bool(bias, "bias")
        self.b = Parameter(np.zeros(self.out_features, dtype=dtype), "b") if bias else None
        self._x = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = as_float_array(x, "x")
        if x.ndim != 2 or x.shape[1] != self.in_features:
            hint = " (use Flatten first for images)" if x.ndim > 2 else ""
            raise ValueError(
                f"Affine expected x of shape (N, in_features={self.in_features}), "
                f"got shape {x.shape}{hint}"
            )
        self._x = x
        y = x @ self.W.data.astype(x.dtype, copy=False)
        return y if self.b is None else y + self.b.data.astype(x.dtype, copy=False)

    def backward(self, dy: np.ndarray) -> np.ndarray:
        x = self._x
        shape = None if x is None else (x.shape[0], self.out_features)
        dy = check_backward(self, x, dy, shape, getattr(x, "dtype", None))
        self.W.grad += x.T @ dy
        if self.b is not None:
            self.b.grad += dy.sum(axis=0)
        return dy @ self.W.data.T.astype(x.dtype, copy=False)

    def __repr__(self) -> str:
        bias = "" if self.b is not None else ", bias=False"
        return f"Affine(in_features={self.in_features}, out_features={self.out_features}{bias})"


class Flatten(Layer):
    """Flatten every axis but the batch axis: (N, d1, d2, ...) -> (N, d1 * d2 * ...).

    backward reshapes the gradient back to the input's shape.
    """

    def __init__(self):
        self._shape = self._dtype = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = as_float_array(x, "x")
        if x.ndim < 2:
            raise ValueError(
                f"Flatten expected x of shape (N, ...) with at least 2 dimensions, "
                f"got shape {x.shape}"
            )
        self._shape, self._dtype = x.shape, x.dtype
        return x.reshape(x.shape[0], -1)

    def backward(self, dy: np.ndarray) -> np.ndarray:
        shape = self._shape
        expected = None if shape is None else (shape[0], int(np.prod(shape[1:])))
        return check_backward(self, shape, dy, expected, self._dtype).reshape(shape)
