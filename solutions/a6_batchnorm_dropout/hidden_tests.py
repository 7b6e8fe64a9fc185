"""Hidden tests of assignment 6 (batch normalisation and dropout): how each test cell is judged.

Read by the grader (``dlcourse autograde``), which draws the cases from the course's secret and
runs the drivers in a sandbox, and by the hidden region of each test cell of the instructor's
notebook (:func:`dlcourse.grading.hidden.run_hidden_test`), which draws them from a public seed.
Points, ids and cells come from the notebook's metadata, not from here. Never released to
students (``nbgrader_config.py`` keeps this file out of ``assignments/``).

The expected values come from the library: :mod:`dlcourse.batchnorm` (which follows
``torch.nn.BatchNorm1d``, its momentum convention and unbiased running variance included) and
:class:`dlcourse.dropout.Dropout`, whose mask is ``rng.random(x.shape) >= p``: the rule the
notebook fixes, so a dropout test built on a seed has exactly one right answer.
"""

import numpy as np
from dlcourse import batchnorm
from dlcourse.dropout import Dropout
from dlcourse.grading.specs import Case, HiddenTest

#: (N, D, eps): a batch of 2 (each feature normalises to about -1 and +1), one feature, tall and
#: wide batches, a large eps (forgetting it, or adding it outside the square root, shows).
BN_CONFIGS = [
    ((2, 3), 1e-5),
    ((3, 1), 1e-3),
    ((8, 5), 0.5),
    ((16, 4), 1e-5),
    ((50, 7), 1e-2),
    ((5, 12), 1e-5),
]
#: (N, D, momentum) of the layer tests; each is run in training and in evaluation mode
#: (evaluation also with a batch of one, which training mode cannot normalise).
LAYER_CONFIGS = [((2, 3), 0.1), ((6, 1), 0.5), ((16, 4), 0.01), ((40, 6), 1.0), ((5, 9), 0.1)]
#: (x shape, p): dense and (N, C, H, W) activations, p = 0 (nothing dropped) up to 0.9
DROPOUT_CONFIGS = [
    ((4, 10), 0.5),
    ((2, 3, 5, 5), 0.2),
    ((1, 7), 0.0),
    ((16, 32), 0.75),
    ((3, 4, 6), 0.9),
    ((8, 8), 0.3),
]


def _bn_inputs(rng: np.random.Generator, n: int, d: int):
    """A batch whose features have their own mean and spread, and a scale and shift."""
    x = rng.normal(rng.uniform(-3, 3, d), rng.uniform(0.5, 3, d), size=(n, d))
    gamma = rng.uniform(0.5, 2.0, d) * rng.choice([-1.0, 1.0], d)
    return x, gamma, rng.standard_normal(d)


def forward_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for (n, d), eps in BN_CONFIGS:
        x, gamma, beta = _bn_inputs(rng, n, d)
        out, _ = batchnorm.batchnorm_forward(x, gamma, beta, eps)
        cases.append(Case({"x": x, "gamma": gamma, "beta": beta}, {"eps": eps}, {"out": out}))
    return cases


def backward_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for (n, d), eps in BN_CONFIGS:
        x, gamma, beta = _bn_inputs(rng, n, d)
        _, cache = batchnorm.batchnorm_forward(x, gamma, beta, eps)
        dout = rng.standard_normal((n, d))
        dx, dgamma, dbeta = batchnorm.batchnorm_backward(dout, cache)
        cases.append(Case({"x": x, "gamma": gamma, "beta": beta, "dout": dout}, {"eps": eps},
                          {"dx": dx, "dgamma": dgamma, "dbeta": dbeta}))  # fmt: skip
    return cases


def layer_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for (n, d), momentum in LAYER_CONFIGS:
        for training, rows in [(True, n), (False, n), (False, 1)]:
            x, gamma, beta = _bn_inputs(rng, rows, d)
            running_mean, running_var = rng.normal(size=d), rng.uniform(0.5, 3.0, d)
            mean, var = running_mean.copy(), running_var.copy()
            if training:
                out, cache = batchnorm.batchnorm_forward(x, gamma, beta)
                batchnorm.update_running_stats(mean, var, cache[3], cache[4], rows, momentum)
            else:
                out, _ = batchnorm.batchnorm_inference(x, gamma, beta, mean, var)
            arrays = {"x": x, "gamma": gamma, "beta": beta, "running_mean": running_mean,
                      "running_var": running_var}  # fmt: skip
            cases.append(Case(arrays, {"training": training, "momentum": momentum},
                              {"out": out, "new_mean": mean, "new_var": var,
                               # the arguments after the call: no in-place update
                               "unchanged_running_mean": running_mean,
                               "unchanged_running_var": running_var}))  # fmt: skip
    return cases


