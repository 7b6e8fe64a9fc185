"""The training loop: a small network learns, history is recorded, evaluation is in eval mode."""

from __future__ import annotations

import numpy as np
import pytest
from dlcourse.activations import ReLU
from dlcourse.dropout import Dropout
from dlcourse.layers import Affine
from dlcourse.losses import SoftmaxCrossEntropyLoss
from dlcourse.network import Layer, Sequential
from dlcourse.optim import SGD, Adam
from dlcourse.regularization import EarlyStopping
from dlcourse.train import History, accuracy, evaluate, fit


def blobs(n=200, seed=0):
    """Three Gaussian blobs in 2-D: a problem a tiny MLP solves."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 3.0], [3.0, -2.0], [-3.0, -2.0]])
    y = rng.integers(0, 3, n)
    return centres[y] + rng.normal(size=(n, 2)), y


def small_net(seed=0):
    return Sequential(Affine(2, 16, rng=seed), ReLU(), Affine(16, 3, rng=seed + 1))


def test_small_network_learns_three_blobs():
    X, y = blobs()
    Xv, yv = blobs(seed=1)
    net = small_net()
    loss = SoftmaxCrossEntropyLoss()
    before, _ = evaluate(net, loss, Xv, yv)
    hist = fit(
        net,
        loss,
        Adam(net.parameters(), lr=0.01),
        X,
        y,
        epochs=15,
        batch_size=16,
        X_val=Xv,
        y_val=yv,
        rng=0,
    )
    assert hist.val_acc[-1] > 0.95
    assert hist.val_loss[-1] < 0.5 * before
    assert hist.train_loss[-1] < hist.train_loss[0]


def test_history_has_one_entry_per_epoch():
    X, y = blobs(60)
    net = small_net()
    hist = fit(
        net,
        SoftmaxCrossEntropyLoss(),
        SGD(net.parameters(), lr=0.1),
        X,
        y,
        epochs=4,
        batch_size=7,
        X_val=X[:10],
        y_val=y[:10],
    )
    assert isinstance(hist, History)
    assert hist.epochs == 4
    assert len(hist.train_loss) == len(hist.train_acc) == len(hist.val_loss) == len(hist.val_acc)
    assert all(0.0 <= a <= 1.0 for a in hist.train_acc + hist.val_acc)
    assert len(hist.batch_loss) == 4 * 9  # 60 examples in batches of 7: 9 steps per epoch
    assert not hist.stopped_early


def test_without_validation_data_the_validation_history_is_empty():
    X, y = blobs(30)
    net = small_net()
    hist = fit(net, SoftmaxCrossEntropyLoss(), SGD(net.parameters(), lr=0.1), X, y, epochs=2)
    assert hist.val_loss == [] and hist.val_acc == []


def test_same_seed_gives_same_history():
    X, y = blobs(50)
    runs = []
    for _ in range(2):
        net = small_net(3)
        runs.append(
            fit(
                net,
                SoftmaxCrossEntropyLoss(),
                SGD(net.parameters(), lr=0.1, momentum=0.9),
                X,
                y,
                epochs=3,
                batch_size=8,
                rng=5,
            ).train_loss
        )
    assert runs[0] == runs[1]


class Recorder(Layer):
    """Identity layer that remembers the batch sizes and modes it saw."""

    def __init__(self):
        self.seen = []

    def forward(self, x):
        self.seen.append((len(x), self.training))
        return x

    def backward(self, dy):
        return dy


def test_every_example_is_used_once_per_epoch_in_minibatches():
    X, y = blobs(23)
    rec = Recorder()
    net = Sequential(rec, Affine(2, 3, rng=0))
    fit(
        net,
        SoftmaxCrossEntropyLoss(),
        SGD(net.parameters(), lr=0.1),
        X,
        y,
        epochs=2,
        batch_size=10,
        X_val=X,
        y_val=y,
    )
    train_sizes = [n for n, training in rec.seen if training]
    assert train_sizes == [10, 10, 3, 10, 10, 3]
    assert [training for _, training in rec.seen if _ == 23] == [False, False]  # validation


def test_evaluate_uses_eval_mode_and_restores_the_mode():
    X, y = blobs(40)
    net = Sequential(Affine(2, 8, rng=0), Dropout(0.5, rng=0), ReLU(), Affine(8, 3, rng=1))
    first = evaluate(net, SoftmaxCrossEntropyLoss(), X, y)
    second = evaluate(net, SoftmaxCrossEntropyLoss(), X, y)
    assert first == second  # dropout inactive: deterministic
    assert net.training and net[1].training


def test_early_stopping_stops_and_restores_best_parameters():
    X, y = blobs(100)
    Xv, yv = blobs(100, seed=9)
    net = small_net()
    stopper = EarlyStopping(patience=2)
    # a learning rate so large that validation loss soon gets worse
    hist = fit(
        net,
        SoftmaxCrossEntropyLoss(),
        SGD(net.parameters(), lr=5.0),
        X,
        y,
        epochs=50,
        batch_size=10,
        X_val=Xv,
        y_val=yv,
        early_stopping=stopper,
    )
    assert hist.stopped_early and hist.epochs < 50
    assert hist.best_epoch == stopper.best_epoch == int(np.argmin(hist.val_loss))
    restored, _ = evaluate(net, SoftmaxCrossEntropyLoss(), Xv, yv)
    assert restored == pytest.approx(min(hist.val_loss))


def test_early_stopping_can_monitor_validation_error():
    X, y = blobs(100)
    Xv, yv = blobs(100, seed=9)
    net = small_net()
    stopper = EarlyStopping(patience=3, monitor="val_error")
    hist = fit(
        net,
        SoftmaxCrossEntropyLoss(),
        SGD(net.parameters(), lr=0.5),
        X,
        y,
        epochs=30,
        batch_size=10,
        X_val=Xv,
        y_val=yv,
        early_stopping=stopper,
    )
    assert stopper.best == pytest.approx(1 - max(hist.val_acc))
    _, restored_acc = evaluate(net, SoftmaxCrossEntropyLoss(), Xv, yv)
    assert restored_acc == pytest.approx(max(hist.val_acc))


def test_augment_is_applied_to_training_batches_only():
    X, y = blobs(20)
    rec = Recorder()
    calls = []

    def aug(xb, rng):
        calls.append(len(xb))
        return xb

    net = Sequential(rec, Affine(2, 3, rng=0))
    fit(
        net,
        SoftmaxCrossEntropyLoss(),
        SGD(net.parameters(), lr=0.1),
        X,
        y,
        epochs=1,
        batch_size=8,
        X_val=X,
        y_val=y,
        augment=aug,
    )
    assert calls == [8, 8, 4]


def test_callback_can_stop_training():
    X, y = blobs(20)
    net = small_net()
    hist = fit(
        net,
        SoftmaxCrossEntropyLoss(),
        SGD(net.parameters(), lr=0.1),
        X,
        y,
        epochs=10,
        callbacks=[lambda epoch, h: epoch == 2],
    )
    assert hist.epochs == 3 and hist.stopped_early


def test_training_works_on_image_shaped_input():
    from dlcourse.layers import Flatten

    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 1, 4, 4))
    y = (X[:, 0, :2].sum(axis=(1, 2)) > 0).astype(int)
    net = Sequential(Flatten(), Affine(16, 2, rng=0))
    hist = fit(
        net,
        SoftmaxCrossEntropyLoss(),
        Adam(net.parameters(), lr=0.05),
        X,
        y,
        epochs=30,
        batch_size=10,
    )
    assert hist.train_acc[-1] > 0.9


def test_accuracy_with_indices_one_hot_and_probabilities():
    scores = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]])
    assert accuracy(scores, np.array([1, 0, 0])) == pytest.approx(2 / 3)
    assert accuracy(scores, np.eye(2)[[1, 0, 1]]) == 1.0
    assert accuracy(np.array([[0.9], [0.2]]), np.array([1.0, 1.0])) == 0.5


def test_mismatched_lengths_are_an_error():
    net = small_net()
    with pytest.raises(ValueError, match="X has 5 examples but y has 4"):
        fit(
            net,
            SoftmaxCrossEntropyLoss(),
            SGD(net.parameters(), lr=0.1),
            np.ones((5, 2)),
            np.zeros(4, dtype=int),
            epochs=1,
        )


def test_early_stopping_without_validation_data_is_an_error():
    net = small_net()
    X, y = blobs(10)
    with pytest.raises(ValueError, match="validation"):
        fit(
            net,
            SoftmaxCrossEntropyLoss(),
            SGD(net.parameters(), lr=0.1),
            X,
            y,
            epochs=1,
            early_stopping=EarlyStopping(),
        )


def test_progress_bar_only_when_asked(capsys):
    X, y = blobs(20)
    net = small_net()
    fit(net, SoftmaxCrossEntropyLoss(), SGD(net.parameters(), lr=0.1), X, y, epochs=2)
    assert capsys.readouterr().err == ""  # not a terminal: no bar by default
    fit(
        net, SoftmaxCrossEntropyLoss(), SGD(net.parameters(), lr=0.1), X, y, epochs=2, progress=True
    )
    assert "epoch" in capsys.readouterr().err
