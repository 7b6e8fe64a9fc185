"""Loss functions (손실 함수): how far a prediction is from its target, as one number.

Each loss has a function (value only) and a class with ``forward(prediction, target)`` and
``backward() -> dL/d prediction`` (same shape and float dtype as the prediction). Every one takes
PyTorch's ``reduction``: ``"mean"`` (the default, a float), ``"sum"`` (a float) or ``"none"``
(the unreduced array: one value per element, or per example for the multi-class losses; its
``backward()`` is the gradient of their sum, torch's ``loss.backward(torch.ones_like(loss))``).

Logarithms of probabilities are clamped at -100, as PyTorch's ``nn.BCELoss`` does, so a
saturated prediction (p = 0 for the true class) gives a large finite loss, 100, instead of
infinity; the gradient of BCE is torch's ``(p - t) / max(p (1 - p), 1e-12)``.

=============================  ==========================  ===================================
this module                    takes                       PyTorch equivalent
=============================  ==========================  ===================================
``MSELoss()``                  any values                  ``nn.MSELoss()``
``MSELoss(half=True,           any values                  ``0.5 * nn.MSELoss(reduction="sum")``
reduction="sum")``                                         (the slides' E = 1/2 sum (t - y)^2)
``BCELoss()``                  probabilities in [0, 1]     ``nn.BCELoss()``
``CrossEntropyLoss()``         probabilities (N, K)        ``nn.NLLLoss()`` on ``log p`` clamped
                                                           at -100 (see below)
``SoftmaxCrossEntropyLoss()``  logits (N, K)               ``nn.CrossEntropyLoss()``
=============================  ==========================  ===================================

Mind the name clash: PyTorch's ``nn.CrossEntropyLoss`` takes *logits* and applies softmax
itself; it is our ``SoftmaxCrossEntropyLoss``. Our ``CrossEntropyLoss`` is Keras's
``categorical_crossentropy``: it takes probabilities (the output of a softmax layer).

Targets of the multi-class losses may be **sparse** class indices, an integer array (N,)
with values in 0..K-1 (Keras: ``sparse_categorical_crossentropy``), or **one-hot** rows (N, K)
(Keras: ``categorical_crossentropy``).

One deliberate difference: ``nn.NLLLoss()(torch.log(p))`` is infinite when a true class has
p = 0 (and its gradient is NaN); our ``CrossEntropyLoss`` clamps the log at -100 as for BCE
(value 100 per such example, gradient 0 there), so it equals
``nn.NLLLoss()(torch.log(p).clamp(min=-100))``.
"""

from __future__ import annotations

import numpy as np

from dlcourse.activations import check_dim, softmax
from dlcourse.errors import as_array, as_float_array, check_bool, check_choice, check_same_shape

#: The smallest value a log of a probability may take (PyTorch's clamp in ``nn.BCELoss``).
LOG_MIN = -100.0
#: PyTorch's floor on ``p (1 - p)`` in the gradient of binary cross-entropy: 1e-12, stored
#: (as in torch's kernel) as a float32 constant.
BCE_GRAD_EPS = float(np.float32(1e-12))

REDUCTIONS = ("mean", "sum", "none")


def _check_probabilities(p: np.ndarray, name: str) -> None:
    bad = ~((p >= 0) & (p <= 1))  # NaN is bad too
    if np.any(bad):
        raise ValueError(
            f"{name} must be probabilities in [0, 1], got {int(bad.sum())} values outside, "
            f"such as {p[bad].flat[0]:.3g} (for raw scores (logits) use the loss that applies "
            "the activation itself)"
        )


def clamped_log(p: np.ndarray) -> np.ndarray:
    """``max(log p, -100)``: log of probabilities, finite at p = 0 (PyTorch's BCE convention)."""
    with np.errstate(divide="ignore"):
        return np.maximum(np.log(p), LOG_MIN)


def reduce(values: np.ndarray, reduction: str, n: int | None = None):
    """Apply ``reduction`` to per-element (or per-example) losses: float, float, or the array.

    ``n`` overrides the divisor of ``"mean"`` (the number of examples for multi-class losses).
    """
    if reduction == "none":
        return values
    total = float(np.sum(values))
    return total / (values.size if n is None else n) if reduction == "mean" else total


