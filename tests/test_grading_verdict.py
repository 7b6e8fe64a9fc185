"""The trusted comparison: plain arrays only, exact shape, finite, close to the reference."""

from __future__ import annotations

import numpy as np
import pytest
from dlcourse.grading.sandbox import StepResult
from dlcourse.grading.specs import Case, GradedTest
from dlcourse.grading.verdict import compare, judge

TEST = GradedTest(
    "title", ("f",), "outputs = {'y': f(x)}", ("y",), lambda rng: [], grade_id="t", points=5
)
EXPECTED = np.array([[1.0, 2.0], [3.0, 4.0]])


def test_identical_array_passes():
    assert compare(EXPECTED.copy(), EXPECTED, TEST) is None


@pytest.mark.parametrize(
    ("got", "problem"),
    [
        (EXPECTED.ravel(), "has the wrong shape"),
        (EXPECTED.T, "has wrong values"),
        (EXPECTED + 1e-3, "has wrong values"),
        (np.array([[1.0, np.nan], [3.0, 4.0]]), "contains NaN or infinity"),
        (np.array([[1, 2], [3, 4]]), "is not an array of floating-point numbers"),
        (np.array([["1", "2"], ["3", "4"]]), "is not an array of floating-point numbers"),
        (EXPECTED.astype(complex), "is not an array of floating-point numbers"),
    ],
)
def test_wrong_output_fails_with_a_reason_naming_no_number(got, problem):
    assert compare(got, EXPECTED, TEST) == problem


def test_integer_answers_pass_where_the_test_accepts_any_number():
    hand = GradedTest("t", ("v",), "", ("y",), lambda rng: [], kinds="iuf", grade_id="t", points=3)
    assert compare(np.array([[1, 2], [3, 4]]), EXPECTED, hand) is None


def test_ndarray_subclass_is_refused_even_with_right_values():
    class Liar(np.ndarray):
        pass

    assert compare(EXPECTED.view(Liar), EXPECTED, TEST) is not None


def test_judge_is_all_or_nothing_and_names_the_failing_case():
    cases = [Case({}, {}, {"y": EXPECTED}) for _ in range(3)]
    good = StepResult(0, "ok", outputs={"y": EXPECTED.copy()})
    bad = StepResult(1, "ok", outputs={"y": EXPECTED * 2})
    assert judge(TEST, cases, [good, good, good]).points == 5
    verdict = judge(TEST, cases, [good, bad, good])
    assert (verdict.points, verdict.passed) == (0, False)
    assert verdict.reason == "hidden input 2 of 3: y has wrong values"


def test_judge_reports_forbidden_import_timeout_and_memory():
    cases = [Case({}, {}, {"y": EXPECTED})]
    torch = StepResult(0, "error", "ImportError", forbidden_imports=["torch"])
    assert "imports torch" in judge(TEST, cases, [torch]).reason
    slow = StepResult(0, "timeout", "step time limit")
    assert "did not finish in time" in judge(TEST, cases, [slow]).reason
    hog = StepResult(0, "error", "MemoryError")
    assert "memory limit" in judge(TEST, cases, [hog]).reason


def test_typed_answers_are_spoken_of_as_answers_not_code():
    typed = GradedTest("t", ("avg_pool_result",), "", ("y",), lambda rng: [], kinds="iuf",
                       typed_answer=True, grade_id="t", points=3)  # fmt: skip
    cases = [Case({}, {}, {"y": EXPECTED})]
    wrong = judge(typed, cases, [StepResult(0, "ok", outputs={"y": EXPECTED + 1})]).reason
    assert wrong == "your answer avg_pool_result has wrong values"
    missing = judge(typed, cases, [StepResult(0, "error", "NameError")]).reason
    assert missing.startswith("your answer could not be read") and "hidden" not in missing
    right = judge(typed, cases, [StepResult(0, "ok", outputs={"y": EXPECTED})]).reason
    assert right == "your answer is right"
