"""Optimizers: update rules that move parameters against their gradients.

Every optimizer holds a list of :class:`~dlcourse.network.Parameter` objects. ``step()`` reads
each ``param.grad`` (filled by a backward pass) and changes ``param.data`` in place;
``zero_grad()`` clears the gradients before the next backward pass (they accumulate otherwise).
The update rules and hyperparameter names are exactly those of ``torch.optim`` (the tests check
every rule step by step against it); the docstrings also give the form the lecture slides use
where that differs.

Notation: ``g`` is the gradient dL/dW, ``lr`` the learning rate (the slides write eta, alpha or
n), ``t`` the step number starting at 1. All operations are element-wise.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Iterable

import numpy as np

from dlcourse.errors import check_bool, check_number
from dlcourse.network import Parameter


def _nonnegative(name, value):
    return check_number(value, name, 0.0)


def _fraction(name, value):
    return check_number(value, name, 0.0, 1.0, high_open=True)


def _betas(name, value):
    if not isinstance(value, tuple | list) or len(value) != 2:
        raise TypeError(f"{name} must be a pair (beta1, beta2), got {value!r}")
    return _fraction(f"{name}[0]", value[0]), _fraction(f"{name}[1]", value[1])


#: How each hyperparameter, whichever optimizer takes it, is checked (and converted).
RULES = {
    "lr": _nonnegative,
    "momentum": _nonnegative,
    "dampening": _nonnegative,
    "weight_decay": _nonnegative,
    "lr_decay": _nonnegative,
    "initial_accumulator_value": _nonnegative,
    "eps": _nonnegative,
    "alpha": _fraction,
    "betas": _betas,
    "nesterov": lambda name, value: check_bool(value, name),
    "centered": lambda name, value: check_bool(value, name),
    "amsgrad": lambda name, value: check_bool(value, name),
}


class Optimizer:
    """Base class: holds the parameters, checks hyperparameters, runs ``update`` on each.

    A subclass lists its hyperparameters once, in its ``__init__`` signature (PyTorch's names
    and defaults), and passes ``locals()`` here: every one is checked by its rule in
    :data:`RULES` and becomes an attribute; an unknown keyword is a TypeError that suggests
    the closest known name. The subclass defines ``update(param, grad, state)``, where ``grad``
    is ``param.grad`` (plus ``weight_decay * param.data`` for optimizers with L2 weight decay,
    added here in ``step``: the gradient of ``1/2 weight_decay ||W||^2`` in the loss) and
    ``state`` is a dict kept for that parameter between steps (velocities, running averages,
    the step count). An optimizer with ``decoupled = True`` (AdamW) applies its decay itself.
    """

    weight_decay: float = 0.0
    decoupled: bool = False

    def __init__(self, params: Iterable[Parameter], hyper: dict):
        name = type(self).__name__
        if isinstance(params, Parameter) or not isinstance(params, Iterable):
            raise TypeError(
                f"params must be a list of Parameter objects (pass net.parameters()), "
                f"got {type(params).__name__}"
            )
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{name} got an empty list of params")
        for i, p in enumerate(self.params):
            if not isinstance(p, Parameter):
                raise TypeError(
                    f"params must hold Parameter objects; item {i} is a "
                    f"{type(p).__name__} (pass net.parameters())"
                )
        allowed = [k for k in inspect.signature(type(self).__init__).parameters][2:-1]
        unknown = hyper.get("unknown", {})
        if unknown:
            bad = next(iter(unknown))
            close = difflib.get_close_matches(bad, allowed, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise TypeError(
                f"{name} got an unknown hyperparameter {bad!r}{hint} (it takes "
                f"{', '.join(allowed)})"
            )
        for key in allowed:
            setattr(self, key, RULES[key](key, hyper[key]))
        self.state: list[dict] = [{} for _ in self.params]

    def zero_grad(self) -> None:
        """Set every parameter's gradient to zero."""
        for p in self.params:
            p.zero_grad()

    def step(self) -> None:
        """Update every parameter once, using the gradients currently in ``param.grad``."""
        for p, state in zip(self.params, self.state, strict=True):
            if p.grad.shape != p.data.shape:
                raise ValueError(
                    f"gradient of parameter {p.name or '(unnamed)'} has shape {p.grad.shape} "
                    f"but the parameter has shape {p.data.shape}"
                )
            grad = p.grad
            if self.weight_decay and not self.decoupled:
                grad = grad + self.weight_decay * p.data
            self.update(p, grad, state)

    def update(self, param: Parameter, grad: np.ndarray, state: dict) -> None:
        raise NotImplementedError(f"{type(self).__name__} must define update")

    def __repr__(self) -> str:
        hyper = {k: v for k, v in vars(self).items() if k not in ("params", "state")}
        inner = ", ".join(f"{k}={v}" for k, v in hyper.items())
        return f"{type(self).__name__}({len(self.params)} parameters, {inner})"


