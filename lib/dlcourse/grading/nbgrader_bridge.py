"""nbgrader's own commands and the formgrader's buttons, wired to the sandboxed judge.

There is one grader. ``nbgrader_config.py`` puts these preprocessors into nbgrader's pipelines,
so every way an instructor can grade ends in the same place:

- ``nbgrader autograde`` and the formgrader's *Autograde* button: :class:`SandboxJudge` takes
  the place of nbgrader's ``Execute``. The student's notebook is never run in a kernel (where a
  patched ``np.allclose`` or an IPython input transformer could make every test cell pass); the
  judge grades the submitted file exactly as ``dlcourse autograde`` does (same sandbox, same
  hidden cases, same stored result) and writes each test's verdict as the test cell's output:
  an error output for a failed test, so nbgrader's own ``SaveAutoGrades`` records 0, and the
  reason for the student to read (partial points of a score test: the points as the cell's
  result, nbgrader's partial credit).
- ``nbgrader generate_feedback`` and the *Generate Feedback* button: nbgrader writes its page
  of the notebook, and :class:`WriteFeedbackPage` writes dlcourse's ``feedback.html`` beside it
  from the gradebook (hand grades included), as ``dlcourse feedback`` does.

Why wire rather than switch off: instructors use the formgrader for hand grading anyway, and a
button that grades the same way as the command line cannot be used wrongly.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from nbgrader.preprocessors import NbGraderPreprocessor

from dlcourse.grading import feedback, gradebook, runner
from dlcourse.grading.extract import grade_id, read_notebook
from dlcourse.grading.sandbox import Limits
from dlcourse.grading.specs import course_secret

FAILED = "HiddenTestFailed"


def annotate(notebook, row: dict) -> None:
    """Outputs of ``notebook`` (nbformat or plain dict) replaced by the judge's verdicts."""
    tests = {t["grade_id"]: t for t in row.get("tests", [])}
    for cell in notebook["cells"]:
        if cell.get("cell_type") != "code":
            continue
        cell["execution_count"] = None
        test = tests.get(grade_id(cell))
        if test is None:
            cell["outputs"] = []
        elif test["passed"]:
            text = f"{test['title']}: {test['reason']} ({test['points']:g} points)\n"
            cell["outputs"] = [_node({"output_type": "stream", "name": "stdout", "text": text})]
        elif test["points"] > 0:  # partial points (a score test): nbgrader's partial credit,
            # a cell whose result is a number, after the reason
            text = f"{test['title']}: {test['reason']}\n"
            cell["outputs"] = [
                _node({"output_type": "stream", "name": "stdout", "text": text}),
                _node({"output_type": "execute_result", "execution_count": None, "metadata": {},
                       "data": {"text/plain": f"{test['points']:g}"}}),
            ]  # fmt: skip
        else:
            reason = f"{test['title']}: {test['reason']}"
            cell["outputs"] = [_node({"output_type": "error", "ename": FAILED, "evalue": reason,
                                      "traceback": [f"{FAILED}: {reason}"]})]  # fmt: skip


def _node(output: dict):
    from nbformat import from_dict

    return from_dict(output)


def _course(config) -> runner.Course:
    root = config.CourseDirectory.root if "CourseDirectory" in config else ""
    return runner.Course(Path(root or os.getcwd()))


class SandboxJudge(NbGraderPreprocessor):
    """In ``Autograde.autograde_preprocessors``, in place of ``Execute``: the sandboxed judge."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        course = _course(self.config)
        spec = course.spec(info["assignment"])
        due = gradebook.due_date(info["db_url"], spec.name)
        (row,) = runner.autograde(course, spec, course_secret(course.root), Limits(), jobs=1,
                                  students=[info["student"]], due=due, progress=False)  # fmt: skip
        self.log.info("dlcourse judge: %s scores %g of %g (%s)", info["student"], row["score"],
                      spec.auto_score, row["status"])  # fmt: skip
        annotate(nb, row)
        return nb, resources


class WriteFeedbackPage(NbGraderPreprocessor):
    """In ``GenerateFeedback.preprocessors``: dlcourse's feedback.html, from the gradebook."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        course = _course(self.config)
        spec = course.spec(info["assignment"])
        write_feedback_pages(course, spec, info["db_url"], [info["student"]])
        return nb, resources


def write_feedback_pages(course: runner.Course, spec, db_url: str,
                         students: list[str] | None = None) -> list[dict]:  # fmt: skip
    """Write ``feedback/<student>/<assignment>/feedback.html`` from the gradebook; return rows."""
    runs = {row["student"]: row for row in runner.load_rows(course, spec)}
    # everyone with a folder in submitted/ (an empty one says so); not the roster's absentees
    rows = [r for r in gradebook.read_results(db_url, spec, runs, students)
            if r["student"] in runs or r["status"] != "missing"]  # fmt: skip
    feedback.write_feedback(course.root / course.feedback, rows)
    return rows


def write_autograded(course: runner.Course, spec, row: dict) -> Path | None:
    """The submission, its outputs the judge's verdicts, where the formgrader looks for it."""
    notebook, _, _ = read_notebook(course.submission(row["student"], spec))
    if notebook is None:
        return None
    annotate(notebook, row)
    dest = course.root / course.autograded / row["student"] / spec.name / spec.notebook
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps(notebook, indent=1, ensure_ascii=False), encoding="utf-8")
    return dest
