"""Hidden tests of assignment 3 (pooling by hand): the typed answers against the pooled slice.

``TASK`` is the notebook's slice (the one of the lecture's exercise); with personal variants
(``dlcourse release --per-student``) each student pools their own slice, :func:`variant`, seeded
by the course secret and the student's id (:mod:`dlcourse.grading.variants`).

Read by the grader (``dlcourse autograde``) and by the hidden region of each test cell of the
instructor's notebook (:func:`dlcourse.grading.hidden.run_hidden_test`). Points, ids and cells
(the written answer graded by hand included) come from the notebook's metadata. Never released
to students (``nbgrader_config.py`` keeps this file out of ``assignments/``).
"""

import numpy as np
from dlcourse import pool
from dlcourse.grading.specs import Case, HiddenTest

#: the depth slice of the task (rows 1 1 2 4 / 5 6 7 8 / 3 2 1 0 / 1 2 3 4)
SLICE = np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]], dtype=float)
TASK = {"slice": SLICE.astype(int).tolist()}


def variant(rng: np.random.Generator) -> dict:
    """A student's own slice: 4 x 4 whole numbers from 0 to 9."""
    return {"slice": rng.integers(0, 10, (4, 4)).tolist()}


def task_text(task: dict) -> str:
    """The slice as the task cell shows it (a Markdown table with numbered rows and columns)."""
    lines = ["|   | column 0 | column 1 | column 2 | column 3 |", "|---|---|---|---|---|"]
    for i, row in enumerate(task["slice"]):
        lines.append(f"| **row {i}** | " + " | ".join(str(int(x)) for x in row) + " |")
    return "\n".join(lines)


def pooled(forward):
    """The one case of a hand-computed answer: the reference pools the slice (2x2, stride 2)."""

    def make(rng: np.random.Generator, task: dict) -> list[Case]:
        x = np.array(task["slice"], dtype=float)
        out, _ = forward(x[None, None], 2, 2)
        return [Case({}, {}, {"result": out[0, 0]})]

    return make


TESTS = {
    "test_max_pool_answer": HiddenTest(
        "max_pool_result is the max-pooled slice", ("max_pool_result",),
        "outputs = {'result': max_pool_result}", ("result",), pooled(pool.max_pool2d_forward),
        kinds="iuf", typed_answer=True, uses_task=True,
    ),
    "test_avg_pool_answer": HiddenTest(
        "avg_pool_result is the average-pooled slice", ("avg_pool_result",),
        "outputs = {'result': avg_pool_result}", ("result",), pooled(pool.avg_pool2d_forward),
        kinds="iuf", typed_answer=True, uses_task=True,
    ),
}  # fmt: skip

#: one realistic mistake per answer cell: (text in the solution, replacement, what it breaks)
MISTAKES = {
    "max_pool_answer": ("[3, 4]]", "[3, 3]]", "one wrong number"),
    "avg_pool_answer": ("[2, 2]]", "[2, 1.75]]", "one wrong number"),
}
