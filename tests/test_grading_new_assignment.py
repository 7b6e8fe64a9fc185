"""Adding an assignment is a folder (plus a book page and a TOC line): nothing in the library.

A throw-away assignment is written exactly as CONTRIBUTING says -- ``solutions/<name>/<name>.ipynb``
with nbgrader metadata, and ``hidden_tests.py`` beside it -- then released, graded and exported
by the ``dlcourse`` command, and its notebook's hidden test runs the grader's own cases.
"""

from __future__ import annotations

import csv
import json
import shutil

import nbformat
import pytest
from dlcourse.cli import main
from dlcourse.grading.hidden import run_hidden_test
from dlcourse.grading.specs import assignment_names, get_spec
from grading_support import ROOT

NAME = "a9_scale"

HIDDEN_TESTS = """
import numpy as np

from dlcourse.grading.specs import Case, HiddenTest


def cases(rng):
    return [Case({"x": x}, {"k": k}, {"y": k * x})
            for x, k in ((rng.standard_normal((3, 4)), 2.5), (rng.standard_normal(5), -1.0))]


TESTS = {"test_scale": HiddenTest("scale multiplies x by k", ("scale",),
                                  "outputs = {'y': scale(x, k)}", ("y",), cases)}
MISTAKES = {"scale": ("return k * x", "return k + x", "adds instead of multiplying")}
"""


def cell(kind, source, **nbgrader):
    make = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
    new = make(source)
    if nbgrader:
        new.metadata["nbgrader"] = {"schema_version": 3, "grade": False, "solution": False,
                                    "locked": False, "task": False, **nbgrader}  # fmt: skip
        new.id = nbgrader["grade_id"]
    return new


def add_assignment(solutions):
    """What CONTRIBUTING's "Adding an assignment" asks for, and nothing more."""
    folder = solutions / NAME
    folder.mkdir(parents=True)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}  # fmt: skip
    nb.cells = [
        cell("markdown", "# Assignment 9: scaling (10 points)"),
        cell("code", "import numpy as np", grade_id="setup", locked=True),
        cell("code", "def scale(x, k):\n    ### BEGIN SOLUTION\n    return k * x\n"
                     "    ### END SOLUTION", grade_id="scale", solution=True),
        cell("code", "assert np.allclose(scale(np.ones(2), 3.0), [3.0, 3.0])\n"
                     "### BEGIN HIDDEN TESTS\nfrom dlcourse.grading.hidden import run_hidden_test\n"
                     "run_hidden_test('test_scale', globals())\n### END HIDDEN TESTS",
             grade_id="test_scale", grade=True, locked=True, points=10),
    ]  # fmt: skip
    nbformat.write(nb, folder / f"{NAME}.ipynb")
    (folder / "hidden_tests.py").write_text(HIDDEN_TESTS, encoding="utf-8")
    return folder


def submit(course, student, source):
    release = json.loads((course / "assignments" / NAME / f"{NAME}.ipynb").read_text())
    for c in release["cells"]:
        if c["metadata"].get("nbgrader", {}).get("grade_id") == "scale":
            c["source"] = source
    path = course / "submitted" / student / NAME / f"{NAME}.ipynb"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(release), encoding="utf-8")


@pytest.mark.slow
def test_a_new_folder_is_released_graded_and_exported(tmp_path):
    course = tmp_path / "course"
    (course / "solutions").mkdir(parents=True)
    shutil.copy(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    folder = add_assignment(course / "solutions")
    assert assignment_names(course / "solutions") == [NAME]
    spec = get_spec(NAME, course / "solutions")
    assert (spec.max_score, spec.answer_cells, spec.setup_cells) == (10, ("scale",), ("setup",))
    namespace = {"scale": lambda x, k: k * x}
    assert run_hidden_test("test_scale", namespace, folder) == 2
    with pytest.raises(AssertionError, match="y has wrong values"):
        run_hidden_test("test_scale", {"scale": lambda x, k: k + x}, folder)

    cli = ["--course", str(course)]
    assert main([*cli, "release", NAME]) == 0
    assert not (course / "assignments" / NAME / "hidden_tests.py").exists()
    submit(course, "ada", "def scale(x, k):\n    return k * x\n")
    submit(course, "bob", "def scale(x, k):\n    return k + x\n")
    assert main([*cli, "autograde", NAME, "--quiet"]) == 0
    assert main([*cli, "export"]) == 0
    with open(course / "grading" / "grades.csv", encoding="utf-8") as f:
        scores = {r["student"]: float(r["score"]) for r in csv.DictReader(f)}
    assert scores == {"ada": 10.0, "bob": 0.0}
