"""Assignment 6 (batch normalisation and dropout): the visible tests name each common mistake,
and the hidden tests catch every one of them.

Each mistake is a small edit of the instructor's solution (as in test_assignments.py): the
visible test cell of that function must fail with a message containing the given words, and the
hidden test (the grader's own cases, drawn from the instructor notebook's public seed) must fail
too, so no mistake the visible tests teach can still earn the points.
"""

from __future__ import annotations

import pytest
from test_assignments import ROOT, run_visible_test, visible_namespace

NAME = "a6_batchnorm_dropout"
FORWARD, BACKWARD, LAYER = "batchnorm_forward", "batchnorm_backward", "batchnorm_layer"
DROP_F, DROP_B = "dropout_forward", "dropout_backward"
VAR = "np.sum(centred**2, axis=0) / N"
X_HAT = "x_hat = centred / np.sqrt(batch_var + eps)"
DX = "dx = (dx_hat - dvar_term - dmean_term) / std"
EVAL_OUT = "out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta"
EVAL_RETURN = "return out, running_mean.copy(), running_var.copy()"
NEW_MEAN = "new_running_mean = (1 - momentum) * running_mean + momentum * batch_mean"
NEW_VAR = "new_running_var = (1 - momentum) * running_var + momentum * batch_var * N / (N - 1)"

MISTAKES = {
    # id: (answer cell, replacements, words the failure of its visible test must contain)
    "bn-unbiased-variance": (FORWARD, [(VAR, "np.sum(centred**2, axis=0) / (N - 1)")],
                             "unbiased variance"),
    "bn-eps-forgotten": (FORWARD, [(X_HAT, "x_hat = centred / np.sqrt(batch_var)")],
                         "eps ignored"),
    "bn-eps-outside-sqrt": (FORWARD, [(X_HAT, "x_hat = centred / (np.sqrt(batch_var) + eps)")],
                            "outside the square root"),
    "bn-divides-by-variance": (FORWARD, [(X_HAT, "x_hat = centred / (batch_var + eps)")],
                               "divided by the variance"),
    "bn-per-example": (FORWARD, [("np.sum(x, axis=0) / N", "np.mean(x, axis=1, keepdims=True)"),
                                 (VAR, "np.mean(centred**2, axis=1, keepdims=True)")],
                       "(axis 0)"),
    "bn-gamma-beta-swapped": (FORWARD, [("out = gamma * x_hat + beta",
                                         "out = beta * x_hat + gamma")], "gamma and beta swapped"),
    "bn-no-scale-shift": (FORWARD, [("out = gamma * x_hat + beta", "out = x_hat")],
                          "gamma and beta not applied"),
    "bn-other-cache": (FORWARD, [("cache = (x, gamma, beta, eps)", "cache = (x_hat, gamma)")],
                       "the cache must be the tuple (x, gamma, beta, eps)"),
    "bn-backward-direct-path-only": (BACKWARD, [(DX, "dx = dx_hat / std")], "only the direct path"),
    "bn-backward-no-mean-path": (BACKWARD, [(DX, "dx = (dx_hat - dvar_term) / std")],
                                 "through the batch mean is missing"),
    "bn-backward-no-variance-path": (BACKWARD, [(DX, "dx = (dx_hat - dmean_term) / std")],
                                     "through the batch variance is missing"),
    "bn-backward-no-gamma": (BACKWARD, [("dx_hat = dout * gamma", "dx_hat = dout")],
                             "missing the factor gamma"),
    "bn-backward-dbeta-mean": (BACKWARD, [("dbeta = np.sum(dout, axis=0)",
                                           "dbeta = np.mean(dout, axis=0)")], "is the sum"),
    "bn-backward-dgamma-x": (BACKWARD, [("np.sum(dout * x_hat, axis=0)",
                                         "np.sum(dout * x, axis=0)")], "multiplies dout by x"),
    "bn-backward-eps-forgotten": (BACKWARD, [("/ N + eps)", "/ N)")], "dx with eps = 5"),
    "layer-batch-stats-at-eval": (LAYER, [("if not training:", "if False:")],
                                  "batch's statistics in evaluation mode"),
    "layer-updates-at-eval": (LAYER, [(EVAL_RETURN, "return out, 0.9 * running_mean + 0.1 * "
                                       "x.mean(axis=0), running_var")],
                              "updated the running statistics in evaluation mode"),
    "layer-biased-running-variance": (LAYER, [("batch_var * N / (N - 1)", "batch_var")],
                                      "unbiased batch variance"),
    "layer-momentum-reversed": (LAYER, [(NEW_MEAN, "new_running_mean = momentum * running_mean "
                                         "+ (1 - momentum) * batch_mean")],
                                "momentum is the weight of the new batch"),
    "layer-eps-forgotten-at-eval": (LAYER, [(EVAL_OUT, "out = gamma * (x - running_mean) / "
                                             "np.sqrt(running_var) + beta")],
                                    "eps ignored in evaluation mode"),
    "layer-in-place-update": (LAYER, [(NEW_VAR, NEW_VAR.replace("new_running_var =",
                                                                "running_var[:] =")
                                       + "\n    new_running_var = running_var")],
                              "changed its argument running_var in place"),
    "dropout-not-scaled": (DROP_F, [("out = x * keep / (1 - p)", "out = x * keep")],
                           "not scaled"),
    "dropout-times-keep-probability": (DROP_F, [("out = x * keep / (1 - p)",
                                                 "out = x * keep * (1 - p)")],
                                       "multiplied by 1 - p"),
    "dropout-p-is-keep-probability": (DROP_F, [("keep = u >= p", "keep = u < p")],
                                      "probability to DROP"),
    "dropout-other-draw": (DROP_F, [("u = rng.random(x.shape)", "u = 1 - rng.random(x.shape)")],
                           "keep the units where u >= p"),
    "dropout-applied-at-eval": (DROP_F, [("if not training:", "if False:")],
                                "dropout applied in evaluation mode"),
    "dropout-scaled-at-eval": (DROP_F, [("return x.copy(), (None, p, training)",
                                         "return x * (1 - p), (None, p, training)")],
                               "evaluation mode scaled x by 1 - p"),
    "dropout-backward-not-scaled": (DROP_B, [("return dout * keep / (1 - p)",
                                              "return dout * keep")], "dx is not scaled"),
    "dropout-backward-no-mask": (DROP_B, [("return dout * keep / (1 - p)",
                                           "return dout / (1 - p)")], "dropped units received"),
    "dropout-backward-scaled-at-eval": (DROP_B, [("return dout.copy()", "return dout * (1 - p)")],
                                        "dx scaled in evaluation mode"),
}  # fmt: skip