class SGD(Optimizer):
    r"""Stochastic gradient descent, optionally with momentum, Nesterov momentum and L2 decay.

    Plain SGD: ``W <- W - lr * g``.

    With ``weight_decay`` (lambda) the gradient first becomes ``g <- g + lambda * W``, which is
    the gradient of the L2 penalty ``1/2 lambda ||W||^2`` added to the loss.

    With ``momentum`` (mu), PyTorch's form (Sutskever et al. 2013), velocity ``b`` starting as
    ``b_1 = g_1``::

        b <- mu * b + (1 - dampening) * g
        W <- W - lr * b                        (nesterov=False)
        W <- W - lr * (g + mu * b)             (nesterov=True)

    The slides (and "Deep Learning from Scratch") write momentum as::

        v <- alpha * v - eta * g,   v_0 = 0
        W <- W + v

    With a constant learning rate (``eta = lr``, ``alpha = mu``, no dampening) the two are the
    same algorithm: ``v_t = -lr * b_t`` for every t (induction: ``v_1 = -lr g_1 = -lr b_1`` and
    ``v_t = mu v_{t-1} - lr g_t = -lr (mu b_{t-1} + g_t) = -lr b_t``). If ``lr`` changes during
    training the two differ: the slides' velocity remembers the old step sizes, PyTorch's does
    not. :class:`Momentum` implements the slides' form.
    """

    def __init__(
        self,
        params: Iterable[Parameter],
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        **unknown,
    ):
        super().__init__(params, locals())
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError("nesterov momentum needs momentum > 0 and dampening = 0")

    def update(self, param: Parameter, grad: np.ndarray, state: dict) -> None:
        if self.momentum:
            if "b" not in state:
                state["b"] = grad.copy()
            else:
                state["b"] = self.momentum * state["b"] + (1 - self.dampening) * grad
            grad = grad + self.momentum * state["b"] if self.nesterov else state["b"]
        param.data -= self.lr * grad


class Momentum(Optimizer):
    r"""Momentum in the slides' form: ``v <- momentum * v - lr * g``, ``W <- W + v``, ``v_0 = 0``.

    The same algorithm as ``SGD(params, lr, momentum)`` while ``lr`` is constant (see
    :class:`SGD`); kept so that the book can show both forms side by side.
    """

    def __init__(
        self, params: Iterable[Parameter], lr: float = 0.01, momentum: float = 0.9, **unknown
    ):
        super().__init__(params, locals())
        _fraction("momentum", self.momentum)

    def update(self, param: Parameter, grad: np.ndarray, state: dict) -> None:
        v = state.get("v", np.zeros_like(param.data))
        state["v"] = self.momentum * v - self.lr * grad
        param.data += state["v"]


class Adagrad(Optimizer):
    r"""AdaGrad (Duchi et al. 2011): a learning rate per coordinate that shrinks with its history.

    PyTorch's rule (``h_0 = initial_accumulator_value``)::

        g   <- g + weight_decay * W
        h   <- h + g * g
        lr_t = lr / (1 + (t - 1) * lr_decay)
        W   <- W - lr_t * g / (sqrt(h) + eps)

    Epsilon placement: PyTorch (and this class) adds ``eps`` *outside* the square root,
    ``sqrt(h) + eps``. One slide writes ``sqrt(h + eps)``, another leaves ``eps`` out. The two
    placements differ only where ``h`` is tiny compared with ``eps`` (so at most a coordinate
    whose gradients have all been near zero): with ``eps = 1e-10`` the two agree to about
    ``eps / sqrt(h)`` relative; ``sqrt(h + eps)`` acts like a floor of ``sqrt(eps) = 1e-5``
    instead of ``1e-10``.
    """

    def __init__(
        self,
        params: Iterable[Parameter],
        lr: float = 0.01,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        **unknown,
    ):
        super().__init__(params, locals())

    def update(self, param: Parameter, grad: np.ndarray, state: dict) -> None:
        state["t"] = t = state.get("t", 0) + 1
        h = state.get("h", np.full_like(param.data, self.initial_accumulator_value))
        state["h"] = h = h + grad * grad
        lr_t = self.lr / (1 + (t - 1) * self.lr_decay)
        param.data -= lr_t * grad / (np.sqrt(h) + self.eps)


