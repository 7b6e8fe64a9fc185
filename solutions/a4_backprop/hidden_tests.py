"""Hidden tests of assignment 4 (backpropagation): how each test cell is judged.

Read by the grader (``dlcourse autograde``), which draws the cases from the course's secret and
runs the drivers in a sandbox, and by the hidden region of each test cell of the instructor's
notebook (:func:`dlcourse.grading.hidden.run_hidden_test`), which draws them from a public seed.
Points, ids and cells come from the notebook's metadata, not from here. Never released to
students (``nbgrader_config.py`` keeps this file out of ``assignments/``).

Every expected value comes from the library: ``dlcourse.layers.Affine``, the activation layers,
``dlcourse.losses.SoftmaxCrossEntropyLoss``, a network from ``dlcourse.mlp`` and
``dlcourse.gradcheck.numerical_gradient``. The layers are graded on their own (each backward
function gets its cache built directly); the two-layer network runs the student's own layer
functions, as the notebook says, so its test names them too.
"""

import numpy as np
from dlcourse.activations import ReLU, Sigmoid
from dlcourse.gradcheck import numerical_gradient
from dlcourse.grading.specs import Case, HiddenTest
from dlcourse.layers import Affine
from dlcourse.losses import SoftmaxCrossEntropyLoss
from dlcourse.mlp import mlp

#: (N, D, M): one sample, a square weight matrix, wide and narrow layers
AFFINE_SHAPES = [(1, 3, 2), (4, 5, 5), (6, 3, 7), (10, 8, 4), (2, 1, 3)]
#: shapes of the activations' inputs (any shape works element by element)
SHAPES = [(7,), (4, 5), (3, 2, 4), (1, 1)]


def _affine(w, b) -> Affine:
    layer = Affine(w.shape[0], w.shape[1])
    layer.W.data[...], layer.b.data[...] = w, b
    return layer


def affine_forward_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for n, d, m in AFFINE_SHAPES:
        x, w, b = rng.normal(size=(n, d)), rng.normal(size=(d, m)), rng.normal(size=m)
        cases.append(Case({"x": x, "w": w, "b": b}, {}, {"out": _affine(w, b).forward(x)}))
    return cases


def affine_backward_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for n, d, m in AFFINE_SHAPES:
        x, w, b = rng.normal(size=(n, d)), rng.normal(size=(d, m)), rng.normal(size=m)
        dout = rng.normal(size=(n, m))
        layer = _affine(w, b)
        layer.forward(x)
        dx = layer.backward(dout)
        expected = {"dx": dx, "dw": layer.W.grad.copy(), "db": layer.b.grad.copy()}
        cases.append(Case({"x": x, "w": w, "b": b, "dout": dout}, {}, expected))
    return cases


def _inputs(rng: np.random.Generator, shape) -> np.ndarray:
    """Normal values, a few large ones (a sigmoid must not overflow) and exact zeros."""
    x = rng.normal(0, 3, size=shape)
    x.flat[0] = 0.0
    if x.size > 2:
        x.flat[1], x.flat[2] = 800.0, -800.0
    return x


def activation_forward_cases(layer):
    def make(rng: np.random.Generator) -> list[Case]:
        cases = []
        for shape in SHAPES:
            x = _inputs(rng, shape)
            cases.append(Case({"x": x}, {}, {"out": layer().forward(x)}))
        return cases

    return make


def activation_backward_cases(layer, cache_is_output: bool):
    """dx for a random dout; the cache is built directly: the output (sigmoid) or x (ReLU)."""

    def make(rng: np.random.Generator) -> list[Case]:
        cases = []
        for shape in SHAPES:
            x, dout = _inputs(rng, shape), rng.normal(size=shape)
            unit = layer()
            out = unit.forward(x)
            cache = out if cache_is_output else x
            cases.append(Case({"cache": cache, "dout": dout}, {}, {"dx": unit.backward(dout)}))
        return cases

    return make


