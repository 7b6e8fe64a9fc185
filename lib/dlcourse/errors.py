"""Checks that turn a wrong input into an error that names the problem and the argument.

Every public function and constructor of the library runs its arguments through these, so a
bad call fails at once, with the argument's name in the message, instead of deep inside numpy
or, worse, returning something wrong.

The dtype rule of the whole library (:func:`as_float_array`): float32 stays float32 and float64
stays float64; integers and booleans are promoted to float64, float16 to float32; strings,
objects and complex numbers are rejected with a TypeError.
"""

from __future__ import annotations

import math
import numbers

import numpy as np


def check_ndim(x: np.ndarray, ndim: int, name: str, layout: str) -> None:
    """Raise ValueError unless ``x`` has ``ndim`` dimensions (``layout``: "(N, C, H, W)")."""
    if np.ndim(x) != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions {layout}, got shape {np.shape(x)}")


def check_same_shape(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    """Raise ValueError unless ``a`` and ``b`` have the same shape."""
    if np.shape(a) != np.shape(b):
        raise ValueError(
            f"{name_a} and {name_b} must have the same shape, got {np.shape(a)} and {np.shape(b)}"
        )


def as_array(x, name: str) -> np.ndarray:
    """``np.asarray(x)``, with a TypeError naming ``name`` for a ragged list."""
    try:
        return np.asarray(x)
    except ValueError as error:
        raise TypeError(
            f"{name} must be a numeric array, got a ragged {type(x).__name__}"
        ) from error


def as_float_array(x, name: str) -> np.ndarray:
    """``x`` as a float32 or float64 array, or a TypeError naming ``name``.

    float32 and float64 arrays come back as they are (no copy); integers and booleans become
    float64, float16 becomes float32. Strings, objects, complex numbers and ragged lists are
    rejected.
    """
    a = as_array(x, name)
    if a.dtype in (np.float32, np.float64):
        return a
    if a.dtype == np.float16:
        return a.astype(np.float32)
    if a.dtype.kind in "biu":
        return a.astype(np.float64)
    raise TypeError(f"{name} must be a real numeric array, got dtype {a.dtype}")


def check_int(value, name: str, minimum: int | None = None) -> int:
    """``value`` as an int (Python or numpy integer, not bool or float), at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value!r}")
    return int(value)


def check_number(
    value,
    name: str,
    low: float | None = None,
    high: float | None = None,
    high_open: bool = False,
    low_open: bool = False,
) -> float:
    """``value`` as a finite float in ``[low, high]`` (an end is open when ``*_open``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r} ({type(value).__name__})")
    value = float(value)
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and (value >= high if high_open else value > high)
    if not math.isfinite(value) or too_low or too_high:
        lo = "(-inf" if low is None else ("(" if low_open else "[") + f"{low:g}"
        hi = "inf)" if high is None else f"{high:g}" + (")" if high_open else "]")
        raise ValueError(f"{name} must be in {lo}, {hi}, got {value!r}")
    return value


def check_bool(value, name: str) -> bool:
    """``value`` if it is a bool (Python or numpy), else a TypeError."""
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def check_choice(value, name: str, choices) -> str:
    """``value`` if it is one of ``choices``, else a ValueError listing them."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, got {value!r}")
    return value


def check_dtype(dtype, name: str = "dtype") -> np.dtype:
    """``dtype`` as ``np.float32`` or ``np.float64``, else a TypeError."""
    try:
        dt = np.dtype(dtype)
    except TypeError as error:
        raise TypeError(f"{name} must be float32 or float64, got {dtype!r}") from error
    if dt not in (np.float32, np.float64):
        raise TypeError(f"{name} must be float32 or float64, got {dt}")
    return dt


def check_shape(shape, name: str = "shape") -> tuple[int, ...]:
    """``shape`` (an int or a sequence of ints >= 0) as a tuple of ints."""
    if isinstance(shape, numbers.Integral) and not isinstance(shape, bool):
        shape = (shape,)
    if isinstance(shape, str | bytes) or not hasattr(shape, "__iter__"):
        raise TypeError(f"{name} must be an int or a sequence of ints, got {shape!r}")
    return tuple(check_int(s, f"{name} entry", 0) for s in shape)
