"""Activation functions (활성화 함수), their derivatives, and the layers built from them.

Each function maps the pre-activation ``z`` element by element (softmax: along one dimension
``dim``, PyTorch's name) and keeps its shape and float dtype (float32 stays float32; integers
become float64). Each ``*_grad(z)`` is the derivative with respect to ``z``, evaluated at
``z``, also element by element. The layers (:class:`Sigmoid`, :class:`Tanh`, :class:`ReLU`,
:class:`LeakyReLU`, :class:`Softmax`) wrap them with the forward/backward interface of
:class:`dlcourse.network.Layer`: ``backward(dy)`` returns ``dy * f'(z)`` (for softmax, the full
Jacobian-vector product).

Derivatives at the kink follow PyTorch: ``relu_grad(0) = 0``,
``leaky_relu_grad(0) = negative_slope``.
"""

from __future__ import annotations

import numpy as np

from dlcourse.errors import as_float_array, check_int, check_number, check_same_shape
from dlcourse.network import Layer, check_backward


def _as_float(z) -> np.ndarray:
    """``z`` as a floating-point array (integers become float64; float32 stays float32)."""
    return as_float_array(z, "z")


def check_dim(dim, ndim: int, name: str = "z") -> int:
    """``dim`` as an int in ``[-ndim, ndim)``, or an error naming ``dim`` and the array."""
    dim = check_int(dim, "dim")
    if not -ndim <= dim < ndim:
        raise ValueError(f"dim must be in [{-ndim}, {ndim}) for {name} with {ndim} dimensions")
    return dim


# --- the functions ---------------------------------------------------------------------------


def step(z) -> np.ndarray:
    """Step function (계단 함수) of the perceptron: 1 where ``z > 0``, else 0. Same shape as z."""
    z = _as_float(z)
    return (z > 0).astype(z.dtype)


def sigmoid(z) -> np.ndarray:
    """Logistic sigmoid 1 / (1 + exp(-z)), computed without overflow for any ``z``.

    For z >= 0 it evaluates 1 / (1 + e^{-z}); for z < 0 the equal form e^{z} / (1 + e^{z}).
    Either way the exponent is -|z| <= 0, so exp never overflows.
    """
    z = _as_float(z)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(z.dtype, copy=False)


def sigmoid_grad(z) -> np.ndarray:
    """d sigmoid / dz = s (1 - s) with s = sigmoid(z); at most 0.25 (at z = 0)."""
    s = sigmoid(z)
    return s * (1 - s)


def tanh(z) -> np.ndarray:
    """Hyperbolic tangent (e^z - e^-z) / (e^z + e^-z) = 2 sigmoid(2z) - 1, range (-1, 1)."""
    return np.tanh(_as_float(z))


def tanh_grad(z) -> np.ndarray:
    """d tanh / dz = 1 - tanh(z)^2; at most 1 (at z = 0)."""
    t = np.tanh(_as_float(z))
    return 1 - t * t


def relu(z) -> np.ndarray:
    """Rectified linear unit max(0, z)."""
    z = _as_float(z)
    return np.maximum(z, 0)


def relu_grad(z) -> np.ndarray:
    """d relu / dz: 1 where z > 0, else 0 (0 at z = 0, as in PyTorch)."""
    z = _as_float(z)
    return (z > 0).astype(z.dtype)


def leaky_relu(z, negative_slope: float = 0.01) -> np.ndarray:
    """Leaky ReLU: z where z > 0, else ``negative_slope * z`` (= max(0.01 z, z) by default)."""
    z = _as_float(z)
    negative_slope = check_number(negative_slope, "negative_slope")
    return np.where(z > 0, z, negative_slope * z).astype(z.dtype, copy=False)


def leaky_relu_grad(z, negative_slope: float = 0.01) -> np.ndarray:
    """d leaky_relu / dz: 1 where z > 0, else ``negative_slope``."""
    z = _as_float(z)
    negative_slope = check_number(negative_slope, "negative_slope")
    return np.where(z > 0, 1.0, negative_slope).astype(z.dtype, copy=False)


