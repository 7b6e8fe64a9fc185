"""The fully connected network the training chapters experiment on, built in one line.

``mlp([784, 100, 100, 10], ReLU)`` is ``Affine -> ReLU -> Affine -> ReLU -> Affine``: every
hidden layer is an affine layer followed by the activation, and the last affine layer gives the
scores (logits), so the loss (for example ``SoftmaxCrossEntropyLoss``) adds the softmax.
Options put batch normalisation between each hidden affine layer and its activation (the
placement of the batch-normalisation paper) and dropout after each hidden activation.

The ``i``-th affine layer draws its weights with seed ``seed + i`` and the ``i``-th dropout layer
its masks with seed ``seed + 10 + i``, so a network is reproducible from ``seed`` alone and two
seeds give two independent draws. :func:`reinitialise` replaces every affine weight by an
initialiser of :mod:`dlcourse.init` (or any ``initialiser(shape, rng)``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from dlcourse.activations import ReLU
from dlcourse.batchnorm import BatchNorm1d
from dlcourse.dropout import Dropout
from dlcourse.layers import Affine
from dlcourse.network import Layer, Sequential


def mlp(
    sizes: Sequence[int],
    activation: Callable[[], Layer] = ReLU,
    *,
    seed: int = 0,
    batchnorm: bool = False,
    dropout: float = 0.0,
    dtype=np.float64,
) -> Sequential:
    """A fully connected network with layer widths ``sizes`` (input, hidden..., output).

    x (N, sizes[0]) -> scores (N, sizes[-1]). ``activation`` is a layer class (or any function
    returning a new layer), called once per hidden layer. ``dtype``: of the affine parameters.
    """
    sizes = [int(s) for s in sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"sizes must list at least an input and an output width >= 1, got {sizes}")
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
    layers: list[Layer] = []
    n_affine = len(sizes) - 1
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(Affine(n_in, n_out, rng=seed + i, dtype=dtype))
        if i == n_affine - 1:
            break
        if batchnorm:
            layers.append(BatchNorm1d(n_out))
        layers.append(activation())
        if dropout:
            layers.append(Dropout(dropout, rng=seed + 10 + i))
    return Sequential(*layers)


def reinitialise(
    net: Sequential,
    initialiser: Callable[[tuple[int, ...], np.random.Generator], np.ndarray],
    seed: int = 0,
) -> Sequential:
    """Draw every affine weight anew with ``initialiser(shape, rng)`` and zero every bias.

    One generator seeded with ``seed`` serves all layers, in order. Returns ``net``.
    """
    rng = np.random.default_rng(seed)
    for layer in net.layers:
        if isinstance(layer, Affine):
            layer.W.data[...] = initialiser(layer.W.shape, rng)
            layer.b.data[...] = 0.0
    return net
