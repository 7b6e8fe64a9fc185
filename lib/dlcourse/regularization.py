"""Regularisation and model selection: weight decay, early stopping, k-fold splits, random search.

- **L2 weight decay** adds ``1/2 * lambda * sum W^2`` to the loss, whose gradient is
  ``lambda * W``: every step then also pulls each weight towards zero. For plain SGD this is
  exactly ``SGD(..., weight_decay=lambda)``.
- **Early stopping** watches the validation loss and stops when it has not improved for
  ``patience`` epochs, then restores the parameters of the best epoch (Prechelt 1998).
- **k-fold cross-validation** splits the data into k blocks; each block is the validation set
  once while the other k - 1 train.
- **Random search** draws hyperparameters at random, learning-rate-like ones on a log scale
  (Bergstra & Bengio 2012).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from dlcourse.errors import check_bool, check_choice, check_int, check_number
from dlcourse.network import Parameter
from dlcourse.rng import make_rng


def l2_penalty(params: Iterable[Parameter], weight_decay: float) -> float:
    """``1/2 * weight_decay * sum over params of sum(W^2)``: the term added to the loss."""
    weight_decay = check_number(weight_decay, "weight_decay", 0.0)
    return 0.5 * weight_decay * sum(float(np.sum(p.data**2)) for p in _params(params))


def add_l2_gradient(params: Iterable[Parameter], weight_decay: float) -> None:
    """Add the penalty's gradient ``weight_decay * W`` to each ``param.grad`` (after backward)."""
    weight_decay = check_number(weight_decay, "weight_decay", 0.0)
    for p in _params(params):
        p.grad += weight_decay * p.data


def _params(params) -> list[Parameter]:
    if isinstance(params, Parameter) or not isinstance(params, Iterable):
        raise TypeError(f"params must be a list of Parameter objects, got {type(params).__name__}")
    params = list(params)
    for i, p in enumerate(params):
        if not isinstance(p, Parameter):
            raise TypeError(f"params must hold Parameter objects; item {i} is a {type(p).__name__}")
    return params


class EarlyStopping:
    """Stop when the monitored value stops improving (going down); keep the best weights.

    Call :meth:`step` once per epoch with the value; it returns True when training should stop
    (no improvement larger than ``min_delta`` for ``patience`` epochs). :meth:`restore` copies
    the best parameters back. ``monitor`` tells :func:`dlcourse.train.fit` which value to pass:
    ``"val_loss"`` (the validation loss) or ``"val_error"`` (1 - validation accuracy).
    """

    MONITORS = ("val_loss", "val_error")

    def __init__(self, patience: int = 5, min_delta: float = 0.0, monitor: str = "val_loss"):
        self.patience = check_int(patience, "patience", 1)
        self.min_delta = check_number(min_delta, "min_delta", 0.0)
        self.monitor = check_choice(monitor, "monitor", self.MONITORS)
        self.best = math.inf
        self.best_epoch = -1
        self.best_params: list[np.ndarray] | None = None
        self.bad_epochs = 0
        self.epoch = -1

    def step(self, value: float, params: Sequence[Parameter]) -> bool:
        """Record this epoch's ``value``; return True if training should stop now."""
        value = check_number(value, "value")
        params = _params(params)
        self.epoch += 1
        if value < self.best - self.min_delta:
            self.best, self.best_epoch, self.bad_epochs = float(value), self.epoch, 0
            self.best_params = [p.data.copy() for p in params]
        else:
            self.bad_epochs += 1
        return self.bad_epochs >= self.patience

    def restore(self, params: Sequence[Parameter]) -> None:
        """Copy the parameters of the best epoch back into ``params`` (in place)."""
        if self.best_params is None:
            raise RuntimeError("EarlyStopping.restore called before any step")
        for p, best in zip(params, self.best_params, strict=True):
            p.data[...] = best


def kfold_indices(
    n: int, k: int, shuffle: bool = False, rng: np.random.Generator | int | None = None
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Split ``range(n)`` into ``k`` folds; return ``k`` pairs ``(train_idx, val_idx)``.

    The first ``n % k`` folds have ``n // k + 1`` examples, the others ``n // k`` (as
    scikit-learn's KFold). With ``shuffle`` the indices are permuted first by ``rng``.
    """
    n, k = check_int(n, "n", 0), check_int(k, "k", 2)
    if k > n:
        raise ValueError(f"cannot split n={n} examples into k={k} folds")
    rng = make_rng(rng)
    order = rng.permutation(n) if check_bool(shuffle, "shuffle") else np.arange(n)
    sizes = np.full(k, n // k)
    sizes[: n % k] += 1
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    folds = []
    for i in range(k):
        val = order[bounds[i] : bounds[i + 1]]
        train = np.concatenate([order[: bounds[i]], order[bounds[i + 1] :]])
        folds.append((train, val))
    return folds


def log_uniform(low: float, high: float, size=None, rng=None) -> np.ndarray | float:
    """Draws whose logarithm is uniform on [log low, log high]: every decade equally likely."""
    low, high = check_number(low, "low", 0.0, low_open=True), check_number(high, "high")
    if not low < high:
        raise ValueError(f"log_uniform needs 0 < low < high, got low={low}, high={high}")
    rng = make_rng(rng)
    return np.exp(rng.uniform(np.log(low), np.log(high), size=size))


def random_search(
    objective: Callable[..., float],
    space: dict[str, tuple[float, float]],
    n_trials: int,
    rng: np.random.Generator | int | None = None,
    log: bool | dict[str, bool] = True,
) -> list[tuple[dict[str, float], float]]:
    """Evaluate ``objective(**params)`` at ``n_trials`` random points; best (lowest) first.

    ``space`` maps each hyperparameter name to ``(low, high)``; it is sampled on a log scale
    (``log=True``, or per name with a dict) or uniformly. Returns ``[(params, score), ...]``
    sorted by score.
    """
    n_trials = check_int(n_trials, "n_trials", 1)
    if not callable(objective):
        raise TypeError(f"objective must be a function, got {type(objective).__name__}")
    if not isinstance(space, dict) or not space:
        raise TypeError(f"space must be a non-empty dict name -> (low, high), got {space!r}")
    for name, bounds in space.items():
        if not isinstance(bounds, tuple | list) or len(bounds) != 2:
            raise ValueError(f"space[{name!r}] must be a pair (low, high), got {bounds!r}")
    rng = make_rng(rng)
    results = []
    for _ in range(n_trials):
        params = {}
        for name, (low, high) in space.items():
            use_log = log.get(name, True) if isinstance(log, dict) else log
            params[name] = float(
                log_uniform(low, high, rng=rng) if use_log else rng.uniform(low, high)
            )
        results.append((params, float(objective(**params))))
    return sorted(results, key=lambda r: r[1])
