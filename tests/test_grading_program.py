"""What the grader runs of a submission: its code cells in the student's order, as Validate does."""

from __future__ import annotations

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
