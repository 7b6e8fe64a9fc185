"""A whole term, once on SQLite and once on a real PostgreSQL server.

Roster import, release, an LMS zip with awkward ids (underscores, dots, Korean, a duplicate
attempt), collect, ``dlcourse autograde`` of two assignments at once, the formgrader's paths
(plain ``nbgrader autograde`` and ``nbgrader generate_feedback``, which the course's config wires
to the sandboxed judge), a hand grade, feedback, export and summary. Every student's total agrees
in ``grades.csv``, ``feedback.html`` and the gradebook; Validate's verdict matches the grade of
every honest submission; no submission is lost or altered; the attacker gets nothing anywhere.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from dlcourse.cli import main
from dlcourse.grading.extract import defined_names, grade_id
from dlcourse.grading.gradebook import open_gradebook
from dlcourse.grading.specs import assignment_names, get_spec
from grading_support import SOLUTIONS, answer_source, make_course, source_notebook
from pg_support import postgres_server

pytestmark = pytest.mark.slow

A1, A3 = get_spec("a1_convolution"), get_spec("a3_pooling_by_hand")
#: every other assignment of the course is played too: ada answers it all (her written answers
#: get full marks by hand), 김서연 makes the assignment's first one-bug mistake, nobody is missing
OTHERS = [get_spec(n) for n in assignment_names(SOLUTIONS) if n not in (A1.name, A3.name)]
ALL = (A1.name, A3.name, *(spec.name for spec in OTHERS))
ROSTER = "id,first_name,last_name,email\nada,Ada,Lovelace,ada@example.org\n" \
    "kim_min.jun,민준,김,mj@example.org\n김서연,서연,김,\nlee.s,S,Lee,\nmallory,M,Allory,\n" \
    "nobody,No,Body,\n"  # fmt: skip

HELPER_CELL = ("def window_sum(window, kernel):\n"
               "    return np.sum(window * kernel)\n")  # fmt: skip
#: the attack of the issue: np.allclose patched and an IPython input transformer that turns
#: every later cell into `pass`, so no test cell can fail in a kernel
ATTACK_CELL = ("import numpy as np\nnp.allclose = lambda *a, **k: True\n"
               "def _nothing(lines):\n    return ['pass\\n']\n"
               "get_ipython().input_transformers_post.append(_nothing)\n")  # fmt: skip


def solution(gid: str, assignment: str = "a1_convolution") -> str:
    return "\n".join(line for line in answer_source(assignment, gid).splitlines()
                     if "### " not in line)  # fmt: skip


def notebook(release: dict, cells: dict[str, str] | None, added: list[tuple[str, str]] = ()):
    """The release with answer cells replaced (None: untouched) and cells added after ids."""
    nb = json.loads(json.dumps(release))
    for cell in nb["cells"]:
        if cells is not None and grade_id(cell) in cells:
            cell["source"] = cells[grade_id(cell)]
    for after, source in added:
        index = next(i for i, c in enumerate(nb["cells"]) if grade_id(c) == after)
        nb["cells"].insert(index + 1, {"cell_type": "code", "metadata": {}, "outputs": [],
                                       "execution_count": None, "source": source,
                                       "id": f"added-{index}"})  # fmt: skip
    return nb


def a1_submissions(release: dict) -> dict[str, list[tuple[str, dict]]]:
    """student -> attempts (timestamp, notebook); expected a1 scores are in A1_SCORES."""
    right = {g: solution(g) for g in A1.answer_cells}
    flipped = right["conv2d_forward_loop"].replace(
        "np.sum(window * w[f])", "np.sum(window * w[f, :, ::-1, ::-1])"
    )
    helper = right["conv2d_forward_loop"].replace("np.sum(window * w[f])",
                                                  "window_sum(window, w[f])")  # fmt: skip
    loop = "conv2d_forward_loop"
    return {
        "ada": [("2026-12-01-20-00-00", notebook(release, right))],
        "kim_min.jun": [("2026-12-01-21-00-00", notebook(release, {**right, loop: flipped}))],
        "김서연": [("2026-12-01-22-00-00",
                 notebook(release, {**right, loop: helper}, [(loop, HELPER_CELL)]))],
        "lee.s": [("2026-11-30-10-00-00", notebook(release, None)),
                  ("2026-12-01-23-00-00", notebook(release, right))],
        "mallory": [("2026-12-01-19-00-00", notebook(release, None, [("setup", ATTACK_CELL)]))],
    }  # fmt: skip


A1_SCORES = {"ada": 40, "kim_min.jun": 30, "김서연": 40, "lee.s": 40, "mallory": 0, "nobody": 0}
#: a3: ada right and a written answer graded 4 by hand; 김서연 one wrong number, no written answer
A3_SCORES = {"ada": 10, "김서연": 3, "nobody": 0}


def run_cli(*args) -> subprocess.Popen:
    command = [sys.executable, "-m", "dlcourse.cli", *args]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def nbgrader(course, url, *args) -> str:
    env = dict(os.environ, DLCOURSE_DB_URL=url, PYTHONWARNINGS="ignore")
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env["PATH"]
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course.root, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    assert done.returncode == 0, done.stdout
    return done.stdout


def digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}  # fmt: skip


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def term(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"term-{request.param}")
    course = make_course(tmp, ALL)
    root = str(course.root)
    with postgres_server() if request.param == "postgresql" else _nothing() as server:
        url = server.new_database() if server else f"sqlite:///{course.root / 'gradebook.db'}"
        cli = ["--course", root, "--db", url]
        (tmp / "students.csv").write_text(ROSTER, encoding="utf-8")
        assert main([*cli, "roster", "import", str(tmp / "students.csv")]) == 0
        assert main([*cli, "release", *ALL]) == 0
        release = {a: json.loads((course.root / "assignments" / a / f"{a}.ipynb").read_text())
                   for a in ALL}  # fmt: skip
        attempts = a1_submissions(release["a1_convolution"])
        archive = tmp / "lms.zip"
        with zipfile.ZipFile(archive, "w") as zf:
            for student, tries in attempts.items():
                for stamp, nb in tries:
                    zf.writestr(f"a1_convolution_{student}_attempt_{stamp}_conv layer.ipynb",
                                json.dumps(nb))  # fmt: skip
        assert main([*cli, "collect", "a1_convolution", "--zip", str(archive)]) == 0
        inbox = tmp / "inbox"
        answers = {"max_pool_answer": solution("max_pool_answer", A3.name),
                   "avg_pool_answer": solution("avg_pool_answer", A3.name)}  # fmt: skip
        a3 = {
            "ada": notebook(release[A3.name], answers),
            "김서연": notebook(
                release[A3.name],
                {**answers, "avg_pool_answer": "avg_pool_result = [[3.25, 5.25], [2, 1]]"},
            ),
        }
        for cell in a3["ada"]["cells"]:
            if grade_id(cell) == "max_pool_written":
                cell["source"] = "Max pooling keeps the strongest response in each window."
        for student, nb in a3.items():
            path = inbox / student / A3.name / f"{A3.name}.ipynb"
            path.parent.mkdir(parents=True)
            path.write_text(json.dumps(nb), encoding="utf-8")
        assert main([*cli, "collect", A3.name, "--from", str(inbox)]) == 0
        for spec in OTHERS:
            for student, nb in other_submissions(spec, release[spec.name]).items():
                path = inbox / "others" / student / spec.name / f"{spec.name}.ipynb"
                path.parent.mkdir(parents=True)
                path.write_text(json.dumps(nb), encoding="utf-8")
            assert main([*cli, "collect", spec.name, "--from", str(inbox / "others")]) == 0
        submitted = digests(course.root / "submitted")
        jobs = [run_cli(*cli, "autograde", name, "--quiet", "--cell-timeout", "20")
                for name in ("a1_convolution", A3.name)]  # fmt: skip
        outputs = [job.communicate()[0] for job in jobs]
        assert [job.returncode for job in jobs] == [0, 0], outputs
        for spec in OTHERS:  # one after another: a7 trains a network in its sandbox
            job = run_cli(*cli, "autograde", spec.name, "--quiet")
            outputs.append(job.communicate()[0])
            assert job.returncode == 0, outputs[-1]
        with open_gradebook(url) as gb:  # the dlcourse grade, before the formgrader's paths
            first = {s: gb.find_submission(A1.name, s).score for s in attempts}
        formgrader = nbgrader(course, url, "autograde", A1.name, "--force")
        feedback_log = nbgrader(course, url, "generate_feedback", A1.name, "--force")
        with open_gradebook(url) as gb:
            gb.find_grade("max_pool_written", A3.name, A3.name, "ada").manual_score = 4.0
            for spec in OTHERS:
                for gid, points in manual_points(spec).items():
                    gb.find_grade(gid, spec.name, spec.name, "ada").manual_score = points
            gb.db.commit()
        for command in (["feedback"], ["export"], ["summary"]):
            assert main([*cli, *command]) == 0
        with open_gradebook(url) as gb:
            totals = {(a, s.student.id): s.score - s.late_submission_penalty
                      for a in ALL
                      for s in gb.find_assignment(a).submissions}  # fmt: skip
        with open(course.root / "grading" / "grades.csv", encoding="utf-8") as f:
            exported = {(r["assignment"], r["student"]): r for r in csv.DictReader(f)}
        yield {
            "course": course,
            "url": url,
            "exported": exported,
            "totals": totals,
            "first": first,
            "submitted": submitted,
            "attempts": attempts,
            "formgrader": formgrader,
            "feedback_log": feedback_log,
            "outputs": outputs,
        }


def manual_points(spec) -> dict[str, float]:
    """The written answers of ``spec`` and their points, from the instructor's notebook."""
    cells = source_notebook(spec.name)["cells"]
    return {grade_id(c): float(c["metadata"]["nbgrader"]["points"])
            for c in cells if grade_id(c) in spec.manual_cells}  # fmt: skip