class RMSprop(Optimizer):
    r"""RMSProp (Tieleman & Hinton 2012): AdaGrad with an exponential moving average of g^2.

    PyTorch's rule (``h_0 = 0``; the slides call ``alpha`` rho or r)::

        g <- g + weight_decay * W
        h <- alpha * h + (1 - alpha) * g * g
        d <- sqrt(h) + eps                              (centered=False)
        d <- sqrt(h - m * m) + eps,  m <- alpha m + (1 - alpha) g   (centered=True)
        W <- W - lr * g / d                             (momentum=0)
        b <- momentum * b + g / d;  W <- W - lr * b     (momentum>0, b_0 = 0)

    Because ``h_t = (1 - alpha) * sum_i alpha^(t-i) g_i^2`` is a weighted average with weights
    summing to ``1 - alpha^t < 1``, ``h`` never exceeds the largest ``g^2`` seen so far: unlike
    AdaGrad's sum it cannot grow without bound. As in :class:`Adagrad`, ``eps`` sits outside
    the square root; the slides write ``sqrt(h + eps)``.
    """

    def __init__(
        self,
        params: Iterable[Parameter],
        lr: float = 0.01,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        **unknown,
    ):
        super().__init__(params, locals())

    def update(self, param: Parameter, grad: np.ndarray, state: dict) -> None:
        h = state.get("h", np.zeros_like(param.data))
        state["h"] = h = self.alpha * h + (1 - self.alpha) * grad * grad
        if self.centered:
            m = state.get("m", np.zeros_like(param.data))
            state["m"] = m = self.alpha * m + (1 - self.alpha) * grad
            denom = np.sqrt(h - m * m) + self.eps
        else:
            denom = np.sqrt(h) + self.eps
        if self.momentum:
            b = state.get("b", np.zeros_like(param.data))
            state["b"] = b = self.momentum * b + grad / denom
            param.data -= self.lr * b
        else:
            param.data -= self.lr * grad / denom


class Adam(Optimizer):
    r"""Adam (Kingma & Ba 2015): momentum on g plus RMSProp on g^2, both bias-corrected.

    The paper's Algorithm 1, as PyTorch implements it (``m_0 = v_0 = 0``)::

        g     <- g + weight_decay * W          (L2 penalty in the gradient; see AdamW)
        m     <- beta1 * m + (1 - beta1) * g
        v     <- beta2 * v + (1 - beta2) * g * g
        m_hat  = m / (1 - beta1^t)
        v_hat  = v / (1 - beta2^t)
        W     <- W - lr * m_hat / (sqrt(v_hat) + eps)

    Defaults from the paper: ``lr = 0.001, betas = (0.9, 0.999), eps = 1e-8``. With
    ``amsgrad=True`` the denominator uses the running maximum of ``v_hat``'s numerator
    (Reddi et al. 2018). The slides write ``sqrt(v_hat + eps)``; the paper and PyTorch put
    ``eps`` outside the root.
    """

    def __init__(
        self,
        params: Iterable[Parameter],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        **unknown,
    ):
        super().__init__(params, locals())

    def update(self, param: Parameter, grad: np.ndarray, state: dict) -> None:
        beta1, beta2 = self.betas
        state["t"] = t = state.get("t", 0) + 1
        if self.weight_decay and self.decoupled:
            param.data *= 1 - self.lr * self.weight_decay
        m = state.get("m", np.zeros_like(param.data))
        v = state.get("v", np.zeros_like(param.data))
        state["m"] = m = beta1 * m + (1 - beta1) * grad
        state["v"] = v = beta2 * v + (1 - beta2) * grad * grad
        if self.amsgrad:
            state["v_max"] = v = np.maximum(state.get("v_max", v), v)
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        param.data -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter 2019).

    Instead of adding ``weight_decay * W`` to the gradient (where Adam's per-coordinate scaling
    would then shrink it), the weights are shrunk directly before the Adam step::

        W <- W * (1 - lr * weight_decay)
        W <- W - lr * m_hat / (sqrt(v_hat) + eps)     (m, v from the raw gradient g)

    Default ``weight_decay = 0.01`` as in PyTorch.
    """

    decoupled = True

    def __init__(
        self,
        params: Iterable[Parameter],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.01,
        amsgrad: bool = False,
        **unknown,
    ):
        Optimizer.__init__(self, params, locals())
