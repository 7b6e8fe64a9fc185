"""Weight initialisation: the random numbers a network starts from.

Every initialiser takes the weight ``shape`` and a random source ``rng`` (a
``numpy.random.Generator`` or an integer seed) and returns a new float64 array.

Shapes and fans (the number of inputs and outputs one weight connects):

- dense weight ``W`` of shape ``(in_features, out_features)`` (this library, ``y = x W + b``):
  ``fan_in = in_features``, ``fan_out = out_features``. PyTorch stores a ``Linear`` weight
  transposed, as ``(out_features, in_features)``; the fans are the same numbers.
- convolution weight ``(out_channels, in_channels, kh, kw)`` (PyTorch's layout, also ours):
  ``fan_in = in_channels * kh * kw``, ``fan_out = out_channels * kh * kw``.

Xavier/Glorot (Glorot & Bengio 2010) keeps the variance of activations *and* of gradients
constant through a layer with a symmetric activation that is linear near 0:
``Var(W) = 2 / (fan_in + fan_out)``. He/Kaiming (He et al. 2015) keeps the variance of the
activations constant through ReLU layers, which zero half their inputs:
``Var(W) = 2 / fan_in``. Both are multiplied by ``gain^2`` (see :func:`calculate_gain`).
"""

from __future__ import annotations

import math

import numpy as np


def _rng(rng: np.random.Generator | int | None) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, int | np.integer):
        return np.random.default_rng(rng)
    raise TypeError(f"rng must be a numpy Generator or an integer seed, got {type(rng).__name__}")


def _shape(shape) -> tuple[int, ...]:
    shape = (shape,) if isinstance(shape, int | np.integer) else tuple(int(s) for s in shape)
    if any(s < 0 for s in shape):
        raise ValueError(f"shape must have non-negative sizes, got {shape}")
    return shape


def fan_in_fan_out(shape) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a dense weight ``(in, out)`` or a conv weight ``(out, in, kh, kw)``.

    For more than two dimensions the rule is PyTorch's: dimension 0 is the output channels,
    dimension 1 the input channels, the rest the receptive field (kernel) whose size multiplies
    both fans. For two dimensions it follows *this library's* dense layout ``(in, out)``, the
    transpose of PyTorch's ``Linear.weight``.
    """
    shape = _shape(shape)
    if len(shape) < 2:
        raise ValueError(
            f"fan in and fan out need a weight with at least 2 dimensions, got shape {shape}"
        )
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def calculate_gain(nonlinearity: str = "linear", negative_slope: float = 0.01) -> float:
    """The factor by which an activation shrinks the standard deviation (as in torch.nn.init).

    ``linear`` and ``sigmoid``: 1; ``tanh``: 5/3; ``relu``: sqrt(2);
    ``leaky_relu``: sqrt(2 / (1 + negative_slope^2)).
    """
    gains = {"linear": 1.0, "sigmoid": 1.0, "tanh": 5.0 / 3.0, "relu": math.sqrt(2.0)}
    if nonlinearity == "leaky_relu":
        return math.sqrt(2.0 / (1.0 + negative_slope**2))
    if nonlinearity not in gains:
        raise ValueError(
            f"unknown nonlinearity {nonlinearity!r}; choose from "
            f"{', '.join([*gains, 'leaky_relu'])}"
        )
    return gains[nonlinearity]


def zeros(shape, rng=None) -> np.ndarray:
    """All zeros (what a bias usually starts as; for weights it never breaks the symmetry)."""
    return np.zeros(_shape(shape))


def constant(shape, value: float, rng=None) -> np.ndarray:
    """Every entry equal to ``value``."""
    return np.full(_shape(shape), float(value))


def normal(shape, std: float = 1.0, mean: float = 0.0, rng=None) -> np.ndarray:
    """Independent draws from N(mean, std^2)."""
    if std < 0:
        raise ValueError(f"std must be >= 0, got {std}")
    return _rng(rng).normal(mean, std, size=_shape(shape))


def uniform(shape, a: float = 1.0, rng=None) -> np.ndarray:
    """Independent draws from U(-a, a) (standard deviation a / sqrt(3))."""
    if a < 0:
        raise ValueError(f"a must be >= 0, got {a}")
    return _rng(rng).uniform(-a, a, size=_shape(shape))


def xavier_std(shape, gain: float = 1.0) -> float:
    """Glorot's standard deviation ``gain * sqrt(2 / (fan_in + fan_out))``."""
    fan_in, fan_out = fan_in_fan_out(shape)
    return gain * math.sqrt(2.0 / (fan_in + fan_out))


def he_std(
    shape, nonlinearity: str = "relu", negative_slope: float = 0.0, mode: str = "fan_in"
) -> float:
    """He's standard deviation ``gain / sqrt(fan)``: sqrt(2 / fan_in) for ReLU."""
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = fan_in_fan_out(shape)
    fan = fan_in if mode == "fan_in" else fan_out
    return calculate_gain(nonlinearity, negative_slope) / math.sqrt(fan)


def xavier_normal(shape, gain: float = 1.0, rng=None) -> np.ndarray:
    """Glorot normal: N(0, std^2) with ``std = gain * sqrt(2 / (fan_in + fan_out))``."""
    return normal(shape, xavier_std(shape, gain), rng=rng)


def xavier_uniform(shape, gain: float = 1.0, rng=None) -> np.ndarray:
    """Glorot uniform: U(-a, a) with ``a = sqrt(3) * std`` (the same variance as xavier_normal)."""
    return uniform(shape, math.sqrt(3.0) * xavier_std(shape, gain), rng=rng)


def he_normal(
    shape, nonlinearity: str = "relu", negative_slope: float = 0.0, mode: str = "fan_in", rng=None
) -> np.ndarray:
    """He (Kaiming) normal: N(0, std^2), ``std = gain / sqrt(fan_in)``: sqrt(2/fan_in) for ReLU."""
    return normal(shape, he_std(shape, nonlinearity, negative_slope, mode), rng=rng)


def he_uniform(
    shape, nonlinearity: str = "relu", negative_slope: float = 0.0, mode: str = "fan_in", rng=None
) -> np.ndarray:
    """He (Kaiming) uniform: U(-a, a) with ``a = sqrt(3) * gain / sqrt(fan_in)``."""
    std = he_std(shape, nonlinearity, negative_slope, mode)
    return uniform(shape, math.sqrt(3.0) * std, rng=rng)