def first_mistake(spec) -> tuple[str, str]:
    """The answer cell of the assignment's first one-bug mistake, and its buggy source."""
    answer_id, (old, new, _why) = next(iter(spec.mistakes.items()))
    right = solution(answer_id, spec.name)
    assert old in right, (spec.name, answer_id)
    return answer_id, right.replace(old, new, 1)


def other_submissions(spec, release: dict) -> dict[str, dict]:
    right = {g: solution(g, spec.name) for g in spec.answer_cells}
    written = {g: "One perceptron draws one straight line, and no line separates the classes."
               for g in spec.manual_cells}  # fmt: skip
    answer_id, buggy = first_mistake(spec)
    return {"ada": notebook(release, {**right, **written}),
            "김서연": notebook(release, {**right, answer_id: buggy})}  # fmt: skip


def other_scores(spec) -> dict[str, float]:
    """ada: every point; 김서연: the automatic points less those of the tests her bug breaks
    (her written answers are empty and wait for no hand grade); nobody: nothing."""
    answer_id, buggy = first_mistake(spec)
    broken = defined_names(buggy) or set()
    lost = sum(t.points for t in spec.tests if broken & set(t.functions))
    assert lost > 0, (spec.name, answer_id)
    return {"ada": spec.max_score, "김서연": spec.auto_score - lost, "nobody": 0}


