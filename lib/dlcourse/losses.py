"""Loss functions (손실 함수): how far a prediction is from its target, as one number.

Each loss has a function (value only) and a class with ``forward(prediction, target) -> float``
and ``backward() -> dL/d prediction`` (same shape as the prediction). All reduce over the
batch by averaging, as PyTorch does by default.

=============================  ==========================  ===================================
this module                    takes                       PyTorch equivalent
=============================  ==========================  ===================================
``MSELoss()``                  any values                  ``nn.MSELoss()``
``MSELoss(half=True,           any values                  ``0.5 * nn.MSELoss(reduction="sum")``
reduction="sum")``                                         (the slides' E = 1/2 sum (t - y)^2)
``BCELoss()``                  probabilities in [0, 1]     ``nn.BCELoss()``
``CrossEntropyLoss()``         probabilities (N, K)        ``nn.NLLLoss()`` applied to ``log p``
``SoftmaxCrossEntropyLoss()``  logits (N, K)               ``nn.CrossEntropyLoss()``
=============================  ==========================  ===================================

Mind the name clash: PyTorch's ``nn.CrossEntropyLoss`` takes *logits* and applies softmax
itself; it is our ``SoftmaxCrossEntropyLoss``. Our ``CrossEntropyLoss`` is Keras's
``categorical_crossentropy``: it takes probabilities (the output of a softmax layer).

Targets of the multi-class losses may be **sparse** class indices, an integer array (N,)
with values in 0..K-1 (Keras: ``sparse_categorical_crossentropy``), or **one-hot** rows (N, K)
(Keras: ``categorical_crossentropy``).
"""

from __future__ import annotations

import numpy as np

from dlcourse.activations import softmax
from dlcourse.errors import check_same_shape

#: Probabilities are clipped to [EPS, 1 - EPS] before taking logs, so log(0) never occurs.
EPS = 1e-12

_REDUCTIONS = ("mean", "sum")


def _float(a) -> np.ndarray:
    a = np.asarray(a)
    return a if a.dtype.kind == "f" else a.astype(np.float64)


