"""The hidden region of a test cell in the instructor's notebook: the grader's own test, in-process.

Each test cell of ``solutions/<name>/<name>.ipynb`` ends with ::

    ### BEGIN HIDDEN TESTS
    from dlcourse.grading.hidden import run_hidden_test

    run_hidden_test("test_conv2d_forward", globals())
    ### END HIDDEN TESTS

which runs the same :class:`~dlcourse.grading.specs.HiddenTest` the grader runs (same cases
generator, driver, outputs and tolerances, compared by the grader's
:func:`~dlcourse.grading.verdict.compare`), on cases drawn from a public seed instead of the
course's secret. It lets the instructor check the solution and the hidden tests together; it
never grades a student (students never see these regions, and grading runs in the sandbox).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dlcourse.grading.specs import HIDDEN_TESTS, case_rng, load_hidden_tests
from dlcourse.grading.verdict import compare, describe_thresholds, label_problem

#: the seed of the cases the instructor's notebook runs (public: not the course's secret)
NOTEBOOK_SEED = "instructor-notebook"


def find_hidden_tests(start: Path | None = None) -> Path:
    """``hidden_tests.py`` of the notebook being run: in the current folder (JupyterLab and nbgrader
    run a notebook in its own folder)."""
    path = Path(start or Path.cwd()) / HIDDEN_TESTS
    if not path.is_file():
        raise FileNotFoundError(f"no {HIDDEN_TESTS} in {path.parent}: run the notebook there")
    return path


def run_hidden_test(grade_id: str, namespace: dict, folder: Path | None = None) -> int:
    """Run hidden test ``grade_id`` on the functions in ``namespace``; return the cases run.

    Raises AssertionError naming the first case and output that differ from the reference; for
    a test judged by a score (``thresholds``), when the accuracy misses full points.
    """
    path = find_hidden_tests(folder)
    module = load_hidden_tests(path)
    test = module.TESTS[grade_id]
    rng = case_rng(NOTEBOOK_SEED, path.parent.name, grade_id)
    # a by-hand item is checked against the notebook's own numbers
    cases = test.draw_cases(rng, getattr(module, "TASK", None))
    correct = total = 0
    for number, case in enumerate(cases, start=1):
        scope = dict(namespace)
        scope.update(case.scalars)
        scope.update({name: value.copy() for name, value in case.arrays.items()})
        exec(compile(test.driver, f"<hidden test {grade_id}>", "exec"), scope)
        for name, expected in case.expected.items():
            value = scope["outputs"].get(name)
            got = value if isinstance(value, np.ndarray) else np.asarray(value)
            problem = label_problem(got, expected) if test.thresholds else \
                compare(got, expected, test)  # fmt: skip
            if problem:
                raise AssertionError(f"hidden test {number} of {len(cases)}: {name} {problem}")
            if test.thresholds:
                correct, total = correct + int(np.sum(got == expected)), total + expected.size
    if test.thresholds and correct < test.thresholds[0][0] * total:
        rule = describe_thresholds(test.thresholds)
        raise AssertionError(f"hidden test {len(cases)} of {len(cases)}: the accuracy over all "
                             f"{total} examples, {correct / total:.1%}, misses full points "
                             f"({rule})")  # fmt: skip
    return len(cases)
