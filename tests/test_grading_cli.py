"""The ``dlcourse`` command: clear errors, outputs read from the gradebook, quiet pipes."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from dlcourse.cli import main
from dlcourse.grading.gradebook import write_rows
from dlcourse.grading.specs import get_spec
from dlcourse.grading.summary import histogram, histogram_bins
from grading_support import make_course

A1 = get_spec("a1_convolution")


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


def test_outputs_before_any_grading_say_what_to_run(tmp_path, capsys):
    course = make_course(tmp_path)
    assert main(["--course", str(course.root), "export"]) == 2
    assert "run dlcourse autograde first" in capsys.readouterr().err


def test_a_database_that_is_down_is_one_line_with_the_password_hidden(tmp_path, capsys):
    """export reads the gradebook: a server that does not answer is an error, not a CSV."""
    course = make_course(tmp_path)
    url = "postgresql://grader:s3cret@127.0.0.1:1/dlcourse?connect_timeout=3"
    assert main(["--course", str(course.root), "--db", url, "export"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "s3cret" not in err and "grader:***@127.0.0.1:1" in err
    assert not (course.root / "grading" / "grades.csv").exists()


def rows(scores):
    return [{"assignment": A1.name, "student": s, "score": float(sum(p)), "max_score": 40.0,
             "status": "graded", "reason": "", "timestamp": None,
             "tests": [{"grade_id": t.grade_id, "title": t.title, "points": float(q),
                        "max_points": t.points, "passed": q == t.points, "reason": ""}
                       for t, q in zip(A1.tests, p, strict=True)]}
            for s, p in scores.items()]  # fmt: skip


@pytest.mark.slow
def test_summary_reads_the_gradebook_and_saves_a_histogram(tmp_path, capsys):
    course = make_course(tmp_path)
    url = f"sqlite:///{course.root / 'gradebook.db'}"
    write_rows(url, course.root, A1, rows({"ada": [10, 10, 20], "bob": [10, 0, 0]}))
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


def test_histogram_counts_whole_submissions(tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    seen = []
    monkeypatch.setattr(plt, "close", lambda fig: seen.append(fig))
    histogram([{"assignment": "a", "score": 3.0, "max_score": 10.0}], tmp_path / "h.png")
    ticks = seen[0].axes[0].get_yticks()
    assert len(ticks) and all(float(t).is_integer() for t in ticks)


def test_a_closed_pipe_is_not_a_traceback(tmp_path):
    """``dlcourse ... | head``: the reader is gone before the first line is written."""
    course = make_course(tmp_path)
    (tmp_path / "inbox").mkdir()
    command = [sys.executable, "-m", "dlcourse.cli", "--course", str(course.root), "collect",
               "a1_convolution", "--from", str(tmp_path / "inbox")]  # fmt: skip
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    child.stdout.close()  # like `head` that has read its lines
    err = child.stderr.read().decode()
    assert child.wait() == 141 and "Traceback" not in err and "BrokenPipe" not in err, err