#: mistakes of the notebook's interface, not of the computation: the hidden backward test builds
#: the cache itself, so a forward pass with another cache loses nothing there
INTERFACE_ONLY = {"bn-other-cache"}


def test_the_correct_answers_pass_every_visible_and_hidden_test():
    from dlcourse.grading.hidden import run_hidden_test

    namespace = visible_namespace(NAME)
    for function in (FORWARD, BACKWARD, LAYER, DROP_F, DROP_B):
        run_visible_test(NAME, f"test_{function}", namespace)
        assert run_hidden_test(f"test_{function}", namespace, ROOT / "solutions" / NAME) >= 6


@pytest.mark.parametrize("mistake", list(MISTAKES))
def test_visible_test_names_the_mistake(mistake):
    answer_id, replacements, words = MISTAKES[mistake]
    namespace = visible_namespace(NAME, (answer_id, replacements))
    with pytest.raises(AssertionError) as failure:
        run_visible_test(NAME, f"test_{answer_id}", namespace)
    assert words in str(failure.value)


@pytest.mark.parametrize("mistake", [m for m in MISTAKES if m not in INTERFACE_ONLY])
def test_hidden_test_catches_the_mistake(mistake):
    """The grader's cases fail every mistake too (the visible tests could be passed by luck)."""
    from dlcourse.grading.hidden import run_hidden_test

    answer_id, replacements, _ = MISTAKES[mistake]
    namespace = visible_namespace(NAME, (answer_id, replacements))
    with pytest.raises(Exception):  # noqa: B017 (wrong values, or the driver's call fails)
        run_hidden_test(f"test_{answer_id}", namespace, ROOT / "solutions" / NAME)


def test_the_book_guards_know_every_answer_of_this_assignment():
    """Each of the five answers, the two-line dropout gradient included, is searched for in the
    built book (test_book_guards.py)."""
    from graded_answers import answers, code_windows

    found = answers(NAME)
    assert len(found.code_lines) == 5
    assert all(code_windows(region) for region in found.code_lines)
    assert "return dout * keep / (1 - p)" in code_windows(found.code_lines[-1])[0]
