"""Feedback pages: what passed, why the rest failed, and nothing hidden."""

from __future__ import annotations

from dlcourse.grading.feedback import render, write_feedback

ROW = {"assignment": "a1_convolution", "student": "ada", "score": 10.0, "max_score": 40.0,
       "status": "timed out", "reason": "",
       "tests": [{"grade_id": "t1", "title": "forward <loop>", "points": 10.0,
                  "max_points": 10.0, "passed": True, "reason": "passed on all 6 hidden inputs"},
                 {"grade_id": "t2", "title": "backward", "points": 0.0, "max_points": 30.0,
                  "passed": False,
                  "reason": "hidden input 2 of 6: dx has wrong values"}]}  # fmt: skip


def test_page_shows_score_results_and_reasons():
    page = render(ROW)
    assert "Score: 10 / 40" in page
    assert page.count('class="pass"') == 1 and page.count('class="fail"') == 1
    assert "hidden input 2 of 6: dx has wrong values" in page
    assert "did not finish within the time limit" in page


def test_page_escapes_text():
    assert "forward &lt;loop&gt;" in render(ROW)


def test_one_page_per_student_and_assignment(tmp_path):
    (path,) = write_feedback(tmp_path, [ROW])
    assert path == tmp_path / "ada" / "a1_convolution" / "feedback.html"
