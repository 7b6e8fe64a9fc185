"""What the grader runs of a submission: its code cells in the student's order, as Validate does."""

from __future__ import annotations

import pytest
from dlcourse.grading.extract import program_cells

READ_ONLY = {"setup": "import numpy as np", "checks": "def check(): pass"}


def code(source, gid=None):
    meta = {"nbgrader": {"grade_id": gid}} if gid else {}
    return {"cell_type": "code", "metadata": meta, "source": source}


def labels(cells):
    return [(c.label, c.origin) for c in cells]


def run(*cells):
    order = ["setup", "f", "checks", "test_f", "g"]
    return program_cells({"cells": list(cells)}, READ_ONLY, {"f", "g"}, {"test_f"}, order)


def test_student_cells_run_where_the_student_put_them_and_tests_are_left_out():
    cells = run(code("edited", "setup"), code("def f(): return h()", "f"), code("def h(): ..."),
                code("f()", "test_f"), {"cell_type": "markdown", "source": "# notes"},
                code("def g(): ...", "g"))  # fmt: skip
    assert labels(cells) == [("setup", "instructor"), ("f", "student"), ("cell 3", "student"),
                             ("checks", "instructor"), ("g", "student")]  # fmt: skip
    assert cells[0].source == "import numpy as np"  # the instructor's copy, never the student's


def test_a_deleted_read_only_cell_is_put_back_before_what_followed_it():
    cells = run(code("def f(): ...", "f"), code("def g(): ...", "g"))
    assert labels(cells) == [("setup", "instructor"), ("f", "student"), ("checks", "instructor"),
                             ("g", "student")]  # fmt: skip


def test_repeated_ids_run_once_and_a_students_own_id_is_never_a_label():
    cells = run(code("x = 1", "f"), code("x = 2", "f"), code("y = 1", "made-up <id>"))
    assert labels(cells) == [("setup", "instructor"), ("f", "student"), ("cell 3", "student"),
                             ("checks", "instructor")]  # fmt: skip
    assert cells[1].source == "x = 1"


@pytest.mark.slow
def test_a_helper_in_an_added_cell_counts_and_a_failing_one_is_named(tmp_path):
    """Validate runs the student's own cells; so does the grader, and it says when one failed."""
    from dlcourse.grading.runner import autograde
    from dlcourse.grading.sandbox import Limits
    from dlcourse.grading.specs import get_spec
    from grading_support import answer_source, make_course, submit

    spec = get_spec("a3_pooling_by_hand")
    course = make_course(tmp_path, (spec.name,))
    answers = {gid: answer_source(spec.name, gid) for gid in spec.answer_cells}
    answers["avg_pool_answer"] = "avg_pool_result = halves([[6.5, 10.5], [4, 4]])"

    def helper(source):
        def add(notebook):
            at = next(i for i, c in enumerate(notebook["cells"])
                      if c["metadata"].get("nbgrader", {}).get("grade_id") == "setup")  # fmt: skip
            notebook["cells"].insert(at + 1, {"cell_type": "code", "metadata": {}, "id": "mine",
                                              "outputs": [], "execution_count": None,
                                              "source": source})  # fmt: skip

        return add

    halves = "def halves(rows):\n    return [[v / 2 for v in row] for row in rows]\n"
    submit(course, "ada", spec.name, cells=answers, transform=helper(halves))
    submit(course, "bob", spec.name, cells=answers,
           transform=helper("import matplotlib\n" + halves))  # fmt: skip
    rows = {r["student"]: r for r in autograde(course, spec, "s", Limits(cell_timeout=20),
                                               progress=False)}  # fmt: skip
    assert rows["ada"]["score"] == spec.auto_score
    (failed,) = [t for t in rows["bob"]["tests"] if not t["passed"]]
    assert "your cell 4 raised ModuleNotFoundError" in failed["reason"]
    assert "at line" not in failed["reason"]  # a line from inside the sandbox is not shown
