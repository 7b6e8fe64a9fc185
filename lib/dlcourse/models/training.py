"""A minimal PyTorch training loop for the experiments, and per-layer gradient norms.

:func:`train_classifier` runs a fixed number of optimizer steps on random mini-batches (the
same **budget** for every model compared) and records the training loss of every step and,
every ``eval_every`` steps, the accuracy on an evaluation set. :func:`train_epochs` trains to
the end of a decaying learning-rate schedule (the degradation experiment), and
:func:`loss_and_error` measures where it ended.
"""

from __future__ import annotations

import time

import torch
import torch.nn.functional as F
from torch import nn


@torch.no_grad()
def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int = 1000) -> float:
    """Fraction of ``x`` (N, ...) that ``model`` (in eval mode) classifies as ``y`` (N,)."""
    if len(x) != len(y):
        raise ValueError(f"x and y must have the same length, got {len(x)} and {len(y)}")
    was_training = model.training
    model.eval()
    correct = sum(
        (model(x[i : i + batch_size]).argmax(1) == y[i : i + batch_size]).sum().item()
        for i in range(0, len(x), batch_size)
    )
    model.train(was_training)
    return correct / len(x)


def train_classifier(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    steps: int,
    batch_size: int = 64,
    lr: float = 1e-3,
    x_eval: torch.Tensor | None = None,
    y_eval: torch.Tensor | None = None,
    eval_every: int = 0,
    seed: int = 0,
) -> dict[str, list[float]]:
    """Train ``model`` with Adam and cross-entropy for ``steps`` steps on batches from ``x, y``.

    Only parameters with ``requires_grad`` are given to the optimizer (frozen ones stay fixed).
    Batches are drawn without replacement within an epoch (reshuffled every epoch); with fewer
    examples than ``batch_size`` every step sees all of them.
    Returns ``{"loss": [...] (one per step), "eval_step": [...], "eval_accuracy": [...],
    "seconds": [total]}``.
    """
    if len(x) != len(y):
        raise ValueError(f"x and y must have the same length, got {len(x)} and {len(y)}")
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError("the model has no trainable parameters (everything is frozen)")
    optimizer = torch.optim.Adam(params, lr=lr)
    g = torch.Generator().manual_seed(seed)
    history: dict[str, list[float]] = {"loss": [], "eval_step": [], "eval_accuracy": []}

    def evaluate(step: int) -> None:
        if x_eval is not None and eval_every:
            history["eval_step"].append(step)
            history["eval_accuracy"].append(accuracy(model, x_eval, y_eval))

    start = time.perf_counter()
    evaluate(0)
    order = torch.randperm(len(x), generator=g)
    cursor = 0
    model.train()
    for step in range(1, steps + 1):
        if cursor + min(batch_size, len(x)) > len(x):
            order, cursor = torch.randperm(len(x), generator=g), 0
        idx = order[cursor : cursor + batch_size]
        cursor += len(idx)
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x[idx]), y[idx])
        loss.backward()
        optimizer.step()
        history["loss"].append(loss.item())
        if eval_every and step % eval_every == 0:
            evaluate(step)
    history["seconds"] = [time.perf_counter() - start]
    return history


def conv_gradient_norms(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> list[float]:
    """Norm of dL/dW for every Conv2d weight on the main path, input side first.

    One forward and backward pass of the cross-entropy loss on ``(x, y)`` in train mode; the
    model's gradients are cleared before and after. Projection shortcuts (modules named
    ``shortcut``) are left out, so a plain and a residual network give lists of equal length.
    """
    model.train()
    model.zero_grad()
    F.cross_entropy(model(x), y).backward()
    norms = [
        m.weight.grad.norm().item()
        for name, m in model.named_modules()
        if isinstance(m, nn.Conv2d) and "shortcut" not in name
    ]
    model.zero_grad()
    return norms


@torch.no_grad()
def loss_and_error(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    """``(mean cross-entropy, error rate)`` of ``model`` in eval mode.

    ``x``: (N, ...) inputs, ``y``: (N,) class indices; the model's mode is restored afterwards.
    """
    if len(x) != len(y):
        raise ValueError(f"x and y must have the same length, got {len(x)} and {len(y)}")
    was_training = model.training
    model.eval()
    logits = model(x)
    model.train(was_training)
    loss = F.cross_entropy(logits, y).item()
    return loss, (logits.argmax(1) != y).float().mean().item()


def train_epochs(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    epochs: int,
    batch_size: int = 128,
    lr: float = 0.1,
    momentum: float = 0.9,
    weight_decay: float = 1e-4,
    seed: int = 0,
) -> dict[str, list[float]]:
    """Train ``model`` to the end of a schedule: SGD with momentum, learning rate annealed to 0.

    The recipe of He et al. (2016) for CIFAR (SGD, momentum 0.9, weight decay 1e-4, learning
    rate 0.1, mini-batches of 128), with a cosine decay of the learning rate to zero over
    ``epochs`` passes through ``x`` (N, ...), ``y`` (N,) in shuffled mini-batches, so that
    training ends where it has converged rather than where a step budget cut it off.
    Returns ``{"epoch_loss": [...] (mean training loss of each epoch), "seconds": [total]}``.
    """
    if len(x) != len(y):
        raise ValueError(f"x and y must have the same length, got {len(x)} and {len(y)}")
    if epochs < 1 or batch_size < 1:
        raise ValueError(f"epochs and batch_size must be >= 1, got {epochs} and {batch_size}")
    optimizer = torch.optim.SGD(
        model.parameters(), lr=lr, momentum=momentum, weight_decay=weight_decay
    )
    steps_per_epoch = -(-len(x) // batch_size)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, epochs * steps_per_epoch)
    g = torch.Generator().manual_seed(seed)
    history: dict[str, list[float]] = {"epoch_loss": []}
    start = time.perf_counter()
    model.train()
    for _ in range(epochs):
        total = 0.0
        for idx in torch.randperm(len(x), generator=g).split(batch_size):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x[idx]), y[idx])
            loss.backward()
            optimizer.step()
            schedule.step()
            total += loss.item() * len(idx)
        history["epoch_loss"].append(total / len(x))
    history["seconds"] = [time.perf_counter() - start]
    return history
