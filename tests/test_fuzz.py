"""Fuzzing the public API with invalid arguments: every one must raise a ValueError or a
TypeError whose message names the argument, and none may return.

Each case is a call that succeeds with its valid arguments (checked first, so a case cannot
pass by failing for another reason); hypothesis then replaces one argument at a time by an
invalid value of that argument's kind and the call must fail, naming it.
"""

from __future__ import annotations

import math
import re
import tempfile
from pathlib import Path

import numpy as np
import pytest
from dlcourse import activations as A
from dlcourse import (
    augment,
    checkpoint,
    data,
    filters,
    gradcheck,
    im2col,
    init,
    losses,
    optim,
    regularization,
    train,
)
from dlcourse.batchnorm import BatchNorm1d, BatchNorm2d, batchnorm_forward
from dlcourse.cnn import layer_shapes, lecture_cnn, predict_proba
from dlcourse.conv import (
    Conv2d,
    conv2d_forward,
    conv2d_forward_naive,
    conv_output_size,
    convolve2d,
    correlate2d,
    rot180,
)
from dlcourse.dropout import Dropout
from dlcourse.layers import Affine, Flatten
from dlcourse.network import Parameter, Sequential
from dlcourse.perceptron import Perceptron
from dlcourse.pool import (
    AvgPool2d,
    MaxPool2d,
    MinPool2d,
    avg_pool2d_forward,
    max_pool2d_forward,
    min_pool2d_forward,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# --- invalid values, by kind ------------------------------------------------------------------

NOT_A_NUMBER = st.one_of(
    st.none(),
    st.text(max_size=3),
    st.booleans(),
    st.just([0.5]),
    st.just(np.ones(2)),
    st.just(1 + 2j),
)
BAD_ARRAYS = [
    np.array(["a", "b"]),
    np.array([[1, "x"]]),
    np.array([object(), 1.0], dtype=object),
    np.array([1 + 2j, 3]),
    [[1.0, 2.0], [3.0]],
    None,
    "abc",
]


def count(minimum: int = 1):
    """Not an integer >= minimum (floats such as 3.0 included: sizes must be ints)."""
    return st.one_of(
        st.integers(max_value=minimum - 1),
        st.floats(allow_nan=True, allow_infinity=True),
        NOT_A_NUMBER,
    )


def number(low=-math.inf, high=math.inf, low_open=False, high_open=False):
    """Not a finite number in the interval."""

    def outside(v):
        if not math.isfinite(v):
            return True
        return v < low or v > high or (low_open and v == low) or (high_open and v == high)

    return st.one_of(st.floats(allow_nan=True, allow_infinity=True).filter(outside), NOT_A_NUMBER)


def choice(*choices):
    return st.one_of(
        st.text(max_size=6).filter(lambda s: s not in choices), st.integers(), st.none()
    )


FLAG = st.one_of(st.integers(), st.floats(), st.text(max_size=3), st.none())
RNG = st.one_of(
    st.integers(max_value=-1), st.floats(), st.text(max_size=3), st.booleans(), st.just([1, 2])
)
PAIR = st.one_of(
    st.integers(max_value=0),
    st.floats(),
    st.text(max_size=3),
    st.none(),
    st.booleans(),
    st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3)),
    st.tuples(st.integers(max_value=0), st.integers(1, 3)),
)
SHAPE = st.one_of(
    st.integers(max_value=-1),
    st.floats(),
    st.text(min_size=1, max_size=3),
    st.none(),
    st.lists(st.integers(max_value=-1), min_size=1, max_size=3),
    st.just((2.5, 3)),
)
DTYPE = st.sampled_from(["int32", np.int64, "banana", np.complex128, 3, "U3"])
NOT_NONE = PAIR.filter(lambda v: v is not None)  # stride=None means "the kernel size"
PARAMS = st.sampled_from([Parameter(np.ones(2)), [], [np.ones(2)], None, "ab", 3])


def arrays(*extra):
    """Non-numeric arrays and non-arrays, plus ``extra`` (wrong shapes for this call)."""
    return st.sampled_from([*BAD_ARRAYS, *extra])


