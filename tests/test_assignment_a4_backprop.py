"""Assignment 4 (backpropagation): each visible test names the mistake it catches.

Every case runs the instructor's solution with one realistic mistake put in, then the visible
test cell of the student's release, and checks that the failure message says what is wrong.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_assignments import run_visible_test, visible_namespace

NAME = "a4_backprop"
SHIFT = "shifted = scores - scores.max(axis=1, keepdims=True)"
MISTAKES = {
    # id: (answer cell, replacements, test cell, words the failure must contain)
    "affine-forgets-the-bias": (
        "affine_forward", [("out = x @ w + b", "out = x @ w")], "test_affine_forward",
        "missing bias",
    ),
    "affine-other-cache": (
        "affine_forward", [("cache = (x, w, b)", "cache = (x, w)")], "test_affine_forward",
        "the cache must be the tuple (x, w, b)",
    ),
    "affine-weight-gradient-transposed": (
        "affine_backward", [("dw = x.T @ dout", "dw = dout.T @ x")], "test_affine_backward",
        "transposed weight gradient",
    ),
    "affine-dx-without-transpose": (
        "affine_backward", [("dx = dout @ w.T", "dx = dout @ w")], "test_affine_backward",
        "not dout @ w",
    ),
    "affine-db-not-summed": (
        "affine_backward", [("db = dout.sum(axis=0)", "db = dout")], "test_affine_backward",
        "sum its gradient over the batch",
    ),
    "affine-db-averaged": (
        "affine_backward", [("db = dout.sum(axis=0)", "db = dout.mean(axis=0)")],
        "test_affine_backward", "db is the mean of dout",
    ),
    "sigmoid-of-minus-x": (
        "sigmoid_forward", [("np.logaddexp(0, -x)", "np.logaddexp(0, x)")],
        "test_sigmoid_forward", "you computed sigmoid(-x)",
    ),
    "sigmoid-backward-forgets-dout": (
        "sigmoid_backward", [("dx = dout * out * (1 - out)", "dx = out * (1 - out)")],
        "test_sigmoid_backward", "chain rule",
    ),
    "sigmoid-backward-applies-sigmoid-again": (
        "sigmoid_backward", [("out = cache", "out = 1 / (1 + np.exp(-cache))")],
        "test_sigmoid_backward", "do not apply the sigmoid to it again",
    ),
    "relu-max-for-maximum": (
        "relu_forward", [("np.maximum(x, 0)", "np.max(x, 0)")], "test_relu_forward",
        "np.maximum(x, 0)",
    ),
    "relu-absolute-value": (
        "relu_forward", [("np.maximum(x, 0)", "np.abs(x)")], "test_relu_forward",
        "not their absolute value",
    ),
    "relu-backward-mask-from-dout": (
        "relu_backward", [("dx = dout * (x > 0)", "dx = dout * (dout > 0)")],
        "test_relu_backward", "ReLU gradient at the wrong mask",
    ),
    "relu-backward-gradient-at-zero": (
        "relu_backward", [("dx = dout * (x > 0)", "dx = dout * (x >= 0)")],
        "test_relu_backward", "not x >= 0",
    ),
    "relu-backward-forgets-dout": (
        "relu_backward", [("dx = dout * (x > 0)", "dx = 1.0 * (x > 0)")],
        "test_relu_backward", "multiply it by dout",
    ),
    "softmax-not-shifted": (
        "softmax_cross_entropy", [(SHIFT, "shifted = scores")], "test_softmax_cross_entropy",
        "softmax not shifted",
    ),
    "softmax-shifted-by-the-global-maximum": (
        "softmax_cross_entropy", [(SHIFT, "shifted = scores - scores.max()")],
        "test_softmax_cross_entropy", "each row's own maximum",
    ),
    "cross-entropy-not-averaged": (
        "softmax_cross_entropy", [("n = scores.shape[0]", "n = 1")],
        "test_softmax_cross_entropy", "not averaged over the batch",
    ),
    "cross-entropy-sign": (
        "softmax_cross_entropy",
        [("loss = -log_p[rows, y].sum() / n", "loss = log_p[rows, y].sum() / n")],
        "test_softmax_cross_entropy", "the loss is negative",
    ),
    "network-skips-relu-backward": (
        "two_layer_loss", [("dh = relu_backward(da, relu_cache)", "dh = da")],
        "test_two_layer_loss", "back through relu_backward",
    ),
    "network-loss-of-the-batch-sum": (
        "softmax_cross_entropy", [("n = scores.shape[0]", "n = 1")], "test_two_layer_loss",
        "the loss is the sum over the 3 samples",
    ),
    "numerical-gradient-divides-by-h": (
        "numerical_gradient", [("/ (2 * h)", "/ h")], "test_numerical_gradient",
        "the centred difference divides by 2h",
    ),
    "numerical-gradient-one-sided": (
        "numerical_gradient",
        [("x[index] = kept - h\n", "x[index] = kept\n"), ("/ (2 * h)", "/ h")],
        "test_numerical_gradient", "one-sided difference",
    ),
    "numerical-gradient-x-not-restored": (
        "numerical_gradient", [("        x[index] = kept\n", "")], "test_numerical_gradient",
        "x was not restored",
    ),
}  # fmt: skip


@pytest.mark.parametrize("mistake", list(MISTAKES))
def test_visible_test_names_the_mistake(mistake):
    answer_id, replacements, test_id, words = MISTAKES[mistake]
    namespace = visible_namespace(NAME, (answer_id, replacements))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # unshifted softmax
        with pytest.raises(AssertionError) as failure:
            run_visible_test(NAME, test_id, namespace)
    assert words in str(failure.value)


def test_the_gradient_check_cell_agrees_with_backpropagation(capsys):
    """The ungraded gradient check of the notebook, run on the solution: every error is small."""
    from test_assignments import release

    namespace = visible_namespace(NAME)
    cell = next(c for c in release(NAME).cells if c.get("id") == "gradient_check")
    exec(cell.source, namespace)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4 and all(line.endswith(" ok") for line in lines), lines
