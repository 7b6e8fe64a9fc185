"""The library at its edges, against torch: dtypes, saturated losses, padded max pooling,
torch's names and defaults, ``reduction``, ``bias=False``, batch norm on (N, C, L)."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
import torch
from dlcourse import init, losses, optim
from dlcourse.activations import LeakyReLU, ReLU, Sigmoid, Softmax, Tanh, softmax
from dlcourse.batchnorm import BatchNorm1d, BatchNorm2d
from dlcourse.conv import Conv2d
from dlcourse.dropout import Dropout
from dlcourse.layers import Affine, Flatten
from dlcourse.network import Parameter
from dlcourse.pool import AvgPool2d, MaxPool2d, MinPool2d, max_pool2d_backward, max_pool2d_forward

pytestmark = pytest.mark.usefixtures("one_torch_thread")

# --- dtype in = dtype out ----------------------------------------------------------------------

LAYERS = {
    "Affine": (lambda: Affine(6, 3, rng=0), (4, 6)),
    "Flatten": (Flatten, (2, 3, 2)),
    "ReLU": (ReLU, (3, 4)),
    "Sigmoid": (Sigmoid, (3, 4)),
    "Tanh": (Tanh, (3, 4)),
    "LeakyReLU": (LeakyReLU, (3, 4)),
    "Softmax": (Softmax, (3, 4)),
    "Dropout": (lambda: Dropout(0.5, rng=0), (3, 4)),
    "BatchNorm1d": (lambda: BatchNorm1d(3), (5, 3)),
    "BatchNorm1d (N, C, L)": (lambda: BatchNorm1d(3), (5, 3, 4)),
    "BatchNorm2d": (lambda: BatchNorm2d(2), (3, 2, 4, 4)),
    "Conv2d": (lambda: Conv2d(2, 3, 3, padding=1, rng=0), (2, 2, 5, 5)),
    "MaxPool2d": (lambda: MaxPool2d(2), (2, 2, 4, 4)),
    "AvgPool2d": (lambda: AvgPool2d(2), (2, 2, 4, 4)),
    "MinPool2d": (lambda: MinPool2d(2), (2, 2, 4, 4)),
}


@pytest.mark.parametrize("name", LAYERS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("training", [True, False])
def test_every_layer_keeps_the_input_dtype_in_forward_and_backward(name, dtype, training):
    make, shape = LAYERS[name]
    layer = make().train(training)
    x = np.random.default_rng(0).normal(size=shape).astype(dtype)
    y = layer.forward(x)
    dx = layer.backward(np.ones_like(y))
    assert y.dtype == dtype and dx.dtype == dtype


@pytest.mark.parametrize("name", LAYERS)
def test_a_float64_dy_gives_a_float32_layer_a_float32_dx(name):
    make, shape = LAYERS[name]
    layer = make()
    y = layer.forward(np.random.default_rng(0).normal(size=shape).astype(np.float32))
    assert layer.backward(np.ones(y.shape)).dtype == np.float32


@pytest.mark.parametrize("name", LAYERS)
def test_integer_input_is_promoted_to_float64_not_truncated(name):
    make, shape = LAYERS[name]
    x = np.random.default_rng(1).integers(-3, 4, size=shape)
    a, b = make(), make()
    y_int, y_float = a.forward(x), b.forward(x.astype(np.float64))
    assert y_int.dtype == np.float64
    np.testing.assert_array_equal(y_int, y_float)


def test_batchnorm2d_on_integers_matches_torch_on_the_same_values_as_floats():
    x = np.arange(2 * 3 * 2 * 2).reshape(2, 3, 2, 2) % 5
    y = BatchNorm2d(3).forward(x)
    expected = torch.nn.BatchNorm2d(3).double()(torch.tensor(x, dtype=torch.float64))
    np.testing.assert_allclose(y, expected.detach().numpy(), atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "loss",
    [
        losses.MSELoss(),
        losses.BCELoss(),
        losses.CrossEntropyLoss(),
        losses.SoftmaxCrossEntropyLoss(),
    ],
)
def test_loss_gradients_keep_the_prediction_dtype(loss, dtype):
    p = softmax(np.random.default_rng(2).normal(size=(4, 3))).astype(dtype)
    target = (
        np.eye(3)[[0, 1, 2, 0]]
        if isinstance(loss, losses.MSELoss | losses.BCELoss)
        else [0, 1, 2, 0]
    )
    loss.forward(p, np.asarray(target))
    assert loss.backward().dtype == dtype


def test_parameter_data_keeps_float32_and_promotes_integers():
    assert Parameter(np.ones(3, np.float32)).data.dtype == np.float32
    assert Parameter(np.ones(3, np.int64)).data.dtype == np.float64
    with pytest.raises(TypeError, match="data must be a real numeric array"):
        Parameter(np.array(["a"]))


# --- saturated probabilities: the log clamp of torch ---------------------------------------------

SATURATED = np.array([[0.0, 1.0, 1e-50, 1.0 - 1e-17], [0.3, 1e-300, 1.0, 0.0]])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_bce_on_saturated_probabilities_matches_torch_value_and_gradient(reduction):
    p, t = SATURATED, np.array([[1.0, 0.0, 1.0, 0.0], [1.0, 1.0, 0.0, 0.5]])
    loss = losses.BCELoss(reduction=reduction)
    value = loss.forward(p, t)
    grad = loss.backward()
    tp = torch.tensor(p, requires_grad=True)
    expected = torch.nn.BCELoss(reduction=reduction)(tp, torch.tensor(t))
    expected.backward(torch.ones_like(expected))
    np.testing.assert_allclose(value, expected.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(grad, tp.grad.numpy(), rtol=1e-12)
    assert np.all(np.isfinite(grad))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_on_probabilities_equals_nll_of_the_log_clamped_at_minus_100(reduction):
    p = np.array([[0.0, 0.5, 0.5], [1e-60, 0.0, 1.0], [0.2, 0.3, 0.5]])
    y = np.array([0, 0, 2])
    loss = losses.CrossEntropyLoss(reduction=reduction)
    value = loss.forward(p, y)
    grad = loss.backward()
    tp = torch.tensor(p, requires_grad=True)
    logp = torch.log(tp).clamp(min=-100)
    expected = torch.nn.NLLLoss(reduction=reduction)(logp, torch.tensor(y))
    expected.backward(torch.ones_like(expected))
    np.testing.assert_allclose(value, expected.detach().numpy(), rtol=1e-12)
    # the deliberate difference: where the clamp is on, torch's gradient is NaN (0 * 1/0), ours 0
    theirs = tp.grad.numpy()
    clamped = np.log(np.where(p > 0, p, 1e-320)) <= -100
    assert np.all(np.isnan(theirs[clamped & (p == 0)]))
    np.testing.assert_allclose(grad[~clamped], theirs[~clamped], rtol=1e-12)
    assert np.all(grad[clamped] == 0)
    # plain torch (no clamp) is infinite for a true class with p = 0
    plain = torch.nn.NLLLoss()(torch.log(torch.tensor(p)), torch.tensor(y))
    assert torch.isinf(plain) and np.isfinite(losses.cross_entropy(p, y))


# --- reduction on every loss, against torch ----------------------------------------------------


def _torch_pairs(z, t_onehot, y):
    sig = 1 / (1 + np.exp(-z))
    sm = softmax(z)
    return [
        (losses.MSELoss, torch.nn.MSELoss, z, t_onehot, lambda a: a),
        (losses.BCELoss, torch.nn.BCELoss, sig, t_onehot, lambda a: a),
        (losses.SoftmaxCrossEntropyLoss, torch.nn.CrossEntropyLoss, z, y, lambda a: a),
        (losses.CrossEntropyLoss, torch.nn.NLLLoss, sm, y, torch.log),
    ]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("index", range(4))
def test_every_loss_takes_reduction_and_matches_torch(reduction, index):
    rng = np.random.default_rng(3)
    z = rng.normal(size=(5, 4))
    y = rng.integers(0, 4, 5)
    ours_cls, theirs_cls, pred, target, prepare = _torch_pairs(z, np.eye(4)[y], y)[index]
    ours = ours_cls(reduction=reduction)
    value = ours.forward(pred, target)
    grad = ours.backward()
    tp = torch.tensor(pred, requires_grad=True)
    expected = theirs_cls(reduction=reduction)(prepare(tp), torch.tensor(target))
    expected.backward(torch.ones_like(expected))
    assert isinstance(value, np.ndarray) == (reduction == "none")
    np.testing.assert_allclose(value, expected.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(grad, tp.grad.numpy(), rtol=1e-10, atol=1e-15)


# --- max pooling with padding: a padded cell never wins ---------------------------------------


def test_max_pool_window_of_minus_infinity_sends_its_gradient_to_a_real_cell_like_torch():
    x = np.full((1, 1, 4, 4), -np.inf)
    x[0, 0, 2:, 2:] = [[1.0, 2.0], [3.0, 4.0]]
    out, cache = max_pool2d_forward(x, 3, stride=2, padding=1)
    dout = np.arange(1.0, 1.0 + out.size).reshape(out.shape)
    dx = max_pool2d_backward(dout, cache)
    tx = torch.tensor(x, requires_grad=True)
    tout = torch.nn.functional.max_pool2d(tx, 3, stride=2, padding=1)
    tout.backward(torch.tensor(dout))
    np.testing.assert_array_equal(out, tout.detach().numpy())
    np.testing.assert_array_equal(dx, tx.grad.numpy())
    assert dx.sum() == dout.sum()  # no gradient lost to the padding


# --- torch's names, argument order and defaults --------------------------------------------------

OPTIMIZERS = [
    (optim.SGD, torch.optim.SGD),
    (optim.Adagrad, torch.optim.Adagrad),
    (optim.RMSprop, torch.optim.RMSprop),
    (optim.Adam, torch.optim.Adam),
    (optim.AdamW, torch.optim.AdamW),
]


@pytest.mark.parametrize(("ours", "theirs"), OPTIMIZERS)
def test_optimizer_hyperparameters_have_torch_names_order_and_defaults(ours, theirs):
    mine = [
        p for p in inspect.signature(ours).parameters.values() if p.kind == p.POSITIONAL_OR_KEYWORD
    ]
    torch_params = inspect.signature(theirs).parameters
    torch_order = [n for n in torch_params if n in {p.name for p in mine}]
    assert [p.name for p in mine] == torch_order  # same names, same order
    for p in mine[1:]:
        assert p.default == torch_params[p.name].default, p.name


def test_initialisers_take_torch_names():
    sig = inspect.signature
    assert list(sig(init.normal).parameters)[:3] == ["shape", "mean", "std"]
    assert list(sig(init.uniform).parameters)[:3] == ["shape", "a", "b"]
    kaiming = [n for n in sig(torch.nn.init.kaiming_normal_).parameters if n != "generator"]
    assert list(sig(init.he_normal).parameters)[: len(kaiming)] == ["shape", *kaiming[1:]]
    for name in ("a", "mode", "nonlinearity"):
        assert (
            sig(init.he_normal).parameters[name].default
            == sig(torch.nn.init.kaiming_normal_).parameters[name].default
        )
    assert list(sig(init.calculate_gain).parameters) == list(
        sig(torch.nn.init.calculate_gain).parameters
    )


def test_softmax_takes_dim_like_torch():
    z = np.random.default_rng(4).normal(size=(3, 4))
    np.testing.assert_allclose(softmax(z, dim=0), torch.softmax(torch.tensor(z), dim=0).numpy())
    np.testing.assert_allclose(
        losses.log_softmax(z, dim=0), torch.log_softmax(torch.tensor(z), dim=0).numpy()
    )
    assert Softmax(dim=0).dim == 0


# --- bias=False, batch norm on (N, C, L) and momentum=None -------------------------------------


def test_conv2d_without_bias_matches_torch():
    layer = Conv2d(2, 3, (3, 2), stride=(2, 1), padding=1, bias=False, rng=0)
    assert layer.b is None and [p.name for p in layer.parameters()] == ["W"]
    x = np.random.default_rng(5).normal(size=(2, 2, 6, 5))
    y = layer.forward(x)
    dy = np.random.default_rng(6).normal(size=y.shape)
    dx = layer.backward(dy)
    tconv = torch.nn.Conv2d(2, 3, (3, 2), stride=(2, 1), padding=1, bias=False).double()
    with torch.no_grad():
        tconv.weight.copy_(torch.tensor(layer.W.data))
    tx = torch.tensor(x, requires_grad=True)
    ty = tconv(tx)
    ty.backward(torch.tensor(dy))
    np.testing.assert_allclose(y, ty.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(dx, tx.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(layer.W.grad, tconv.weight.grad.numpy(), atol=1e-12)


def test_affine_without_bias_matches_torch_linear():
    layer = Affine(4, 3, rng=0, bias=False)
    x = np.random.default_rng(7).normal(size=(5, 4))
    tlin = torch.nn.Linear(4, 3, bias=False).double()
    with torch.no_grad():
        tlin.weight.copy_(torch.tensor(layer.W.data.T))
    np.testing.assert_allclose(layer.forward(x), tlin(torch.tensor(x)).detach().numpy())
    assert layer.parameters() == [layer.W]


@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize("training", [True, False])
def test_batchnorm1d_on_sequences_matches_torch(momentum, training):
    rng = np.random.default_rng(8)
    ours = BatchNorm1d(3, momentum=momentum)
    theirs = torch.nn.BatchNorm1d(3, momentum=momentum).double()
    for step in range(4):  # running statistics, with momentum or as a cumulative average
        x = rng.normal(step, 1 + step, size=(4, 3, 5))
        ours.forward(x)
        theirs(torch.tensor(x))
    np.testing.assert_allclose(ours.running_mean, theirs.running_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.running_var, theirs.running_var.numpy(), rtol=1e-12)
    ours.train(training)
    theirs.train(training)
    x, dy = rng.normal(size=(4, 3, 5)), rng.normal(size=(4, 3, 5))
    tx = torch.tensor(x, requires_grad=True)
    ty = theirs(tx)
    ty.backward(torch.tensor(dy))
    np.testing.assert_allclose(ours.forward(x), ty.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(ours.backward(dy), tx.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(ours.gamma.grad, theirs.weight.grad.numpy(), atol=1e-12)