# --- the cases: (label, function, valid keyword arguments, {argument: invalid values})

rng0 = np.random.default_rng(0)
X4 = rng0.normal(size=(2, 2, 6, 6))
W4 = rng0.normal(size=(3, 2, 3, 3))
SOFT = A.softmax(rng0.normal(size=(4, 3)))
LABELS = np.array([0, 1, 2, 0])
WEIGHTS = Path(tempfile.mkdtemp()) / "weights.npz"  # a network without parameters, saved
WEIGHTS_SHA = checkpoint.save_weights(A.ReLU(), WEIGHTS)


def forward_then(layer, x, method="backward"):
    """A layer after one forward pass, so that its backward can be fuzzed."""
    layer.forward(x)
    return getattr(layer, method)


def fit_call(**kwargs):
    net = Sequential(Affine(3, 2, rng=0))
    opt = optim.SGD(net.parameters(), lr=0.1)
    X, y = np.ones((6, 3)), np.array([0, 1] * 3)
    args = {"net": net, "loss": losses.SoftmaxCrossEntropyLoss(), "optimizer": opt, "X": X, "y": y}
    return train.fit(**(args | kwargs))


CASES = [
    # layers: constructors
    ("Affine", Affine, {"in_features": 3, "out_features": 2, "rng": 0},
     {"in_features": count(), "out_features": count(), "rng": RNG, "dtype": DTYPE, "bias": FLAG}),
    ("Conv2d", Conv2d, {"in_channels": 2, "out_channels": 3, "kernel_size": 3},
     {"in_channels": count(), "out_channels": count(), "kernel_size": PAIR, "stride": PAIR,
      "padding": st.one_of(st.integers(max_value=-1), st.floats(), st.text(max_size=3),
                           st.none()),
      "bias": FLAG, "rng": RNG, "dtype": DTYPE}),
    ("BatchNorm1d", BatchNorm1d, {"num_features": 3},
     {"num_features": count(), "eps": number(0, low_open=True),
      "momentum": number(0, 1).filter(lambda v: v is not None), "dtype": DTYPE}),
    ("BatchNorm2d", BatchNorm2d, {"num_features": 3},
     {"num_features": count(), "eps": number(0, low_open=True)}),
    ("Dropout", Dropout, {"p": 0.5}, {"p": number(0, 1), "rng": RNG}),
    ("LeakyReLU", A.LeakyReLU, {}, {"negative_slope": number()}),
    ("Softmax", A.Softmax, {}, {"dim": st.one_of(st.floats(), NOT_A_NUMBER)}),
    ("MaxPool2d", MaxPool2d, {"kernel_size": 2}, {"kernel_size": PAIR, "stride": NOT_NONE}),
    ("AvgPool2d", AvgPool2d, {"kernel_size": 3},
     {"kernel_size": PAIR, "padding": st.one_of(st.integers(max_value=-1), st.integers(2),
                                                st.text(max_size=2))}),
    ("MinPool2d", MinPool2d, {"kernel_size": 2}, {"kernel_size": PAIR}),
    ("Sequential", lambda layers: Sequential(*layers), {"layers": [A.ReLU()]},
     {"layers": st.sampled_from([[np.tanh], [A.ReLU(), 3], [None]])}),
    ("Parameter", Parameter, {"data": np.ones(3)}, {"data": arrays(), "name": st.integers()}),
    ("Perceptron", Perceptron, {"in_features": 2},
     {"in_features": count(), "lr": number(0, low_open=True), "init_std": number(0),
      "rng": RNG}),
    ("Layer.train", A.ReLU().train, {"mode": True}, {"mode": FLAG}),
    # layers: forward and backward
    ("Affine.forward", Affine(3, 2, rng=0).forward, {"x": np.ones((4, 3))},
     {"x": arrays(np.ones((4, 2)), np.ones(3), np.ones((4, 3, 1)))}),
    ("Affine.backward", forward_then(Affine(3, 2, rng=0), np.ones((4, 3))),
     {"dy": np.ones((4, 2))}, {"dy": arrays(np.ones((4, 3)), np.ones((1, 2)), np.ones(2))}),
    ("Flatten.forward", Flatten().forward, {"x": np.ones((2, 3))}, {"x": arrays(np.ones(3))}),
    ("Flatten.backward", forward_then(Flatten(), np.ones((2, 3, 2))), {"dy": np.ones((2, 6))},
     {"dy": arrays(np.ones((2, 3, 2)), np.ones(6))}),
    ("Conv2d.forward", Conv2d(2, 3, 3, rng=0).forward, {"x": X4},
     {"x": arrays(np.ones((2, 3, 6, 6)), np.ones((2, 6, 6)), np.ones((1, 2, 2, 2)))}),
    ("Conv2d.backward", forward_then(Conv2d(2, 3, 3, rng=0), X4), {"dy": np.ones((2, 3, 4, 4))},
     {"dy": arrays(np.ones((2, 3, 4)), np.ones((2, 3, 4, 5)), np.ones((2, 3, 1, 1)))}),
    ("BatchNorm1d.forward", BatchNorm1d(3).forward, {"x": np.eye(3)},
     {"x": arrays(np.ones((4, 2)), np.ones(3), np.ones((4, 3, 2, 2)), [[1.0, 2.0, 3.0]])}),
    ("BatchNorm1d.backward", forward_then(BatchNorm1d(3), np.eye(3)), {"dy": np.ones((3, 3))},
     {"dy": arrays(np.ones((3, 1)), np.ones((1, 3)), np.ones(3))}),
    ("BatchNorm2d.forward", BatchNorm2d(2).forward, {"x": X4},
     {"x": arrays(np.ones((2, 3, 2, 2)), np.ones((2, 2, 2)))}),
    ("BatchNorm2d.backward", forward_then(BatchNorm2d(2), X4), {"dy": X4},
     {"dy": arrays(np.ones((2, 2, 6, 1)), np.ones((2, 2, 6)))}),
    ("Dropout.forward", Dropout(0.5, rng=0).forward, {"x": np.ones(3)}, {"x": arrays()}),
    ("Dropout.backward", forward_then(Dropout(0.5, rng=0), np.ones((2, 3))),
     {"dy": np.ones((2, 3))}, {"dy": arrays(np.ones((3, 2)), np.ones(1))}),
    ("ReLU.backward", forward_then(A.ReLU(), np.ones((2, 3))), {"dy": np.ones((2, 3))},
     {"dy": arrays(np.ones((2, 1)), np.ones(3))}),
    ("Softmax.forward", A.Softmax(dim=2).forward, {"x": np.ones((2, 3, 4))},
     {"x": arrays(np.ones((2, 3)))}),
    ("MaxPool2d.forward", MaxPool2d(2).forward, {"x": X4},
     {"x": arrays(np.ones((2, 6, 6)), np.ones((1, 1, 1, 1)))}),
    ("MaxPool2d.backward", forward_then(MaxPool2d(2), X4), {"dy": np.ones((2, 2, 3, 3))},
     {"dy": arrays(np.ones((2, 2, 3, 1)), np.ones((2, 2, 6, 6)))}),
    # functions: activations, losses
    ("sigmoid", A.sigmoid, {"z": np.ones(3)}, {"z": arrays()}),
    ("relu", A.relu, {"z": np.ones(3)}, {"z": arrays()}),
    ("leaky_relu", A.leaky_relu, {"z": np.ones(3)}, {"z": arrays(), "negative_slope": number()}),
    ("softmax", A.softmax, {"z": np.ones((2, 3))}, {"z": arrays(), "dim": count(-1000)}),
    ("softmax_backward", A.softmax_backward, {"s": SOFT, "dy": np.ones((4, 3))},
     {"s": arrays(), "dy": arrays(np.ones((4, 2))), "dim": count(-1000)}),
    ("log_softmax", losses.log_softmax, {"z": np.ones((2, 3))}, {"z": arrays(), "dim": count(-9)}),
    ("mse_loss", losses.mse_loss, {"prediction": np.ones(3), "target": np.zeros(3)},
     {"prediction": arrays(np.ones(4)), "target": arrays(np.ones((3, 1))),
      "reduction": choice("mean", "sum", "none"), "half": FLAG}),
    ("binary_cross_entropy", losses.binary_cross_entropy,
     {"p": np.full(3, 0.5), "target": np.ones(3)},
     {"p": arrays(np.full(3, 1.5), np.full(3, np.nan), np.ones(4)),
      "target": arrays(np.full(3, -1.0)), "reduction": choice("mean", "sum", "none")}),
    ("cross_entropy", losses.cross_entropy, {"p": SOFT, "target": LABELS},
     {"p": arrays(SOFT * 2, np.ones(4)),
      "target": arrays(np.array([0, 1, 2, 3]), LABELS.astype(float), np.ones((4, 2)), LABELS[:3],
                       np.ones((4, 3, 1))),
      "reduction": choice("mean", "sum", "none")}),
    ("softmax_cross_entropy", losses.softmax_cross_entropy, {"logits": SOFT, "target": LABELS},
     {"target": arrays(np.array([-1, 0, 0, 0]))}),
    ("MSELoss", losses.MSELoss, {}, {"reduction": choice("mean", "sum", "none"), "half": FLAG}),
    ("BCELoss", losses.BCELoss, {}, {"reduction": choice("mean", "sum", "none")}),
    ("CrossEntropyLoss", losses.CrossEntropyLoss, {}, {"reduction": choice("mean", "sum", "none")}),
    ("SoftmaxCrossEntropyLoss", losses.SoftmaxCrossEntropyLoss, {},
     {"reduction": choice("mean", "sum", "none")}),
    # initialisers
    ("init.zeros", init.zeros, {"shape": (2, 3)}, {"shape": SHAPE}),
    ("init.constant", init.constant, {"shape": (2, 3), "val": 0.5},
     {"shape": SHAPE, "val": number()}),
    ("init.normal", init.normal, {"shape": (2, 3)},
     {"shape": SHAPE, "mean": number(), "std": number(0), "rng": RNG}),
    ("init.uniform", init.uniform, {"shape": (2, 3)},
     {"shape": SHAPE, "a": number(high=1).filter(lambda v: v is not None),
      "b": number(low=0), "rng": RNG}),
    ("init.xavier_normal", init.xavier_normal, {"shape": (4, 3)},
     {"shape": st.one_of(SHAPE, st.just((5,))), "gain": number(0), "rng": RNG}),
    ("init.xavier_uniform", init.xavier_uniform, {"shape": (4, 3)},
     {"shape": st.one_of(SHAPE, st.just((2.5, 3))), "gain": number(0)}),
    ("init.he_normal", init.he_normal, {"shape": (4, 3)},
     {"shape": SHAPE, "a": number().filter(lambda v: v is not None),
      "mode": choice("fan_in", "fan_out"),
      "nonlinearity": choice("leaky_relu", "relu", "linear", "conv1d", "conv2d", "conv3d",
                             "sigmoid", "tanh", "selu"), "rng": RNG}),
    ("init.he_uniform", init.he_uniform, {"shape": (4, 3)},
     {"shape": SHAPE, "mode": choice("fan_in", "fan_out")}),
    ("init.calculate_gain", init.calculate_gain, {"nonlinearity": "leaky_relu"},
     {"nonlinearity": choice("leaky_relu", "relu", "linear", "conv1d", "conv2d", "conv3d",
                             "sigmoid", "tanh", "selu"),
      "param": number().filter(lambda v: v is not None)}),
    ("init.fan_in_fan_out", init.fan_in_fan_out, {"shape": (4, 3)},
     {"shape": st.one_of(SHAPE, st.just((5,)))}),
    # convolution and pooling
    ("im2col", im2col.im2col, {"xp": X4, "kernel_size": 3, "stride": 1},
     {"xp": arrays(np.ones((2, 6, 6))), "kernel_size": st.one_of(PAIR, st.just(7)),
      "stride": PAIR}),
    ("col2im", im2col.col2im,
     {"cols": np.ones((18, 32)), "padded_shape": (2, 2, 6, 6), "kernel_size": 3, "stride": 1},
     {"cols": arrays(np.ones((18, 31)), np.ones(18)),
      "padded_shape": st.sampled_from([(2, 2, 6), (2, 2, 6, 6.5), "abcd", None, (2, 2, 0, 6)]),
      "kernel_size": st.one_of(PAIR, st.just(7)), "stride": PAIR}),
    ("conv2d_forward", conv2d_forward, {"x": X4, "w": W4, "b": np.zeros(3)},
     {"x": arrays(np.ones((2, 3, 6, 6)), np.ones((2, 2, 2, 2))),
      "w": arrays(np.ones((3, 3, 3, 3)), np.ones((3, 2, 3))),
      "b": arrays(np.ones(2)).filter(lambda v: v is not None),
      "stride": PAIR, "padding": st.one_of(st.integers(max_value=-1), st.text(max_size=3))}),
    ("conv2d_forward_naive", conv2d_forward_naive, {"x": X4, "w": W4, "b": None},
     {"x": arrays(np.ones((2, 3, 6, 6))), "w": arrays(np.ones((3, 2, 9, 9))), "stride": PAIR}),
    ("correlate2d", correlate2d, {"image": np.ones((4, 4)), "kernel": np.ones((2, 2))},
     {"image": arrays(np.ones((1, 4, 4))), "kernel": arrays(np.ones(2), np.ones((5, 5))),
      "stride": PAIR}),
    ("convolve2d", convolve2d, {"image": np.ones((4, 4)), "kernel": np.ones((2, 2))},
     {"image": arrays(np.ones(4)), "kernel": arrays(np.ones(2))}),
    ("conv_output_size", conv_output_size, {"n": 5, "kernel": 3},
     {"n": count(0), "kernel": count(), "stride": count(), "padding": count(0)}),
    ("max_pool2d_forward", max_pool2d_forward, {"x": X4, "kernel_size": 2},
     {"x": arrays(np.ones((6, 6))), "kernel_size": st.one_of(PAIR, st.just(9)), "stride": NOT_NONE,
      "padding": st.one_of(st.integers(max_value=-1), st.integers(2), st.text(max_size=2))}),
    ("avg_pool2d_forward", avg_pool2d_forward, {"x": X4, "kernel_size": 2},
     {"x": arrays(), "kernel_size": PAIR}),
    ("min_pool2d_forward", min_pool2d_forward, {"x": X4, "kernel_size": 2},
     {"x": arrays(), "stride": NOT_NONE}),
    ("batchnorm_forward", batchnorm_forward,
     {"x": np.eye(3), "gamma": np.ones(3), "beta": np.zeros(3)},
     {"x": arrays(np.ones(3), np.ones((1, 3)))}),
    # optimizers
    ("SGD", optim.SGD, {"params": [Parameter(np.ones(2))]},
     {"params": PARAMS, "lr": number(0), "momentum": number(0), "dampening": number(0),
      "weight_decay": number(0), "nesterov": FLAG}),
    ("Momentum", optim.Momentum, {"params": [Parameter(np.ones(2))]},
     {"params": PARAMS, "lr": number(0), "momentum": number(0, 1, high_open=True)}),
    ("Adagrad", optim.Adagrad, {"params": [Parameter(np.ones(2))]},
     {"params": PARAMS, "lr": number(0), "lr_decay": number(0), "weight_decay": number(0),
      "initial_accumulator_value": number(0), "eps": number(0)}),
    ("RMSprop", optim.RMSprop, {"params": [Parameter(np.ones(2))]},
     {"lr": number(0), "alpha": number(0, 1, high_open=True), "eps": number(0),
      "momentum": number(0), "centered": FLAG}),
    ("Adam", optim.Adam, {"params": [Parameter(np.ones(2))]},
     {"params": PARAMS, "lr": number(0),
      "betas": st.one_of(number(), st.just(0.9),
                         st.tuples(number(0, 1, high_open=True), st.just(0.9)),
                         st.tuples(st.just(0.9), number(0, 1, high_open=True)),
                         st.just((0.9, 0.9, 0.9))),
      "eps": number(0), "weight_decay": number(0), "amsgrad": FLAG}),
    ("AdamW", optim.AdamW, {"params": [Parameter(np.ones(2))]},
     {"lr": number(0), "weight_decay": number(0)}),
    # regularisation, training, gradient checks
    ("l2_penalty", regularization.l2_penalty,
     {"params": [Parameter(np.ones(2))], "weight_decay": 0.1},
     {"params": PARAMS.filter(lambda p: p != []), "weight_decay": number(0)}),
    ("add_l2_gradient", regularization.add_l2_gradient,
     {"params": [Parameter(np.ones(2))], "weight_decay": 0.1}, {"weight_decay": number(0)}),
    ("EarlyStopping", regularization.EarlyStopping, {},
     {"patience": count(), "min_delta": number(0), "monitor": choice("val_loss", "val_error")}),
    ("kfold_indices", regularization.kfold_indices, {"n": 10, "k": 3},
     {"n": st.one_of(count(0), st.integers(0, 2)), "k": count(2), "rng": RNG}),
    ("log_uniform", regularization.log_uniform, {"low": 1e-3, "high": 1.0},
     {"low": number(0, 1, low_open=True, high_open=True), "high": number(1e-3, low_open=True),
      "rng": RNG}),
    ("random_search", regularization.random_search,
     {"objective": lambda lr: lr, "space": {"lr": (1e-3, 1.0)}, "n_trials": 2},
     {"objective": st.sampled_from([None, 3, "f"]),
      "space": st.sampled_from([{}, None, {"lr": 1.0}, {"lr": (1.0,)}, "lr"]),
      "n_trials": count(), "rng": RNG}),
    ("fit", fit_call, {"epochs": 1},
     {"epochs": count(0), "batch_size": count(), "rng": RNG,
      "net": st.sampled_from([None, "net", np.tanh])}),
    ("accuracy", train.accuracy, {"outputs": SOFT, "y": LABELS},
     {"outputs": arrays(), "y": st.sampled_from([LABELS[:2], np.ones((3, 3))])}),
    ("numerical_gradient", gradcheck.numerical_gradient,
     {"f": lambda: 0.0, "x": np.ones(3)},
     {"x": st.sampled_from([np.ones(3, dtype=int), [1.0, 2.0], None, np.array(["a"])]),
      "h": number(0, low_open=True), "f": st.sampled_from([None, 3, "f"])}),
    ("relative_error", gradcheck.relative_error, {"a": np.ones(3), "b": np.ones(3)},
     {"a": arrays(np.ones(4)), "b": arrays(np.ones((3, 1)))}),
    ("check_layer_gradients", gradcheck.check_layer_gradients,
     {"layer": A.Tanh(), "x": np.ones((2, 2))},
     {"layer": st.sampled_from([None, np.tanh, "layer"]), "x": arrays(), "seed": count(0)}),
    ("lecture_cnn", lecture_cnn, {}, {"hidden": count(), "batchnorm": FLAG, "rng": RNG}),
    ("save_weights", lambda net, path: checkpoint.save_weights(net, path),
     {"net": A.ReLU(), "path": WEIGHTS},
     {"net": st.sampled_from([None, "net", np.tanh]), "path": st.sampled_from([None, 3, ""])}),
    ("load_weights", checkpoint.load_weights,
     {"net": A.ReLU(), "path": WEIGHTS, "sha256": WEIGHTS_SHA},
     {"net": st.sampled_from([None, "net"]), "sha256": st.sampled_from([None, 3, "abc"])}),
    ("predict_proba", predict_proba, {"net": Affine(3, 10, rng=0), "x": np.ones((2, 3))},
     {"net": st.sampled_from([None, np.tanh]), "x": arrays(), "batch_size": count()}),
    ("layer_shapes", layer_shapes, {"net": Sequential(Flatten()), "input_shape": (2, 3)},
     {"net": st.sampled_from([None, A.ReLU()]), "input_shape": SHAPE}),
    ("evaluate", lambda **kw: train.evaluate(**({"net": Affine(3, 2, rng=0),
     "loss": losses.MSELoss(), "X": np.ones((4, 3)), "y": np.ones((4, 2))} | kw)), {},
     {"net": st.sampled_from([None, np.tanh]), "batch_size": count()}),
    ("step", A.step, {"z": np.ones(3)}, {"z": arrays()}),
    ("tanh", A.tanh, {"z": np.ones(3)}, {"z": arrays()}),
    ("sigmoid_grad", A.sigmoid_grad, {"z": np.ones(3)}, {"z": arrays()}),
    ("relu_grad", A.relu_grad, {"z": np.ones(3)}, {"z": arrays()}),
    ("leaky_relu_grad", A.leaky_relu_grad, {"z": np.ones(3)},
     {"z": arrays(), "negative_slope": number()}),
    ("rot180", rot180, {"kernel": np.ones((2, 2))}, {"kernel": arrays(np.ones(2))}),
    ("Perceptron.fit", Perceptron(2).fit, {"X": np.eye(2), "t": np.array([0, 1])},
     {"X": arrays(np.ones((2, 3))), "t": arrays(np.array([0, 2]), np.ones(3)),
      "epochs": count(0), "shuffle": FLAG, "rng": RNG}),
    ("MSELoss.forward", losses.MSELoss().forward,
     {"prediction": np.ones(3), "target": np.ones(3)},
     {"prediction": arrays(np.ones(2)), "target": arrays(np.ones(2))}),
    # data, augmentation, filters
    ("one_hot", data.one_hot, {"labels": [2, 0], "num_classes": 3},
     {"labels": arrays(np.array([0.5, 1.0]), np.ones((2, 2), dtype=int), np.array([3, 0])),
      "num_classes": count()}),
    ("truth_table", data.truth_table, {"gate": "xor"}, {"gate": choice("and", "or", "xor")}),
    ("load_digits", data.load_digits, {},
     {"test_size": number(0, 1, low_open=True, high_open=True), "seed": count(0),
      "flatten": FLAG}),
    ("random_horizontal_flip", augment.random_horizontal_flip, {"x": X4, "rng": 0},
     {"x": arrays(np.ones((6, 6))), "rng": RNG, "p": number(0, 1)}),
    ("random_shift", augment.random_shift, {"x": X4, "rng": 0},
     {"x": arrays(np.ones((2, 6, 6))), "rng": RNG, "max_shift": st.one_of(count(0), st.just(6))}),
    ("gaussian_noise", augment.gaussian_noise, {"x": X4, "rng": 0},
     {"x": arrays(), "rng": RNG, "std": number(0)}),
    ("augment", augment.augment, {"x": X4, "rng": 0},
     {"x": arrays(np.ones(3)), "rng": RNG, "flip": FLAG, "max_shift": count(0),
      "noise_std": number(0)}),
    ("to_grey", filters.to_grey, {"rgb": np.ones((4, 4, 3))},
     {"rgb": arrays(np.ones((4, 4)), np.ones((4, 4, 4)))}),
    ("apply_filter", filters.apply_filter, {"image": np.ones((5, 5)), "kernel": np.ones((3, 3))},
     {"image": arrays(np.ones((1, 5, 5))), "kernel": arrays(np.ones(3))}),
]  # fmt: skip