def as_one_hot_target(
    target, prediction_shape: tuple[int, ...], dtype=np.float64, name: str = "prediction"
) -> np.ndarray:
    """Turn class indices (N,) or one-hot rows (N, K) into float one-hot rows (N, K).

    ``prediction_shape`` is (N, K), the shape of the network's output. Raises ValueError
    naming the shapes if they do not fit, or the offending labels if out of range.
    """
    if len(prediction_shape) != 2:
        raise ValueError(
            f"{name} must have shape (N, K) (batch, classes), got shape {prediction_shape}"
        )
    n, k = prediction_shape
    target = as_array(target, "target")
    if target.ndim == 1:
        if target.shape[0] != n:
            raise ValueError(
                f"target of class indices must have shape (N,) = ({n},) to match the "
                f"prediction of shape {prediction_shape}, got shape {target.shape}"
            )
        if target.dtype.kind not in "iu":
            raise TypeError(
                f"class-index target must be integers, got dtype {target.dtype} "
                f"(for one-hot targets pass shape (N, K) = {prediction_shape})"
            )
        bad = (target < 0) | (target >= k)
        if np.any(bad):
            raise ValueError(
                f"class labels in target must be in 0..{k - 1} for {k} classes, "
                f"got {np.unique(target[bad]).tolist()}"
            )
        out = np.zeros(prediction_shape, dtype=dtype)
        out[np.arange(n), target] = 1.0
        return out
    if target.ndim == 2:
        target = as_float_array(target, "target")
        check_same_shape(target, np.empty(prediction_shape), "one-hot target", "prediction")
        return target.astype(dtype, copy=False)
    raise ValueError(
        f"target must be class indices (N,) or one-hot (N, K) for a prediction of shape "
        f"{prediction_shape}, got shape {target.shape}"
    )


def _pair(prediction, target, reduction, name="prediction"):
    check_choice(reduction, "reduction", REDUCTIONS)
    y, t = as_float_array(prediction, name), as_float_array(target, "target")
    check_same_shape(y, t, name, "target")
    return y, t.astype(y.dtype, copy=False)


# --- the functions ---------------------------------------------------------------------------


def mse_loss(prediction, target, reduction: str = "mean", half: bool = False):
    """Mean squared error (평균 제곱 오차).

    ``reduction="mean"``: the mean of (y - t)^2 over all elements (PyTorch's default);
    ``reduction="sum"``: the sum; ``"none"``: the squares. ``half=True`` multiplies by 1/2, the
    convention of the slides, E = 1/2 sum_k (t_k - y_k)^2, chosen so that dE/dy = y - t has
    no factor 2.
    """
    y, t = _pair(prediction, target, reduction)
    sq = (y - t) ** 2
    return reduce(0.5 * sq if check_bool(half, "half") else sq, reduction)


def binary_cross_entropy(p, target, reduction: str = "mean"):
    """Binary cross-entropy -(t log p + (1 - t) log(1 - p)), p: probabilities, any shape.

    Each log is clamped at -100 (PyTorch's ``nn.BCELoss``); averaged over all elements.
    """
    p, t = _pair(p, target, reduction, "p")
    _check_probabilities(p, "p")
    _check_probabilities(t, "target")
    return reduce(-(t * clamped_log(p) + (1 - t) * clamped_log(1 - p)), reduction)


def cross_entropy(p, target, reduction: str = "mean"):
    """Categorical cross-entropy (교차 엔트로피) -1/N sum_n sum_k t_nk log p_nk.

    p: probabilities (N, K) (rows of a softmax); target: indices (N,) or one-hot (N, K).
    With one-hot targets only the true class's log-probability counts. ``"none"`` gives the
    N per-example losses; logs are clamped at -100 (see the module docstring).
    """
    check_choice(reduction, "reduction", REDUCTIONS)
    p = as_float_array(p, "p")
    t = as_one_hot_target(target, p.shape, p.dtype, "p")
    _check_probabilities(p, "p")
    return reduce(-np.sum(t * clamped_log(p), axis=1), reduction)


def log_softmax(z, dim: int = -1) -> np.ndarray:
    """log softmax(z), computed stably as z - max - log sum exp(z - max) along ``dim``."""
    z = as_float_array(z, "z")
    dim = check_dim(dim, z.ndim, "z")
    shifted = z - np.max(z, axis=dim, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=dim, keepdims=True))


