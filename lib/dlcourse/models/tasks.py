"""The tasks of the transfer-learning experiment, cut from MNIST.

The **source task** is to tell the digits 0-4 apart (about 30,000 training images); the
**target task** is to tell 5-9 apart from only a few labelled examples per class. The two tasks
share no class, but they share the domain: the same kind of pen strokes on the same 28x28
grid. That is the situation in which transfer learning is expected to work (Yosinski et al.
2014 split ImageNet into two halves the same way).
"""

from __future__ import annotations

import numpy as np
import torch

SOURCE_DIGITS = (0, 1, 2, 3, 4)
TARGET_DIGITS = (5, 6, 7, 8, 9)


def digit_task(x: np.ndarray, y: np.ndarray, digits) -> tuple[torch.Tensor, torch.Tensor]:
    """Keep the images of ``digits`` and relabel them 0..len(digits)-1 (in the order given).

    ``x``: (N, 1, 28, 28) float, ``y``: (N,) int -> tensors (M, 1, 28, 28) float32, (M,) int64.
    """
    x, y = np.asarray(x), np.asarray(y)
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"x and y must have the same length, got shapes {x.shape} and {y.shape}")
    digits = list(digits)
    keep = np.isin(y, digits)
    relabel = np.full(10, -1, dtype=np.int64)
    relabel[digits] = np.arange(len(digits))
    return torch.as_tensor(x[keep], dtype=torch.float32), torch.as_tensor(relabel[y[keep]])


def per_class_sample(y: torch.Tensor, per_class: int, seed: int = 0) -> torch.Tensor:
    """Indices of ``per_class`` random examples of each class in ``y``: a balanced few-label set."""
    g = torch.Generator().manual_seed(seed)
    picks = []
    for c in torch.unique(y).tolist():
        where = torch.nonzero(y == c).flatten()
        if per_class > len(where):
            raise ValueError(f"per_class={per_class} but class {c} has only {len(where)} examples")
        picks.append(where[torch.randperm(len(where), generator=g)[:per_class]])
    return torch.cat(picks)
