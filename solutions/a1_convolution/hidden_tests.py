"""Hidden tests of assignment 1 (a convolution layer): how each test cell is judged.

Read by the grader (``dlcourse autograde``), which draws the cases from the course's secret and
runs the drivers in a sandbox, and by the hidden region of each test cell of the instructor's
notebook (:func:`dlcourse.grading.hidden.run_hidden_test`), which draws them from a public seed.
Points, ids and cells come from the notebook's metadata, not from here. Never released to
students (``nbgrader_config.py`` keeps this file out of ``assignments/``).
"""

import numpy as np
from dlcourse import conv
from dlcourse.grading.specs import Case, HiddenTest

#: (x shape, w shape, stride, padding): non-square inputs and filters, strides 1-3, padding 0-2,
#: 1x1 filters and a filter as large as the padded input; the draws change the values, not these.
CONFIGS = [
    ((2, 3, 7, 6), (4, 3, 3, 2), 1, 0),
    ((1, 2, 8, 9), (3, 2, 3, 3), 2, 1),
    ((3, 1, 5, 5), (2, 1, 5, 5), 1, 2),
    ((2, 4, 9, 7), (5, 4, 2, 4), 3, 2),
    ((2, 1, 5, 6), (3, 1, 1, 1), 2, 1),
    ((1, 2, 4, 4), (2, 2, 6, 6), 1, 1),
]


def _inputs(rng, x_shape, w_shape):
    x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
    return x, w, rng.standard_normal(w_shape[0])


def forward_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for x_shape, w_shape, stride, padding in CONFIGS:
        x, w, b = _inputs(rng, x_shape, w_shape)
        out = conv.conv2d_forward_naive(x, w, b, stride, padding)
        cases.append(Case({"x": x, "w": w, "b": b}, {"stride": stride, "padding": padding},
                          {"out": out}))  # fmt: skip
    return cases


def backward_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for x_shape, w_shape, stride, padding in CONFIGS:
        x, w, b = _inputs(rng, x_shape, w_shape)
        out, cache = conv.conv2d_forward(x, w, b, stride, padding)
        dout = rng.standard_normal(out.shape)
        dx, dw, db = conv.conv2d_backward(dout, cache)
        cases.append(Case({"x": x, "w": w, "b": b, "dout": dout},
                          {"stride": stride, "padding": padding},
                          {"dx": dx, "dw": dw, "db": db}))  # fmt: skip
    return cases


TESTS = {
    "test_conv2d_forward_loop": HiddenTest(
        "conv2d_forward_loop gives the convolution's output", ("conv2d_forward_loop",),
        "outputs = {'out': conv2d_forward_loop(x, w, b, stride=stride, padding=padding)}",
        ("out",), forward_cases,
    ),
    "test_conv2d_forward": HiddenTest(
        "conv2d_forward gives the convolution's output", ("conv2d_forward",),
        "outputs = {'out': conv2d_forward(x, w, b, stride=stride, padding=padding)[0]}",
        ("out",), forward_cases,
    ),
    "test_conv2d_backward": HiddenTest(
        "conv2d_backward gives dx, dw and db", ("conv2d_backward",),
        # the notebook fixes the cache to (x, w, b, stride, padding): graded on its own
        "dx, dw, db = conv2d_backward(dout, (x, w, b, stride, padding))\n"
        "outputs = {'dx': dx, 'dw': dw, 'db': db}",
        ("dx", "dw", "db"), backward_cases,
    ),
}  # fmt: skip

#: one realistic mistake per answer cell: (text in the solution, replacement, what it breaks).
#: A submission with one of them must lose exactly the points of that answer's test cell.
MISTAKES = {
    "conv2d_forward_loop": ("np.sum(window * w[f])", "np.sum(window * w[f, :, ::-1, ::-1])",
                            "kernel flipped (true convolution)"),
    "conv2d_forward": ("out.transpose(0, 3, 1, 2) + b[None, :, None, None]",
                       "out.transpose(0, 3, 1, 2)", "bias missing"),
    "conv2d_backward": ("db = dout.sum(axis=(0, 2, 3))", "db = np.zeros_like(b)",
                        "bias gradient missing"),
}  # fmt: skip
