"""Every optimizer follows torch.optim step by step; bad hyperparameters give clear errors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from dlcourse.network import Parameter
from dlcourse.optim import SGD, Adagrad, Adam, AdamW, Momentum, RMSprop

STEPS = 120


def gradient_of(w: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A gradient that depends on the parameter (a bowl) plus noise, like a mini-batch gradient."""
    return np.array([3.0, 0.2, 1.0])[: w.shape[-1]] * w + 0.5 * rng.standard_normal(w.shape)


def run_both(ours_cls, torch_cls, kwargs, shape=(4, 3), steps=STEPS, seed=0):
    """Run our optimizer and torch's on the same start and the same gradients; return both paths."""
    rng = np.random.default_rng(seed)
    w0 = rng.standard_normal(shape)
    p = Parameter(w0.copy(), "w")
    tp = torch.nn.Parameter(torch.tensor(w0.copy(), dtype=torch.float64))
    ours, theirs = ours_cls([p], **kwargs), torch_cls([tp], **kwargs)
    grad_rng = np.random.default_rng(seed + 1)
    path_ours, path_torch = [], []
    for _ in range(steps):
        g = gradient_of(p.data, grad_rng)  # both optimizers receive this same gradient
        ours.zero_grad()
        p.grad += g
        tp.grad = torch.tensor(g.copy())
        ours.step()
        theirs.step()
        path_ours.append(p.data.copy())
        path_torch.append(tp.detach().numpy().copy())
    return np.array(path_ours), np.array(path_torch)


CASES = [
    (SGD, torch.optim.SGD, {"lr": 0.05}),
    (SGD, torch.optim.SGD, {"lr": 0.05, "weight_decay": 0.1}),
    (SGD, torch.optim.SGD, {"lr": 0.02, "momentum": 0.9}),
    (SGD, torch.optim.SGD, {"lr": 0.02, "momentum": 0.9, "dampening": 0.5}),
    (SGD, torch.optim.SGD, {"lr": 0.02, "momentum": 0.9, "nesterov": True}),
    (SGD, torch.optim.SGD, {"lr": 0.02, "momentum": 0.8, "nesterov": True, "weight_decay": 0.01}),
    (Adagrad, torch.optim.Adagrad, {"lr": 0.1}),
    (Adagrad, torch.optim.Adagrad, {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.05}),
    (Adagrad, torch.optim.Adagrad, {"lr": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-6}),
    (RMSprop, torch.optim.RMSprop, {"lr": 0.01}),
    (RMSprop, torch.optim.RMSprop, {"lr": 0.01, "alpha": 0.9, "weight_decay": 0.1}),
    (RMSprop, torch.optim.RMSprop, {"lr": 0.005, "momentum": 0.9}),
    (RMSprop, torch.optim.RMSprop, {"lr": 0.005, "momentum": 0.5, "centered": True}),
    (Adam, torch.optim.Adam, {}),
    (Adam, torch.optim.Adam, {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-6}),
    (Adam, torch.optim.Adam, {"lr": 0.05, "weight_decay": 0.1}),
    (Adam, torch.optim.Adam, {"lr": 0.05, "amsgrad": True}),
    (AdamW, torch.optim.AdamW, {}),
    (AdamW, torch.optim.AdamW, {"lr": 0.05, "weight_decay": 0.1}),
    (AdamW, torch.optim.AdamW, {"lr": 0.05, "weight_decay": 0.1, "amsgrad": True}),
]


@pytest.mark.parametrize(
    ("ours", "theirs", "kwargs"), CASES, ids=[f"{c[0].__name__}-{c[2]}" for c in CASES]
)
def test_optimizer_matches_torch_step_by_step(ours, theirs, kwargs):
    path_ours, path_torch = run_both(ours, theirs, kwargs)
    assert len(path_ours) >= 100
    # the parameters actually moved (a frozen optimizer would agree trivially)
    assert np.abs(path_ours[-1] - path_ours[0]).max() > 1e-3
    np.testing.assert_allclose(path_ours, path_torch, rtol=1e-10, atol=1e-12)


def test_slide_momentum_equals_torch_momentum_for_constant_lr():
    path_slide, path_torch = run_both(Momentum, torch.optim.SGD, {"lr": 0.02, "momentum": 0.9})
    np.testing.assert_allclose(path_slide, path_torch, rtol=1e-10, atol=1e-12)


def test_slide_momentum_velocity_is_minus_lr_times_torch_buffer():
    w0 = np.array([1.0, -2.0])
    a, b = Parameter(w0.copy()), Parameter(w0.copy())
    slide, torch_form = Momentum([a], lr=0.1, momentum=0.9), SGD([b], lr=0.1, momentum=0.9)
    for g in ([1.0, 2.0], [0.5, -1.0], [-3.0, 0.25]):
        for p in (a, b):
            p.grad[...] = g
        slide.step()
        torch_form.step()
        np.testing.assert_allclose(slide.state[0]["v"], -0.1 * torch_form.state[0]["b"])


def test_slide_momentum_differs_from_torch_form_when_lr_changes():
    w0 = np.array([1.0, -2.0])
    a, b = Parameter(w0.copy()), Parameter(w0.copy())
    slide, torch_form = Momentum([a], lr=0.1, momentum=0.9), SGD([b], lr=0.1, momentum=0.9)
    for step in range(10):
        if step == 5:  # a learning-rate schedule divides lr by 10
            slide.lr = torch_form.lr = 0.01
        for p in (a, b):
            p.grad[...] = p.data
        slide.step()
        torch_form.step()
    assert np.abs(a.data - b.data).max() > 1e-2


