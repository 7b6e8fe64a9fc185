"""Losses against PyTorch in float64: values, and gradients through autograd."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from dlcourse import losses as L
from dlcourse.activations import softmax

SHAPES_NK = [(1, 2), (4, 3), (8, 10), (5, 1)]


def torch_loss_and_grad(fn, prediction: np.ndarray):
    pt = torch.tensor(prediction, dtype=torch.float64, requires_grad=True)
    value = fn(pt)
    value.backward()
    return value.item(), pt.grad.numpy()


def check(loss, prediction, target, torch_fn):
    value = loss.forward(prediction, target)
    grad = loss.backward()
    expected_value, expected_grad = torch_loss_and_grad(torch_fn, prediction)
    assert value == pytest.approx(expected_value, rel=1e-12, abs=1e-14)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-10, atol=1e-14)


# --- mean squared error ----------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(3,), (4, 3), (2, 3, 4)])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_mse_matches_torch(shape, reduction):
    rng = np.random.default_rng(0)
    y, t = rng.normal(size=shape), rng.normal(size=shape)
    tt = torch.tensor(t)
    check(L.MSELoss(reduction), y, t, lambda p: F.mse_loss(p, tt, reduction=reduction))


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_mse_half_is_half_of_torch(reduction):
    rng = np.random.default_rng(1)
    y, t = rng.normal(size=(4, 2)), rng.normal(size=(4, 2))
    tt = torch.tensor(t)
    check(
        L.MSELoss(reduction, half=True),
        y,
        t,
        lambda p: 0.5 * F.mse_loss(p, tt, reduction=reduction),
    )


def test_mse_half_sum_is_the_slides_error_and_its_gradient_is_y_minus_t():
    y, t = np.array([0.2, 0.9]), np.array([0.0, 1.0])
    loss = L.MSELoss(reduction="sum", half=True)
    assert loss(y, t) == pytest.approx(0.5 * (0.2**2 + 0.1**2))
    np.testing.assert_allclose(loss.backward(), y - t)


def test_mse_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match=r"prediction and target must have the same shape"):
        L.mse_loss(np.ones((4, 1)), np.ones(4))


def test_mse_rejects_unknown_reduction():
    with pytest.raises(ValueError, match="reduction must be one of"):
        L.MSELoss(reduction="batchmean")


# --- binary cross-entropy --------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(5,), (4, 1), (3, 4)])
def test_bce_matches_torch(shape):
    rng = np.random.default_rng(2)
    p = rng.uniform(0.02, 0.98, shape)
    t = rng.integers(0, 2, shape).astype(np.float64)
    tt = torch.tensor(t)
    check(L.BCELoss(), p, t, lambda q: F.binary_cross_entropy(q, tt))


def test_bce_accepts_soft_targets_like_torch():
    p, t = np.array([0.3, 0.8]), np.array([0.25, 0.5])
    tt = torch.tensor(t)
    check(L.BCELoss(), p, t, lambda q: F.binary_cross_entropy(q, tt))


def test_bce_is_finite_for_certain_wrong_answers():
    value = L.binary_cross_entropy(np.array([0.0, 1.0]), np.array([1.0, 0.0]))
    assert np.isfinite(value) and value > 20
    loss = L.BCELoss()
    loss(np.array([0.0, 1.0]), np.array([1.0, 0.0]))
    assert np.all(np.isfinite(loss.backward()))


def test_bce_rejects_logits():
    with pytest.raises(ValueError, match=r"p must be probabilities in \[0, 1\]"):
        L.binary_cross_entropy(np.array([-2.0, 3.0]), np.array([0.0, 1.0]))


# --- categorical cross-entropy on probabilities ----------------------------------------------


@pytest.mark.parametrize("shape", SHAPES_NK)
@pytest.mark.parametrize("sparse", [True, False])
def test_cross_entropy_on_probabilities_matches_torch(shape, sparse):
    rng = np.random.default_rng(3)
    p = softmax(rng.normal(size=shape))
    labels = rng.integers(0, shape[1], shape[0])
    target = labels if sparse else np.eye(shape[1])[labels]
    lt = torch.tensor(labels)
    check(L.CrossEntropyLoss(), p, target, lambda q: F.nll_loss(torch.log(q), lt))


def test_cross_entropy_counts_only_the_true_class():
    p = np.array([[0.7, 0.2, 0.1]])
    assert L.cross_entropy(p, np.array([0])) == pytest.approx(-np.log(0.7))


# --- softmax + cross-entropy on logits -------------------------------------------------------


@pytest.mark.parametrize("shape", SHAPES_NK)
@pytest.mark.parametrize("sparse", [True, False])
def test_softmax_cross_entropy_matches_torch_cross_entropy(shape, sparse):
    rng = np.random.default_rng(4)
    z = rng.normal(0, 3, shape)
    labels = rng.integers(0, shape[1], shape[0])
    target = labels if sparse else np.eye(shape[1])[labels]
    lt = torch.tensor(labels)
    check(L.SoftmaxCrossEntropyLoss(), z, target, lambda q: F.cross_entropy(q, lt))


def test_softmax_cross_entropy_accepts_soft_targets_like_torch():
    rng = np.random.default_rng(5)
    z, t = rng.normal(size=(3, 4)), softmax(rng.normal(size=(3, 4)))
    tt = torch.tensor(t)
    check(L.SoftmaxCrossEntropyLoss(), z, t, lambda q: F.cross_entropy(q, tt))


def test_softmax_cross_entropy_gradient_is_softmax_minus_one_hot_over_n():
    z = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    loss = L.SoftmaxCrossEntropyLoss()
    loss(z, np.array([2, 0]))
    np.testing.assert_allclose(loss.backward(), (softmax(z) - np.eye(3)[[2, 0]]) / 2)


def test_softmax_cross_entropy_is_stable_for_huge_logits():
    z = np.array([[1e4, 0.0, -1e4]])
    value = L.softmax_cross_entropy(z, np.array([2]))
    assert value == pytest.approx(2e4)


def test_softmax_cross_entropy_equals_cross_entropy_of_softmax():
    z = np.random.default_rng(6).normal(size=(6, 5))
    labels = np.arange(6) % 5
    assert L.softmax_cross_entropy(z, labels) == pytest.approx(
        L.cross_entropy(softmax(z), labels), rel=1e-12
    )


# --- target validation ------------------------------------------------------------------------

MULTICLASS = [L.CrossEntropyLoss, L.SoftmaxCrossEntropyLoss]


@pytest.mark.parametrize("loss_cls", MULTICLASS)
def test_label_out_of_range_is_named(loss_cls):
    p = softmax(np.zeros((3, 4)))
    with pytest.raises(
        ValueError, match=r"class labels in target must be in 0..3 for 4 classes, got \[4\]"
    ):
        loss_cls()(p, np.array([0, 4, 1]))


@pytest.mark.parametrize("loss_cls", MULTICLASS)
def test_negative_label_is_named(loss_cls):
    with pytest.raises(ValueError, match=r"got \[-1\]"):
        loss_cls()(softmax(np.zeros((2, 3))), np.array([-1, 0]))


@pytest.mark.parametrize("loss_cls", MULTICLASS)
def test_sparse_target_of_wrong_length_names_shapes(loss_cls):
    with pytest.raises(ValueError, match=r"shape \(N,\) = \(3,\).*got shape \(2,\)"):
        loss_cls()(softmax(np.zeros((3, 4))), np.array([0, 1]))


@pytest.mark.parametrize("loss_cls", MULTICLASS)
def test_one_hot_target_of_wrong_shape_names_shapes(loss_cls):
    with pytest.raises(ValueError, match=r"\(3, 5\) and \(3, 4\)"):
        loss_cls()(softmax(np.zeros((3, 4))), np.eye(5)[:3])


@pytest.mark.parametrize("loss_cls", MULTICLASS)
def test_float_class_indices_are_rejected(loss_cls):
    with pytest.raises(TypeError, match="class-index target must be integers"):
        loss_cls()(softmax(np.zeros((2, 3))), np.array([0.0, 1.0]))


@pytest.mark.parametrize("loss_cls", MULTICLASS)
def test_prediction_must_be_two_dimensional(loss_cls):
    with pytest.raises(ValueError, match=r"(p|logits) must have shape \(N, K\)"):
        loss_cls()(np.full(3, 1 / 3), np.array([0]))


@pytest.mark.parametrize("loss_cls", [L.MSELoss, L.BCELoss, *MULTICLASS])
def test_backward_before_forward_raises(loss_cls):
    with pytest.raises(RuntimeError, match="backward called before forward"):
        loss_cls().backward()
