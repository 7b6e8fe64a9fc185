"""Assignment 5 (optimizers): each common mistake gets its own message from the visible tests.

Each case plants one mistake in the instructor's solution, runs the released test cell
in-process and checks that the failure names the mistake (as a1-a3's cases in
test_assignments.py do). The grading of the whole assignment (solution full marks, blank 0, one
bug loses exactly its points) runs with every other assignment in test_assignments.py.
"""

from __future__ import annotations

import numpy as np
import pytest
from dlcourse import optim
from dlcourse.grading.specs import get_spec
from dlcourse.network import Parameter
from test_assignments import run_visible_test, visible_namespace

NAME = "a5_optimizers"
MOMENTUM = "v = momentum * v - lr * grad"
RMS_H = "h = alpha * h + (1 - alpha) * grad * grad"
RMS_H_SWAPPED = "h = (1 - alpha) * h + alpha * grad * grad"
RMS_W = 'return w - lr * grad / (np.sqrt(h) + eps), {"h": h}'
ADAM_W = "w_new = w - lr * m_hat / (np.sqrt(v_hat) + eps)"
ADAM_T = 't = state.get("t", 0) + 1'

MISTAKES = {
    # id: (answer cell, replacements, test cell, words the failure must contain)
    "momentum-sign": ("sgd_momentum_step", [(MOMENTUM, "v = momentum * v + lr * grad")],
                      "test_sgd_momentum_step", "went up the gradient"),
    "momentum-velocity-lost": ("sgd_momentum_step", [("return w + v, {\"v\": v}",
                                                      "return w + v, {}")],
                               "test_sgd_momentum_step", "velocity of step 1 was lost"),
    "momentum-no-pair": ("sgd_momentum_step", [("return w + v, {\"v\": v}", "return w + v")],
                         "test_sgd_momentum_step", "must return a pair (w_new, state)"),
    "rmsprop-decay-wrong-term": ("rmsprop_step", [(RMS_H, RMS_H_SWAPPED)],
                                 "test_rmsprop_step", "decay is applied to the wrong term"),
    "rmsprop-adagrad-sum": ("rmsprop_step", [(RMS_H, "h = h + grad * grad")],
                            "test_rmsprop_step", "AdaGrad's sum"),
    "rmsprop-sqrt-missing": ("rmsprop_step", [("(np.sqrt(h) + eps)", "(h + eps)")],
                             "test_rmsprop_step", "sqrt missing"),
    "rmsprop-eps-inside-sqrt": ("rmsprop_step", [("(np.sqrt(h) + eps)", "np.sqrt(h + eps)")],
                                "test_rmsprop_step", "eps inside the square root"),
    "rmsprop-h-lost": ("rmsprop_step", [(RMS_W, "return w - lr * grad / (np.sqrt(h) + eps), {}")],
                       "test_rmsprop_step", "h was not kept between steps"),
    "adam-no-bias-correction": ("adam_step", [("m / (1 - beta1**t)", "m"),
                                              ("v / (1 - beta2**t)", "v")],
                                "test_adam_step", "no bias correction?"),
    "adam-v-not-corrected": ("adam_step", [("v / (1 - beta2**t)", "v")],
                             "test_adam_step", "v is not bias-corrected"),
    "adam-m-not-corrected": ("adam_step", [("m / (1 - beta1**t)", "m")],
                             "test_adam_step", "m is not bias-corrected"),
    "adam-t-starts-at-0": ("adam_step", [(ADAM_T, 't = state.get("t", 0)'),
                                         ('{"t": t, ', '{"t": t + 1, ')],
                           "test_adam_step", "the first step is t = 1"),
    "adam-t-not-counted": ("adam_step", [('{"t": t, ', '{')],
                           "test_adam_step", "used t = 1 again"),
    "adam-sqrt-missing": ("adam_step", [("(np.sqrt(v_hat) + eps)", "(v_hat + eps)")],
                          "test_adam_step", "sqrt missing"),
    "adam-eps-inside-sqrt": ("adam_step", [("(np.sqrt(v_hat) + eps)", "np.sqrt(v_hat + eps)")],
                             "test_adam_step", "eps inside the square root"),
    "by-hand-one-number": ("adam_parameter_answer", [("w_new = [0.98085, -0.400919]",
                                                      "w_new = 0.98085")],
                           "test_adam_parameter_answer", "must hold 2 numbers"),
    "by-hand-not-numbers": ("adam_moments_answer", [("m_new = [0.015, -0.24]",
                                                     "m_new = [0.015, 'minus 0.24']")],
                            "test_adam_moments_answer", "must be a list of two numbers"),
}  # fmt: skip


@pytest.mark.parametrize("mistake", list(MISTAKES))
def test_visible_test_names_the_mistake(mistake):
    answer_id, replacements, test_id, words = MISTAKES[mistake]
    namespace = visible_namespace(NAME, (answer_id, replacements))
    with np.errstate(all="ignore"), pytest.raises(AssertionError) as failure:
        run_visible_test(NAME, test_id, namespace)
    assert words in str(failure.value)


def test_the_solution_follows_the_reference_optimizers_for_many_steps():
    """The solution's three functions against dlcourse.optim on 50 random steps."""
    ns = visible_namespace(NAME)
    rng = np.random.default_rng(5)
    w0, grads = rng.standard_normal((2, 3)), rng.standard_normal((50, 2, 3))
    rules = [
        (ns["sgd_momentum_step"], {"lr": 0.05, "momentum": 0.8},
         lambda ps: optim.Momentum(ps, lr=0.05, momentum=0.8)),
        (ns["rmsprop_step"], {"lr": 0.01, "alpha": 0.9, "eps": 1e-3},
         lambda ps: optim.RMSprop(ps, lr=0.01, alpha=0.9, eps=1e-3)),
        (ns["adam_step"], {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-3},
         lambda ps: optim.Adam(ps, lr=0.01, betas=(0.8, 0.99), eps=1e-3)),
    ]  # fmt: skip
    for step, hyper, reference in rules:
        p = Parameter(w0.copy())
        opt = reference([p])
        w, state = w0.copy(), {}
        for g in grads:
            w, state = step(w, g, state, **hyper)
            p.grad[...] = g
            opt.step()
            np.testing.assert_allclose(w, p.data, rtol=1e-12, atol=1e-12)


def test_the_solutions_typed_numbers_are_the_references_within_the_tolerance():
    from dlcourse.grading.verdict import compare

    spec = get_spec(NAME)
    ns = visible_namespace(NAME)
    typed = {"m": "m_new", "v": "v_new", "m_hat": "m_hat", "v_hat": "v_hat", "w": "w_new"}
    for test in spec.tests:
        if not test.uses_task:
            continue
        (case,) = test.make_cases(np.random.default_rng(0), spec.task)
        for output, expected in case.expected.items():
            assert compare(np.asarray(ns[typed[output]]), expected, test) is None, output


def test_the_by_hand_tolerance_rejects_a_missing_bias_correction():
    from dlcourse.grading.verdict import compare

    spec = get_spec(NAME)
    test = next(t for t in spec.tests if t.grade_id == "test_adam_corrected_answer")
    (case,) = test.make_cases(np.random.default_rng(0), spec.task)
    m_new = np.array(spec.task["m"]) * 0.9 + 0.1 * np.array(spec.task["g"])
    assert compare(m_new, case.expected["m_hat"], test) is not None
