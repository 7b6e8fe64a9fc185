"""Inverted dropout (Srivastava et al. 2014): randomly silence units while training.

Training mode, drop probability ``p``::

    mask = (u >= p) / (1 - p),   u ~ U(0, 1) per element
    y    = x * mask

Each unit is kept with probability ``1 - p`` and the kept ones are scaled up by ``1 / (1 - p)``,
so ``E[y] = x``: the next layer sees activations of the same expected size in training and at
inference, where dropout does nothing (``y = x``). The original paper instead kept the
activations unscaled while training and multiplied the weights by the keep probability
``1 - p`` at test time; the two give the same expected activations, and "inverted" dropout
leaves inference untouched. Backward multiplies by the same mask.
"""

from __future__ import annotations

import numpy as np

from dlcourse.errors import check_same_shape
from dlcourse.network import Layer


class Dropout(Layer):
    """Inverted dropout layer: zero each element with probability ``p`` (training mode only).

    ``rng`` is a numpy Generator or a seed (the masks are reproducible). Any input shape.
    """

    def __init__(self, p: float = 0.5, rng: np.random.Generator | int | None = None):
        if not np.isscalar(p) or not 0.0 <= p < 1.0:
            raise ValueError(f"dropout probability p must be in [0, 1), got {p!r}")
        self.p = float(p)
        self.rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
        self.mask = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        if not self.training or self.p == 0.0:
            self.mask = None
            return x
        self.mask = (self.rng.random(x.shape) >= self.p) / (1.0 - self.p)
        return x * self.mask

    def backward(self, dy: np.ndarray) -> np.ndarray:
        if self.mask is None:
            return dy
        check_same_shape(dy, self.mask, "Dropout backward gradient", "its forward input")
        return dy * self.mask

    def __repr__(self) -> str:
        return f"Dropout(p={self.p})"
