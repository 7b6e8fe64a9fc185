"""Activation functions and layers against PyTorch (float64 values and autograd gradients)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from dlcourse import activations as A
from dlcourse.gradcheck import check_layer_gradients

SHAPES = [(1,), (7,), (4, 3), (2, 3, 5), (2, 1, 4, 4)]

# name -> (our function, our derivative, torch function)
ELEMENTWISE = {
    "sigmoid": (A.sigmoid, A.sigmoid_grad, torch.sigmoid),
    "tanh": (A.tanh, A.tanh_grad, torch.tanh),
    "relu": (A.relu, A.relu_grad, torch.relu),
    "leaky_relu": (
        A.leaky_relu,
        A.leaky_relu_grad,
        lambda z: torch.nn.functional.leaky_relu(z, 0.01),
    ),
}

LAYERS = {
    "sigmoid": (A.Sigmoid, torch.nn.Sigmoid),
    "tanh": (A.Tanh, torch.nn.Tanh),
    "relu": (A.ReLU, torch.nn.ReLU),
    "leaky_relu": (A.LeakyReLU, torch.nn.LeakyReLU),
    "softmax": (A.Softmax, lambda: torch.nn.Softmax(dim=-1)),
}


def torch_value_and_grad(fn, z: np.ndarray, dy: np.ndarray):
    zt = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    yt = fn(zt)
    yt.backward(torch.tensor(dy, dtype=torch.float64))
    return yt.detach().numpy(), zt.grad.numpy()


@pytest.mark.parametrize("name", ELEMENTWISE)
@pytest.mark.parametrize("shape", SHAPES)
def test_function_matches_torch(name, shape):
    ours, _, theirs = ELEMENTWISE[name]
    z = np.random.default_rng(0).normal(0, 3, shape)
    expected, _ = torch_value_and_grad(theirs, z, np.ones(shape))
    np.testing.assert_allclose(ours(z), expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ELEMENTWISE)
@pytest.mark.parametrize("shape", SHAPES)
def test_derivative_matches_torch_autograd(name, shape):
    ours, ours_grad, theirs = ELEMENTWISE[name]
    z = np.random.default_rng(1).normal(0, 3, shape)
    _, expected = torch_value_and_grad(theirs, z, np.ones(shape))
    np.testing.assert_allclose(ours_grad(z), expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ["relu", "leaky_relu"])
def test_derivative_at_zero_follows_torch(name):
    _, ours_grad, theirs = ELEMENTWISE[name]
    z = np.zeros(3)
    _, expected = torch_value_and_grad(theirs, z, np.ones(3))
    np.testing.assert_array_equal(ours_grad(z), expected)


@pytest.mark.parametrize("name", LAYERS)
@pytest.mark.parametrize("shape", [(1, 1), (4, 3), (2, 3, 5), (3, 10)])
def test_layer_forward_and_backward_match_torch(name, shape):
    ours, theirs = LAYERS[name]
    rng = np.random.default_rng(2)
    z, dy = rng.normal(0, 3, shape), rng.normal(0, 1, shape)
    layer = ours()
    y = layer.forward(z)
    dz = layer.backward(dy)
    y_t, dz_t = torch_value_and_grad(theirs(), z, dy)
    np.testing.assert_allclose(y, y_t, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(dz, dz_t, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("name", LAYERS)
@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 5)])
def test_layer_backward_matches_numerical_gradient(name, shape):
    ours, _ = LAYERS[name]
    # keep away from the kink of (leaky) ReLU, where the centred difference is not a derivative
    z = np.random.default_rng(3).choice([-1, 1], shape) * np.random.default_rng(4).uniform(
        0.1, 2, shape
    )
    errors = check_layer_gradients(ours(), z)
    assert errors["x"] < 1e-8


@pytest.mark.parametrize("slope", [0.01, 0.2])
def test_leaky_relu_layer_uses_its_slope(slope):
    z = np.array([[-2.0, 3.0]])
    layer = A.LeakyReLU(negative_slope=slope)
    np.testing.assert_allclose(layer.forward(z), [[-2 * slope, 3.0]])
    np.testing.assert_allclose(layer.backward(np.ones((1, 2))), [[slope, 1.0]])


def test_leaky_relu_default_is_max_of_0_01z_and_z():
    z = np.linspace(-5, 5, 11)
    np.testing.assert_allclose(A.leaky_relu(z), np.maximum(0.01 * z, z))


def test_step_is_one_only_for_positive_input():
    np.testing.assert_array_equal(A.step(np.array([-1.0, 0.0, 1e-9, 3.0])), [0, 0, 1, 1])


def test_sigmoid_is_stable_for_huge_inputs_without_warnings():
    z = np.array([-1e4, -800.0, -40.0, 0.0, 40.0, 800.0, 1e4])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = A.sigmoid(z)
        g = A.sigmoid_grad(z)
    assert np.all(np.isfinite(s)) and np.all(np.isfinite(g))
    np.testing.assert_allclose(s, torch.sigmoid(torch.tensor(z)).numpy(), rtol=1e-12, atol=0)
    assert s[0] == 0.0 and s[-1] == 1.0 and s[3] == 0.5


def test_sigmoid_keeps_float32():
    assert A.sigmoid(np.ones(3, dtype=np.float32)).dtype == np.float32


def test_sigmoid_derivative_peaks_at_a_quarter():
    z = np.linspace(-10, 10, 2001)
    g = A.sigmoid_grad(z)
    assert g.max() == pytest.approx(0.25) and z[g.argmax()] == pytest.approx(0.0)


def test_tanh_is_a_rescaled_sigmoid():
    z = np.linspace(-4, 4, 9)
    np.testing.assert_allclose(A.tanh(z), 2 * A.sigmoid(2 * z) - 1, atol=1e-15)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_matches_torch_on_any_axis(axis):
    z = np.random.default_rng(5).normal(0, 2, (3, 4, 5))
    expected = torch.softmax(torch.tensor(z), dim=axis).numpy()
    np.testing.assert_allclose(A.softmax(z, dim=axis), expected, rtol=1e-12)


def test_softmax_is_stable_for_huge_logits():
    z = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, 0.0, 1000.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = A.softmax(z)
    np.testing.assert_allclose(s, torch.softmax(torch.tensor(z), dim=-1).numpy(), rtol=1e-12)
    np.testing.assert_allclose(s.sum(axis=-1), 1.0)


def test_softmax_of_two_classes_is_a_sigmoid_of_the_difference():
    z = np.random.default_rng(6).normal(0, 3, (10, 2))
    np.testing.assert_allclose(A.softmax(z)[:, 1], A.sigmoid(z[:, 1] - z[:, 0]), rtol=1e-12)


def test_softmax_backward_is_not_elementwise():
    # a gradient on one output moves every input of the row (full Jacobian)
    layer = A.Softmax()
    layer.forward(np.array([[0.0, 1.0, 2.0]]))
    dz = layer.backward(np.array([[1.0, 0.0, 0.0]]))
    assert np.all(dz[0, 1:] != 0)


def test_backward_before_forward_raises():
    with pytest.raises(RuntimeError, match="Sigmoid.backward called before forward"):
        A.Sigmoid().backward(np.ones((2, 2)))


def test_backward_with_wrong_shape_names_both_shapes():
    layer = A.ReLU()
    layer.forward(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"expected dy of shape \(2, 3\), got \(2, 4\)"):
        layer.backward(np.ones((2, 4)))


@pytest.mark.parametrize("axis", [0, 1])
def test_softmax_layer_backward_on_another_axis_matches_torch(axis):
    rng = np.random.default_rng(7)
    z, dy = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    layer = A.Softmax(dim=axis)
    layer.forward(z)
    _, expected = torch_value_and_grad(lambda t: torch.softmax(t, dim=axis), z, dy)
    np.testing.assert_allclose(layer.backward(dy), expected, rtol=1e-10, atol=1e-14)
