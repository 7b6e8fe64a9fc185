"""Scores land in nbgrader's own gradebook; nbgrader's export reads them back."""

from __future__ import annotations

import csv

import pytest
from dlcourse.grading.gradebook import database_url, open_gradebook, write_csv, write_rows
from grading_support import make_course

slow = pytest.mark.slow  # nbgrader creates a database through a subprocess: seconds each

ROWS = [
    {"assignment": "a1_convolution", "student": "ada", "score": 30.0, "max_score": 40.0,
     "status": "graded", "reason": "", "timestamp": "2026-11-30 10:00:00",
     "tests": [{"grade_id": "test_conv2d_forward_loop", "points": 10.0},
               {"grade_id": "test_conv2d_forward", "points": 0.0},
               {"grade_id": "test_conv2d_backward", "points": 20.0}]},
    {"assignment": "a1_convolution", "student": "bob", "score": 0.0, "max_score": 40.0,
     "status": "missing", "reason": "no file", "timestamp": None, "tests": []},
]  # fmt: skip


def test_database_url_prefers_option_then_environment_then_sqlite(tmp_path, monkeypatch):
    monkeypatch.delenv("DLCOURSE_DB_URL", raising=False)
    assert database_url(tmp_path) == f"sqlite:///{tmp_path / 'gradebook.db'}"
    monkeypatch.setenv("DLCOURSE_DB_URL", "postgresql://grader@db/dlcourse")
    assert database_url(tmp_path) == "postgresql://grader@db/dlcourse"
    assert database_url(tmp_path, "sqlite:////x.db") == "sqlite:////x.db"


@slow
def test_scores_are_written_per_test_cell(tmp_path):
    course = make_course(tmp_path)
    url = database_url(course.root, f"sqlite:///{tmp_path / 'gb.db'}")
    notebook = course.source_notebook(__import__("dlcourse.grading.specs").grading.specs.A1)
    write_rows(url, "a1_convolution", notebook, ROWS)
    with open_gradebook(url) as gb:
        submission = gb.find_submission("a1_convolution", "ada")
        assert submission.score == 30.0 and submission.max_score == 40.0
        assert gb.find_student("bob") is not None


@slow
def test_manual_override_survives_a_regrade(tmp_path):
    course = make_course(tmp_path)
    url = f"sqlite:///{tmp_path / 'gb.db'}"
    notebook = course.root / "solutions" / "a1_convolution" / "a1_convolution.ipynb"
    write_rows(url, "a1_convolution", notebook, ROWS)
    with open_gradebook(url) as gb:
        grade = gb.find_grade("test_conv2d_forward", "a1_convolution", "a1_convolution", "ada")
        grade.manual_score = 5.0
        gb.db.commit()
    write_rows(url, "a1_convolution", notebook, ROWS)
    with open_gradebook(url) as gb:
        assert gb.find_submission("a1_convolution", "ada").score == 35.0


def test_csv_export_keeps_every_row_with_its_status(tmp_path):
    path = write_csv(tmp_path / "grades.csv", ROWS)
    rows = list(csv.DictReader(path.open()))
    assert [(r["student"], r["score"], r["status"]) for r in rows] == [
        ("ada", "30", "graded"), ("bob", "0", "missing")]  # fmt: skip
