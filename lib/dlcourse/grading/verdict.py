"""Decide pass or fail in the trusted process, out of reach of the student's code.

The only things that come back from the sandbox are plain arrays read with
``np.load(..., allow_pickle=False)``: no object of the student's can reach this module, so a
rigged ``__eq__``, an ndarray subclass or a patched ``np.allclose`` has nothing to act on. An
output passes when it is a numeric array of the reference's exact shape, finite, and close to
the reference (``np.allclose`` with the test's tolerances, run here, on our numpy).

Reasons are written for the student and reveal neither the hidden inputs nor the expected
values: which output, and what kind of difference, never the numbers. A test judged by a score
(``thresholds``: a network's predicted labels) reports the accuracy over all its cases and the
thresholds, never which examples were wrong.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlcourse.grading.sandbox import StepResult
from dlcourse.grading.specs import Case, GradedTest


@dataclass
class TestVerdict:
    grade_id: str
    title: str
    points: float
    max_points: float
    passed: bool
    reason: str  # public: safe to show the student

    def to_json(self) -> dict:
        return dict(self.__dict__)


def compare(got: np.ndarray, expected: np.ndarray, test: GradedTest) -> str | None:
    """None when ``got`` matches ``expected``; otherwise what is wrong, without numbers."""
    if type(got) is not np.ndarray or got.dtype.kind not in test.kinds:
        return "is not an array of numbers" if test.kinds != "f" else \
            "is not an array of floating-point numbers"  # fmt: skip
    if got.shape != expected.shape:
        return "has the wrong shape"
    if not np.all(np.isfinite(got)):
        return "contains NaN or infinity"
    if not np.allclose(got.astype(np.float64), expected, rtol=test.rtol, atol=test.atol):
        return "has wrong values"
    return None


def label_problem(got, expected: np.ndarray) -> str | None:
    """None when ``got`` can be scored against the labels ``expected``: an integer array of the
    same shape (one label per example); otherwise what is wrong, without numbers."""
    if type(got) is not np.ndarray or got.dtype.kind not in "iu":
        return ("is not an array of integer class labels (if you have class scores, take "
                "argmax(axis=1); convert with .astype(int))")  # fmt: skip
    if got.shape != expected.shape:
        return "does not hold exactly one label per example: its shape is wrong"
    return None


def threshold_share(test: GradedTest, accuracy: float) -> float:
    """The share of the points of the highest threshold ``accuracy`` reaches (0 below all)."""
    return next((share for least, share in test.thresholds if accuracy >= least), 0.0)


def describe_thresholds(thresholds, points: float | None = None) -> str:
    """``full points at 90% or more, 5 points at 80% or more`` (with the test's ``points``;
    without, ``50% of the points at 80% or more``)."""

    def amount(share):
        if share == 1:
            return "full points"
        return f"{share * points:g} points" if points is not None else f"{share:.0%} of the points"

    return ", ".join(f"{amount(share)} at {least:.0%} or more" for least, share in thresholds)


def judge_scored(test: GradedTest, cases: list[Case], steps: list[StepResult]) -> TestVerdict:
    """A test with ``thresholds``: the accuracy of the predicted labels over all cases earns
    the share of the points of the highest threshold it reaches."""
    correct = total = 0
    for number, (case, step) in enumerate(zip(cases, steps, strict=True), start=1):
        where = f"hidden test {number} of {len(cases)}"
        if step.status != "ok":
            reason = f"{where}: your code {explain_failure(step, test)}"
            return TestVerdict(test.grade_id, test.title, 0.0, test.points, False, reason)
        for name, expected in case.expected.items():
            got = step.outputs.get(name)
            problem = step.bad_outputs.get(name) or ("is missing" if got is None else
                                                     label_problem(got, expected))  # fmt: skip
            if problem:
                reason = f"{where}: {name} {problem}"
                return TestVerdict(test.grade_id, test.title, 0.0, test.points, False, reason)
            correct += int(np.count_nonzero(got == expected))
            total += expected.size
    accuracy = correct / max(total, 1)
    points = float(test.points * threshold_share(test, accuracy))
    rule = describe_thresholds(test.thresholds, test.points)
    reason = (f"accuracy {accuracy:.1%} on {total} hidden test examples ({rule}): "
              f"{points:g} of {test.points:g} points")  # fmt: skip
    return TestVerdict(test.grade_id, test.title, points, test.points, points == test.points,
                       reason)  # fmt: skip


def cell_name(label: str) -> str:
    """How a reason names a cell: ``cell 'conv2d_forward'`` (an answer cell) or ``cell 7``."""
    return label if label.startswith("cell ") else f"cell {label!r}"


def explain_failure(step: StepResult, test: GradedTest) -> str:
    """A public reason for a step that did not produce outputs."""
    if step.forbidden_imports:
        return (f"imports {', '.join(step.forbidden_imports)}, which graded code may not use: "
                "write the computation yourself with numpy")  # fmt: skip
    if step.status == "timeout":
        return f"did not finish in time ({step.error})"
    if step.status == "died":
        return f"ended the process that ran it ({step.error})"
    if step.status == "not_run":
        return "was not run"
    error = step.error or "an error"
    if error == "MemoryError":
        return "ran out of memory (MemoryError): the memory limit was reached"
    if step.where:
        return f"raised {error} in your {cell_name(step.where[0])}, line {step.where[1]}"
    if error == "NameError":
        return f"raised NameError: is {' / '.join(test.functions)} defined in its answer cell?"
    return f"raised {error}"


def judge(test: GradedTest, cases: list[Case], steps: list[StepResult]) -> TestVerdict:
    """All or nothing: the test's points when every case matches the reference.

    A typed answer (``test.typed_answer``: a value worked out by hand) is spoken of as the
    student's answer; code, as code run on hidden inputs. A test with ``thresholds`` is scored
    instead (:func:`judge_scored`).
    """
    if test.thresholds:
        return judge_scored(test, cases, steps)
    for number, (case, step) in enumerate(zip(cases, steps, strict=True), start=1):
        where = f"hidden input {number} of {len(cases)}"
        if step.status != "ok":
            if test.typed_answer:
                reason = f"your answer could not be read: reading it {explain_failure(step, test)}"
            else:
                reason = f"{where}: your code {explain_failure(step, test)}"
            return TestVerdict(test.grade_id, test.title, 0.0, test.points, False, reason)
        for name, expected in case.expected.items():
            if name in step.bad_outputs:
                problem = step.bad_outputs[name]
            elif name not in step.outputs:
                problem = "is missing"
            else:
                problem = compare(step.outputs[name], expected, test)
            if problem:
                if test.typed_answer:
                    reason = f"your answer {' / '.join(test.functions)} {problem}"
                else:
                    reason = f"{where}: {name} {problem}"
                return TestVerdict(test.grade_id, test.title, 0.0, test.points, False, reason)
    passed = "your answer is right" if test.typed_answer else \
        f"passed on all {len(cases)} hidden inputs"  # fmt: skip
    return TestVerdict(test.grade_id, test.title, float(test.points), test.points, True, passed)
