"""The gradebook holds every grade: scores, reasons, hand grades, late penalties, the roster.

Each test runs on SQLite and on a real PostgreSQL server (``pg_support``).
"""

from __future__ import annotations

import csv
import multiprocessing
from datetime import datetime

import pytest
from dlcourse.grading.gradebook import (
    GradebookError,
    database_url,
    import_roster,
    open_gradebook,
    read_results,
    redact,
    sync_assignment,
    write_csv,
    write_rows,
)
from dlcourse.grading.specs import get_spec
from grading_support import make_course
from pg_support import postgres_server

A1, A3 = get_spec("a1_convolution"), get_spec("a3_pooling_by_hand")


def row(student, scores, spec=A1, status="graded", timestamp="2026-11-30 10:00:00", **extra):
    tests = [{"grade_id": t.grade_id, "title": t.title, "points": float(p), "max_points": t.points,
              "passed": p == t.points, "reason": "passed" if p == t.points else "wrong values"}
             for t, p in zip(spec.tests, scores, strict=True)]  # fmt: skip
    return {"assignment": spec.name, "student": student, "score": float(sum(scores)),
            "max_score": spec.max_score, "status": status, "reason": "", "tests": tests,
            "timestamp": timestamp, **extra}  # fmt: skip


@pytest.fixture(scope="module")
def server():
    with postgres_server() as running:
        yield running


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def db(request, tmp_path):
    """A fresh, empty gradebook URL and a course folder with a1 and a3."""
    course = make_course(tmp_path, ("a1_convolution", "a3_pooling_by_hand"))
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'gb.db'}", course
    return request.getfixturevalue("server").new_database(), course


def test_database_url_prefers_option_then_environment_then_sqlite(tmp_path, monkeypatch):
    monkeypatch.delenv("DLCOURSE_DB_URL", raising=False)
    assert database_url(tmp_path) == f"sqlite:///{tmp_path / 'gradebook.db'}"
    monkeypatch.setenv("DLCOURSE_DB_URL", "postgresql://grader@db/dlcourse")
    assert database_url(tmp_path) == "postgresql://grader@db/dlcourse"
    assert database_url(tmp_path, "sqlite:////x.db") == "sqlite:////x.db"


def test_the_password_never_shows():
    assert redact("postgresql://grader:s3cret@db/dlcourse") == "postgresql://grader:***@db/dlcourse"


@pytest.mark.slow
def test_an_unreachable_server_is_one_clear_line_without_the_password(server):
    url = server.url("dlcourse", password="s3cret").replace(f"port={server.port}", "port=1")
    with pytest.raises(GradebookError) as error, open_gradebook(url):
        pass
    message = str(error.value)
    assert "\n" not in message and "s3cret" not in message and "***" in message
    assert "check that the database server is running" in message


def test_scores_and_reasons_land_on_the_test_cells(db):
    url, course = db
    missing = {**row("bob", [0, 0, 0], status="missing"), "tests": []}
    write_rows(url, course.root, A1, [row("ada", [10, 0, 20]), missing])
    with open_gradebook(url) as gb:
        submission = gb.find_submission("a1_convolution", "ada")
        assert submission.score == 30.0 and submission.max_score == 40.0
        assert gb.find_student("bob") is not None
    (ada, bob) = read_results(url, A1, {"ada": row("ada", [10, 0, 20])})
    assert (ada["student"], ada["score"], bob["status"], bob["score"]) == ("ada", 30, "missing", 0)
    assert [t["reason"] for t in ada["tests"]] == ["passed", "wrong values", "passed"]


def test_a_hand_changed_score_wins_and_survives_a_regrade(db):
    url, course = db
    write_rows(url, course.root, A1, [row("ada", [10, 0, 20])])
    with open_gradebook(url) as gb:
        grade = gb.find_grade("test_conv2d_forward", "a1_convolution", "a1_convolution", "ada")
        grade.manual_score = 5.0
        gb.db.commit()
    write_rows(url, course.root, A1, [row("ada", [10, 0, 20])])
    (ada,) = read_results(url, A1, {})
    assert ada["score"] == 35.0
    assert (
        "set by hand to 5"
        in next(t for t in ada["tests"] if t["grade_id"] == "test_conv2d_forward")["reason"]
    )


def test_a_written_answer_waits_for_its_hand_grade_then_counts(db):
    url, course = db
    answered = {"manual_answered": {"max_pool_written": True}}
    blank = {"manual_answered": {"max_pool_written": False}}
    write_rows(url, course.root, A3, [row("ada", [3, 3], A3, **answered),
                                      row("bob", [3, 0], A3, **blank)])  # fmt: skip
    ada, bob = read_results(url, A3, {})
    assert (ada["score"], ada["awaiting_hand_grade"]) == (6, ["max_pool_written"])
    assert (bob["score"], bob["awaiting_hand_grade"]) == (3, [])  # untouched: 0, nothing to grade
    with open_gradebook(url) as gb:
        gb.find_grade("max_pool_written", A3.name, A3.name, "ada").manual_score = 3.0
        gb.find_comment("max_pool_written", A3.name, A3.name, "ada").manual_comment = "Good."
        gb.db.commit()
    ada, _ = read_results(url, A3, {})
    assert (ada["score"], ada["awaiting_hand_grade"]) == (9, [])
    written = next(t for t in ada["tests"] if t["grade_id"] == "max_pool_written")
    assert (written["points"], written["reason"]) == (3, "Good.")


