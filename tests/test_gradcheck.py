"""Back-propagation against numerical (centred-difference) gradients, in float64.

Also checks the checker: the numerical gradient of a known function, and that a wrong
backward pass is caught.
"""

from __future__ import annotations

import numpy as np
import pytest
from dlcourse import activations as A
from dlcourse import losses as L
from dlcourse.gradcheck import check_layer_gradients, numerical_gradient, relative_error
from dlcourse.layers import Affine, Flatten
from dlcourse.network import Layer, Sequential

TOL = 1e-7


def away_from_zero(shape, seed):
    """Random values with |x| in [0.1, 2]: no ReLU kink within the difference step."""
    rng = np.random.default_rng(seed)
    return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.1, 2.0, shape)


# --- the checker itself ---------------------------------------------------------------------


def test_numerical_gradient_of_a_cubic():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    grad = numerical_gradient(lambda: float(np.sum(x**3)), x)
    np.testing.assert_allclose(grad, 3 * x**2, rtol=1e-8)


def test_numerical_gradient_restores_its_input():
    x = np.array([1.0, 2.0, 3.0])
    numerical_gradient(lambda: float(np.sum(np.sin(x))), x)
    np.testing.assert_array_equal(x, [1.0, 2.0, 3.0])


def test_relative_error_is_zero_for_equal_and_large_for_different():
    a = np.array([1.0, 2.0])
    assert relative_error(a, a) == 0.0
    assert relative_error(a, -a) == 1.0


class WrongSigmoid(A.Sigmoid):
    """A plausible bug: forgets the (1 - y) factor."""

    def backward(self, dy):
        return dy * self._y


def test_gradient_check_catches_a_wrong_backward():
    errors = check_layer_gradients(WrongSigmoid(), away_from_zero((3, 4), 0))
    assert errors["x"] > 1e-2


# --- every layer ----------------------------------------------------------------------------


@pytest.mark.parametrize("n, fan_in, fan_out", [(1, 1, 1), (3, 4, 2), (5, 6, 7)])
def test_affine_gradients(n, fan_in, fan_out):
    layer = Affine(fan_in, fan_out, rng=0)
    errors = check_layer_gradients(layer, away_from_zero((n, fan_in), 1))
    assert set(errors) == {"x", "W", "b"}
    assert max(errors.values()) < TOL, errors


@pytest.mark.parametrize("layer_cls", [A.Sigmoid, A.Tanh, A.ReLU, A.LeakyReLU, A.Softmax])
@pytest.mark.parametrize("shape", [(1, 3), (4, 5), (2, 3, 4)])
def test_activation_gradients(layer_cls, shape):
    assert check_layer_gradients(layer_cls(), away_from_zero(shape, 2))["x"] < TOL


def test_flatten_gradient():
    assert check_layer_gradients(Flatten(), away_from_zero((2, 3, 2, 2), 3))["x"] < TOL


@pytest.mark.parametrize("act", [A.Sigmoid, A.Tanh, A.ReLU, A.LeakyReLU])
def test_every_parameter_of_a_deep_mlp(act):
    # (check_layer_gradients keys parameters by name, so in a network with several "W" it
    # would compare only one of them: check each parameter separately here)
    net = Sequential(
        Affine(5, 6, rng=0), act(), Affine(6, 6, rng=1), act(), Affine(6, 3, rng=2), A.Softmax()
    )
    for i, layer in enumerate(net.layers[::2]):  # non-zero biases: no all-zero ReLU rows
        layer.b.data[:] = away_from_zero(layer.b.shape, 10 + i)
    x = away_from_zero((4, 5), 4)
    r = np.random.default_rng(6).normal(size=(4, 3))
    net.zero_grad()
    net.forward(x)
    dx = net.backward(r)

    def f():
        return float(np.sum(net.forward(x) * r))

    assert relative_error(dx, numerical_gradient(f, x)) < TOL
    assert len(net.parameters()) == 6
    for i, p in enumerate(net.parameters()):
        assert relative_error(p.grad, numerical_gradient(f, p.data)) < TOL, (i, p.name)


# --- every loss -----------------------------------------------------------------------------


def loss_gradient_error(loss, prediction, target, h=1e-6) -> float:
    """Relative error of loss.backward() against the centred difference with step h.

    (-log p has a large third derivative for small p, so the default h=1e-5 leaves a
    truncation error of about 1e-7 on ten-class probabilities; h=1e-6 brings it to 1e-9.)
    """
    prediction = np.array(prediction, dtype=np.float64)
    loss.forward(prediction, target)
    analytic = loss.backward()
    numeric = numerical_gradient(lambda: loss.forward(prediction, target), prediction, h)
    return relative_error(analytic, numeric)


@pytest.mark.parametrize("shape", [(3,), (4, 2), (2, 3, 2)])
@pytest.mark.parametrize(("reduction", "half"), [("mean", False), ("sum", False), ("sum", True)])
def test_mse_gradient(shape, reduction, half):
    rng = np.random.default_rng(7)
    y, t = rng.normal(size=shape), rng.normal(size=shape)
    assert loss_gradient_error(L.MSELoss(reduction, half), y, t) < TOL


@pytest.mark.parametrize("shape", [(5,), (4, 1), (3, 3)])
def test_bce_gradient(shape):
    rng = np.random.default_rng(8)
    p, t = rng.uniform(0.1, 0.9, shape), rng.integers(0, 2, shape).astype(float)
    assert loss_gradient_error(L.BCELoss(), p, t) < TOL


@pytest.mark.parametrize("shape", [(1, 2), (4, 3), (6, 10)])
@pytest.mark.parametrize("sparse", [True, False])
def test_cross_entropy_gradients(shape, sparse):
    rng = np.random.default_rng(9)
    labels = rng.integers(0, shape[1], shape[0])
    target = labels if sparse else np.eye(shape[1])[labels]
    p = A.softmax(rng.normal(size=shape))
    assert loss_gradient_error(L.CrossEntropyLoss(), p, target) < TOL
    z = rng.normal(0, 2, shape)
    assert loss_gradient_error(L.SoftmaxCrossEntropyLoss(), z, target) < TOL


class _LayerWithoutBackward(Layer):
    def forward(self, x):
        return x


def test_layer_without_backward_says_so():
    with pytest.raises(NotImplementedError, match="_LayerWithoutBackward must define backward"):
        _LayerWithoutBackward().backward(np.ones(2))
