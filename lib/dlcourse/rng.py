"""The one place where an ``rng`` argument becomes a numpy random Generator.

Every function and layer that draws random numbers takes ``rng``: ``None`` (fresh entropy, not
reproducible), an integer seed (reproducible) or a ``numpy.random.Generator`` (shared, so that
successive draws differ).
"""

from __future__ import annotations

import numbers

import numpy as np


def make_rng(rng=None) -> np.random.Generator:
    """A numpy Generator from ``None``, a non-negative int seed, or a Generator (returned as is)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        if rng < 0:
            raise ValueError(f"rng seed must be >= 0, got {rng}")
        return np.random.default_rng(int(rng))
    raise TypeError(f"rng must be None, an int seed or a numpy Generator, got {rng!r}")