def test_late_penalty_follows_nbgraders_plugin_and_is_off_by_default(db):
    url, course = db
    due = datetime(2026, 12, 1, 23, 59)
    late = row("ada", [10, 10, 20], timestamp="2026-12-02 08:00:00")
    write_rows(url, course.root, A1, [late], due=due)
    assert read_results(url, A1, {})[0]["score"] == 40
    write_rows(url, course.root, A1, [late], due=due, late_penalty="zero")
    (ada,) = read_results(url, A1, {})
    assert (ada["score"], ada["late_penalty"]) == (0, 40)


def test_roster_import_names_the_students(db, tmp_path):
    url, _ = db
    roster = tmp_path / "students.csv"
    roster.write_text("id,first_name,last_name,email\nkim_min.jun,민준,김,mj@example.org\n"
                      "lee,,이,\n", encoding="utf-8")  # fmt: skip
    assert import_roster(url, roster) == 2
    with open_gradebook(url) as gb:
        kim = gb.find_student("kim_min.jun")
        assert (kim.first_name, kim.last_name, kim.email) == ("민준", "김", "mj@example.org")


def test_a_roster_without_an_id_column_is_refused(tmp_path):
    roster = tmp_path / "students.csv"
    roster.write_text("name,email\nada,a@x\n", encoding="utf-8")
    with pytest.raises(ValueError, match="'id'"):
        import_roster(f"sqlite:///{tmp_path / 'gb.db'}", roster)


def _write_one(args):
    url, root, name, student = args
    spec = get_spec(name)
    write_rows(url, root, spec, [row(student, [t.points for t in spec.tests], spec)])
    return student


@pytest.mark.slow
def test_concurrent_runs_on_a_fresh_gradebook_lose_nothing(db):
    """Six processes write two assignments into a gradebook none of them created."""
    url, course = db
    jobs = [(url, course.root, name, f"s{i}") for i in range(3)
            for name in ("a1_convolution", "a3_pooling_by_hand")]  # fmt: skip
    with multiprocessing.get_context("fork").Pool(6) as pool:
        assert sorted(pool.map(_write_one, jobs)) == sorted(j[3] for j in jobs)
    with open_gradebook(url) as gb:
        for _, _, name, student in jobs:
            assert gb.find_submission(name, student).score == get_spec(name).auto_score


def test_release_and_grading_record_the_same_cells_in_any_order(db):
    url, course = db
    write_rows(url, course.root, A1, [row("ada", [10, 10, 20])])
    sync_assignment(url, course.root, A1.name, course.source_notebook(A1))  # release after
    with open_gradebook(url) as gb:
        notebook = gb.find_notebook(A1.name, A1.name)
        assert {c.name for c in notebook.grade_cells} == set(A1.test_cells)
        assert len(notebook.source_cells) == len(A1.setup_cells + A1.answer_cells + A1.test_cells)


def test_csv_export_keeps_every_row_with_its_status(tmp_path):
    rows = [{**row("ada", [10, 0, 20]), "awaiting_hand_grade": [], "late_penalty": 0.0},
            {**row("bob", [0, 0, 0], status="missing"), "awaiting_hand_grade": ["w"],
             "late_penalty": 0.0}]  # fmt: skip
    path = write_csv(tmp_path / "grades.csv", rows)
    lines = list(csv.DictReader(path.open()))
    assert [(r["student"], r["score"], r["status"], r["awaiting_hand_grade"]) for r in lines] == [
        ("ada", "30", "graded", ""), ("bob", "0", "missing", "w")]  # fmt: skip


@pytest.mark.slow
def test_release_after_grading_works_with_dlcourse_and_with_plain_nbgrader(tmp_path):
    """Autograde first (its gradebook writes), then release: nbgrader's own generate_assignment
    finds the cells it would record, so it does not refuse ("Cannot add or remove cells")."""
    import os
    import subprocess
    import sys

    from dlcourse.cli import main

    course = make_course(tmp_path, ("a3_pooling_by_hand",))
    url = f"sqlite:///{course.root / 'gradebook.db'}"
    write_rows(url, course.root, A3, [row("ada", [3, 3], A3)])
    assert main(["--course", str(course.root), "release", A3.name]) == 0
    env = dict(os.environ, PATH=f"{os.path.dirname(sys.executable)}:{os.environ['PATH']}")
    env.pop("DLCOURSE_DB_URL", None)
    done = subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", A3.name,
                           "--force"], cwd=course.root, env=env, capture_output=True,
                          text=True)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert read_results(url, A3, {})[0]["score"] == 6