ARGUMENTS = [(label, arg) for label, _, _, bad in CASES for arg in bad]
BY_LABEL = {label: (fn, valid, bad) for label, fn, valid, bad in CASES}


@pytest.mark.parametrize("label", list(BY_LABEL))
def test_every_case_succeeds_with_its_valid_arguments(label):
    fn, valid, _ = BY_LABEL[label]
    fn(**valid)


@pytest.mark.parametrize(("label", "argument"), ARGUMENTS, ids=[f"{a}-{b}" for a, b in ARGUMENTS])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(data=st.data())
def test_an_invalid_argument_raises_an_error_naming_it(label, argument, data):
    fn, valid, bad = BY_LABEL[label]
    value = data.draw(bad[argument], label=argument)
    name = "dy" if argument == "dy" else argument
    with pytest.raises((ValueError, TypeError)) as error:
        result = fn(**(valid | {argument: value}))
        pytest.fail(f"{label}({argument}={value!r}) returned {result!r} instead of raising")
    message = str(error.value)
    assert re.search(rf"(?<![A-Za-z_]){re.escape(name)}(?![A-Za-z_])", message), (
        f"{label}({argument}={value!r}) raised {type(error.value).__name__}: {message!r}, "
        f"which does not name {name!r}"
    )


# --- the cases the review found, one by one ----------------------------------------------------

