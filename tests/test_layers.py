"""The affine layer and Flatten against torch.nn.Linear / torch.flatten in float64."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from dlcourse.layers import Affine, Flatten
from dlcourse.network import Parameter

SIZES = [(1, 1, 1), (4, 3, 2), (5, 10, 7), (2, 64, 10)]  # (N, in_features, out_features)


def torch_linear_like(layer: Affine) -> torch.nn.Linear:
    lin = torch.nn.Linear(layer.in_features, layer.out_features).double()
    with torch.no_grad():
        lin.weight.copy_(torch.tensor(layer.W.data.T))  # torch stores (out, in)
        lin.bias.copy_(torch.tensor(layer.b.data))
    return lin


@pytest.mark.parametrize("n, fan_in, fan_out", SIZES)
def test_affine_matches_torch_linear(n, fan_in, fan_out):
    rng = np.random.default_rng(0)
    layer = Affine(fan_in, fan_out, rng=1)
    layer.b.data[:] = rng.normal(size=fan_out)
    x, dy = rng.normal(size=(n, fan_in)), rng.normal(size=(n, fan_out))

    y = layer.forward(x)
    dx = layer.backward(dy)

    lin = torch_linear_like(layer)
    xt = torch.tensor(x, requires_grad=True)
    yt = lin(xt)
    yt.backward(torch.tensor(dy))
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(layer.W.grad, lin.weight.grad.numpy().T, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(layer.b.grad, lin.bias.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_affine_parameters_are_named_w_and_b_with_pytorch_free_shapes():
    layer = Affine(3, 5, rng=0)
    params = layer.parameters()
    assert [p.name for p in params] == ["W", "b"]
    assert all(isinstance(p, Parameter) for p in params)
    assert layer.W.shape == (3, 5) and layer.b.shape == (5,)
    np.testing.assert_array_equal(layer.b.data, 0)


def test_affine_gradients_accumulate_until_zero_grad():
    layer = Affine(2, 2, rng=0)
    x, dy = np.ones((1, 2)), np.ones((1, 2))
    layer.forward(x)
    layer.backward(dy)
    once = layer.W.grad.copy()
    layer.forward(x)
    layer.backward(dy)
    np.testing.assert_allclose(layer.W.grad, 2 * once)
    layer.zero_grad()
    np.testing.assert_array_equal(layer.W.grad, 0)


def test_affine_init_has_std_sqrt_one_over_fan_in():
    layer = Affine(400, 300, rng=0)
    assert layer.W.data.std() == pytest.approx(np.sqrt(1 / 400), rel=0.02)
    assert abs(layer.W.data.mean()) < 0.002


def test_affine_init_is_reproducible_from_seed_or_generator():
    a = Affine(4, 3, rng=7).W.data
    b = Affine(4, 3, rng=np.random.default_rng(7)).W.data
    c = Affine(4, 3, rng=8).W.data
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_affine_float32_parameters_give_float32_outputs():
    layer = Affine(4, 3, rng=0, dtype=np.float32)
    assert layer.W.data.dtype == np.float32 and layer.b.grad.dtype == np.float32
    y = layer.forward(np.ones((2, 4), dtype=np.float32))
    assert y.dtype == np.float32
    np.testing.assert_allclose(y, Affine(4, 3, rng=0).forward(np.ones((2, 4))), rtol=1e-6)


def test_affine_rejects_a_bad_rng():
    with pytest.raises(TypeError, match="rng must be"):
        Affine(2, 2, rng="seed")


@pytest.mark.parametrize("shape", [(4, 5), (4,), (2, 3, 1)])
def test_affine_wrong_input_shape_names_in_features_and_shape(shape):
    layer = Affine(3, 2, rng=0)
    with pytest.raises(ValueError, match=rf"in_features=3\), got shape \({shape[0]},"):
        layer.forward(np.ones(shape))


def test_affine_suggests_flatten_for_images():
    with pytest.raises(ValueError, match="Flatten"):
        Affine(784, 10, rng=0).forward(np.ones((2, 1, 28, 28)))


def test_affine_backward_checks_dy_shape():
    layer = Affine(3, 2, rng=0)
    layer.forward(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"expected dy of shape \(4, 2\), got \(4, 3\)"):
        layer.backward(np.ones((4, 3)))


def test_affine_rejects_zero_features():
    with pytest.raises(ValueError, match="in_features must be at least 1"):
        Affine(0, 3)


@pytest.mark.parametrize("shape", [(2, 3), (2, 1, 4, 4), (3, 2, 3, 5)])
def test_flatten_matches_torch_and_restores_shape_in_backward(shape):
    x = np.random.default_rng(0).normal(size=shape)
    layer = Flatten()
    y = layer.forward(x)
    np.testing.assert_array_equal(y, torch.flatten(torch.tensor(x), 1).numpy())
    dy = np.random.default_rng(1).normal(size=y.shape)
    dx = layer.backward(dy)
    assert dx.shape == shape
    np.testing.assert_array_equal(dx.reshape(shape[0], -1), dy)


def test_flatten_rejects_input_without_batch_axis():
    with pytest.raises(ValueError, match=r"at least 2 dimensions, got shape \(5,\)"):
        Flatten().forward(np.ones(5))
