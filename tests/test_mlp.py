"""The chapters' network builder: layer order, reproducible seeds, options, clear errors."""

from __future__ import annotations

import numpy as np
import pytest
from dlcourse import init
from dlcourse.activations import ReLU, Tanh
from dlcourse.batchnorm import BatchNorm1d
from dlcourse.dropout import Dropout
from dlcourse.layers import Affine
from dlcourse.mlp import mlp, reinitialise


def kinds(net):
    return [type(layer).__name__ for layer in net.layers]


def test_mlp_alternates_affine_and_activation_and_ends_with_scores():
    net = mlp([4, 3, 2, 5], Tanh)
    assert kinds(net) == ["Affine", "Tanh", "Affine", "Tanh", "Affine"]
    assert [(a.in_features, a.out_features) for a in net.layers[::2]] == [(4, 3), (3, 2), (2, 5)]
    assert net.forward(np.ones((6, 4))).shape == (6, 5)


def test_mlp_puts_batchnorm_before_and_dropout_after_each_hidden_activation():
    net = mlp([4, 3, 3, 2], ReLU, batchnorm=True, dropout=0.5)
    assert kinds(net) == [
        "Affine", "BatchNorm1d", "ReLU", "Dropout",
        "Affine", "BatchNorm1d", "ReLU", "Dropout",
        "Affine",
    ]  # fmt: skip
    assert isinstance(net.layers[1], BatchNorm1d) and isinstance(net.layers[3], Dropout)


def test_mlp_layer_i_draws_its_weights_with_seed_plus_i():
    net = mlp([5, 4, 3], ReLU, seed=7)
    for i, layer in enumerate(net.layers[::2]):
        twin = Affine(layer.in_features, layer.out_features, rng=7 + i)
        assert np.array_equal(layer.W.data, twin.W.data)
    assert not np.array_equal(mlp([5, 4, 3], seed=8)[0].W.data, net[0].W.data)


@pytest.mark.parametrize(
    ("sizes", "dropout", "message"),
    [([4], 0.0, "at least an input and an output"), ([4, 0, 2], 0.0, ">= 1"),
     ([4, 2], 1.0, "dropout")],
)  # fmt: skip
def test_mlp_rejects_bad_sizes_and_dropout(sizes, dropout, message):
    with pytest.raises(ValueError, match=message):
        mlp(sizes, dropout=dropout)


def test_reinitialise_draws_every_weight_from_one_generator_and_zeroes_biases():
    net = mlp([6, 5, 4])
    net[0].b.data[...] = 1.0
    reinitialise(net, lambda shape, rng: init.normal(shape, std=0.1, rng=rng), seed=3)
    rng = np.random.default_rng(3)
    first, second = init.normal((6, 5), std=0.1, rng=rng), init.normal((5, 4), std=0.1, rng=rng)
    assert np.array_equal(net[0].W.data, first) and np.array_equal(net[2].W.data, second)
    assert not net[0].b.data.any()


def test_mlp_builds_its_parameters_in_the_dtype_asked_for():
    net = mlp([6, 5, 4], dtype=np.float32)
    assert {p.data.dtype for p in net.parameters()} == {np.dtype(np.float32)}
    assert net.forward(np.ones((2, 6), np.float32)).dtype == np.float32