class _nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


@pytest.mark.parametrize(("assignment", "scores"), [
    (A1.name, A1_SCORES), (A3.name, A3_SCORES), *((s.name, None) for s in OTHERS)])  # fmt: skip
def test_every_student_gets_the_expected_total_everywhere(term, assignment, scores):
    course, exported, totals = term["course"], term["exported"], term["totals"]
    scores = scores or other_scores(next(s for s in OTHERS if s.name == assignment))
    for student, expected in scores.items():
        row = exported[(assignment, student)]
        assert float(row["score"]) == expected, (student, row)
        if row["status"] == "missing":
            assert (assignment, student) not in totals
            continue
        assert totals[(assignment, student)] == expected
        page = (course.root / "feedback" / student / assignment / "feedback.html").read_text()
        assert f"Score: {expected:g} / " in page, student


def test_the_formgraders_autograde_gives_the_same_grades_as_dlcourse(term):
    for student, score in term["first"].items():
        assert (student, term["totals"][(A1.name, student)]) == (student, score)
    assert "dlcourse judge" in term["formgrader"]


def test_generate_feedback_keeps_the_dlcourse_page_beside_nbgraders(term):
    folder = term["course"].root / "feedback" / "ada" / A1.name
    assert {"feedback.html", f"{A1.name}.html"} <= {p.name for p in folder.iterdir()}
    assert (folder / "feedback.html").read_text().count('class="pass"') == 3


