"""Grading submissions: right scores, exactly the buggy function's points lost, nothing lost."""

from __future__ import annotations

import hashlib

import pytest
from dlcourse.grading.runner import autograde, load_rows, parse_timestamp
from dlcourse.grading.sandbox import Limits
from dlcourse.grading.specs import get_spec
from grading_support import answer_source, blank_cells, make_course, submit

pytestmark = pytest.mark.slow  # grades a dozen submissions in sandboxes

A1 = get_spec("a1_convolution")
LIMITS = Limits(cell_timeout=10, submission_timeout=60)

#: one deliberate bug per graded function of assignment 1 (text replaced in its answer cell)
BUGS = {
    "conv2d_forward_loop": ("np.sum(window * w[f]) + b[f]", "np.sum(window * w[f])"),
    "conv2d_forward": ("windows = windows[:, :, ::stride, ::stride]", "pass"),
    "conv2d_backward": ("db = dout.sum(axis=(0, 2, 3))", "db = np.zeros(F)"),
}


def grade(course, **kwargs):
    return {r["student"]: r for r in autograde(course, A1, "test-secret", LIMITS, progress=False,
                                               **kwargs)}  # fmt: skip


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("runner"))
    submit(course, "correct")
    submit(course, "blank", cells=blank_cells("a1_convolution", A1.answer_cells))
    for gid, (old, new) in BUGS.items():
        source = answer_source("a1_convolution", gid)
        assert old in source, f"the bug for {gid} no longer applies to the solution"
        submit(course, f"bug_{gid}", cells={gid: source.replace(old, new)})
    submit(course, "malformed", raw=b'{"cells": [')
    (course.root / "submitted" / "nofile" / "a1_convolution").mkdir(parents=True)
    submit(course, "late", timestamp="2026-12-02 08:00:00")
    hashes = {p: hashlib.sha256(p.read_bytes()).hexdigest()
              for p in (course.root / "submitted").rglob("*.ipynb")}  # fmt: skip
    rows = grade(course, due=parse_timestamp("2026-12-01 23:59"))
    return course, rows, hashes


def test_correct_submission_gets_full_marks(graded):
    _, rows, _ = graded
    assert (rows["correct"]["score"], rows["correct"]["status"]) == (40, "graded")


def test_blank_release_scores_zero(graded):
    assert graded[1]["blank"]["score"] == 0


@pytest.mark.parametrize("gid", sorted(BUGS))
def test_a_bug_loses_exactly_that_functions_points(graded, gid):
    row = graded[1][f"bug_{gid}"]
    lost = {t["grade_id"] for t in row["tests"] if not t["passed"]}
    assert lost == {f"test_{gid}"}
    assert row["score"] == 40 - A1.tests[[t.grade_id for t in A1.tests].index(f"test_{gid}")].points


def test_every_submission_has_a_row_with_status_and_reason(graded):
    course, rows, _ = graded
    assert rows["malformed"]["status"] == "malformed" and "not valid JSON" in rows["malformed"][
        "reason"]  # fmt: skip
    assert (rows["nofile"]["status"], rows["nofile"]["score"]) == ("missing", 0)
    assert (rows["late"]["status"], rows["late"]["score"]) == ("late", 40)
    assert {r["student"] for r in load_rows(course, A1)} == set(rows)


def test_submitted_files_are_never_modified(graded):
    _, _, hashes = graded
    for path, digest in hashes.items():
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest


def test_running_again_gives_the_same_rows(graded):
    course, rows, _ = graded
    again = grade(course, due=parse_timestamp("2026-12-01 23:59"), force=True)
    strip = ("protections", "key")
    for student, row in rows.items():
        assert {k: v for k, v in again[student].items() if k not in strip} == \
            {k: v for k, v in row.items() if k not in strip}  # fmt: skip


@pytest.mark.parametrize("name", ["a2_pooling", "a3_pooling_by_hand"])
def test_solution_scores_every_autograded_point_and_blank_none(tmp_path, name):
    spec = get_spec(name)
    course = make_course(tmp_path, (name,))
    submit(course, "correct", name)
    submit(course, "blank", name, cells=blank_cells(name, spec.answer_cells))
    rows = {r["student"]: r for r in autograde(course, spec, "s", LIMITS, progress=False)}
    assert rows["correct"]["score"] == spec.auto_score
    assert rows["blank"]["score"] == 0


def test_wrong_hand_pooling_answer_loses_its_points(tmp_path):
    spec = get_spec("a3_pooling_by_hand")
    course = make_course(tmp_path, (spec.name,))
    wrong = {"max_pool_answer": "max_pool_result = [[6, 8], [5, 4]]"}
    submit(course, "dev", spec.name, cells=wrong)
    (row,) = autograde(course, spec, "s", LIMITS, progress=False)
    assert row["score"] == 3 and row["max_score"] == 10
    assert [t["passed"] for t in row["tests"]] == [False, True]
    assert "result has wrong values" in row["tests"][0]["reason"]


def test_rigged_hand_answers_gain_nothing(tmp_path):
    spec = get_spec("a3_pooling_by_hand")
    course = make_course(tmp_path, (spec.name,))
    rigged = ("import numpy as np\nnp.allclose = lambda *a, **k: True\n"
              "class Anything(list):\n    def __eq__(self, other): return True\n"
              "max_pool_result = Anything()\n")  # fmt: skip
    strings = "avg_pool_result = [['3.25', '5.25'], ['2', '2']]\n"
    submit(course, "mallory", spec.name,
           cells={"max_pool_answer": rigged, "avg_pool_answer": strings})  # fmt: skip
    (row,) = autograde(course, spec, "s", LIMITS, progress=False)
    assert row["score"] == 0
    assert [t["reason"] for t in row["tests"]] == [
        "your answer max_pool_result has the wrong shape",
        "your answer avg_pool_result is not an array of numbers",
    ]