def softmax_cross_entropy(logits, target, reduction: str = "mean"):
    """Cross-entropy of softmax(logits): -1/N sum_n sum_k t_nk log softmax(z_n)_k.

    Works on logits (N, K) directly, through :func:`log_softmax`, so it never takes the log
    of a probability that rounded to zero. PyTorch: ``nn.CrossEntropyLoss``.
    """
    check_choice(reduction, "reduction", REDUCTIONS)
    z = as_float_array(logits, "logits")
    t = as_one_hot_target(target, z.shape, z.dtype, "logits")
    return reduce(-np.sum(t * log_softmax(z), axis=1), reduction)


# --- the classes -----------------------------------------------------------------------------


class Loss:
    """Base class: ``forward(prediction, target)``, then ``backward() -> dL/dy``.

    ``reduction``: ``"mean"`` (default), ``"sum"`` or ``"none"`` (see the module docstring).
    """

    def __init__(self, reduction: str = "mean"):
        self.reduction = check_choice(reduction, "reduction", REDUCTIONS)
        self._cache = None

    def __call__(self, prediction, target):
        return self.forward(prediction, target)

    def _cached(self):
        if self._cache is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward")
        return self._cache

    def _scale(self, grad: np.ndarray, n: int) -> np.ndarray:
        """Divide by ``n`` for ``"mean"``: the gradient of the reduced loss."""
        return grad / grad.dtype.type(n) if self.reduction == "mean" else grad

    def __repr__(self) -> str:
        return f"{type(self).__name__}(reduction={self.reduction!r})"


class MSELoss(Loss):
    """Mean squared error; see :func:`mse_loss` for ``reduction`` and ``half``.

    backward: 2 (y - t) / M for ``reduction="mean"`` over M elements, 2 (y - t) for "sum" and
    "none", each halved when ``half=True`` (so E = 1/2 sum (t - y)^2 has dE/dy = y - t).
    """

    def __init__(self, reduction: str = "mean", half: bool = False):
        super().__init__(reduction)
        self.half = check_bool(half, "half")

    def forward(self, prediction, target):
        value = mse_loss(prediction, target, self.reduction, self.half)
        self._cache = _pair(prediction, target, self.reduction)
        return value

    def backward(self) -> np.ndarray:
        y, t = self._cached()
        return self._scale((1.0 if self.half else 2.0) * (y - t), y.size)

    def __repr__(self) -> str:
        return f"MSELoss(reduction={self.reduction!r}, half={self.half})"


class BCELoss(Loss):
    """Binary cross-entropy on probabilities (a sigmoid's output); PyTorch's ``nn.BCELoss``.

    backward: (p - t) / max(p (1 - p), 1e-12), divided by the number of elements M for "mean"
    (PyTorch's formula, so a saturated p gives a large finite gradient).
    """

    def forward(self, prediction, target):
        value = binary_cross_entropy(prediction, target, self.reduction)
        self._cache = _pair(prediction, target, self.reduction)
        return value

    def backward(self) -> np.ndarray:
        p, t = self._cached()
        grad = (p - t) / np.maximum(p * (1 - p), BCE_GRAD_EPS)
        return self._scale(grad.astype(p.dtype, copy=False), p.size)


class CrossEntropyLoss(Loss):
    """Categorical cross-entropy on probabilities (N, K); targets (N,) indices or (N, K).

    backward: -t / p / N where log p > -100, else 0. (Not PyTorch's ``nn.CrossEntropyLoss``,
    which takes logits: that one is :class:`SoftmaxCrossEntropyLoss`.)
    """

    def forward(self, prediction, target):
        value = cross_entropy(prediction, target, self.reduction)
        p = as_float_array(prediction, "prediction")
        self._cache = (p, as_one_hot_target(target, p.shape, p.dtype))
        return value

    def backward(self) -> np.ndarray:
        p, t = self._cached()
        inside = clamped_log(p) > LOG_MIN  # where the clamp is off, d(-t log p)/dp = -t / p
        grad = np.zeros_like(p)
        np.divide(-t, p, out=grad, where=inside)
        return self._scale(grad, p.shape[0])


class SoftmaxCrossEntropyLoss(Loss):
    """Softmax followed by cross-entropy, on logits (N, K); PyTorch's ``nn.CrossEntropyLoss``.

    The combined gradient is remarkably simple: dL/dz = (softmax(z) - t) / N.
    """

    def forward(self, prediction, target):
        value = softmax_cross_entropy(prediction, target, self.reduction)
        z = as_float_array(prediction, "prediction")
        self._cache = (softmax(z), as_one_hot_target(target, z.shape, z.dtype))
        return value

    def backward(self) -> np.ndarray:
        s, t = self._cached()
        return self._scale(s - t, s.shape[0])
