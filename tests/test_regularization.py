"""Weight decay in the loss vs in the optimizer, early stopping, k-fold splits, random search."""

from __future__ import annotations

import numpy as np
import pytest
from dlcourse.gradcheck import numerical_gradient, relative_error
from dlcourse.network import Parameter
from dlcourse.optim import SGD, Adam, AdamW
from dlcourse.regularization import (
    EarlyStopping,
    add_l2_gradient,
    kfold_indices,
    l2_penalty,
    log_uniform,
    random_search,
)
from sklearn.model_selection import KFold

TARGET = np.array([[3.0, -1.0], [0.5, 2.0]])


def loss_grad(w: np.ndarray) -> np.ndarray:
    """Gradient of the data loss 1/2 ||A (w - target)||^2 with an anisotropic A."""
    a = np.array([4.0, 0.5])
    return a**2 * (w - TARGET)


def l2_in_loss_path(opt_cls, lam, steps=150, **kw):
    p = Parameter(np.zeros((2, 2)))
    opt = opt_cls([p], **kw)
    path = []
    for _ in range(steps):
        opt.zero_grad()
        p.grad += loss_grad(p.data)
        add_l2_gradient([p], lam)  # gradient of L + 1/2 lam ||W||^2
        opt.step()
        path.append(p.data.copy())
    return np.array(path)


def optimizer_decay_path(opt_cls, lam, steps=150, **kw):
    p = Parameter(np.zeros((2, 2)))
    opt = opt_cls([p], weight_decay=lam, **kw)
    path = []
    for _ in range(steps):
        opt.zero_grad()
        p.grad += loss_grad(p.data)
        opt.step()
        path.append(p.data.copy())
    return np.array(path)


def test_l2_penalty_value():
    ps = [Parameter(np.array([1.0, 2.0])), Parameter(np.array([[3.0]]))]
    assert l2_penalty(ps, 0.1) == pytest.approx(0.5 * 0.1 * 14.0)


def test_l2_gradient_is_the_penalty_derivative():
    w = np.random.default_rng(0).normal(size=(3, 4))
    p = Parameter(w)
    add_l2_gradient([p], 0.3)
    numeric = numerical_gradient(lambda: l2_penalty([p], 0.3), p.data)
    assert relative_error(p.grad, numeric) < 1e-8


@pytest.mark.parametrize("kw", [{"lr": 0.05}, {"lr": 0.02, "momentum": 0.9}])
def test_sgd_weight_decay_equals_half_lambda_w_squared_in_the_loss(kw):
    lam = 0.5
    np.testing.assert_allclose(
        optimizer_decay_path(SGD, lam, **kw), l2_in_loss_path(SGD, lam, **kw), rtol=1e-12
    )


def test_adam_weight_decay_is_l2_in_the_loss():
    lam = 0.5
    np.testing.assert_allclose(
        optimizer_decay_path(Adam, lam, lr=0.05), l2_in_loss_path(Adam, lam, lr=0.05), rtol=1e-12
    )


def test_adamw_decoupled_decay_differs_from_adam_l2():
    lam = 0.5
    adam_l2 = optimizer_decay_path(Adam, lam, lr=0.05)
    adamw = optimizer_decay_path(AdamW, lam, lr=0.05)
    assert np.abs(adam_l2[-1] - adamw[-1]).max() > 0.05


def pure_decay(opt_cls, lam, steps=20):
    """Train on the penalty alone (zero data gradient) from W = 1."""
    p = Parameter(np.ones(1))
    opt = opt_cls([p], lr=0.01, weight_decay=lam)
    for _ in range(steps):
        opt.zero_grad()
        opt.step()
    return p.data[0]


def test_adamw_shrinks_weights_by_exactly_one_minus_lr_lambda_per_step():
    assert pure_decay(AdamW, 0.1) == pytest.approx((1 - 0.01 * 0.1) ** 20, rel=1e-12)


