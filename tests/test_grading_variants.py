"""Personal variants of the by-hand items: each student's own numbers, graded against theirs.

Assignment 3 (a 4x4 slice to pool) and assignment 5 (one Adam step) declare their task numbers
in ``hidden_tests.py``. ``dlcourse release --per-student`` writes one notebook per student with
numbers derived from the course secret and the id; the grader derives them again from the id
the submission is filed under, never from the notebook.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from dlcourse.cli import main
from dlcourse.grading import runner, variants
from dlcourse.grading.extract import grade_id
from dlcourse.grading.specs import TASK_CELL, get_spec, load_hidden_tests
from grading_support import ROOT, make_course, submit

BY_HAND = ["a3_pooling_by_hand", "a5_optimizers"]
SECRET = "a course secret for the tests"


def answers(name: str, task: dict) -> dict[str, str]:
    """The typed answer cells of a student who works ``task`` correctly (full precision)."""
    module = load_hidden_tests(ROOT / "solutions" / name / "hidden_tests.py")
    if name == "a3_pooling_by_hand":
        from dlcourse import pool

        x = np.array(task["slice"], dtype=float)[None, None]
        mx = pool.max_pool2d_forward(x, 2, 2)[0][0, 0].tolist()
        avg = pool.avg_pool2d_forward(x, 2, 2)[0][0, 0].tolist()
        return {"max_pool_answer": f"max_pool_result = {mx}",
                "avg_pool_answer": f"avg_pool_result = {avg}"}  # fmt: skip
    n = module.adam_by_hand(task)
    return {
        "adam_moments_answer": f"m_new = {n['m'].tolist()}\nv_new = {n['v'].tolist()}",
        "adam_corrected_answer": f"m_hat = {n['m_hat'].tolist()}\nv_hat = {n['v_hat'].tolist()}",
        "adam_parameter_answer": f"w_new = {n['w'].tolist()}",
    }


def typed_points(name: str) -> float:
    return sum(t.points for t in get_spec(name).tests if t.uses_task)


@pytest.mark.parametrize("name", BY_HAND)
def test_variants_differ_between_students(name):
    spec = get_spec(name)
    tasks = [json.dumps(variants.student_task(spec, SECRET, f"s{i:02d}", True), default=float)
             for i in range(20)]  # fmt: skip
    assert len(set(tasks)) == 20


@pytest.mark.parametrize("name", BY_HAND)
def test_a_variant_depends_on_the_secret_and_is_reproducible(name):
    spec = get_spec(name)

    def task(secret, student):
        return json.dumps(variants.student_task(spec, secret, student, True), default=float)

    assert task(SECRET, "ada") == task(SECRET, "ada")
    assert task(SECRET, "ada") != task("another course", "ada")


@pytest.mark.parametrize("name", BY_HAND)
def test_without_variants_every_student_has_the_notebook_numbers(name):
    spec = get_spec(name)
    for student in ["ada", "ben"]:
        assert variants.student_task(spec, SECRET, student, False) == spec.task


def test_the_default_a3_slice_is_the_lecture_exercise():
    """A course without variants grades a3 as before: the seed's slice and its pooled maps."""
    spec = get_spec("a3_pooling_by_hand")
    cases = runner.build_cases(spec, SECRET)
    assert cases["test_max_pool_answer"][0].expected["result"].tolist() == [[6, 8], [3, 4]]
    assert cases["test_avg_pool_answer"][0].expected["result"].tolist() == [[3.25, 5.25], [2, 2]]


@pytest.mark.parametrize("name", BY_HAND)
def test_personal_notebook_shows_the_students_numbers_with_a_checksum_nbgrader_accepts(name):
    from nbformat import from_dict
    from nbgrader.utils import compute_checksum

    spec = get_spec(name)
    release = json.loads((ROOT / "assignments" / name / f"{name}.ipynb").read_text("utf-8"))
    task = variants.student_task(spec, SECRET, "ada", True)
    mine = variants.personalise(release, spec, task, "ada")
    (cell,) = [c for c in mine["cells"] if grade_id(c) == TASK_CELL]
    assert (
        spec.task_text(task) in cell["source"] and spec.task_text(spec.task) not in cell["source"]
    )
    assert "`ada`" in cell["source"]
    meta = cell["metadata"]["nbgrader"]
    assert meta["locked"] and meta["checksum"] == compute_checksum(from_dict(cell))
    others = [c for c in mine["cells"] if grade_id(c) != TASK_CELL]
    assert others == [c for c in release["cells"] if grade_id(c) != TASK_CELL]


def test_a_student_id_that_is_not_a_folder_name_is_refused(tmp_path):
    spec = get_spec("a3_pooling_by_hand")
    release = ROOT / "assignments" / spec.name / spec.notebook
    with pytest.raises(ValueError, match="cannot name a folder"):
        variants.release_per_student(release, spec, SECRET, ["../escape"], tmp_path)


