"""A training loop for any dlcourse network: mini-batches, history, evaluation.

One **epoch** is one pass over the training set in shuffled mini-batches. For each mini-batch:
forward, loss, backward, optimizer step. After each epoch the loop records the mean training
loss and accuracy of that epoch's mini-batches (measured while training, so with dropout
active) and, if validation data are given, the validation loss and accuracy in evaluation mode.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from dlcourse.errors import as_float_array, check_int
from dlcourse.network import Layer, check_layer
from dlcourse.rng import make_rng


@dataclass
class History:
    """Per-epoch records of one training run (``val_*`` lists stay empty without validation).

    ``batch_loss`` has one entry per mini-batch step (the loss the optimizer just saw).
    """

    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)
    batch_loss: list[float] = field(default_factory=list)
    stopped_early: bool = False
    best_epoch: int | None = None

    @property
    def epochs(self) -> int:
        return len(self.train_loss)


def accuracy(outputs: np.ndarray, y: np.ndarray) -> float:
    """Fraction of correct predictions.

    ``outputs`` ``(N, K)`` with K >= 2: the predicted class is the argmax (scores or
    probabilities). ``(N, 1)`` or ``(N,)``: a probability, predicted class ``outputs > 0.5``.
    ``y``: class indices ``(N,)`` or one-hot ``(N, K)``.
    """
    outputs, y = as_float_array(outputs, "outputs"), np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        y = y.argmax(axis=1)
    y = y.reshape(-1)
    if outputs.ndim == 2 and outputs.shape[1] > 1:
        pred = outputs.argmax(axis=1)
    else:
        pred = (outputs.reshape(-1) > 0.5).astype(y.dtype)
    if pred.shape != y.shape:
        raise ValueError(f"outputs give {pred.shape} predictions but y has {y.shape} labels")
    return float(np.mean(pred == y))


def evaluate(net: Layer, loss, X: np.ndarray, y: np.ndarray, batch_size: int = 1024):
    """``(mean loss, accuracy)`` of ``net`` on ``(X, y)`` in evaluation mode.

    The network is put back in the mode it was in. Evaluates in batches of ``batch_size``.
    """
    net, batch_size = check_layer(net), check_int(batch_size, "batch_size", 1)
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} examples but y has {len(y)}")
    was_training = net.training
    net.eval()
    total, outs = 0.0, []
    try:
        for start in range(0, len(X), batch_size):
            out = net.forward(X[start : start + batch_size])
            total += loss.forward(out, y[start : start + batch_size]) * len(out)
            outs.append(out)
    finally:
        net.train(was_training)
    return total / len(X), accuracy(np.concatenate(outs), y)


def fit(
    net: Layer,
    loss,
    optimizer,
    X: np.ndarray,
    y: np.ndarray,
    epochs: int,
    batch_size: int = 32,
    X_val: np.ndarray | None = None,
    y_val: np.ndarray | None = None,
    rng: np.random.Generator | int | None = 0,
    progress: bool | None = None,
    early_stopping=None,
    augment: Callable[[np.ndarray, np.random.Generator], np.ndarray] | None = None,
    callbacks: Sequence[Callable[[int, History], bool | None]] = (),
) -> History:
    """Train ``net`` on ``(X, y)`` for ``epochs`` epochs of shuffled mini-batches.

    - ``loss``: an object with ``forward(prediction, target) -> float`` and
      ``backward() -> d prediction``; ``optimizer``: one from :mod:`dlcourse.optim`.
    - ``X``: any shape with the examples first (``(N, D)`` or ``(N, C, H, W)``); ``y``:
      ``(N,)`` class indices or ``(N, K)`` targets.
    - ``augment(xb, rng) -> xb``: applied to every training mini-batch (not to validation).
    - ``early_stopping``: an :class:`~dlcourse.regularization.EarlyStopping`; needs validation
      data, watches the validation loss (or error, see its ``monitor``) and restores the best
      parameters at the end.
    - ``callbacks``: functions ``(epoch, history)`` called after each epoch; returning True
      stops training.
    - ``progress``: show a tqdm bar; by default only when stderr is a terminal and the run has
      more than 2,000 mini-batch steps (never inside a notebook or the book build).
    """
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} examples but y has {len(y)}")
    if (X_val is None) != (y_val is None):
        raise ValueError("give both X_val and y_val, or neither")
    if early_stopping is not None and X_val is None:
        raise ValueError("early stopping watches the validation loss: pass X_val and y_val")
    epochs, batch_size = check_int(epochs, "epochs", 0), check_int(batch_size, "batch_size", 1)
    check_layer(net)
    rng = make_rng(rng)
    n = len(X)
    steps = -(-n // batch_size)
    if progress is None:
        progress = sys.stderr.isatty() and epochs * steps > 2000
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=epochs, unit="epoch")
    params = net.parameters()
    history = History()
    try:
        for epoch in range(epochs):
            net.train()
            order = rng.permutation(n)
            total_loss, correct = 0.0, 0.0
            for start in range(0, n, batch_size):
                idx = order[start : start + batch_size]
                xb, yb = X[idx], y[idx]
                if augment is not None:
                    xb = augment(xb, rng)
                out = net.forward(xb)
                batch_loss = loss.forward(out, yb)
                history.batch_loss.append(batch_loss)
                total_loss += batch_loss * len(idx)
                correct += accuracy(out, yb) * len(idx)
                net.zero_grad()
                net.backward(loss.backward())
                optimizer.step()
            history.train_loss.append(total_loss / n)
            history.train_acc.append(correct / n)
            stop = False
            if X_val is not None:
                val_loss, val_acc = evaluate(net, loss, X_val, y_val)
                history.val_loss.append(val_loss)
                history.val_acc.append(val_acc)
                if early_stopping is not None:
                    watched = val_loss if early_stopping.monitor == "val_loss" else 1 - val_acc
                    stop = early_stopping.step(watched, params)
            for callback in callbacks:
                stop = bool(callback(epoch, history)) or stop
            if bar is not None:
                bar.update(1)
                bar.set_postfix(loss=f"{history.train_loss[-1]:.4f}")
            if stop:
                history.stopped_early = True
                break
    finally:
        if bar is not None:
            bar.close()
    if early_stopping is not None and early_stopping.best_params is not None:
        early_stopping.restore(params)
        history.best_epoch = early_stopping.best_epoch
    return history
