"""The instructor's term in one test: release, collect an LMS zip, autograde, feedback, export.

Ten simulated students, each with the exact grade and status the tool must give.
"""

from __future__ import annotations

import csv
import json
import zipfile

import pytest
from dlcourse.cli import main
from dlcourse.grading.extract import grade_id
from dlcourse.grading.gradebook import open_gradebook
from grading_support import answer_source, make_course

pytestmark = pytest.mark.slow

LOOP_BIAS_BUG = ("np.sum(window * w[f]) + b[f]", "np.sum(window * w[f])")


def solution(gid: str) -> str:
    return answer_source("a1_convolution", gid)


#: student -> (answer cells to put in the released notebook, expected score, expected status)
STUDENTS = {
    "ada": ({}, 40, "graded"),  # correct
    "ben": ({"conv2d_forward_loop": solution("conv2d_forward_loop").replace(*LOOP_BIAS_BUG)},
            30, "graded"),  # partly correct: forgot the bias in the loop version
    "cara": (None, 0, "graded"),  # blank: the release as downloaded
    "dev": ({"conv2d_forward_loop": "def conv2d_forward_loop(x, w, b, stride=1, padding=0):\n"
                                    "    return x[99]\n"}, 30, "graded"),  # crashing
    "eve": ({"conv2d_backward": "def conv2d_backward(dout, cache):\n    while True:\n"
                                "        pass\n"}, 20, "timed out"),  # hanging
    "finn": ("malformed", 0, "malformed"),  # a truncated file
    "gil": ({"conv2d_forward_loop": "import numpy as np\nnp.allclose = lambda *a, **k: True\n"
                                    "def conv2d_forward_loop(x, w, b, stride=1, padding=0):\n"
                                    "    import torch\n    return torch.zeros(1)\n"},
            30, "graded"),  # cheating on one function, honest on the others
    "hana": ({}, 40, "late"),  # correct, after the due date
    "ivan": ({"conv2d_forward": solution("conv2d_forward").replace(
        "    cache = (x, w, b, stride, padding)", "    import os\n    os._exit(0)")},
        30, "kernel died"),  # kills its interpreter in one function: only its 10 points lost
    "kim": ("missing", 0, "missing"),  # a folder without the notebook
}  # fmt: skip


def released_notebook(course) -> dict:
    path = course.root / "assignments" / "a1_convolution" / "a1_convolution.ipynb"
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def term(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("term")
    course = make_course(tmp)
    root = str(course.root)
    assert main(["--course", root, "release", "a1_convolution"]) == 0
    release = released_notebook(course)
    archive = tmp / "lms_download.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for student, (cells, _, _) in STUDENTS.items():
            if cells == "missing":
                (course.root / "submitted" / student / "a1_convolution").mkdir(parents=True)
                continue
            stamp = "2026-12-02-09-15-00" if student == "hana" else "2026-12-01-20-00-00"
            name = f"a1_convolution_{student}_attempt_{stamp}_a1_convolution.ipynb"
            if cells == "malformed":
                zf.writestr(name, json.dumps(release)[:500])
                continue
            notebook = json.loads(json.dumps(release))
            for cell in notebook["cells"]:
                gid = grade_id(cell)
                if cells is not None and gid in ("conv2d_forward_loop", "conv2d_forward",
                                                 "conv2d_backward"):  # fmt: skip
                    cell["source"] = cells.get(gid, solution(gid))
            zf.writestr(name, json.dumps(notebook))
    assert main(["--course", root, "collect", "a1_convolution", "--zip", str(archive)]) == 0
    assert main(["--course", root, "autograde", "a1_convolution", "--jobs", "2", "--quiet",
                 "--due", "2026-12-01 23:59", "--cell-timeout", "5"]) == 0  # fmt: skip
    assert main(["--course", root, "feedback", "a1_convolution"]) == 0
    assert main(["--course", root, "export"]) == 0
    with open(course.root / "grading" / "grades.csv", encoding="utf-8") as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    return course, rows


@pytest.mark.parametrize("student", sorted(STUDENTS))
def test_each_student_gets_the_exact_grade_and_status(term, student):
    _, rows = term
    _, score, status = STUDENTS[student]
    assert (float(rows[student]["score"]), rows[student]["status"]) == (score, status)


def test_gradebook_agrees_with_the_export(term):
    course, rows = term
    with open_gradebook(f"sqlite:///{course.root / 'gradebook.db'}") as gb:
        for student, row in rows.items():
            if row["status"] == "missing":
                continue
            assert gb.find_submission("a1_convolution", student).score == float(row["score"])


def test_every_graded_student_has_a_feedback_page(term):
    course, rows = term
    pages = sorted(p.parts[-3] for p in (course.root / "feedback").glob("*/*/feedback.html"))
    assert pages == sorted(rows)


def test_release_holds_no_solution_or_hidden_test(term):
    course, _ = term
    text = json.dumps(released_notebook(course))
    assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text
