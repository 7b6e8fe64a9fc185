"""Autograde many submissions in parallel; every submission ends with a row, always.

A row is ``{assignment, student, score, max_score, status, reason, tests, ...}``. ``status`` is
``graded`` or the worst thing that happened: ``missing`` (no notebook), ``malformed`` (cannot be
read), ``timed out``, ``memory limit``, ``kernel died`` (the process running the student's code
ended abruptly), ``late`` (submitted after the due date; the score stands unless the late policy
says otherwise). One bad submission never stops the run: anything unexpected while grading it
becomes that submission's ``error`` row.

Re-runs are idempotent: cases are seeded by the course secret, and a stored result whose key
(submission hash, spec version, limits) is unchanged is reused unless ``force``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import threading
import traceback
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from dlcourse.grading.child import strip_magics
from dlcourse.grading.extract import (
    ProgramCell,
    cell_sources,
    defined_names,
    notebook_digest,
    program_cells,
    read_notebook,
    read_submission,
    syntax_error_line,
)
from dlcourse.grading.safefs import make_dirs, read_head, write_new
from dlcourse.grading.sandbox import (
    Limits,
    SandboxRun,
    probe_protections,
    remove_stale_scratch,
    run_steps,
)
from dlcourse.grading.specs import AssignmentSpec, Case, case_rng, get_spec
from dlcourse.grading.variants import is_per_student, student_task
from dlcourse.grading.verdict import TestVerdict, cell_name, judge

SPEC_VERSION = "2"  # of the grading program; each assignment adds its own spec.version
#: order of severity when several things went wrong in one submission
STATUS_ORDER = ["graded", "late", "timed out", "memory limit", "kernel died", "malformed",
                "missing", "error"]  # fmt: skip


@dataclass
class Course:
    """The folders of an nbgrader course (defaults: nbgrader's names)."""

    root: Path
    source: str = "solutions"
    submitted: str = "submitted"
    autograded: str = "autograded"
    feedback: str = "feedback"

    @property
    def results(self) -> Path:
        return self.root / "grading"

    def source_notebook(self, spec: AssignmentSpec) -> Path:
        return self.root / self.source / spec.name / spec.notebook

    def submission(self, student: str, spec: AssignmentSpec) -> Path:
        return self.root / self.submitted / student / spec.name / spec.notebook

    def spec(self, name: str) -> AssignmentSpec:
        """The assignment ``name`` of this course (``solutions/<name>/``)."""
        return get_spec(name, self.root / self.source)

    def students(self, spec: AssignmentSpec) -> list[str]:
        """Every student with an entry for this assignment under ``submitted/``.

        Links are listed too (never followed): grading gives them a row that says so.
        """
        base = self.root / self.submitted
        found = []
        try:
            with os.scandir(base) as entries:
                for entry in entries:
                    if entry.is_symlink() or os.path.lexists(Path(entry.path) / spec.name):
                        found.append(entry.name)
        except OSError:
            return []
        return sorted(found)


def setup_sources(course: Course, spec: AssignmentSpec) -> dict[str, str]:
    """The read-only cells, in notebook order, from the instructor's copy (never the student's)."""
    notebook, reason, _ = read_notebook(course.source_notebook(spec))
    if notebook is None:
        raise FileNotFoundError(f"instructor notebook unusable: {reason}")
    sources = cell_sources(notebook)
    missing = [gid for gid in spec.setup_cells if gid not in sources]
    if missing:
        raise ValueError(f"setup cells {missing} not in {course.source_notebook(spec)}")
    return {gid: sources[gid] for gid in spec.setup_cells}


def build_cases(spec: AssignmentSpec, secret: str, task: dict | None = None,
                only_task: bool = False) -> dict[str, list[Case]]:  # fmt: skip
    """Each test's cases, drawn from the secret; a test that uses the task numbers is given
    ``task`` (default: the notebook's ``TASK``). ``only_task``: those tests alone."""
    task = spec.task if task is None else task
    return {t.grade_id: t.draw_cases(case_rng(secret, spec.name, t.grade_id), task)
            for t in spec.tests if t.uses_task or not only_task}  # fmt: skip


def student_cases(
    spec: AssignmentSpec, secret: str, shared: dict[str, list[Case]], student: str,
    per_student: bool,
) -> tuple[dict[str, list[Case]], dict | None]:  # fmt: skip
    """The cases of one student and the task numbers they were given (None: no by-hand item).

    With personal variants the numbers come from the secret and the student's id, never from
    the submitted notebook (see :mod:`dlcourse.grading.variants`).
    """
    if not spec.has_variants:
        return shared, None
    task = student_task(spec, secret, student, per_student)
    if not per_student:
        return shared, task
    own = build_cases(spec, secret, task, only_task=True)
    return {t.grade_id: own.get(t.grade_id, shared[t.grade_id]) for t in spec.tests}, task


def build_steps(spec, program: list[ProgramCell], cases,
                limits: Limits) -> tuple[list, dict]:  # fmt: skip
    """The sandbox program: the notebook's code cells in order (what Validate runs, test cells
    left out; see :func:`~dlcourse.grading.extract.program_cells`), then one step per case."""
    steps, arrays = [], {}
    for cell in program:
        steps.append({"kind": "cell", "id": cell.label, "source": cell.source,
                      "group": cell.label})  # fmt: skip
    for test in spec.tests:
        for case in cases[test.grade_id]:
            index = len(steps)
            steps.append({"kind": "test", "id": test.grade_id, "group": test.grade_id,
                          "driver": test.driver, "outputs": list(test.outputs),
                          "scalars": case.scalars, "arrays": list(case.arrays),
                          "timeout": min(test.timeout, limits.cell_timeout)})  # fmt: skip
            for name, value in case.arrays.items():
                arrays[(index, name)] = value
    return steps, arrays


def parse_timestamp(text: str) -> datetime | None:
    text = text.strip().replace("T", " ")
    for fmt in ("%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"):
        try:
            return datetime.strptime(text[:26], fmt)
        except ValueError:
            continue
    return None


def read_timestamp(course: Course, path: Path) -> datetime | None:
    """The time in a submission's ``timestamp.txt``: only its first 64 bytes are read, and
    never through a link (None when absent or unreadable)."""
    try:
        head = read_head(course.root / course.submitted, path, 64)
    except OSError:
        return None
    return parse_timestamp(head.decode("utf-8", "replace"))


def _worst(statuses) -> str:
    return max(statuses, key=STATUS_ORDER.index, default="graded")


def cell_failures(run: SandboxRun, steps: list[dict]) -> dict[str, str]:
    """``grade_id -> what went wrong`` for every cell that did not run cleanly (public words)."""
    failures = {}
    for step, result in zip(steps, run.steps, strict=True):
        if step["kind"] != "cell" or result.status == "ok":
            continue
        if result.forbidden_imports:
            modules = ", ".join(result.forbidden_imports)
            failures[step["id"]] = f"imports {modules}, which graded code may not use"
        elif result.status == "timeout":
            failures[step["id"]] = "did not finish in time"
        elif result.status == "died":
            failures[step["id"]] = f"ended the process ({result.error})"
        elif result.error == "no readable result":
            failures[step["id"]] = "left no readable result"
        elif result.status == "error" and (line := syntax_error_line(step["source"])):
            # a line is shown only when the grader finds it itself, from the source alone: a
            # line reported from inside the sandbox is the student's choice, and could spell
            # out a hidden input bit by bit
            failures[step["id"]] = f"raised {result.error} at line {line}"
        else:
            failures[step["id"]] = f"raised {result.error}" if result.error else "was not run"
    return failures


def cells_of_functions(program: list[ProgramCell]) -> dict[str, str]:
    """``name -> label`` of the last student cell that defines it (a function or a variable)."""
    found = {}
    for cell in program:
        if cell.origin == "student":  # (a cell too long to parse safely defines nothing here)
            for name in defined_names(strip_magics(cell.source)) or ():
                found[name] = cell.label
    return found


def run_uid_base() -> int:
    """First sandbox uid of this grading process: 200000 + 64 * (pid mod 100000).

    Each worker slot adds its number, so two grading runs on one machine never share a uid (the
    clean-up kills every process of a sandbox's uid). At most 64 workers per run.
    """
    return 200_000 + 64 * (os.getpid() % 100_000)


def grade_submission(course: Course, spec: AssignmentSpec, student: str, setup, cases,
                     limits: Limits, slot: int = 0, due: datetime | None = None,
                     stubs: dict[str, str] | None = None) -> dict:  # fmt: skip
    """Grade one student's notebook; return its row (never raises for a bad submission).

    ``stubs`` (grade_id -> released source) tells which written answers are still untouched.
    """
    path = course.submission(student, spec)
    row = {"assignment": spec.name, "student": student, "score": 0.0,
           "max_score": spec.max_score, "status": "graded", "reason": "", "tests": [],
           "sha256": None, "timestamp": None, "protections": None}  # fmt: skip
    stamp = read_timestamp(course, path.parent / "timestamp.txt")
    row["timestamp"] = stamp.isoformat(" ") if stamp else None
    submission = read_submission(path, list(spec.answer_cells), course.root / course.submitted)
    row["sha256"] = submission.sha256
    if submission.status != "ok":
        row.update(status=submission.status, reason=submission.reason)
        row["tests"] = [TestVerdict(t.grade_id, t.title, 0.0, t.points, False,
                                    f"not graded: {submission.reason}").to_json()
                        for t in spec.tests]  # fmt: skip
        return row
    try:
        program = program_cells(submission.notebook, setup, set(spec.answer_cells),
                                set(spec.test_cells), list(spec.cell_order))  # fmt: skip
    except ValueError as exc:
        row.update(status="malformed", reason=f"{path.name}: {exc}")
        row["tests"] = [TestVerdict(t.grade_id, t.title, 0.0, t.points, False,
                                    f"not graded: {row['reason']}").to_json()
                        for t in spec.tests]  # fmt: skip
        return row
    row["manual_answered"] = manual_answered(submission.notebook, spec, stubs or {})
    steps, arrays = build_steps(spec, program, cases, limits)
    with tempfile.TemporaryDirectory(prefix=f"dlcourse-grade-{os.getpid()}-") as tmp:
        run = run_steps(Path(tmp) / "scratch", steps, arrays, limits, slot=slot,
                        base_uid=run_uid_base(), extra_hidden=[course.root])  # fmt: skip
    row["protections"] = run.to_json()
    failed_cells = cell_failures(run, steps)
    defined_in = cells_of_functions(program)
    verdicts, statuses, index = [], ["graded"], len(steps) - sum(len(c) for c in cases.values())
    for test in spec.tests:
        n = len(cases[test.grade_id])
        results = run.steps[index : index + n]
        index += n
        verdict = judge(test, cases[test.grade_id], results)
        if not verdict.passed:
            notes = []
            for name in test.functions:
                cell = defined_in.get(name)
                if cell is None:
                    notes.append(f"no cell of yours defines {name}")
                elif cell in failed_cells:
                    notes.append(f"{cell_name(cell)} {failed_cells[cell]}")
            # a cell the student added (a helper, say) that failed: Validate showed it too
            notes += [f"your {c.label} {failed_cells[c.label]}" for c in program
                      if c.label.startswith("cell ") and c.label in failed_cells]  # fmt: skip
            missing = [g for g in spec.answer_cells if g not in submission.cells]
            if missing:
                notes.append(f"answer cell(s) {', '.join(missing)} missing from the notebook")
            if notes:
                verdict.reason += " (" + "; ".join(dict.fromkeys(notes)) + ")"
        verdicts.append(verdict)
        for r in results:
            if r.status == "timeout":
                statuses.append("timed out")
            elif r.status == "died":
                statuses.append("kernel died")
            elif r.error == "MemoryError":
                statuses.append("memory limit")
    for step, result in zip(steps, run.steps, strict=True):
        if step["kind"] == "cell" and result.status in ("timeout", "died"):
            statuses.append("timed out" if result.status == "timeout" else "kernel died")
    row["tests"] = [v.to_json() for v in verdicts]
    row["score"] = float(sum(v.points for v in verdicts))
    if due is not None and stamp is not None and stamp > due:
        statuses.append("late")
    row["status"] = _worst(statuses)
    notes = [f"{v.grade_id}: {v.reason}" for v in verdicts if not v.passed]
    if spec.manual_cells:
        notes.append(f"{', '.join(spec.manual_cells)}: {spec.manual_points:g} points to grade "
                     "by hand in the formgrader")  # fmt: skip
    if "late" in statuses:
        notes.insert(0, f"submitted {stamp:%Y-%m-%d %H:%M}, due {due:%Y-%m-%d %H:%M}")
    row["reason"] = "; ".join(notes)
    return row


def error_row(spec: AssignmentSpec, student: str) -> dict:
    return {"assignment": spec.name, "student": student, "score": 0.0,
            "max_score": spec.max_score, "status": "error", "tests": [],
            "reason": "grader error: " + traceback.format_exc(limit=3)[-400:]}  # fmt: skip


def result_file_name(student: str) -> str:
    """``grading/<assignment>/<this>``: the id itself when it is a short plain name, otherwise
    a readable part and a hash (a 250-character or Korean id still fits a file name)."""
    if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}", student):
        return f"{student}.json"
    plain = re.sub(r"[^A-Za-z0-9]", "_", student)[:40]
    digest = hashlib.sha256(student.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return f"{plain}-{digest}.json"


def manual_answered(notebook: dict, spec: AssignmentSpec, stubs: dict[str, str]) -> dict:
    """``grade_id -> bool`` for the written answers: False when left as released (or deleted)."""
    found = {}
    for cell in notebook["cells"]:
        gid = (cell.get("metadata") or {}).get("nbgrader", {}).get("grade_id") \
            if isinstance((cell.get("metadata") or {}).get("nbgrader"), dict) else None  # fmt: skip
        if gid in spec.manual_cells and gid not in found:
            source = cell.get("source", "")
            text = "".join(source) if isinstance(source, list) else str(source)
            found[gid] = bool(text.strip()) and text.strip() != stubs.get(gid, "").strip()
    return {gid: found.get(gid, False) for gid in spec.manual_cells}


def manual_stubs(course: Course, spec: AssignmentSpec) -> dict[str, str]:
    """The released text of each written answer (nbgrader's stub), from the instructor's copy."""
    if not spec.manual_cells:
        return {}
    from dlcourse.grading.gradebook import released_cells

    notebook = released_cells(course.root, course.source_notebook(spec))
    return {c.metadata.nbgrader["grade_id"]: c.source for c in notebook.cells
            if c.metadata.get("nbgrader", {}).get("grade_id") in spec.manual_cells}  # fmt: skip


def result_key(sha256: str | None, spec: AssignmentSpec, limits: Limits, secret: str,
               due: datetime | None, task: dict | None = None) -> str:  # fmt: skip
    text = json.dumps([sha256, SPEC_VERSION, spec.version, spec.name, asdict(limits),
                       hashlib.sha256(secret.encode()).hexdigest(), str(due),
                       *([task] if task is not None else [])], default=float)  # fmt: skip
    return hashlib.sha256(text.encode()).hexdigest()


def autograde(course: Course, spec: AssignmentSpec, secret: str, limits: Limits | None = None,
              jobs: int = 2, students: list[str] | None = None, due: datetime | None = None,
              force: bool = False, progress: bool = True) -> list[dict]:  # fmt: skip
    """Grade every submission of ``spec`` with ``jobs`` parallel sandboxes; return the rows.

    Each row is also stored as ``grading/<assignment>/<student>.json``.
    """
    from tqdm.auto import tqdm

    limits = limits or Limits()
    if probe_protections().uid_switch:
        remove_stale_scratch()  # of an earlier run that was killed before it could clean up
    setup = setup_sources(course, spec)
    cases = build_cases(spec, secret)
    per_student = spec.has_variants and is_per_student(course.root, spec.name)
    stubs = manual_stubs(course, spec)
    students = course.students(spec) if students is None else students
    out_dir = course.results / spec.name
    out_dir.mkdir(parents=True, exist_ok=True)
    slots = list(range(min(64, max(1, jobs))))
    lock = threading.Lock()

    def one(student: str) -> dict:
        try:
            return grade_and_store(student)
        except Exception:  # a grader bug on one submission must not stop the run
            return error_row(spec, student)

    def grade_and_store(student: str) -> dict:
        path = course.submission(student, spec)
        digest = notebook_digest(path, course.root / course.submitted)
        stamp = read_timestamp(course, path.parent / "timestamp.txt")  # a new time: grade again
        own, task = student_cases(spec, secret, cases, student, per_student)
        key = result_key(f"{digest} {stamp}", spec, limits, secret, due, task)
        stored = out_dir / result_file_name(student)
        if not force and stored.is_file():
            old = json.loads(stored.read_text(encoding="utf-8"))
            if old.get("key") == key and old.get("student") == student:
                return old
        with lock:
            slot = slots.pop()
        try:
            row = grade_submission(course, spec, student, setup, own, limits, slot, due, stubs)
        except Exception:  # a grader bug on one submission must not stop the run
            row = error_row(spec, student)
        finally:
            with lock:
                slots.append(slot)
        row["key"] = key
        if task is not None:  # the numbers this student was graded on (their own, with variants)
            row["task"] = json.loads(json.dumps(task, default=float))
        tmp = stored.with_suffix(".tmp")
        tmp.write_text(json.dumps(row, indent=1), encoding="utf-8")
        tmp.replace(stored)
        return row

    rows = []
    with ThreadPoolExecutor(max_workers=len(slots)) as pool:
        futures = [pool.submit(one, s) for s in students]
        bar = tqdm(total=len(futures), desc=f"autograde {spec.name}", unit="sub",
                   disable=not progress)  # fmt: skip
        for future in as_completed(futures):
            rows.append(future.result())
            bar.update()
        bar.close()
    return sorted(rows, key=lambda r: r["student"])


def load_rows(course: Course, spec: AssignmentSpec) -> list[dict]:
    """The stored rows of ``spec``, one per graded student, sorted by student."""
    folder = course.results / spec.name
    if not folder.is_dir():
        return []
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]


def copy_for_formgrader(course: Course, spec: AssignmentSpec, student: str) -> str | None:
    """Put the submission where nbgrader's formgrader looks for it (``autograded/``).

    The copy has every output and execution count cleared: the formgrader renders a
    notebook's outputs as HTML, and a student's own ``<script>`` output must never reach the
    instructor's browser. The source is read without following links. Returns why no copy was
    made (None when it was); never raises.
    """
    try:
        notebook, reason, _ = read_notebook(course.submission(student, spec),
                                            course.root / course.submitted)  # fmt: skip
        if notebook is None:
            return reason
        for cell in notebook["cells"]:
            if cell.get("cell_type") == "code":
                cell["outputs"], cell["execution_count"] = [], None
            cell.pop("attachments", None)
        dest = make_dirs(course.root / course.autograded, [student, spec.name])
        write_new(dest / spec.notebook, json.dumps(notebook, indent=1).encode("utf-8"))
        return None
    except Exception as exc:  # one student's copy must not stop the others
        return f"no formgrader copy: {type(exc).__name__}"