@pytest.fixture(scope="module")
def graded_variants(tmp_path_factory):
    """Per-student grading of both by-hand assignments: ada and ben answer their own numbers,
    cho copies ada's answers (correct for ada), dan answers the notebook's shared numbers."""
    course = make_course(tmp_path_factory.mktemp("variants"), BY_HAND)
    (course.root / ".dlcourse").mkdir()
    (course.root / ".dlcourse" / "grading_secret").write_text(SECRET)
    rows = {}
    for name in BY_HAND:
        spec = get_spec(name)
        variants.set_per_student(course.root, name, True)

        def own(student, spec=spec):
            return variants.student_task(spec, SECRET, student, True)

        for student, task in {"ada": own("ada"), "ben": own("ben"), "cho": own("ada"),
                              "dan": spec.task}.items():  # fmt: skip
            submit(course, student, name, answers(name, task))
        result = runner.autograde(course, course.spec(name), SECRET, jobs=2, progress=False)
        rows[name] = {row["student"]: row for row in result}
    return course, rows


@pytest.mark.slow
@pytest.mark.parametrize("name", BY_HAND)
def test_each_student_is_graded_on_their_own_numbers(graded_variants, name):
    _, rows = graded_variants
    spec = get_spec(name)
    for student in ["ada", "ben"]:
        assert rows[name][student]["score"] == spec.auto_score, rows[name][student]["reason"]


@pytest.mark.slow
@pytest.mark.parametrize("name", BY_HAND)
def test_a_classmates_answers_lose_the_by_hand_points(graded_variants, name):
    _, rows = graded_variants
    spec = get_spec(name)
    for student in ["cho", "dan"]:  # a classmate's numbers; the shared notebook's numbers
        row = rows[name][student]
        assert row["score"] == spec.auto_score - typed_points(name), row["reason"]
        lost = {t["grade_id"] for t in row["tests"] if not t["passed"]}
        assert lost == {t.grade_id for t in spec.tests if t.uses_task}


@pytest.mark.slow
def test_the_stored_row_names_the_numbers_the_student_was_graded_on(graded_variants):
    course, rows = graded_variants
    spec = get_spec("a5_optimizers")
    stored = json.loads((course.results / spec.name / "cho.json").read_text("utf-8"))
    expected = variants.student_task(spec, SECRET, "cho", True)
    assert stored["task"] == json.loads(json.dumps(expected, default=float))


@pytest.mark.slow
def test_release_per_student_writes_one_notebook_each_and_grading_follows(tmp_path, capsys):
    """The command line: release --per-student, then dlcourse autograde grades each on theirs;
    --no-per-student goes back to the shared numbers."""
    name = "a3_pooling_by_hand"
    course = make_course(tmp_path, [name])
    root = str(course.root)
    roster = tmp_path / "students.txt"
    roster.write_text("ada\nben\n")
    assert main(["--course", root, "release", name, "--per-student", "--students",
                 str(roster)]) == 0  # fmt: skip
    secret = (course.root / ".dlcourse" / "grading_secret").read_text().strip()
    spec = course.spec(name)
    for student in ["ada", "ben"]:
        path = course.root / "personal" / student / name / f"{name}.ipynb"
        cells = json.loads(path.read_text())["cells"]
        text = "".join("".join(c["source"]) for c in cells)
        assert spec.task_text(variants.student_task(spec, secret, student, True)) in text
    ada = variants.student_task(spec, secret, "ada", True)
    submit(course, "ada", name, answers(name, ada))
    submit(course, "ben", name, answers(name, ada))  # ada's answers in ben's notebook
    args = ["--course", root, "autograde", name, "--no-gradebook", "--quiet", "--force"]
    assert main(args) == 0
    scores = {r["student"]: r["score"] for r in runner.load_rows(course, spec)}
    assert scores == {"ada": 6.0, "ben": 0.0}
    assert main(["--course", root, "release", name, "--no-per-student"]) == 0
    assert main(args) == 0
    default = {r["student"]: r["score"] for r in runner.load_rows(course, spec)}
    assert default == {"ada": 0.0, "ben": 0.0}  # ada's own numbers are not the notebook's
    assert not variants.is_per_student(course.root, name)


def test_release_per_student_without_students_is_a_clear_error(tmp_path, capsys):
    name = "a3_pooling_by_hand"
    course = make_course(tmp_path, [name])
    (course.root / "assignments" / name).mkdir(parents=True)
    code = main(["--course", str(course.root), "release", name, "--per-student", "--students",
                 str(tmp_path / "nobody.txt")])  # fmt: skip
    assert code == 2 and "no file" in capsys.readouterr().err


@pytest.mark.slow
def test_plain_nbgrader_autograde_grades_each_student_on_their_own_numbers(tmp_path):
    """The nbgrader bridge (nbgrader autograde, the formgrader's button) grades as dlcourse does."""
    from nbgrader.api import Gradebook
    from test_assignments import tool

    name = "a3_pooling_by_hand"
    root = tool.make_course(tmp_path / "course", [name], database=True)
    (root / ".dlcourse").mkdir()
    (root / ".dlcourse" / "grading_secret").write_text(SECRET)
    variants.set_per_student(root, name, True)
    course = runner.Course(root)
    ada = variants.student_task(course.spec(name), SECRET, "ada", True)
    submit(course, "ada", name, answers(name, ada))
    submit(course, "ben", name, answers(name, ada))  # ada's answers in ben's notebook
    tool.nbgrader(["autograde", name, "--force"], root)
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        scores = {s: gb.find_submission(name, s).score for s in ("ada", "ben")}
    assert scores == {"ada": 6.0, "ben": 0.0}