def adagrad_with_eps_inside(w0, grads, lr, eps):
    """The slides' AdaGrad: W <- W - lr * g / sqrt(h + eps)."""
    w, h, path = w0.copy(), np.zeros_like(w0), []
    for g in grads:
        h += g * g
        w = w - lr * g / np.sqrt(h + eps)
        path.append(w.copy())
    return np.array(path)


def test_epsilon_placement_matters_only_for_tiny_accumulated_gradients():
    rng = np.random.default_rng(0)
    # coordinate 0: ordinary gradients; coordinate 1: gradients of size 1e-6
    grads = rng.standard_normal((100, 2)) * np.array([1.0, 1e-6])
    w0 = np.zeros(2)
    p = Parameter(w0.copy())
    opt = Adagrad([p], lr=0.1, eps=1e-10)
    path_outside = []
    for g in grads:
        p.grad[...] = g
        opt.step()
        path_outside.append(p.data.copy())
    path_outside = np.array(path_outside)
    path_inside = adagrad_with_eps_inside(w0, grads, lr=0.1, eps=1e-10)
    # difference relative to how far each coordinate travelled
    rel = np.abs(path_inside - path_outside).max(axis=0) / np.abs(path_outside).max(axis=0)
    assert rel[0] < 1e-8  # ordinary coordinate: no visible difference
    assert rel[1] > 0.1  # tiny-gradient coordinate: sqrt(h + eps) damps its steps strongly


def test_rmsprop_accumulator_never_exceeds_largest_squared_gradient():
    rng = np.random.default_rng(1)
    p = Parameter(np.zeros(5))
    opt = RMSprop([p], lr=0.01, alpha=0.9)
    largest = np.zeros(5)
    for _ in range(200):
        g = rng.standard_normal(5) * rng.uniform(0.1, 10)
        largest = np.maximum(largest, g * g)
        p.grad[...] = g
        opt.step()
        assert np.all(opt.state[0]["h"] <= largest)


def test_adam_bias_correction_makes_first_estimate_equal_first_gradient():
    p = Parameter(np.zeros(3))
    opt = Adam([p], lr=0.1)
    g1 = np.array([0.3, -2.0, 5.0])
    p.grad[...] = g1
    opt.step()
    beta1, beta2 = opt.betas
    np.testing.assert_allclose(opt.state[0]["m"] / (1 - beta1), g1)
    # the first step moves every coordinate by almost exactly lr, whatever the gradient's size
    np.testing.assert_allclose(p.data, -0.1 * np.sign(g1), rtol=1e-6)


def test_optimizer_step_updates_parameter_in_place():
    w = np.ones(3)
    p = Parameter(w)
    data = p.data
    p.grad[...] = 1.0
    SGD([p], lr=0.5).step()
    assert p.data is data
    np.testing.assert_allclose(data, 0.5)


def test_zero_grad_clears_all_gradients():
    ps = [Parameter(np.ones(2)), Parameter(np.ones((2, 2)))]
    for p in ps:
        p.grad += 3.0
    Adam(ps).zero_grad()
    assert all(np.all(p.grad == 0) for p in ps)


@pytest.mark.parametrize("cls", [SGD, Momentum, Adagrad, RMSprop, Adam, AdamW])
def test_negative_learning_rate_is_rejected(cls):
    with pytest.raises(ValueError, match="lr must be"):
        cls([Parameter(np.ones(2))], lr=-0.1)


@pytest.mark.parametrize("betas", [(1.0, 0.999), (0.9, -0.1), (0.9, 1.5)])
def test_adam_betas_outside_unit_interval_are_rejected(betas):
    with pytest.raises(ValueError, match=r"betas\[[01]\] must be in \[0, 1\)"):
        Adam([Parameter(np.ones(2))], betas=betas)


def test_unknown_hyperparameter_is_named_with_a_suggestion():
    with pytest.raises(
        TypeError, match="unknown hyperparameter 'momentun'.*did you mean 'momentum'"
    ):
        SGD([Parameter(np.ones(2))], lr=0.1, momentun=0.9)


def test_rmsprop_alpha_outside_unit_interval_is_rejected():
    with pytest.raises(ValueError, match="alpha must be in"):
        RMSprop([Parameter(np.ones(2))], alpha=1.2)


def test_nesterov_without_momentum_is_rejected():
    with pytest.raises(ValueError, match="nesterov"):
        SGD([Parameter(np.ones(2))], lr=0.1, nesterov=True)


def test_gradient_with_wrong_shape_is_reported():
    p = Parameter(np.ones((2, 3)), "W")
    p.grad = np.ones((3, 2))
    with pytest.raises(
        ValueError, match=r"parameter W has shape \(3, 2\) but the parameter has shape \(2, 3\)"
    ):
        SGD([p], lr=0.1).step()


def test_non_parameters_are_rejected():
    with pytest.raises(TypeError, match="params must hold Parameter objects"):
        SGD([np.ones(3)], lr=0.1)


def test_empty_parameter_list_is_rejected():
    with pytest.raises(ValueError, match="empty"):
        Adam([])