def softmax(z, dim: int = -1, name: str = "z") -> np.ndarray:
    """softmax(z)_i = exp(z_i) / sum_j exp(z_j) along ``dim`` (default: the last, classes).

    Subtracting the maximum first changes nothing mathematically (the factor e^{-max}
    cancels) but keeps every exponent <= 0, so large logits cannot overflow.
    Output: same shape as ``z``, non-negative, summing to 1 along ``dim``.
    """
    z = as_float_array(z, name)
    dim = check_dim(dim, z.ndim, name)
    e = np.exp(z - np.max(z, axis=dim, keepdims=True))
    return e / np.sum(e, axis=dim, keepdims=True)


def softmax_backward(s: np.ndarray, dy: np.ndarray, dim: int = -1) -> np.ndarray:
    """Jacobian-vector product of softmax: given s = softmax(z) and dy = dL/ds, return dL/dz.

    The Jacobian is ds_i/dz_j = s_i (delta_ij - s_j), so
    dL/dz_j = sum_i dy_i s_i (delta_ij - s_j) = s_j (dy_j - sum_i dy_i s_i).
    """
    s, dy = as_float_array(s, "s"), as_float_array(dy, "dy")
    check_same_shape(s, dy, "s", "dy")
    dim = check_dim(dim, s.ndim, "s")
    return s * (dy - np.sum(dy * s, axis=dim, keepdims=True))


# --- the layers --------------------------------------------------------------------------------


class _Elementwise(Layer):
    """A layer y = f(z) applied element by element; input and output have the same shape."""

    def __init__(self):
        self._z = None

    def _check_backward(self, dy: np.ndarray) -> np.ndarray:
        z = self._z
        return check_backward(self, z, dy, () if z is None else z.shape, getattr(z, "dtype", None))


class Sigmoid(_Elementwise):
    """y = sigmoid(x), any shape. backward: dx = dy * y (1 - y)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._z = x = as_float_array(x, "x")
        self._y = sigmoid(x)
        return self._y

    def backward(self, dy: np.ndarray) -> np.ndarray:
        dy = self._check_backward(dy)
        return dy * self._y * (1 - self._y)


class Tanh(_Elementwise):
    """y = tanh(x), any shape. backward: dx = dy * (1 - y^2)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._z = x = as_float_array(x, "x")
        self._y = np.tanh(x)
        return self._y

    def backward(self, dy: np.ndarray) -> np.ndarray:
        dy = self._check_backward(dy)
        return dy * (1 - self._y * self._y)


class ReLU(_Elementwise):
    """y = max(0, x), any shape. backward: dx = dy where x > 0, else 0."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._z = x = as_float_array(x, "x")
        return relu(x)

    def backward(self, dy: np.ndarray) -> np.ndarray:
        dy = self._check_backward(dy)
        return dy * relu_grad(self._z)


class LeakyReLU(_Elementwise):
    """y = x where x > 0, else negative_slope * x (any shape); torch's default slope 0.01."""

    def __init__(self, negative_slope: float = 0.01):
        super().__init__()
        self.negative_slope = check_number(negative_slope, "negative_slope")

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._z = x = as_float_array(x, "x")
        return leaky_relu(x, self.negative_slope)

    def backward(self, dy: np.ndarray) -> np.ndarray:
        dy = self._check_backward(dy)
        return dy * leaky_relu_grad(self._z, self.negative_slope)

    def __repr__(self) -> str:
        return f"LeakyReLU(negative_slope={self.negative_slope})"


class Softmax(_Elementwise):
    """y = softmax(x) along ``dim`` (default -1, the class dimension of an (N, K) batch).

    backward is the full Jacobian-vector product (:func:`softmax_backward`), not an
    element-wise product: every output depends on every input of its row.
    """

    def __init__(self, dim: int = -1):
        super().__init__()
        self.dim = check_int(dim, "dim")

    def forward(self, x: np.ndarray) -> np.ndarray:
        self._z = x = as_float_array(x, "x")
        self._y = softmax(x, dim=self.dim, name="x")
        return self._y

    def backward(self, dy: np.ndarray) -> np.ndarray:
        dy = self._check_backward(dy)
        return softmax_backward(self._y, dy, dim=self.dim)

    def __repr__(self) -> str:
        return f"Softmax(dim={self.dim})"
