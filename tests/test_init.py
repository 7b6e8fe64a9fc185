"""Initialisers: fans as torch computes them, sample statistics as intended, reproducibility."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from dlcourse import init

DENSE = [(784, 100), (3, 7), (64, 10)]
CONV = [(16, 3, 3, 3), (20, 10, 5, 5), (8, 4, 1, 1), (6, 2, 3)]


@pytest.mark.parametrize("shape", DENSE)
def test_dense_fans_match_torch_on_the_transposed_linear_weight(shape):
    in_features, out_features = shape
    torch_weight = torch.empty(out_features, in_features)  # torch.nn.Linear layout
    expected = torch.nn.init._calculate_fan_in_and_fan_out(torch_weight)
    assert init.fan_in_fan_out(shape) == expected == (in_features, out_features)


@pytest.mark.parametrize("shape", CONV)
def test_conv_fans_match_torch(shape):
    expected = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    assert init.fan_in_fan_out(shape) == expected


def test_fans_of_a_vector_are_an_error():
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        init.fan_in_fan_out((5,))


@pytest.mark.parametrize(
    ("nonlinearity", "param"),
    [
        ("linear", None),
        ("conv2d", None),
        ("sigmoid", None),
        ("tanh", None),
        ("relu", None),
        ("selu", None),
        ("leaky_relu", None),
        ("leaky_relu", 0.2),
    ],
)
def test_gain_matches_torch_with_torch_argument_names(nonlinearity, param):
    expected = torch.nn.init.calculate_gain(nonlinearity, param)
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(expected)
    assert init.calculate_gain(nonlinearity=nonlinearity, param=param) == pytest.approx(expected)


def test_unknown_nonlinearity_is_an_error():
    with pytest.raises(ValueError, match="nonlinearity must be one of .* got 'swish'"):
        init.calculate_gain("swish")


def torch_std(fn, shape, **kwargs) -> float:
    """Standard deviation torch.nn.init intends, measured on a large torch sample."""
    t = torch.empty(shape, dtype=torch.float64)
    torch.manual_seed(0)
    fn(t, **kwargs)
    return float(t.std())


def check_std(sample: np.ndarray, std: float) -> None:
    # the sample standard deviation of n draws has relative standard error about 1/sqrt(2n)
    tol = 5 / math.sqrt(2 * sample.size)
    assert sample.std() == pytest.approx(std, rel=tol)
    assert abs(sample.mean()) < 5 * std / math.sqrt(sample.size)


@pytest.mark.parametrize("shape", [(400, 300), (64, 32, 3, 3)])
def test_xavier_normal_std(shape):
    fan_in, fan_out = init.fan_in_fan_out(shape)
    w = init.xavier_normal(shape, rng=0)
    check_std(w, math.sqrt(2 / (fan_in + fan_out)))


@pytest.mark.parametrize("shape", [(400, 300), (64, 32, 3, 3)])
def test_xavier_uniform_has_xavier_variance_and_bounds(shape):
    fan_in, fan_out = init.fan_in_fan_out(shape)
    std = math.sqrt(2 / (fan_in + fan_out))
    w = init.xavier_uniform(shape, gain=5 / 3, rng=1)
    check_std(w, 5 / 3 * std)
    assert np.abs(w).max() <= 5 / 3 * std * math.sqrt(3)


@pytest.mark.parametrize("shape", [(400, 300), (64, 32, 3, 3)])
def test_he_normal_std_is_sqrt_two_over_fan_in(shape):
    fan_in, _ = init.fan_in_fan_out(shape)
    check_std(init.he_normal(shape, rng=2), math.sqrt(2 / fan_in))


@pytest.mark.parametrize("shape", [(400, 300), (64, 32, 3, 3)])
def test_he_uniform_std_for_leaky_relu(shape):
    fan_in, _ = init.fan_in_fan_out(shape)
    w = init.he_uniform(shape, a=0.2, nonlinearity="leaky_relu", rng=3)
    check_std(w, math.sqrt(2 / (1 + 0.2**2)) / math.sqrt(fan_in))


@pytest.mark.parametrize(
    ("ours", "theirs", "ours_kw", "theirs_kw"),
    [
        (init.xavier_normal, torch.nn.init.xavier_normal_, {}, {}),
        (init.xavier_uniform, torch.nn.init.xavier_uniform_, {"gain": 2.0}, {"gain": 2.0}),
        (init.he_normal, torch.nn.init.kaiming_normal_, {}, {}),
        (init.he_uniform, torch.nn.init.kaiming_uniform_, {}, {}),
        (init.he_normal, torch.nn.init.kaiming_normal_, *[{"a": 0.3, "mode": "fan_out"}] * 2),
        (init.he_uniform, torch.nn.init.kaiming_uniform_, *[{"nonlinearity": "tanh"}] * 2),
    ],
)
@pytest.mark.parametrize("shape", [(32, 16, 5, 5), (500, 200)])
def test_std_agrees_with_torch_init(ours, theirs, ours_kw, theirs_kw, shape):
    torch_shape = shape[::-1] if len(shape) == 2 else shape  # Linear stores (out, in)
    w = ours(shape, rng=4, **ours_kw)
    assert w.std() == pytest.approx(torch_std(theirs, torch_shape, **theirs_kw), rel=0.03)


def test_normal_and_uniform_have_requested_scale():
    check_std(init.normal((300, 300), std=0.01, rng=5), 0.01)
    check_std(init.uniform((300, 300), a=-0.5, b=0.5, rng=6), 0.5 / math.sqrt(3))


def test_normal_and_uniform_take_torch_argument_order():
    """torch.nn.init.normal_(t, mean, std) and uniform_(t, a, b): U(a, b), not U(-a, a)."""
    w = init.normal((400, 400), 3.0, 0.5, rng=8)
    assert w.mean() == pytest.approx(3.0, abs=0.01)
    check_std(w - 3.0, 0.5)
    u = init.uniform((400, 400), 2.0, 5.0, rng=9)
    assert 2.0 <= u.min() and u.max() <= 5.0 and u.mean() == pytest.approx(3.5, abs=0.02)
    t = torch.empty(400, 400, dtype=torch.float64)
    torch.nn.init.uniform_(t)  # torch's defaults a=0, b=1
    default = init.uniform((400, 400), rng=10)
    assert default.min() >= 0 and default.max() <= 1
    assert default.mean() == pytest.approx(float(t.mean()), abs=0.01)


def test_he_std_takes_kaiming_arguments_in_torch_order():
    shape = (16, 8, 3, 3)
    torch_shape = torch.empty(shape)
    fan_out = torch.nn.init._calculate_fan_in_and_fan_out(torch_shape)[1]
    gain = torch.nn.init.calculate_gain("leaky_relu", 0.1)
    assert init.he_std(shape, 0.1, "fan_out") == pytest.approx(gain / math.sqrt(fan_out))


@pytest.mark.parametrize("fn", [init.he_normal, init.he_uniform, init.xavier_normal])
def test_zero_size_shape_gives_an_empty_array_like_torch(fn):
    assert fn((0, 4), rng=0).shape == (0, 4)


def test_same_seed_gives_same_weights_and_generator_advances():
    assert np.array_equal(init.he_normal((5, 4), rng=7), init.he_normal((5, 4), rng=7))
    g = np.random.default_rng(7)
    assert not np.array_equal(init.he_normal((5, 4), rng=g), init.he_normal((5, 4), rng=g))


def test_zeros_and_constant():
    assert np.array_equal(init.zeros((2, 3)), np.zeros((2, 3)))
    assert np.array_equal(init.constant((2, 2), 0.5), np.full((2, 2), 0.5))


def test_bad_rng_is_an_error():
    with pytest.raises(TypeError, match="rng must be"):
        init.normal((2, 2), rng="seed")


def test_negative_std_is_an_error():
    with pytest.raises(ValueError, match="std must be"):
        init.normal((2, 2), std=-1.0)