def softmax_cases(rng: np.random.Generator) -> list[Case]:
    """Scores of every size, some huge (e^1000 overflows unless the maximum is subtracted)."""
    cases = []
    for n, c, scale, offset in [(5, 3, 1, 0), (8, 10, 3, 0), (1, 4, 1, 0), (6, 5, 2, 1000),
                                (4, 2, 500, 0), (3, 7, 1, -1000)]:  # fmt: skip
        scores = rng.normal(0, scale, size=(n, c)) + offset
        y = rng.integers(0, c, size=n)
        loss_fn = SoftmaxCrossEntropyLoss()
        loss = loss_fn.forward(scores, y)
        expected = {"loss": np.asarray(loss), "dscores": loss_fn.backward()}
        cases.append(Case({"scores": scores, "y": y}, {}, expected))
    return cases


def two_layer_cases(rng: np.random.Generator) -> list[Case]:
    """The network affine -> ReLU -> affine with softmax cross-entropy, from the library."""
    cases = []
    for n, d, h, c in [(5, 4, 6, 3), (8, 3, 10, 4), (2, 6, 5, 2), (12, 5, 7, 6)]:
        net = mlp([d, h, c], ReLU)
        params = {
            "W1": rng.normal(0, 0.7, size=(d, h)), "b1": rng.normal(0, 0.3, size=h),
            "W2": rng.normal(0, 0.7, size=(h, c)), "b2": rng.normal(0, 0.3, size=c),
        }  # fmt: skip
        first, last = net.layers[0], net.layers[-1]
        first.W.data[...], first.b.data[...] = params["W1"], params["b1"]
        last.W.data[...], last.b.data[...] = params["W2"], params["b2"]
        X, y = rng.normal(size=(n, d)), rng.integers(0, c, size=n)
        loss_fn = SoftmaxCrossEntropyLoss()
        net.zero_grad()
        loss = loss_fn.forward(net.forward(X), y)
        net.backward(loss_fn.backward())
        expected = {"loss": np.asarray(loss),
                    "W1": first.W.grad.copy(), "b1": first.b.grad.copy(),
                    "W2": last.W.grad.copy(), "b2": last.b.grad.copy()}  # fmt: skip
        cases.append(Case({"X": X, "y": y, **params}, {}, expected))
    return cases


def tested_function(x, A, R, B) -> float:
    """The scalar function whose gradient the student's numerical_gradient approximates: it
    couples all the coordinates (through the squared sum), so x must be restored each time."""
    return float(np.sum(np.tanh(x * A) * R) + np.sum(x * B) ** 2)


def numerical_gradient_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for shape, h in [((5,), 1e-5), ((3, 4), 1e-5), ((2, 3, 2), 1e-4), ((1,), 1e-6)]:
        x, A, R, B = (rng.normal(size=shape) for _ in range(4))
        reference = x.copy()

        def f(x=reference, A=A, R=R, B=B):
            return tested_function(x, A, R, B)

        grad = numerical_gradient(f, reference, h)
        cases.append(Case({"x": x, "A": A, "R": R, "B": B}, {"h": h}, {"grad": grad, "x": x}))
    return cases


_LAYERS = ("affine_forward", "affine_backward", "relu_forward", "relu_backward",
           "softmax_cross_entropy")  # fmt: skip

