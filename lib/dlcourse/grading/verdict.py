"""Decide pass or fail in the trusted process, out of reach of the student's code.

The only things that come back from the sandbox are plain arrays read with
``np.load(..., allow_pickle=False)``: no object of the student's can reach this module, so a
rigged ``__eq__``, an ndarray subclass or a patched ``np.allclose`` has nothing to act on. An
output passes when it is a numeric array of the reference's exact shape, finite, and close to
the reference (``np.allclose`` with the test's tolerances, run here, on our numpy).

Reasons are written for the student and reveal neither the hidden inputs nor the expected
values: which output, and what kind of difference, never the numbers.
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
    student's answer; code, as code run on hidden inputs.
    """
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