def test_adam_l2_shrinkage_ignores_lambda_because_adam_normalises_the_gradient():
    # with only the penalty, g = lam W and Adam's step is about lr * g / |g| = lr: the same
    # for a 100 times larger lambda
    weak, strong = pure_decay(Adam, 0.001), pure_decay(Adam, 0.1)
    assert weak == pytest.approx(1 - 20 * 0.01, rel=0.01)
    assert strong == pytest.approx(weak, rel=1e-5)
    # AdamW's shrinkage, by contrast, is proportional to lambda
    assert 1 - pure_decay(AdamW, 0.1) == pytest.approx(
        100 * (1 - pure_decay(AdamW, 0.001)), rel=0.02
    )


def test_early_stopping_stops_after_patience_and_restores_best():
    p = Parameter(np.zeros(1))
    stopper = EarlyStopping(patience=3)
    losses = [5.0, 3.0, 2.0, 2.5, 2.1, 2.2, 1.0]
    stopped_at = None
    for epoch, value in enumerate(losses):
        p.data[...] = epoch  # the parameters of this epoch
        if stopper.step(value, [p]):
            stopped_at = epoch
            break
    assert stopped_at == 5
    assert stopper.best_epoch == 2 and stopper.best == 2.0
    stopper.restore([p])
    assert p.data[0] == 2.0


def test_early_stopping_min_delta_ignores_tiny_improvements():
    stopper = EarlyStopping(patience=2, min_delta=0.1)
    p = Parameter(np.zeros(1))
    assert not stopper.step(1.0, [p])
    assert not stopper.step(0.95, [p])
    assert stopper.step(0.92, [p])


def test_early_stopping_unknown_monitor_is_an_error():
    with pytest.raises(ValueError, match="monitor must be one of"):
        EarlyStopping(monitor="val_accuracy")


def test_early_stopping_bad_patience_is_an_error():
    with pytest.raises(ValueError, match="patience"):
        EarlyStopping(patience=0)


@pytest.mark.parametrize(("n", "k"), [(10, 3), (12, 4), (7, 7), (100, 5)])
def test_kfold_matches_scikit_learn(n, k):
    ours = kfold_indices(n, k)
    theirs = list(KFold(n_splits=k).split(np.zeros(n)))
    assert len(ours) == k
    for (tr, va), (tr2, va2) in zip(ours, theirs, strict=True):
        assert np.array_equal(np.sort(tr), tr2) and np.array_equal(np.sort(va), va2)


def test_kfold_shuffled_validation_folds_partition_the_data():
    folds = kfold_indices(23, 4, shuffle=True, rng=0)
    all_val = np.concatenate([va for _, va in folds])
    assert np.array_equal(np.sort(all_val), np.arange(23))
    for tr, va in folds:
        assert len(np.intersect1d(tr, va)) == 0 and len(tr) + len(va) == 23
    assert not np.array_equal(all_val, np.arange(23))


def test_kfold_with_more_folds_than_examples_is_an_error():
    with pytest.raises(ValueError, match="cannot split n=3 examples into k=5"):
        kfold_indices(3, 5)


def test_log_uniform_puts_equal_mass_in_every_decade():
    x = log_uniform(1e-5, 1e-1, size=40000, rng=1)
    counts = np.histogram(np.log10(x), bins=[-5, -4, -3, -2, -1])[0]
    np.testing.assert_allclose(counts / len(x), 0.25, atol=0.01)


def test_random_search_finds_the_minimum_region_and_sorts_results():
    def objective(lr, weight_decay):
        return (np.log10(lr) + 2) ** 2 + (np.log10(weight_decay) + 4) ** 2

    results = random_search(
        objective, {"lr": (1e-5, 1.0), "weight_decay": (1e-6, 1e-2)}, n_trials=200, rng=2
    )
    scores = [s for _, s in results]
    assert len(results) == 200 and scores == sorted(scores)
    best = results[0][0]
    assert abs(np.log10(best["lr"]) + 2) < 0.5 and abs(np.log10(best["weight_decay"]) + 4) < 0.5


def test_random_search_linear_scale_for_chosen_names():
    results = random_search(
        lambda p, lr: 0.0,
        {"p": (0.0, 0.5), "lr": (1e-3, 1e-1)},
        n_trials=50,
        rng=3,
        log={"p": False},
    )
    ps = [r[0]["p"] for r in results]
    assert min(ps) >= 0.0 and max(ps) <= 0.5
