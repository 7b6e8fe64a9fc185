"""The perceptron: the delta rule step by hand, AND/OR learned, XOR never solved."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from dlcourse.data import truth_table
from dlcourse.perceptron import Perceptron

LRS = [0.01, 0.1, 0.5, 1.0]
SEEDS = [0, 1, 2, 3, 4]
BUDGET = 500  # epochs (lr = 0.01 from weights of size 0.5 needs about 200)


def test_update_is_the_delta_rule_by_hand():
    p = Perceptron(2, lr=0.5)
    error = p.update(np.array([1.0, 1.0]), 1)  # y = step(0) = 0, so t - y = 1
    assert error == 1
    np.testing.assert_allclose(p.w, [0.5, 0.5])
    assert p.b == 0.5
    error = p.update(np.array([1.0, 0.0]), 0)  # z = 1 > 0, y = 1, t - y = -1
    assert error == -1
    np.testing.assert_allclose(p.w, [0.0, 0.5])
    assert p.b == 0.0


def test_update_changes_nothing_when_the_answer_is_right():
    p = Perceptron(2, lr=0.3, init_std=1.0, rng=0)
    x = np.array([0.5, -1.0])
    t = float(p.predict(x[None])[0])
    w, b = p.w.copy(), p.b
    assert p.update(x, t) == 0
    np.testing.assert_array_equal(p.w, w)
    assert p.b == b


@pytest.mark.parametrize("gate", ["and", "or"])
@pytest.mark.parametrize(("lr", "seed"), list(itertools.product(LRS, SEEDS)))
def test_learns_linearly_separable_gates(gate, lr, seed):
    X, t = truth_table(gate)
    p = Perceptron(2, lr=lr, init_std=0.5, rng=seed)
    errors = p.fit(X, t, epochs=BUDGET, shuffle=True, rng=seed)
    assert p.converged and errors[-1] == 0 and len(errors) < BUDGET
    np.testing.assert_array_equal(p.predict(X), t)


@pytest.mark.parametrize(("lr", "seed"), list(itertools.product(LRS, SEEDS)))
@pytest.mark.parametrize("shuffle", [False, True])
def test_never_classifies_all_four_xor_points(lr, seed, shuffle):
    X, t = truth_table("xor")
    p = Perceptron(2, lr=lr, init_std=0.5, rng=seed)
    for epoch in range(BUDGET):
        errors = p.fit(X, t, epochs=1, shuffle=shuffle, rng=seed + epoch)
        assert errors[0] > 0
        assert np.sum(p.predict(X) != t) >= 1
    assert not p.converged


def test_fit_stops_after_the_first_epoch_without_errors():
    X, t = truth_table("or")
    p = Perceptron(2, lr=0.1)
    errors = p.fit(X, t, epochs=BUDGET)
    assert errors.count(0) == 1 and errors[-1] == 0
    assert p.errors_ is errors


def test_fit_from_zeros_in_order_is_deterministic():
    X, t = truth_table("and")
    assert Perceptron(2, lr=0.1).fit(X, t) == Perceptron(2, lr=0.1).fit(X, t)


def test_wrong_input_shape_names_in_features():
    p = Perceptron(3)
    with pytest.raises(ValueError, match=r"in_features=3\), got shape \(4, 2\)"):
        p.predict(np.ones((4, 2)))


def test_target_length_must_match():
    X, _ = truth_table("and")
    with pytest.raises(ValueError, match=r"t must have shape \(N,\) = \(4,\), got shape \(3,\)"):
        Perceptron(2).fit(X, np.zeros(3))


def test_targets_must_be_binary():
    X, _ = truth_table("and")
    with pytest.raises(ValueError, match="targets t must be 0 or 1"):
        Perceptron(2).fit(X, np.array([0, 1, 2, 1]))


def test_learning_rate_must_be_positive():
    with pytest.raises(ValueError, match=r"lr must be in \(0, inf\)"):
        Perceptron(2, lr=0)
