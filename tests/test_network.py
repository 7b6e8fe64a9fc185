"""Sequential networks built from dlcourse layers, against the same network in PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from dlcourse import activations as A
from dlcourse.data import truth_table
from dlcourse.layers import Affine, Flatten
from dlcourse.losses import MSELoss, SoftmaxCrossEntropyLoss
from dlcourse.network import Sequential

TORCH_ACT = {A.Sigmoid: torch.nn.Sigmoid, A.Tanh: torch.nn.Tanh, A.ReLU: torch.nn.ReLU}


def mlp(sizes, act, seed=0) -> Sequential:
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(Affine(a, b, rng=seed + i))
        if i < len(sizes) - 2:
            layers.append(act())
    return Sequential(*layers)


def to_torch(net: Sequential) -> torch.nn.Sequential:
    mods = []
    for layer in net.layers:
        if isinstance(layer, Affine):
            lin = torch.nn.Linear(layer.in_features, layer.out_features).double()
            with torch.no_grad():
                lin.weight.copy_(torch.tensor(layer.W.data.T))
                lin.bias.copy_(torch.tensor(layer.b.data))
            mods.append(lin)
        elif isinstance(layer, Flatten):
            mods.append(torch.nn.Flatten())
        else:
            mods.append(TORCH_ACT[type(layer)]())
    return torch.nn.Sequential(*mods)


@pytest.mark.parametrize("act", [A.Sigmoid, A.Tanh, A.ReLU])
@pytest.mark.parametrize("sizes", [(2, 3, 1), (4, 5, 3), (6, 8, 8, 4)])
def test_mlp_loss_and_gradients_match_torch_autograd(act, sizes):
    rng = np.random.default_rng(0)
    n = 5
    net = mlp(sizes, act)
    x = rng.normal(size=(n, sizes[0]))
    labels = rng.integers(0, sizes[-1], n)
    loss = SoftmaxCrossEntropyLoss()

    value = loss(net.forward(x), labels)
    net.zero_grad()
    dx = net.backward(loss.backward())

    tnet = to_torch(net)
    xt = torch.tensor(x, requires_grad=True)
    tvalue = torch.nn.functional.cross_entropy(tnet(xt), torch.tensor(labels))
    tvalue.backward()

    assert value == pytest.approx(tvalue.item(), rel=1e-12)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-9, atol=1e-14)
    tlinears = [m for m in tnet if isinstance(m, torch.nn.Linear)]
    ours = [layer for layer in net.layers if isinstance(layer, Affine)]
    for layer, lin in zip(ours, tlinears, strict=True):
        np.testing.assert_allclose(layer.W.grad, lin.weight.grad.numpy().T, rtol=1e-9, atol=1e-14)
        np.testing.assert_allclose(layer.b.grad, lin.bias.grad.numpy(), rtol=1e-9, atol=1e-14)


def test_flatten_then_affine_matches_torch_on_images():
    rng = np.random.default_rng(1)
    net = Sequential(Flatten(), Affine(16, 3, rng=0), A.ReLU(), Affine(3, 2, rng=1))
    x, dy = rng.normal(size=(4, 1, 4, 4)), rng.normal(size=(4, 2))
    y = net.forward(x)
    dx = net.backward(dy)
    xt = torch.tensor(x, requires_grad=True)
    yt = to_torch(net)(xt)
    yt.backward(torch.tensor(dy))
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_sequential_collects_parameters_in_order():
    net = mlp((2, 3, 1), A.Sigmoid)
    assert [p.name for p in net.parameters()] == ["W", "b", "W", "b"]
    assert [p.shape for p in net.parameters()] == [(2, 3), (3,), (3, 1), (1,)]


def test_sequential_rejects_non_layers():
    with pytest.raises(TypeError, match="layers must be Layer objects; item 1 is a ufunc"):
        Sequential(Affine(2, 2), np.tanh)


def test_sequential_reports_the_layer_with_the_wrong_shape():
    net = mlp((4, 3, 2), A.ReLU)
    with pytest.raises(ValueError, match=r"in_features=4\), got shape \(5, 3\)"):
        net.forward(np.ones((5, 3)))


@pytest.mark.slow
def test_sigmoid_mlp_learns_xor_with_gradient_descent():
    X, t = truth_table("xor")
    net = Sequential(Affine(2, 4, rng=0), A.Sigmoid(), Affine(4, 1, rng=1), A.Sigmoid())
    loss = MSELoss(reduction="sum", half=True)
    for _ in range(5000):
        loss(net.forward(X), t[:, None])
        net.zero_grad()
        net.backward(loss.backward())
        for p in net.parameters():
            p.data -= 0.5 * p.grad
    y = net.forward(X)[:, 0]
    np.testing.assert_array_equal((y > 0.5).astype(float), t)
    assert loss(net.forward(X), t[:, None]) < 0.05
