"""Assignment 0 (the perceptron): each visible test names the mistake it catches.

Every case runs the instructor's solution with one realistic mistake put in, then the visible
test cell of the student's release, and checks that the failure message says what is wrong.
"""

from __future__ import annotations

import pytest
from test_assignments import run_visible_test, visible_namespace

NAME = "a0_perceptron"
MISTAKES = {
    # id: (answer cell, replacements, test cell, words the failure must contain)
    "step-tie-on-the-wrong-side": (
        "step", [("np.where(z > 0,", "np.where(z >= 0,")], "test_step",
        "the tie is on the wrong side",
    ),
    "step-returns-booleans": (
        "step", [("return np.where(z > 0, 1.0, 0.0)", "return z > 0")], "test_step",
        "not True/False",
    ),
    "step-is-the-sign-function": (
        "step", [("return np.where(z > 0, 1.0, 0.0)", "return np.sign(z)")], "test_step",
        "that is the sign function",
    ),
    "output-forgets-the-bias": (
        "perceptron_output", [("z = X @ w + b", "z = X @ w")], "test_perceptron_output",
        "missing bias",
    ),
    "output-without-step": (
        "perceptron_output", [("return step(z)", "return z")], "test_perceptron_output",
        "apply step to it",
    ),
    "update-sign-reversed": (
        "delta_rule_update", [("delta = lr * (t - y)", "delta = lr * (y - t)")],
        "test_delta_rule_update", "update sign reversed",
    ),
    "update-without-learning-rate": (
        "delta_rule_update", [("delta = lr * (t - y)", "delta = t - y")],
        "test_delta_rule_update", "learning rate not applied",
    ),
    "update-forgets-the-bias": (
        "delta_rule_update", [("return w + delta * x, b + delta", "return w + delta * x, b")],
        "test_delta_rule_update", "forgot the bias",
    ),
    "update-error-from-z-not-y": (
        "delta_rule_update", [("y = step(np.dot(w, x) + b)", "y = np.dot(w, x) + b")],
        "test_delta_rule_update", "instead of the output y = step(z)",
    ),
    "train-one-epoch-only": (
        "train_perceptron", [("for epoch in range(epochs):", "for epoch in range(1):")],
        "test_train_perceptron", "gave the same weights as epochs=1",
    ),
    "train-ignores-the-start": (
        "train_perceptron",
        [("w, b = np.array(w, dtype=float), float(b)", "w, b = np.zeros(len(w)), 0.0")],
        "test_train_perceptron", "not by the course's procedure",
    ),
}  # fmt: skip


@pytest.mark.parametrize("mistake", list(MISTAKES))
def test_visible_test_names_the_mistake(mistake):
    answer_id, replacements, test_id, words = MISTAKES[mistake]
    namespace = visible_namespace(NAME, (answer_id, replacements))
    with pytest.raises(AssertionError) as failure:
        run_visible_test(NAME, test_id, namespace)
    assert words in str(failure.value)


def test_the_step_tie_mistake_is_caught_by_its_own_test_only():
    """step(0) = 1 fails Part 1, and nothing else: the other parts never meet a tie."""
    namespace = visible_namespace(NAME, ("step", [("np.where(z > 0,", "np.where(z >= 0,")]))
    with pytest.raises(AssertionError):
        run_visible_test(NAME, "test_step", namespace)
    for test_id in ["test_perceptron_output", "test_delta_rule_update", "test_train_perceptron"]:
        run_visible_test(NAME, test_id, namespace)


def test_the_demo_shows_xor_is_not_learned(capsys):
    """The ungraded cell the written answer refers to: AND and OR learned, XOR not."""
    from test_assignments import release, source, tool

    namespace = visible_namespace(NAME)
    demo = next(c for c in release(NAME).cells if c.get("id") == "demo")
    exec(demo.source, namespace)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0].strip() for line in lines] == ["AND", "OR", "XOR"]
    assert lines[0].endswith("0 of 4 wrong") and lines[1].endswith("0 of 4 wrong")
    assert not lines[2].endswith("0 of 4 wrong")
    assert source(NAME) and tool  # the same notebook the other tests read
