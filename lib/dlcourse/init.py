"""Weight initialisation: the random numbers a network starts from.

Every initialiser takes the weight ``shape`` and a random source ``rng`` (a
``numpy.random.Generator`` or an integer seed) and returns a new float64 array. Names, argument
order and defaults are those of ``torch.nn.init`` (``normal(shape, mean, std)``,
``uniform(shape, a, b)`` for U(a, b), ``he_normal`` as ``kaiming_normal_``); a zero-size shape
gives an empty array, as torch's initialisers leave an empty tensor alone.

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

from dlcourse.errors import check_choice, check_number, check_shape
from dlcourse.rng import make_rng

MODES = ("fan_in", "fan_out")


def fan_in_fan_out(shape) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a dense weight ``(in, out)`` or a conv weight ``(out, in, kh, kw)``.

    For more than two dimensions the rule is PyTorch's: dimension 0 is the output channels,
    dimension 1 the input channels, the rest the receptive field (kernel) whose size multiplies
    both fans. For two dimensions it follows *this library's* dense layout ``(in, out)``, the
    transpose of PyTorch's ``Linear.weight`` (a deliberate difference: the fans are the same
    numbers as torch computes for the transposed weight).
    """
    shape = check_shape(shape)
    if len(shape) < 2:
        raise ValueError(
            f"fan in and fan out need a shape with at least 2 dimensions, got shape {shape}"
        )
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def calculate_gain(nonlinearity: str = "linear", param: float | None = None) -> float:
    """The factor by which an activation shrinks the standard deviation (``torch.nn.init``).

    ``linear``, ``conv*`` and ``sigmoid``: 1; ``tanh``: 5/3; ``relu``: sqrt(2); ``selu``: 3/4;
    ``leaky_relu``: sqrt(2 / (1 + param^2)) with the negative slope ``param`` (default 0.01).
    """
    gains = {
        "linear": 1.0,
        "conv1d": 1.0,
        "conv2d": 1.0,
        "conv3d": 1.0,
        "sigmoid": 1.0,
        "tanh": 5.0 / 3.0,
        "relu": math.sqrt(2.0),
        "selu": 0.75,
    }
    check_choice(nonlinearity, "nonlinearity", [*gains, "leaky_relu"])
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else check_number(param, "param")
        return math.sqrt(2.0 / (1.0 + slope**2))
    return gains[nonlinearity]


def zeros(shape) -> np.ndarray:
    """All zeros (what a bias usually starts as; for weights it never breaks the symmetry)."""
    return np.zeros(check_shape(shape))


def constant(shape, val: float) -> np.ndarray:
    """Every entry equal to ``val``."""
    return np.full(check_shape(shape), check_number(val, "val"))


def normal(shape, mean: float = 0.0, std: float = 1.0, rng=None) -> np.ndarray:
    """Independent draws from N(mean, std^2) (``torch.nn.init.normal_``)."""
    shape = check_shape(shape)
    mean, std = check_number(mean, "mean"), check_number(std, "std", 0.0)
    return make_rng(rng).normal(mean, std, size=shape)


def uniform(shape, a: float = 0.0, b: float = 1.0, rng=None) -> np.ndarray:
    """Independent draws from U(a, b) (``torch.nn.init.uniform_``; standard deviation
    ``(b - a) / sqrt(12)``)."""
    shape = check_shape(shape)
    a, b = check_number(a, "a"), check_number(b, "b")
    if b < a:
        raise ValueError(f"uniform needs a <= b, got a={a}, b={b}")
    return make_rng(rng).uniform(a, b, size=shape)


def _fan(shape, mode: str) -> int:
    fan_in, fan_out = fan_in_fan_out(shape)
    fan = fan_in if check_choice(mode, "mode", MODES) == "fan_in" else fan_out
    if fan == 0:
        raise ValueError(f"{mode} of shape {tuple(shape)} is 0: no standard deviation")
    return fan


def xavier_std(shape, gain: float = 1.0) -> float:
    """Glorot's standard deviation ``gain * sqrt(2 / (fan_in + fan_out))``."""
    fan_in, fan_out = fan_in_fan_out(shape)
    if fan_in + fan_out == 0:
        raise ValueError(f"shape {tuple(shape)} has no fan: no standard deviation")
    return check_number(gain, "gain", 0.0) * math.sqrt(2.0 / (fan_in + fan_out))


def he_std(shape, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu") -> float:
    """He's standard deviation ``gain / sqrt(fan)``: sqrt(2 / fan_in) for ReLU.

    Arguments as ``torch.nn.init.kaiming_normal_``: ``a`` is the negative slope of a leaky
    ReLU (0: plain ReLU), used when ``nonlinearity="leaky_relu"`` (the default).
    """
    a = None if a is None else check_number(a, "a")
    return calculate_gain(nonlinearity, a) / math.sqrt(_fan(shape, mode))


def _empty(shape) -> bool:
    return math.prod(check_shape(shape)) == 0


def xavier_normal(shape, gain: float = 1.0, rng=None) -> np.ndarray:
    """Glorot normal: N(0, std^2) with ``std = gain * sqrt(2 / (fan_in + fan_out))``."""
    if _empty(shape):
        return np.zeros(check_shape(shape))
    return normal(shape, 0.0, xavier_std(shape, gain), rng=rng)


def xavier_uniform(shape, gain: float = 1.0, rng=None) -> np.ndarray:
    """Glorot uniform: U(-a, a) with ``a = sqrt(3) * std`` (the same variance as xavier_normal)."""
    if _empty(shape):
        return np.zeros(check_shape(shape))
    bound = math.sqrt(3.0) * xavier_std(shape, gain)
    return uniform(shape, -bound, bound, rng=rng)


def he_normal(
    shape, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu", rng=None
) -> np.ndarray:
    """He (Kaiming) normal: N(0, std^2), ``std = gain / sqrt(fan_in)``: sqrt(2/fan_in) for ReLU."""
    if _empty(shape):
        return np.zeros(check_shape(shape))
    return normal(shape, 0.0, he_std(shape, a, mode, nonlinearity), rng=rng)


def he_uniform(
    shape, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu", rng=None
) -> np.ndarray:
    """He (Kaiming) uniform: U(-b, b) with ``b = sqrt(3) * gain / sqrt(fan_in)``."""
    if _empty(shape):
        return np.zeros(check_shape(shape))
    bound = math.sqrt(3.0) * he_std(shape, a, mode, nonlinearity)
    return uniform(shape, -bound, bound, rng=rng)
