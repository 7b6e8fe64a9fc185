"""BatchNorm1d against torch.nn.BatchNorm1d (float64) and a numerical gradient."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from dlcourse.batchnorm import BatchNorm1d, batchnorm_backward, batchnorm_forward
from dlcourse.gradcheck import check_layer_gradients


def make_pair(c, momentum=0.1, eps=1e-5, seed=0):
    rng = np.random.default_rng(seed)
    ours = BatchNorm1d(c, eps=eps, momentum=momentum)
    theirs = torch.nn.BatchNorm1d(c, eps=eps, momentum=momentum).double()
    gamma, beta = rng.uniform(0.5, 2.0, c), rng.normal(size=c)
    ours.gamma.data[...], ours.beta.data[...] = gamma, beta
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(gamma))
        theirs.bias.copy_(torch.tensor(beta))
    return ours, theirs


@pytest.mark.parametrize(("n", "c"), [(8, 3), (2, 5), (32, 16)])
def test_training_forward_and_backward_match_torch(n, c):
    ours, theirs = make_pair(c)
    rng = np.random.default_rng(1)
    x = rng.normal(3.0, 2.0, size=(n, c))
    dy = rng.normal(size=(n, c))
    y = ours.forward(x)
    dx = ours.backward(dy)
    xt = torch.tensor(x, requires_grad=True)
    yt = theirs(xt)
    yt.backward(torch.tensor(dy))
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(ours.gamma.grad, theirs.weight.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(ours.beta.grad, theirs.bias.grad.numpy(), rtol=1e-10)


@pytest.mark.parametrize("momentum", [0.1, 0.5])
def test_running_statistics_after_several_steps_match_torch(momentum):
    ours, theirs = make_pair(4, momentum=momentum)
    rng = np.random.default_rng(2)
    for step in range(7):
        x = rng.normal(step, 1.0 + step, size=(10, 4))
        ours.forward(x)
        theirs(torch.tensor(x))
    np.testing.assert_allclose(ours.running_mean, theirs.running_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.running_var, theirs.running_var.numpy(), rtol=1e-12)
    assert not np.allclose(ours.running_mean, 0)  # statistics really moved


def test_eval_mode_uses_running_statistics_like_torch():
    ours, theirs = make_pair(3)
    rng = np.random.default_rng(3)
    for _ in range(5):
        x = rng.normal(2.0, 3.0, size=(6, 3))
        ours.forward(x)
        theirs(torch.tensor(x))
    ours.eval()
    theirs.eval()
    x = rng.normal(size=(4, 3))
    dy = rng.normal(size=(4, 3))
    xt = torch.tensor(x, requires_grad=True)
    yt = theirs(xt)
    yt.backward(torch.tensor(dy))
    np.testing.assert_allclose(ours.forward(x), yt.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(ours.backward(dy), xt.grad.numpy(), rtol=1e-10)
    before = ours.running_mean.copy()
    ours.forward(rng.normal(size=(4, 3)))
    assert np.array_equal(before, ours.running_mean)  # eval mode leaves the statistics alone


def test_eval_mode_accepts_a_single_example():
    layer = BatchNorm1d(3).eval()
    assert layer.forward(np.ones((1, 3))).shape == (1, 3)


@pytest.mark.parametrize("training", [True, False])
def test_gradients_agree_with_numerical_gradient(training):
    layer = BatchNorm1d(4)
    rng = np.random.default_rng(4)
    layer.gamma.data[...] = rng.uniform(0.5, 1.5, 4)
    layer.beta.data[...] = rng.normal(size=4)
    layer.running_mean[...] = rng.normal(size=4)
    layer.running_var[...] = rng.uniform(0.5, 2, 4)
    layer.train(training)
    errors = check_layer_gradients(layer, rng.normal(size=(5, 4)))
    assert max(errors.values()) < 1e-7, errors


def test_training_output_has_zero_mean_unit_variance_before_scale_and_shift():
    layer = BatchNorm1d(3)
    x = np.random.default_rng(5).normal(10.0, 4.0, size=(50, 3))
    y = layer.forward(x)
    np.testing.assert_allclose(y.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=0), 1, rtol=1e-5)


def test_functions_work_on_images_reshaped_to_pixels_by_channel():
    rng = np.random.default_rng(6)
    x = rng.normal(size=(2, 3, 4, 5))
    gamma, beta = rng.uniform(size=3), rng.normal(size=3)
    x2d = x.transpose(0, 2, 3, 1).reshape(-1, 3)
    y2d, cache = batchnorm_forward(x2d, gamma, beta)
    y = y2d.reshape(2, 4, 5, 3).transpose(0, 3, 1, 2)
    bn2d = torch.nn.BatchNorm2d(3).double()
    with torch.no_grad():
        bn2d.weight.copy_(torch.tensor(gamma))
        bn2d.bias.copy_(torch.tensor(beta))
    xt = torch.tensor(x, requires_grad=True)
    yt = bn2d(xt)
    dy = rng.normal(size=y.shape)
    yt.backward(torch.tensor(dy))
    dx2d, _, _ = batchnorm_backward(dy.transpose(0, 2, 3, 1).reshape(-1, 3), cache)
    np.testing.assert_allclose(y, yt.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(
        dx2d.reshape(2, 4, 5, 3).transpose(0, 3, 1, 2), xt.grad.numpy(), rtol=1e-8, atol=1e-12
    )


def test_gradients_accumulate_over_two_backward_passes():
    layer = BatchNorm1d(2)
    x = np.random.default_rng(7).normal(size=(4, 2))
    dy = np.ones((4, 2))
    layer.forward(x)
    layer.backward(dy)
    layer.forward(x)
    layer.backward(dy)
    np.testing.assert_allclose(layer.beta.grad, 8.0)


def test_batch_of_one_in_training_mode_is_an_error():
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        BatchNorm1d(3).forward(np.ones((1, 3)))


def test_wrong_number_of_features_is_an_error():
    with pytest.raises(ValueError, match=r"BatchNorm1d\(3\) got x of shape \(4, 5\)"):
        BatchNorm1d(3).forward(np.ones((4, 5)))


def test_wrong_number_of_dimensions_is_an_error():
    with pytest.raises(ValueError, match=r"x must have 2 or 3 dimensions \(N, C\) or \(N, C, L\)"):
        BatchNorm1d(3).forward(np.ones((4, 3, 2, 2)))


def test_parameters_are_gamma_and_beta():
    assert [p.name for p in BatchNorm1d(3).parameters()] == ["gamma", "beta"]