def _dropout(rng: np.random.Generator, shape, p: float, training: bool):
    """Inputs and the library's dropout layer after its forward pass on them."""
    x, seed = rng.standard_normal(shape), int(rng.integers(2**31))
    layer = Dropout(p, rng=seed)
    layer.train(training)
    return x, seed, layer, layer.forward(x)


def dropout_forward_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for shape, p in DROPOUT_CONFIGS:
        for training in (True, False):
            x, seed, _, out = _dropout(rng, shape, p, training)
            cases.append(Case({"x": x}, {"p": p, "training": training, "seed": seed},
                              {"out": out}))  # fmt: skip
    return cases


def dropout_backward_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for shape, p in DROPOUT_CONFIGS:
        for training in (True, False):
            x, _, layer, _ = _dropout(rng, shape, p, training)
            keep = np.ones(shape, dtype=bool) if layer.mask is None else layer.mask != 0
            dout = rng.standard_normal(shape)
            cases.append(Case({"keep": keep, "dout": dout}, {"p": p, "training": training},
                              {"dx": layer.backward(dout)}))  # fmt: skip
    return cases


TESTS = {
    "test_batchnorm_forward": HiddenTest(
        "batchnorm_forward gives the training-mode output", ("batchnorm_forward",),
        "outputs = {'out': batchnorm_forward(x, gamma, beta, eps=eps)[0]}",
        ("out",), forward_cases,
    ),
    "test_batchnorm_backward": HiddenTest(
        "batchnorm_backward gives dx, dgamma and dbeta", ("batchnorm_backward",),
        # the notebook fixes the cache to (x, gamma, beta, eps): graded on its own
        "dx, dgamma, dbeta = batchnorm_backward(dout, (x, gamma, beta, eps))\n"
        "outputs = {'dx': dx, 'dgamma': dgamma, 'dbeta': dbeta}",
        ("dx", "dgamma", "dbeta"), backward_cases,
    ),
    "test_batchnorm_layer": HiddenTest(
        "batchnorm_layer gives the output and running statistics in training and evaluation mode",
        ("batchnorm_layer",),
        "out, new_mean, new_var = batchnorm_layer(x, gamma, beta, running_mean, running_var,\n"
        "                                         training, momentum=momentum)\n"
        "outputs = {'out': out, 'new_mean': new_mean, 'new_var': new_var,\n"
        "           'unchanged_running_mean': running_mean, 'unchanged_running_var': running_var}",
        ("out", "new_mean", "new_var", "unchanged_running_mean", "unchanged_running_var"),
        layer_cases,
    ),
    "test_dropout_forward": HiddenTest(
        "dropout_forward gives the output of inverted dropout in training and evaluation mode",
        ("dropout_forward",),
        "import numpy\n"
        "outputs = {'out': dropout_forward(x, p, training, numpy.random.default_rng(seed))[0]}",
        ("out",), dropout_forward_cases,
    ),
    "test_dropout_backward": HiddenTest(
        "dropout_backward gives dx in training and evaluation mode", ("dropout_backward",),
        # the notebook fixes the cache to (keep, p, training), keep None in evaluation mode
        "outputs = {'dx': dropout_backward(dout, (keep if training else None, p, training))}",
        ("dx",), dropout_backward_cases,
    ),
}  # fmt: skip

#: one realistic mistake per answer cell: (text in the solution, replacement, what it breaks).
#: A submission with one of them must lose exactly the points of that answer's test cell.
MISTAKES = {
    "batchnorm_forward": ("np.sum(centred**2, axis=0) / N", "np.sum(centred**2, axis=0) / (N - 1)",
                          "normalises with the unbiased variance"),
    "batchnorm_backward": ("dx = (dx_hat - dvar_term - dmean_term) / std", "dx = dx_hat / std",
                           "misses the paths through the batch mean and variance"),
    "batchnorm_layer": ("batch_var * N / (N - 1)", "batch_var",
                        "running variance updated with the biased variance"),
    "dropout_forward": ("out = x * keep / (1 - p)", "out = x * keep",
                        "kept units not scaled by 1/(1-p)"),
    "dropout_backward": ("return dout.copy()", "return dout * (1 - p)",
                         "scales the gradient in evaluation mode"),
}  # fmt: skip