TESTS = {
    "test_affine_forward": HiddenTest(
        "affine_forward gives x w + b", ("affine_forward",),
        "outputs = {'out': affine_forward(x, w, b)[0]}", ("out",), affine_forward_cases,
    ),
    "test_affine_backward": HiddenTest(
        "affine_backward gives dx, dw and db", ("affine_backward",),
        # the notebook fixes the cache to (x, w, b): graded on its own
        "dx, dw, db = affine_backward(dout, (x, w, b))\n"
        "outputs = {'dx': dx, 'dw': dw, 'db': db}",
        ("dx", "dw", "db"), affine_backward_cases,
    ),
    "test_sigmoid_forward": HiddenTest(
        "sigmoid_forward gives the sigmoid of every element", ("sigmoid_forward",),
        "outputs = {'out': sigmoid_forward(x)[0]}", ("out",), activation_forward_cases(Sigmoid),
    ),
    "test_sigmoid_backward": HiddenTest(
        "sigmoid_backward gives dx from dout and the sigmoid's output", ("sigmoid_backward",),
        "outputs = {'dx': sigmoid_backward(dout, cache)}", ("dx",),
        activation_backward_cases(Sigmoid, cache_is_output=True),
    ),
    "test_relu_forward": HiddenTest(
        "relu_forward gives max(0, x) for every element", ("relu_forward",),
        "outputs = {'out': relu_forward(x)[0]}", ("out",), activation_forward_cases(ReLU),
    ),
    "test_relu_backward": HiddenTest(
        "relu_backward gives dx from dout and the ReLU's input", ("relu_backward",),
        "outputs = {'dx': relu_backward(dout, cache)}", ("dx",),
        activation_backward_cases(ReLU, cache_is_output=False),
    ),
    "test_softmax_cross_entropy": HiddenTest(
        "softmax_cross_entropy gives the mean loss and its gradient, even for huge scores",
        ("softmax_cross_entropy",),
        "loss, dscores = softmax_cross_entropy(scores, y)\n"
        "outputs = {'loss': loss, 'dscores': dscores}",
        ("loss", "dscores"), softmax_cases,
    ),
    "test_two_layer_loss": HiddenTest(
        "two_layer_loss gives the network's loss and the gradient of every parameter",
        ("two_layer_loss", *_LAYERS),
        "params = {'W1': W1, 'b1': b1, 'W2': W2, 'b2': b2}\n"
        "loss, grads = two_layer_loss(X, y, params)\n"
        "outputs = {'loss': loss, 'W1': grads['W1'], 'b1': grads['b1'], 'W2': grads['W2'], "
        "'b2': grads['b2']}",
        ("loss", "W1", "b1", "W2", "b2"), two_layer_cases,
    ),
    "test_numerical_gradient": HiddenTest(
        "numerical_gradient gives the centred differences and restores x", ("numerical_gradient",),
        "def f():\n"
        "    return float(np.sum(np.tanh(x * A) * R) + np.sum(x * B) ** 2)\n"
        "grad = numerical_gradient(f, x, h)\n"
        "outputs = {'grad': grad, 'x': x}",
        ("grad", "x"), numerical_gradient_cases, rtol=1e-7, atol=1e-9,
    ),
}  # fmt: skip

#: one realistic mistake per answer cell: (text in the solution, replacement, what it breaks)
MISTAKES = {
    "affine_forward": ("out = x @ w + b", "out = x @ w", "forgets the bias"),
    "affine_backward": ("db = dout.sum(axis=0)", "db = dout", "db not summed over the batch"),
    "sigmoid_forward": ("np.logaddexp(0, -x)", "np.logaddexp(0, x)", "the sigmoid of -x"),
    "sigmoid_backward": ("dx = dout * out * (1 - out)", "dx = out * (1 - out)",
                         "forgets to multiply by dout (the chain rule)"),
    "relu_forward": ("np.maximum(x, 0)", "np.max(x, 0)", "np.max (a reduction) for np.maximum"),
    "relu_backward": ("dx = dout * (x > 0)", "dx = dout * (dout > 0)",
                      "the mask taken from dout instead of x"),
    "softmax_cross_entropy": ("n = scores.shape[0]", "n = 1", "not averaged over the batch"),
    "two_layer_loss": ("dh = relu_backward(da, relu_cache)", "dh = da",
                       "skips the ReLU on the way back"),
    "numerical_gradient": ("/ (2 * h)", "/ h", "divides by h instead of 2h"),
}  # fmt: skip
