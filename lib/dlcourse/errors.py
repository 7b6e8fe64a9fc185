"""Checks that turn a wrong input into an error that names the problem."""

from __future__ import annotations

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
