"""The CNN walk-through network and BatchNorm2d: shapes, gradients against torch, weights."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from dlcourse.batchnorm import BatchNorm2d
from dlcourse.checkpoint import load_weights, save_weights
from dlcourse.cnn import (
    layer_shapes,
    lecture_cnn,
    predict_proba,
    torch_lecture_cnn,
    train_lecture_cnn,
)
from dlcourse.gradcheck import check_layer_gradients, relative_error
from dlcourse.layers import Affine
from dlcourse.losses import SoftmaxCrossEntropyLoss


def test_seed_network_has_the_seed_shapes():
    shapes = [shape for _, shape in layer_shapes(lecture_cnn(), (1, 28, 28))]
    assert shapes[0] == (10, 24, 24)  # 10 filters 5x5: 28 - 5 + 1 = 24
    assert shapes[2] == (10, 12, 12)  # 2x2 max pooling
    assert shapes[3] == (20, 8, 8)  # 20 filters 5x5x10: 12 - 5 + 1 = 8
    assert shapes[5] == (20, 4, 4)
    assert shapes[6] == (320,)  # flatten: 20 * 4 * 4
    assert shapes[-1] == (10,)


def test_seed_network_parameter_count():
    expected = (10 * 1 * 25 + 10) + (20 * 10 * 25 + 20) + (320 * 50 + 50) + (50 * 10 + 10)
    assert sum(p.data.size for p in lecture_cnn().parameters()) == expected == 21_840


def test_seed_network_parameters_are_float32_by_default():
    assert {p.data.dtype for p in lecture_cnn().parameters()} == {np.dtype(np.float32)}


def torch_seed_net(net):
    tnet = torch_lecture_cnn(net)
    ours = [layer for layer in net.layers if layer.parameters()]
    theirs = [m for m in tnet if list(m.parameters())]
    return tnet, ours, theirs


def test_seed_network_gradients_match_torch_autograd():
    net = lecture_cnn(rng=0, dtype=np.float64)
    net[0].input_grad = True
    tnet, ours, theirs = torch_seed_net(net)
    rng = np.random.default_rng(1)
    x, y = rng.random((3, 1, 28, 28)), np.array([1, 5, 9])
    loss = SoftmaxCrossEntropyLoss()
    value = loss.forward(net.forward(x), y)
    dx = net.backward(loss.backward())
    tx = torch.tensor(x, requires_grad=True)
    tvalue = torch.nn.functional.cross_entropy(tnet(tx), torch.tensor(y))
    tvalue.backward()
    assert np.isclose(value, tvalue.item(), rtol=1e-12)
    assert relative_error(dx, tx.grad.numpy()) < 1e-10
    for a, t in zip(ours, theirs, strict=True):
        tw = t.weight.grad.numpy()
        assert relative_error(a.W.grad, tw.T if isinstance(a, Affine) else tw) < 1e-10
        assert relative_error(a.b.grad, t.bias.grad.numpy()) < 1e-10


def test_first_conv_layer_skips_the_input_gradient():
    net = lecture_cnn(rng=0)
    out = net.forward(np.random.default_rng(0).random((2, 1, 28, 28), dtype=np.float32))
    assert net.backward(np.ones_like(out)) is None
    assert np.any(net[0].W.grad != 0)


def test_predict_proba_rows_are_probabilities():
    p = predict_proba(lecture_cnn(rng=0), np.random.default_rng(0).random((5, 1, 28, 28)))
    assert p.shape == (5, 10) and np.allclose(p.sum(axis=1), 1) and np.all(p >= 0)


def test_saved_weights_load_back_only_with_the_right_sha256(tmp_path):
    net = lecture_cnn(rng=0)
    digest = save_weights(net, tmp_path / "w.npz")
    other = load_weights(lecture_cnn(rng=1), tmp_path / "w.npz", digest)
    for a, b in zip(net.parameters(), other.parameters(), strict=True):
        np.testing.assert_array_equal(a.data, b.data)
    with pytest.raises(ValueError, match="does not match the expected"):
        load_weights(lecture_cnn(rng=1), tmp_path / "w.npz", "0" * 64)


# --- BatchNorm2d --------------------------------------------------------------------------------


def test_batchnorm2d_matches_torch_in_training_mode():
    rng = np.random.default_rng(2)
    x, dy = rng.standard_normal((4, 3, 5, 6)), rng.standard_normal((4, 3, 5, 6))
    bn = BatchNorm2d(3)
    bn.gamma.data[:] = [0.5, 1.5, -1.0]
    bn.beta.data[:] = [0.1, 0.0, 2.0]
    y = bn.forward(x)
    dx = bn.backward(dy)
    tbn = torch.nn.BatchNorm2d(3).double()
    with torch.no_grad():
        tbn.weight.copy_(torch.tensor(bn.gamma.data))
        tbn.bias.copy_(torch.tensor(bn.beta.data))
    tx = torch.tensor(x, requires_grad=True)
    ty = tbn(tx)
    ty.backward(torch.tensor(dy))
    np.testing.assert_allclose(y, ty.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(dx, tx.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(bn.gamma.grad, tbn.weight.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(bn.beta.grad, tbn.bias.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(bn.running_mean, tbn.running_mean.numpy(), atol=1e-12)
    np.testing.assert_allclose(bn.running_var, tbn.running_var.numpy(), atol=1e-12)


def test_batchnorm2d_uses_running_statistics_in_eval_mode():
    rng = np.random.default_rng(3)
    bn, tbn = BatchNorm2d(2), torch.nn.BatchNorm2d(2).double()
    for _ in range(3):
        x = rng.standard_normal((5, 2, 4, 4)) * 3 + 1
        bn.forward(x)
        tbn(torch.tensor(x))
    bn.eval()
    tbn.eval()
    x = rng.standard_normal((2, 2, 4, 4))
    np.testing.assert_allclose(bn.forward(x), tbn(torch.tensor(x)).detach().numpy(), atol=1e-12)


def test_batchnorm2d_normalises_each_channel_over_batch_and_positions():
    x = np.random.default_rng(4).standard_normal((8, 3, 4, 4)) * [[[[1.0]], [[5.0]], [[0.1]]]] + 7
    y = BatchNorm2d(3).forward(x)
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    var = x.var(axis=(0, 2, 3))
    np.testing.assert_allclose(y.var(axis=(0, 2, 3)), var / (var + 1e-5), rtol=1e-10)  # eps


def test_batchnorm2d_passes_the_numerical_gradient_check():
    bn = BatchNorm2d(2)
    bn.gamma.data[:] = [1.5, -0.5]
    errors = check_layer_gradients(bn, np.random.default_rng(5).standard_normal((3, 2, 3, 3)))
    assert max(errors.values()) < 1e-7


def test_batchnorm2d_rejects_the_wrong_channel_count():
    with pytest.raises(ValueError, match=r"BatchNorm2d\(3\) got x of shape \(2, 4, 5, 5\)"):
        BatchNorm2d(3).forward(np.zeros((2, 4, 5, 5)))


def test_seed_network_with_batchnorm_has_the_same_shapes():
    net = lecture_cnn(batchnorm=True)
    assert [s for _, s in layer_shapes(net, (1, 28, 28))][-1] == (10,)
    assert sum(isinstance(layer, BatchNorm2d) for layer in net.layers) == 2


# --- training on real MNIST --------------------------------------------------------------------


@pytest.mark.slow
def test_seed_network_reaches_98_5_percent_on_mnist_in_two_epochs():
    from dlcourse.data import load_mnist

    _, history, _ = train_lecture_cnn(load_mnist(), epochs=2, batch_size=64, lr=2e-3, seed=0)
    assert history.val_acc[-1] >= 0.985
