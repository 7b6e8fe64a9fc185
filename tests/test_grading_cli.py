"""The ``dlcourse`` command: clear errors, and the summary with its histogram."""

from __future__ import annotations

import json

import numpy as np
from dlcourse.cli import main
from dlcourse.grading.summary import histogram_bins
from grading_support import make_course


def test_missing_course_folder_is_a_clear_error(tmp_path, capsys):
    assert main(["--course", str(tmp_path / "nowhere"), "summary"]) == 2
    assert "course folder" in capsys.readouterr().err


def test_folder_without_solutions_is_not_a_course(tmp_path, capsys):
    assert main(["--course", str(tmp_path), "summary"]) == 2
    assert "no solutions/ folder" in capsys.readouterr().err


def test_unknown_assignment_is_named(tmp_path, capsys):
    course = make_course(tmp_path)
    assert main(["--course", str(course.root), "autograde", "a9_nothing"]) == 2
    assert "unknown assignment 'a9_nothing'" in capsys.readouterr().err


def test_summary_prints_table_and_saves_histogram(tmp_path, capsys):
    course = make_course(tmp_path)
    folder = course.root / "grading" / "a1_convolution"
    folder.mkdir(parents=True)
    for student, score in [("ada", 40.0), ("bob", 10.0)]:
        row = {"assignment": "a1_convolution", "student": student, "score": score,
               "max_score": 40.0, "status": "graded", "reason": "", "tests": []}  # fmt: skip
        (folder / f"{student}.json").write_text(json.dumps(row))
    assert main(["--course", str(course.root), "summary", "a1_convolution"]) == 0
    out = capsys.readouterr().out
    assert "2 submissions" in out and "mean 25.0" in out
    png = course.root / "grading" / "a1_convolution_scores.png"
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_histogram_bins_count_every_score_from_zero_to_full_marks():
    scores = [0, 0.5, 10, 39, 40]
    for max_score in (40, 10 + 30, 200):
        counts, _ = np.histogram(scores, bins=histogram_bins(max_score))
        assert counts.sum() == len(scores)
