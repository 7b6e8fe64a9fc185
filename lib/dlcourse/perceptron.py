"""The perceptron (퍼셉트론) and the delta rule (델타 룰).

A perceptron with weights w (d,) and bias b outputs y = step(w . x + b), 1 if the weighted
sum is positive and 0 otherwise {Rosenblatt 1958}. It learns one sample at a time with

    w <- w + lr (t - y) x,        b <- b + lr (t - y),

which changes nothing when the answer is right (t - y = 0) and moves the decision boundary
towards the misclassified point otherwise. The same form is the gradient-descent step on
E = 1/2 (t - y)^2 for a *linear* unit y = w . x + b, since dE/dw = -(t - y) x: that is Widrow
and Hoff's delta (LMS) rule {Widrow & Hoff 1960}. (The step function itself has derivative 0
wherever it is defined, so the perceptron rule is not literally a gradient of E through the
step; it borrows the linear unit's gradient.) If the classes are linearly separable the
perceptron converges in finitely many updates; for XOR no line separates them, and it never
gets all four points right.
"""

from __future__ import annotations

import numpy as np

from dlcourse.activations import step
from dlcourse.errors import as_float_array, check_bool, check_int, check_number
from dlcourse.rng import make_rng


class Perceptron:
    """Single-layer perceptron with a step activation, trained by the delta rule.

    ``in_features``: inputs per sample; ``lr``: learning rate (학습률) eta; weights start
    from a normal distribution with standard deviation ``init_std`` (0 gives all zeros) drawn
    from ``rng`` (an int seed or a numpy Generator); the bias starts at 0.
    """

    def __init__(self, in_features: int, lr: float = 0.1, init_std: float = 0.0, rng=None):
        self.in_features = check_int(in_features, "in_features", 1)
        self.lr = check_number(lr, "lr", 0.0, low_open=True)
        init_std = check_number(init_std, "init_std", 0.0)
        gen = make_rng(rng)
        self.w = (
            gen.normal(0.0, init_std, self.in_features) if init_std else np.zeros(self.in_features)
        )
        self.b = 0.0
        self.errors_: list[int] = []

    def _check_X(self, X) -> np.ndarray:
        X = as_float_array(X, "X").astype(np.float64)
        if X.ndim != 2 or X.shape[1] != self.in_features:
            raise ValueError(
                f"Perceptron expected X of shape (N, in_features={self.in_features}), "
                f"got shape {X.shape}"
            )
        return X

    def net_input(self, X) -> np.ndarray:
        """Weighted sums z = X w + b, X (N, in_features) -> z (N,)."""
        return self._check_X(X) @ self.w + self.b

    def predict(self, X) -> np.ndarray:
        """Outputs y = step(X w + b) in {0, 1}, X (N, in_features) -> y (N,)."""
        return step(self.net_input(X))

    def update(self, x, t: float) -> float:
        """One delta-rule step on one sample x (in_features,) with target t; returns t - y."""
        x = as_float_array(x, "x").astype(np.float64)
        if x.shape != (self.in_features,):
            raise ValueError(f"x must have shape ({self.in_features},), got {x.shape}")
        y = float(step(x @ self.w + self.b))
        error = check_number(t, "t") - y
        self.w += self.lr * error * x
        self.b += self.lr * error
        return error

    def fit(self, X, t, epochs: int = 100, shuffle: bool = False, rng=None) -> list[int]:
        """Train sample by sample; stop after the first epoch without a misclassification.

        X (N, in_features), t (N,) in {0, 1}. An epoch visits every sample once (in order,
        or in a random order drawn from ``rng`` when ``shuffle``). Returns (and stores as
        ``errors_``) the number of misclassified samples, that is of updates, per epoch.
        """
        X = self._check_X(X)
        epochs, shuffle = check_int(epochs, "epochs", 0), check_bool(shuffle, "shuffle")
        t = as_float_array(t, "t").astype(np.float64)
        if t.shape != (X.shape[0],):
            raise ValueError(f"t must have shape (N,) = ({X.shape[0]},), got shape {t.shape}")
        if not np.all((t == 0) | (t == 1)):
            raise ValueError(f"targets t must be 0 or 1, got {np.unique(t).tolist()}")
        gen = make_rng(rng)
        self.errors_ = []
        for _ in range(epochs):
            order = gen.permutation(len(X)) if shuffle else range(len(X))
            errors = sum(self.update(X[i], t[i]) != 0 for i in order)
            self.errors_.append(int(errors))
            if errors == 0:
                break
        return self.errors_

    @property
    def converged(self) -> bool:
        """True if the last epoch of ``fit`` had no misclassification."""
        return bool(self.errors_) and self.errors_[-1] == 0

    def __repr__(self) -> str:
        return f"Perceptron(in_features={self.in_features}, lr={self.lr})"
