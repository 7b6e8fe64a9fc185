"""The convolutional network of the CNN walk-through notes, built from the library's own layers.

    input 1x28x28
    -> Conv2d(1, 10, 5)  -> ReLU -> MaxPool2d(2)     10x24x24 -> 10x12x12
    -> Conv2d(10, 20, 5) -> ReLU -> MaxPool2d(2)     20x8x8   -> 20x4x4
    -> Flatten                                       320
    -> Affine(320, 50) -> ReLU -> Affine(50, 10)     10 class scores (logits)
    -> softmax                                       10 class probabilities

The notes ask for "one or more fully connected layers, then softmax" without fixing their
sizes; we use one hidden layer of 50 units (as PyTorch's classic MNIST example does). The
softmax is applied by the loss (:class:`~dlcourse.losses.SoftmaxCrossEntropyLoss`, numerically
stable) during training and by :func:`predict_proba` at prediction time, so the network itself
ends with the logits. ``batchnorm=True`` inserts :class:`~dlcourse.batchnorm.BatchNorm2d`
between each convolution and its ReLU (the placement of the Week 10 lecture). Saving and loading
the weights is :mod:`dlcourse.checkpoint`.
"""

from __future__ import annotations

import time

import numpy as np
from threadpoolctl import threadpool_limits

from dlcourse.activations import ReLU, softmax
from dlcourse.batchnorm import BatchNorm2d
from dlcourse.conv import Conv2d
from dlcourse.errors import as_float_array, check_bool, check_int, check_shape
from dlcourse.layers import Affine, Flatten
from dlcourse.network import Layer, Sequential, check_layer
from dlcourse.pool import MaxPool2d
from dlcourse.rng import make_rng


def lecture_cnn(hidden: int = 50, batchnorm: bool = False, rng=0, dtype=np.float32) -> Sequential:
    """The walk-through network for 1x28x28 images and 10 classes, parameters in ``dtype``."""
    hidden, batchnorm = check_int(hidden, "hidden", 1), check_bool(batchnorm, "batchnorm")
    rng = make_rng(rng)

    def block(c_in, c_out):
        layers = [Conv2d(c_in, c_out, 5, rng=rng)]
        layers += [BatchNorm2d(c_out)] if batchnorm else []
        return [*layers, ReLU(), MaxPool2d(2)]

    net = Sequential(
        *block(1, 10),
        *block(10, 20),
        Flatten(),
        Affine(320, hidden, rng=rng),
        ReLU(),
        Affine(hidden, 10, rng=rng),
    )
    net[0].input_grad = False  # the input is the data: no gradient needed
    return cast_parameters(net, dtype)


def cast_parameters(net: Layer, dtype) -> Layer:
    """Store every parameter (and its gradient) of ``net`` in ``dtype``; returns ``net``."""
    for p in net.parameters():
        p.data = p.data.astype(dtype)
        p.grad = np.zeros_like(p.data)
    return net


def layer_shapes(net: Sequential, input_shape) -> list[tuple[str, tuple[int, ...]]]:
    """``[(layer repr, output shape without the batch axis), ...]`` for one forward pass."""
    if not isinstance(net, Sequential):
        raise TypeError(f"net must be a Sequential, got {type(net).__name__}")
    x = np.zeros((1, *check_shape(input_shape, "input_shape")), dtype=np.float32)
    shapes = []
    for layer in net.layers:
        x = layer.forward(x)
        shapes.append((repr(layer), x.shape[1:]))
    return shapes


def predict_proba(net: Layer, x: np.ndarray, batch_size: int = 1000) -> np.ndarray:
    """Class probabilities (N, 10): the network's logits through softmax, in evaluation mode."""
    net, x = check_layer(net), as_float_array(x, "x")
    batch_size = check_int(batch_size, "batch_size", 1)
    was_training = net.training
    net.eval()
    try:
        logits = [net.forward(x[i : i + batch_size]) for i in range(0, len(x), batch_size)]
    finally:
        net.train(was_training)
    return softmax(np.concatenate(logits), dim=1)


def train_lecture_cnn(
    data,
    epochs: int = 3,
    batch_size: int = 64,
    lr: float = 2e-3,
    seed: int = 0,
    hidden: int = 50,
    batchnorm: bool = False,
    blas_threads: int | None = 1,
):
    """Train :func:`lecture_cnn` with Adam on ``data`` (a :func:`~dlcourse.data.load_mnist` split).

    The learning rate decays linearly to ``lr / 10`` over the run (one step per epoch).
    ``blas_threads`` caps the BLAS threads during training (``None``: no cap). One thread is
    the default because the matrices of a 64-image batch are small, and a multi-threaded BLAS
    on a busy machine can be many times slower than a single thread.
    Returns ``(net, history, seconds)``; ``history`` comes from :func:`dlcourse.train.fit`
    with the test set as validation data, so ``history.val_acc[-1]`` is the test accuracy.
    """
    from dlcourse.losses import SoftmaxCrossEntropyLoss
    from dlcourse.optim import Adam
    from dlcourse.train import fit

    net = lecture_cnn(hidden=hidden, batchnorm=batchnorm, rng=seed)
    optimizer = Adam(net.parameters(), lr=lr)
    schedule = np.linspace(lr, lr / 10, max(epochs, 1))

    def decay(epoch, history):
        if epoch + 1 < epochs:
            optimizer.lr = float(schedule[epoch + 1])

    start = time.perf_counter()
    with threadpool_limits(blas_threads, user_api="blas"):
        history = fit(
            net,
            SoftmaxCrossEntropyLoss(),
            optimizer,
            data.X_train,
            data.y_train,
            epochs=epochs,
            batch_size=batch_size,
            X_val=data.X_test,
            y_val=data.y_test,
            rng=seed,
            progress=False,
            callbacks=[decay],
        )
    return net, history, time.perf_counter() - start


def torch_lecture_cnn(net: Sequential | None = None, hidden: int = 50):
    """The walk-through network in PyTorch: the oracle in tests and chapter 9, and a baseline.

    With ``net`` (a :func:`lecture_cnn` without batch norm) the torch network is float64 and gets
    a copy of its weights (our dense ``W`` is ``(in, out)``, torch's is ``(out, in)``), so both
    compute the same function; without, it is float32 with torch's own initialisation.
    """
    import torch
    from torch import nn

    tnet = nn.Sequential(
        nn.Conv2d(1, 10, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(10, 20, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(320, hidden), nn.ReLU(), nn.Linear(hidden, 10),
    )  # fmt: skip
    if net is None:
        return tnet
    tnet = tnet.double()
    ours = [layer for layer in net.layers if layer.parameters()]
    theirs = [m for m in tnet if list(m.parameters())]
    with torch.no_grad():
        for a, t in zip(ours, theirs, strict=True):
            t.weight.copy_(torch.tensor(a.W.data.T if isinstance(a, Affine) else a.W.data))
            t.bias.copy_(torch.tensor(a.b.data))
    return tnet
