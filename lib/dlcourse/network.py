"""Parameters, layers and networks: the three ideas every other module builds on.

A **parameter** is a learnable array together with the gradient of the loss with respect
to it. A **layer** maps an input batch to an output batch in ``forward`` and, in
``backward``, maps the gradient of the loss with respect to its output to the gradient with
respect to its input, adding the gradients of its own parameters to ``param.grad`` on the
way (as PyTorch does, so gradients accumulate until ``zero_grad``). A **network** is a
sequence of layers: forward runs them in order, backward in reverse order.

Conventions (shared with PyTorch, so torch is a ready oracle in the tests):
batch first, images as ``(N, C, H, W)``, weights of a fully connected layer as
``(in_features, out_features)`` (the book writes ``y = x W + b``).
"""

from __future__ import annotations

import numpy as np

from dlcourse.errors import as_float_array, check_bool


class Parameter:
    """A learnable array ``data`` and its gradient ``grad`` (same shape, zeros at first).

    ``data`` keeps a float32 or float64 dtype; integers become float64 (see
    :func:`dlcourse.errors.as_float_array`).
    """

    def __init__(self, data, name: str = ""):
        if not isinstance(name, str):
            raise TypeError(f"name must be a string, got {name!r}")
        self.data = as_float_array(data, "data")
        self.grad = np.zeros_like(self.data)
        self.name = name

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    def zero_grad(self) -> None:
        self.grad[...] = 0

    def __repr__(self) -> str:
        return (
            f"Parameter({self.name or 'unnamed'}, shape={self.data.shape}, dtype={self.data.dtype})"
        )


def check_layer(value, name: str = "net"):
    """``value`` if it is a :class:`Layer` (a network is one too), else a TypeError."""
    if not isinstance(value, Layer):
        raise TypeError(f"{name} must be a Layer (a network), got {type(value).__name__}")
    return value


def check_backward(layer, cache, dy, expected_shape, dtype=None) -> np.ndarray:
    """``dy`` as a float array of the forward output's shape, checked before a backward pass.

    ``cache`` is what the forward pass stored (None: no forward pass yet, a RuntimeError);
    a ``dy`` of another shape is a ValueError (it must never broadcast silently). With
    ``dtype`` (the forward input's), ``dy`` is cast to it, so that dx has x's dtype.
    """
    name = type(layer).__name__
    if cache is None:
        raise RuntimeError(f"{name}.backward called before forward")
    dy = as_float_array(dy, "dy")
    if dy.shape != tuple(expected_shape):
        raise ValueError(
            f"{name}.backward expected dy of shape {tuple(expected_shape)}, got {dy.shape} "
            "(dy must have the forward output's shape)"
        )
    return dy if dtype is None else dy.astype(dtype, copy=False)


class Layer:
    """Base class: ``forward(x) -> y`` and ``backward(dy) -> dx``.

    ``forward`` stores what ``backward`` needs (the *cache*) on the layer itself, so
    ``backward`` must follow the ``forward`` whose gradient it computes. Subclasses keep their
    parameters as :class:`Parameter` attributes; :meth:`parameters` finds them.
    ``training`` switches layers such as dropout and batch normalisation between their
    training and inference behaviour.
    """

    training: bool = True

    def forward(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} must define forward")

    def backward(self, dy: np.ndarray) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} must define backward")

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.forward(x)

    def parameters(self) -> list[Parameter]:
        """The layer's parameters, in the order they were assigned."""
        return [v for v in vars(self).values() if isinstance(v, Parameter)]

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.zero_grad()

    def train(self, mode: bool = True) -> Layer:
        self.training = check_bool(mode, "mode")
        return self

    def eval(self) -> Layer:
        return self.train(False)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Sequential(Layer):
    """A network of layers applied one after another.

    >>> net = Sequential(Affine(2, 3), Sigmoid(), Affine(3, 1))   # doctest: +SKIP
    >>> y = net.forward(x); dx = net.backward(dy)                    # doctest: +SKIP
    """

    def __init__(self, *layers: Layer):
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(
                    f"layers must be Layer objects; item {i} is a {type(layer).__name__}"
                )
        self.layers = list(layers)

    def forward(self, x: np.ndarray) -> np.ndarray:
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dy: np.ndarray) -> np.ndarray:
        for layer in reversed(self.layers):
            dy = layer.backward(dy)
        return dy

    def parameters(self) -> list[Parameter]:
        return [p for layer in self.layers for p in layer.parameters()]

    def train(self, mode: bool = True) -> Sequential:
        self.training = check_bool(mode, "mode")
        for layer in self.layers:
            layer.train(mode)
        return self

    def __getitem__(self, i: int) -> Layer:
        return self.layers[i]

    def __len__(self) -> int:
        return len(self.layers)

    def __repr__(self) -> str:
        inner = "\n".join(f"  ({i}) {layer!r}" for i, layer in enumerate(self.layers))
        return f"Sequential(\n{inner}\n)"
