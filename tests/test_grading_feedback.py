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


def test_a_written_answer_waiting_for_its_hand_grade_is_said_so():
    row = {**ROW, "status": "graded", "awaiting_hand_grade": ["max_pool_written"],
           "tests": [{"grade_id": "max_pool_written", "title": "written answer", "points": 0.0,
                      "max_points": 4.0, "passed": None, "reason": "waiting for a hand grade",
                      "manual": True}]}  # fmt: skip
    page = render(row)
    assert "Not final yet: max_pool_written still waits" in page
    assert 'class="wait"' in page and "waiting for a hand grade" in page


def test_typed_answers_are_not_called_code():
    page = render({**ROW, "typed_answers": True})
    assert "your functions" not in page and "Each answer you typed" in page
    assert "your functions" in render(ROW)


def test_a_late_penalty_is_shown():
    assert "Late penalty: 40 points." in render({**ROW, "late_penalty": 40.0})