def _check_reduction(reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def _check_probabilities(p: np.ndarray, name: str) -> None:
    if np.any(p < 0) or np.any(p > 1):
        raise ValueError(
            f"{name} must be probabilities in [0, 1], got values in [{p.min():.3g}, {p.max():.3g}]"
            " (for raw scores (logits) use the loss that applies the activation itself)"
        )


def as_one_hot_target(target, prediction_shape: tuple[int, ...]) -> np.ndarray:
    """Turn class indices (N,) or one-hot rows (N, K) into float one-hot rows (N, K).

    ``prediction_shape`` is (N, K), the shape of the network's output. Raises ValueError
    naming the shapes if they do not fit, or the offending labels if out of range.
    """
    if len(prediction_shape) != 2:
        raise ValueError(
            f"prediction must have shape (N, K) (batch, classes), got shape {prediction_shape}"
        )
    n, k = prediction_shape
    target = np.asarray(target)
    if target.ndim == 1:
        if target.shape[0] != n:
            raise ValueError(
                f"target of class indices must have shape (N,) = ({n},) to match the "
                f"prediction of shape {prediction_shape}, got shape {target.shape}"
            )
        if not np.issubdtype(target.dtype, np.integer):
            raise ValueError(
                f"class-index targets must be integers, got dtype {target.dtype} "
                f"(for one-hot targets pass shape (N, K) = {prediction_shape})"
            )
        bad = (target < 0) | (target >= k)
        if np.any(bad):
            raise ValueError(
                f"class labels must be in 0..{k - 1} for {k} classes, "
                f"got {np.unique(target[bad]).tolist()}"
            )
        out = np.zeros(prediction_shape)
        out[np.arange(n), target] = 1.0
        return out
    if target.ndim == 2:
        check_same_shape(target, np.empty(prediction_shape), "one-hot target", "prediction")
        return target.astype(np.float64)
    raise ValueError(
        f"target must be class indices (N,) or one-hot (N, K) for a prediction of shape "
        f"{prediction_shape}, got shape {target.shape}"
    )


# --- the functions ---------------------------------------------------------------------------


def mse_loss(prediction, target, reduction: str = "mean", half: bool = False) -> float:
    """Mean squared error (평균 제곱 오차).

    ``reduction="mean"``: the mean of (y - t)^2 over all elements (PyTorch's default);
    ``reduction="sum"``: the sum. ``half=True`` multiplies by 1/2, the convention of the
    slides, E = 1/2 sum_k (t_k - y_k)^2, chosen so that dE/dy = y - t has no factor 2.
    """
    _check_reduction(reduction)
    y, t = _float(prediction), _float(target)
    check_same_shape(y, t, "prediction", "target")
    sq = (y - t) ** 2
    value = sq.mean() if reduction == "mean" else sq.sum()
    return float(0.5 * value if half else value)


def binary_cross_entropy(p, target) -> float:
    """Binary cross-entropy -mean(t log p + (1 - t) log(1 - p)), p: probabilities, any shape."""
    p, t = _float(p), _float(target)
    check_same_shape(p, t, "prediction", "target")
    _check_probabilities(p, "prediction")
    _check_probabilities(t, "target")
    pc = np.clip(p, EPS, 1 - EPS)
    return float(-np.mean(t * np.log(pc) + (1 - t) * np.log(1 - pc)))


def cross_entropy(p, target) -> float:
    """Categorical cross-entropy (교차 엔트로피) -1/N sum_n sum_k t_nk log p_nk.

    p: probabilities (N, K) (rows of a softmax); target: indices (N,) or one-hot (N, K).
    With one-hot targets only the true class's log-probability counts.
    """
    p = _float(p)
    t = as_one_hot_target(target, p.shape)
    _check_probabilities(p, "prediction")
    return float(-np.sum(t * np.log(np.clip(p, EPS, 1.0))) / p.shape[0])


def log_softmax(z, axis: int = -1) -> np.ndarray:
    """log softmax(z), computed stably as z - max - log sum exp(z - max)."""
    z = _float(z)
    shifted = z - np.max(z, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def softmax_cross_entropy(logits, target) -> float:
    """Cross-entropy of softmax(logits): -1/N sum_n sum_k t_nk log softmax(z_n)_k.

    Works on logits (N, K) directly, through :func:`log_softmax`, so it never takes the log
    of a probability that rounded to zero. PyTorch: ``nn.CrossEntropyLoss``.
    """
    z = _float(logits)
    t = as_one_hot_target(target, z.shape)
    return float(-np.sum(t * log_softmax(z)) / z.shape[0])


# --- the classes -----------------------------------------------------------------------------


class Loss:
    """Base class: ``forward(prediction, target) -> float``, then ``backward() -> dL/dy``."""

    def __call__(self, prediction, target) -> float:
        return self.forward(prediction, target)

    def _cached(self):
        if getattr(self, "_cache", None) is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward")
        return self._cache


class MSELoss(Loss):
    """Mean squared error; see :func:`mse_loss` for ``reduction`` and ``half``.

    backward: 2 (y - t) / M for ``reduction="mean"`` over M elements, 2 (y - t) for "sum",
    each halved when ``half=True`` (so E = 1/2 sum (t - y)^2 has dE/dy = y - t).
    """

    def __init__(self, reduction: str = "mean", half: bool = False):
        _check_reduction(reduction)
        self.reduction, self.half = reduction, half

    def forward(self, prediction, target) -> float:
        value = mse_loss(prediction, target, self.reduction, self.half)
        self._cache = (_float(prediction), _float(target))
        return value

    def backward(self) -> np.ndarray:
        y, t = self._cached()
        grad = (1.0 if self.half else 2.0) * (y - t)
        return grad / y.size if self.reduction == "mean" else grad

    def __repr__(self) -> str:
        return f"MSELoss(reduction={self.reduction!r}, half={self.half})"


class BCELoss(Loss):
    """Binary cross-entropy on probabilities (a sigmoid's output), mean over all elements.

    backward: (p - t) / (p (1 - p)) / M, with p clipped as in the forward pass.
    """

    def forward(self, prediction, target) -> float:
        value = binary_cross_entropy(prediction, target)
        self._cache = (np.clip(_float(prediction), EPS, 1 - EPS), _float(target))
        return value

    def backward(self) -> np.ndarray:
        p, t = self._cached()
        return (p - t) / (p * (1 - p)) / p.size


class CrossEntropyLoss(Loss):
    """Categorical cross-entropy on probabilities (N, K); targets (N,) indices or (N, K).

    backward: -t / p / N. (Not PyTorch's ``nn.CrossEntropyLoss``, which takes logits: that
    one is :class:`SoftmaxCrossEntropyLoss`.)
    """

    def forward(self, prediction, target) -> float:
        value = cross_entropy(prediction, target)
        p = _float(prediction)
        self._cache = (np.clip(p, EPS, 1.0), as_one_hot_target(target, p.shape))
        return value

    def backward(self) -> np.ndarray:
        p, t = self._cached()
        return -t / p / p.shape[0]


class SoftmaxCrossEntropyLoss(Loss):
    """Softmax followed by cross-entropy, on logits (N, K); PyTorch's ``nn.CrossEntropyLoss``.

    The combined gradient is remarkably simple: dL/dz = (softmax(z) - t) / N.
    """

    def forward(self, prediction, target) -> float:
        z = _float(prediction)
        value = softmax_cross_entropy(z, target)
        self._cache = (softmax(z), as_one_hot_target(target, z.shape))
        return value

    def backward(self) -> np.ndarray:
        s, t = self._cached()
        # in the logits' dtype: a float32 network keeps computing in float32
        return ((s - t) / s.shape[0]).astype(s.dtype, copy=False)