def test_the_attacker_gets_nothing_on_any_path(term):
    assert term["first"]["mallory"] == 0 and term["totals"][(A1.name, "mallory")] == 0


def test_a_helper_in_a_cell_of_the_students_own_counts(term):
    assert term["totals"][(A1.name, "김서연")] == 40


def test_the_newest_attempt_is_graded_and_nothing_is_lost_or_altered(term):
    course = term["course"]
    assert digests(course.root / "submitted") == term["submitted"]
    students = {p.name for p in (course.root / "submitted").iterdir()
                if (p / A1.name).is_dir()}  # fmt: skip
    assert students == set(term["attempts"])
    assert term["totals"][(A1.name, "lee.s")] == 40


def test_hand_grades_reach_every_output_and_nothing_waits(term):
    row = term["exported"][(A3.name, "ada")]
    assert (row["score"], row["awaiting_hand_grade"]) == ("10", "")


def test_no_stray_sqlite_gradebook_and_no_hidden_tests_released(term):
    course = term["course"]
    if not term["url"].startswith("sqlite"):
        assert not (course.root / "gradebook.db").exists()
    assert not list((course.root / "assignments").rglob("hidden_tests.py"))
    assert not list((course.root / "autograded").rglob("hidden_tests.py"))


def test_validate_agrees_with_the_grade_for_every_honest_submission(term):
    """nbgrader validate on each a1 submission: the failing test cells are those that lost
    points (the attacker is left out: in a kernel, its transformer silences every cell)."""
    course = term["course"]
    paths = [course.root / "submitted" / s / A1.name / f"{A1.name}.ipynb"
             for s in term["attempts"] if s != "mallory"]  # fmt: skip
    report = nbgrader(course, term["url"], "validate", *map(str, paths))
    parts = re.split(r"\[ValidateApp \| INFO\] Validating '", report)[1:]
    runs = {
        r["student"]: r
        for r in (
            json.loads(p.read_text()) for p in (course.root / "grading" / A1.name).glob("*.json")
        )
    }
    for part in parts:
        student = Path(part.split("'", 1)[0]).parts[-3]
        lost = {t["grade_id"] for t in runs[student]["tests"] if not t["passed"]}
        failed = {gid for gid in A1.test_cells if _failed_in(part, gid)}
        assert failed == lost, (student, failed, lost, part[-2000:])
        assert ("Success!" in part) == (not lost), student
        if student == "kim_min.jun":  # the hint at the end of a long message is not cut off
            assert "a CNN layer computes cross-correlation, so do not flip w" in part


def _failed_in(report: str, gid: str) -> bool:
    """Whether the validate report lists the test cell ``gid`` (its first line) as failing."""
    first = {
        "test_conv2d_forward_loop": "check_conv_forward(conv2d_forward_loop)",
        "test_conv2d_forward": "def _forward_output(",
        "test_conv2d_backward": "check_conv_backward()",
    }[gid]
    return first in report


def test_the_formgraders_buttons_grade_with_the_judge(term, monkeypatch):
    """Last: the formgrader's Autograde and Generate Feedback buttons call nbgrader's API in the
    server process; with the course's config they give the attacker 0 and write our page."""
    from dlcourse.grading.gradebook import nbgrader_config
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    course = term["course"]
    monkeypatch.setenv("DLCOURSE_DB_URL", term["url"])
    monkeypatch.chdir(course.root)
    config = nbgrader_config(course.root)
    api = NbGraderAPI(coursedir=CourseDirectory(config=config), config=config)
    result = api.autograde(A1.name, "mallory")
    assert result["success"], result.get("error")
    assert "dlcourse judge: mallory scores 0" in result["log"]
    with open_gradebook(term["url"]) as gb:
        assert gb.find_submission(A1.name, "mallory").score == 0
    result = api.generate_feedback(A1.name, "mallory")
    assert result["success"], result.get("error")
    page = course.root / "feedback" / "mallory" / A1.name / "feedback.html"
    assert "Score: 0 / 40" in page.read_text()