P = [Parameter(np.ones(2))]
ISSUE_CASES = [
    ("string array into ReLU", lambda: A.relu(np.array(["1", "2"])), TypeError, "z"),
    ("im2col stride 0", lambda: im2col.im2col(X4, 3, 0), ValueError, "stride"),
    ("col2im stride 0", lambda: im2col.col2im(np.ones((18, 32)), (2, 2, 6, 6), 3, 0),
     ValueError, "stride"),
    ("im2col kernel larger than the input", lambda: im2col.im2col(X4, 7, 1), ValueError,
     "kernel_size"),
    ("BatchNorm1d momentum '0.1'", lambda: BatchNorm1d(3, momentum="0.1"), TypeError,
     "momentum"),
    ("BatchNorm1d backward with a dy of the wrong shape",
     lambda: forward_then(BatchNorm1d(3), np.eye(3))(np.ones((3, 1))), ValueError, "dy"),
    ("Dropout p='0.5'", lambda: Dropout("0.5"), TypeError, "p"),
    ("SGD lr='0.1'", lambda: optim.SGD(P, lr="0.1"), TypeError, "lr"),
    ("SGD on a single Parameter", lambda: optim.SGD(P[0], lr=0.1), TypeError, "params"),
    ("Adam betas=0.9", lambda: optim.Adam(P, betas=0.9), TypeError, "betas"),
    ("Affine(2.5, 3)", lambda: Affine(2.5, 3), TypeError, "in_features"),
    ("Conv2d(2.5, ...)", lambda: Conv2d(2.5, 3, 3), TypeError, "in_channels"),
    ("xavier_uniform((2.5, 3))", lambda: init.xavier_uniform((2.5, 3)), TypeError, "shape"),
    ("numerical_gradient on integers",
     lambda: gradcheck.numerical_gradient(lambda: 0.0, np.arange(3)), TypeError, "x"),
    ("object array into conv", lambda: conv2d_forward(X4.astype(object), W4, None), TypeError,
     "x"),
    ("object array into Affine", lambda: Affine(3, 2).forward(np.ones((2, 3), dtype=object)),
     TypeError, "x"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "call", "error", "name"), ISSUE_CASES, ids=[c[0] for c in ISSUE_CASES]
)
def test_the_cases_of_the_review_raise_an_error_naming_the_argument(case, call, error, name):
    with pytest.raises(error, match=rf"(?<![A-Za-z_]){re.escape(name)}(?![A-Za-z_])"):
        call()


def test_he_normal_of_a_zero_size_shape_is_empty_not_a_division_by_zero():
    assert init.he_normal((0, 4), rng=0).shape == (0, 4)


@pytest.mark.parametrize(
    "layer",
    [Affine(3, 2), Flatten(), Conv2d(1, 1, 1), BatchNorm1d(2), BatchNorm2d(2), Dropout(),
     A.ReLU(), A.Softmax(), MaxPool2d(2), AvgPool2d(2)],
    ids=lambda layer: type(layer).__name__,
)  # fmt: skip
def test_backward_before_forward_is_a_runtime_error_naming_the_layer(layer):
    with pytest.raises(
        RuntimeError, match=f"{type(layer).__name__}.backward called before forward"
    ):
        layer.backward(np.ones((2, 2)))
