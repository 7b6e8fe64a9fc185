"""Numerical differentiation and gradient checking.

The centred difference

    df/dx_i ~ (f(x + h e_i) - f(x - h e_i)) / (2 h)

has error O(h^2), against O(h) for the one-sided difference. It costs two evaluations of
``f`` per coordinate: for a network with N parameters one numerical gradient costs 2N forward
passes, each of which itself touches every parameter, so numerical training is O(N^2) per step
while back-propagation is O(N). That is why we only use it to *check* back-propagation.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from dlcourse.errors import as_float_array, check_int, check_number, check_same_shape
from dlcourse.network import Layer, check_layer


def check_float_in_place(x, name: str) -> None:
    """Raise TypeError unless ``x`` is a float numpy array (one that can be perturbed in place)."""
    if not isinstance(x, np.ndarray) or x.dtype not in (np.float32, np.float64):
        kind = x.dtype if isinstance(x, np.ndarray) else type(x).__name__
        raise TypeError(f"{name} must be a float32 or float64 numpy array, got {kind}")


def numerical_gradient(f: Callable[[], float], x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Centred-difference gradient of the scalar ``f()`` with respect to the array ``x``.

    ``x`` is perturbed in place (and restored), so ``f`` must read ``x`` when called: it must
    be a float numpy array (an integer array cannot hold ``x + h``: a TypeError). Returns an
    array of ``x.shape``. Use float64 arrays: float32 cannot resolve ``h``.
    """
    check_float_in_place(x, "x")
    h = check_number(h, "h", 0.0, low_open=True)
    if not callable(f):
        raise TypeError(f"f must be a function of no arguments, got {type(f).__name__}")
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"], op_flags=[["readwrite"]])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        f_plus = f()
        x[i] = old - h
        f_minus = f()
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray, eps: float = 1e-12) -> float:
    """||a - b|| / max(||a|| + ||b||, eps): below about 1e-7 means "agrees" in float64.

    Norms over the whole array rather than element by element, so that entries which are
    zero up to rounding (a ReLU's dead units, say) do not dominate the verdict.
    """
    a, b = as_float_array(a, "a").astype(np.float64), as_float_array(b, "b").astype(np.float64)
    eps = check_number(eps, "eps", 0.0, low_open=True)
    check_same_shape(a, b, "a", "b")
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), eps))


def check_layer_gradients(
    layer: Layer, x: np.ndarray, seed: int = 0, h: float = 1e-5
) -> dict[str, float]:
    """Compare a layer's backward pass with numerical gradients.

    Uses the scalar loss ``L = sum(forward(x) * R)`` for a fixed random ``R`` (so that every
    output element matters with a different weight). Returns the relative error for the input
    (key ``"x"``) and for each parameter (its name, or ``"param0"``, ...; when names repeat, as in a
    network of several layers, ``"0.W"``, ``"1.b"``, ... numbered in ``parameters()`` order).
    """
    check_layer(layer, "layer")
    x = as_float_array(x, "x").astype(np.float64)  # a copy: perturbed in place below
    rng = np.random.default_rng(check_int(seed, "seed", 0))
    y = layer.forward(x)
    r = rng.standard_normal(y.shape)

    def loss() -> float:
        return float(np.sum(layer.forward(x) * r))

    params = layer.parameters()
    names = [p.name or f"param{i}" for i, p in enumerate(params)]
    if len(set(names)) < len(names):  # a network: several "W" and "b", so number them
        names = [f"{i}.{name}" for i, name in enumerate(names)]
    layer.zero_grad()
    layer.forward(x)
    dx = layer.backward(r)
    analytic = {"x": dx} | {name: p.grad.copy() for name, p in zip(names, params, strict=True)}
    numeric = {"x": numerical_gradient(loss, x, h)} | {
        name: numerical_gradient(loss, p.data, h) for name, p in zip(names, params, strict=True)
    }
    return {k: relative_error(analytic[k], numeric[k]) for k in analytic}
