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

from dlcourse.errors import as_float_array, check_number
from dlcourse.network import Layer, check_backward
from dlcourse.rng import make_rng


class Dropout(Layer):
    """Inverted dropout layer: zero each element with probability ``p`` (training mode only).

    ``rng`` is a numpy Generator or a seed (the masks are reproducible). Any input shape; the
    output has the input's float dtype. ``p = 1`` zeroes everything, as in PyTorch.
    """

    def __init__(self, p: float = 0.5, rng: np.random.Generator | int | None = None):
        self.p = check_number(p, "p", 0.0, 1.0)
        self.scale = 1.0 / (1.0 - self.p) if self.p < 1 else 0.0
        self.rng = make_rng(rng)
        self.mask, self.shape, self.dtype = None, None, None

    def forward(self, x: np.ndarray) -> np.ndarray:
        x = as_float_array(x, "x")
        self.shape, self.dtype = x.shape, x.dtype
        if not self.training or self.p == 0.0:
            self.mask = None
            return x
        keep = self.rng.random(x.shape) >= self.p  # True with probability 1 - p
        self.mask = keep * x.dtype.type(self.scale)  # 0 or 1 / (1 - p), in x's dtype
        return x * self.mask

    def backward(self, dy: np.ndarray) -> np.ndarray:
        dy = check_backward(self, self.shape, dy, self.shape or (), self.dtype)
        return dy if self.mask is None else dy * self.mask

    def __repr__(self) -> str:
        return f"Dropout(p={self.p})"
