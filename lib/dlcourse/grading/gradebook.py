"""nbgrader's gradebook: the one place every grade lives, and every output reads.

The gradebook is nbgrader's own database (:class:`nbgrader.api.Gradebook`): SQLite by default
(``sqlite:///<course>/gradebook.db``), any SQLAlchemy URL otherwise -- for a course on a shared
JupyterHub, ``postgresql://grader@db.example.org/dlcourse`` (driver: ``psycopg``, version 3).
The URL comes, in order, from the ``--db`` option, ``$DLCOURSE_DB_URL``, or the SQLite default.

- :func:`sync_assignment` records an assignment's cells exactly as ``nbgrader
  generate_assignment`` does (nbgrader's own ``SaveCells``), so release, autograde and
  nbgrader's tools can run in any order;
- :func:`write_rows` stores the autograder's scores on the test cells (``auto_score``; the
  reasons stay in the grader's stored rows and the autograded notebook's outputs, as nbgrader has
  no comments on test cells); a score the instructor gives in the formgrader (``manual_score``)
  wins and survives re-runs, and so do the hand grades and comments of written answers;
- :func:`read_results` gives, per student, what ``export``, ``feedback`` and ``summary`` show:
  the gradebook's scores (hand grades included), which cells still wait for a hand grade, the
  late penalty, and the grader's status and reasons.

Concurrent runs are safe: every write is one transaction, retried when another run created the
same rows first. Database problems become one :class:`GradebookError` line naming the URL with
its password hidden.
"""

from __future__ import annotations

import csv
import os
import random
import sys
import time
import warnings
from contextlib import contextmanager
from pathlib import Path

#: must equal ``c.CourseDirectory.course_id`` of nbgrader_config.py
COURSE_ID = "dlcourse"
CSV_COLUMNS = ["assignment", "student", "score", "max_score", "status", "awaiting_hand_grade",
               "late_penalty", "reason", "timestamp"]  # fmt: skip
HAND_GRADE_WAIT = "waiting for a hand grade"


class GradebookError(RuntimeError):
    """The gradebook could not be opened or written: one line, fit to print."""


def database_url(course: Path, db: str | None = None) -> str:
    """``db``, else ``$DLCOURSE_DB_URL``, else the SQLite file ``gradebook.db`` in the course."""
    return db or os.environ.get("DLCOURSE_DB_URL") or f"sqlite:///{Path(course) / 'gradebook.db'}"


def redact(url: str) -> str:
    """``url`` with its password hidden (``postgresql://grader:***@db/dlcourse``)."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not even a URL: show its scheme only
        return url.split("://", 1)[0] + "://..."


def explain(url: str, exc: BaseException) -> str:
    """One line: which gradebook, what went wrong, what to check."""
    if isinstance(exc, ModuleNotFoundError):
        return (f"gradebook {redact(url)}: the database driver {exc.name!r} is not installed "
                "(pip install -r requirements.txt installs psycopg)")  # fmt: skip
    orig = getattr(exc, "orig", None) or exc
    first = (str(orig).strip().splitlines() or [type(orig).__name__])[0][:300]
    return (f"gradebook {redact(url)}: {type(orig).__name__}: {first} -- check that the database "
            "server is running and that --db / DLCOURSE_DB_URL names it")  # fmt: skip


def _transient(exc: BaseException) -> bool:
    """A conflict another run caused (a row created twice, a locked SQLite file): retry."""
    from nbgrader.api import InvalidEntry, MissingEntry
    from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

    # MissingEntry: another run's SaveCells was re-creating the notebook's cells just then
    if isinstance(exc, InvalidEntry | IntegrityError | MissingEntry):
        return True
    text = str(exc).lower()
    if isinstance(exc, OperationalError | ProgrammingError):  # two runs creating the tables
        return any(word in text for word in ("locked", "deadlock", "could not serialize",
                                             "already exists", "duplicate key"))  # fmt: skip
    return False


def retrying(db_url: str, action, tries: int = 12):
    """``action(gb)`` in a fresh gradebook session; a conflict with another run is retried."""
    for attempt in range(tries):
        try:
            with open_gradebook(db_url) as gb:
                try:
                    return action(gb)
                except BaseException:
                    gb.db.rollback()
                    raise
        except GradebookError as exc:
            if attempt == tries - 1 or not _transient(exc.__cause__):
                raise
        except Exception as exc:
            if attempt == tries - 1 or not _transient(exc):
                if _is_database_error(exc):
                    raise GradebookError(explain(db_url, exc)) from exc
                raise
        time.sleep(random.uniform(0.05, 0.2) * (attempt + 1))
    raise AssertionError("unreachable")


def _is_database_error(exc: BaseException) -> bool:
    from nbgrader.api import InvalidEntry
    from sqlalchemy.exc import SQLAlchemyError

    return isinstance(exc, SQLAlchemyError | InvalidEntry)


@contextmanager
def open_gradebook(db_url: str):
    """nbgrader's :class:`~nbgrader.api.Gradebook` at ``db_url``, closed at the end.

    Raises :class:`GradebookError` (its ``__cause__`` the original) when the database cannot be
    reached or its driver is missing. nbgrader runs the ``alembic`` command found on ``PATH`` when
    it upgrades a database; the folder of this interpreter is put first on ``PATH``.
    """
    from nbgrader.api import Gradebook
    from sqlalchemy.exc import SQLAlchemyError

    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    try:
        gb = Gradebook(db_url, COURSE_ID)
    except (SQLAlchemyError, ModuleNotFoundError, ValueError) as exc:
        raise GradebookError(explain(db_url, exc)) from exc
    try:
        with warnings.catch_warnings():
            # nbgrader's add_submission trips SQLAlchemy's autoflush warnings; they are harmless
            warnings.filterwarnings("ignore", message=".*not in session.*")
            yield gb
    finally:
        gb.close()


def exists(db_url: str) -> bool:
    """False for a SQLite URL whose file is not there yet (reading it would create it)."""
    return not db_url.startswith("sqlite:///") or Path(db_url[len("sqlite:///") :]).is_file()


def nbgrader_config(course: Path):
    """The course's ``nbgrader_config.py`` as a traitlets Config (empty when there is none)."""
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    if not (Path(course) / "nbgrader_config.py").is_file():
        return Config()
    return PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()


def released_cells(course: Path, source_notebook: Path):
    """The instructor's notebook as ``nbgrader generate_assignment`` has it when it saves the
    cells: solutions replaced by stubs, cells locked, checksums computed (nbgrader's own code)."""
    import nbformat
    from nbgrader.preprocessors import ClearOutput, ClearSolutions, ComputeChecksums, LockCells

    config = nbgrader_config(course)
    notebook = nbformat.read(source_notebook, as_version=4)
    resources: dict = {}
    for preprocessor in (LockCells, ClearSolutions, ClearOutput, ComputeChecksums):
        notebook, resources = preprocessor(config=config).preprocess(notebook, resources)
    return notebook


def sync_assignment(db_url: str, course: Path, name: str, source_notebook: Path,
                    due=None) -> None:  # fmt: skip
    """Record the assignment, its notebook and its cells as ``generate_assignment`` does.

    Idempotent and safe to run concurrently; ``due`` (a datetime) becomes the due date.
    Raises GradebookError when the notebook's cells changed after students submitted.
    """
    from nbgrader.preprocessors import SaveCells

    notebook = released_cells(course, source_notebook)
    resources = {"nbgrader": {"notebook": Path(source_notebook).stem, "assignment": name,
                              "db_url": db_url}}  # fmt: skip

    def save(gb):
        if _recorded(gb, name, notebook, resources["nbgrader"]["notebook"]) and due is None:
            return  # already as the notebook says: nothing to rewrite
        try:
            gb.find_assignment(name)
            if due is not None:
                gb.update_or_create_assignment(name, duedate=due)
        except Exception:
            gb.db.rollback()
            gb.update_or_create_assignment(name, **({"duedate": due} if due else {}))
        if _recorded(gb, name, notebook, resources["nbgrader"]["notebook"]):
            return  # already as the notebook says: nothing to rewrite (and nothing to race on)
        try:
            SaveCells(config=nbgrader_config(course)).preprocess(notebook, resources)
        except RuntimeError as exc:  # nbgrader: cells added or removed after submissions
            raise GradebookError(f"gradebook {redact(db_url)}: {exc}") from None

    with structure_lock(db_url):  # nbgrader's SaveCells deletes and re-adds: one run at a time
        retrying(db_url, save)


@contextmanager
def structure_lock(db_url: str):
    """Hold a lock only one process can hold per gradebook: ``flock`` on the SQLite file, an
    advisory lock on PostgreSQL (other databases: none, conflicts are retried)."""
    if db_url.startswith("sqlite:///"):
        import fcntl

        path = Path(db_url[len("sqlite:///") :])
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "ab") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return
    if not db_url.startswith("postgresql"):
        yield
        return
    from sqlalchemy import create_engine, text

    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(4611686018427387)"))
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(4611686018427387)"))
    except Exception as exc:
        if _is_database_error(exc):
            raise GradebookError(explain(db_url, exc)) from exc
        raise
    finally:
        engine.dispose()


def _recorded(gb, name: str, notebook, notebook_id: str) -> bool:
    """True when the gradebook already has exactly this notebook's cells and points."""
    from nbgrader.api import MissingEntry

    cells = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id")]
    meta = [c.metadata.nbgrader for c in cells]
    grades = {m["grade_id"]: float(m.get("points", 0)) for m in meta if m.get("grade")}
    try:
        stored = gb.find_notebook(notebook_id, name)
        return (
            {c.name: c.max_score for c in stored.grade_cells} == grades
            and {c.name for c in stored.solution_cells} == {m["grade_id"] for m in meta
                                                            if m.get("solution")}
            and {c.name: c.source for c in stored.source_cells} == {
                c.metadata.nbgrader["grade_id"]: c.source for c in cells}
        )  # fmt: skip
    except (MissingEntry, KeyError):  # not there, or being re-created by another run right now
        gb.db.rollback()
        return False


def due_date(db_url: str, name: str):
    """The due date the gradebook holds for ``name`` (``nbgrader db assignment add --duedate``)."""
    from nbgrader.api import MissingEntry

    if not exists(db_url):
        return None
    with open_gradebook(db_url) as gb:
        try:
            return gb.find_assignment(name).duedate
        except MissingEntry:
            return None


def late_plugin(method: str = "none"):
    """nbgrader's :class:`~nbgrader.plugins.LateSubmissionPlugin` (``none`` or ``zero``)."""
    from nbgrader.plugins import LateSubmissionPlugin

    return LateSubmissionPlugin(penalty_method=method)


def write_rows(db_url: str, course: Path, spec, rows: list[dict], due=None,
               late_penalty: str = "none") -> int:  # fmt: skip
    """Store every row's per-test scores; return how many submissions were written.

    Each submission is one transaction. A student without a notebook is added to the roster but
    gets no submission (nbgrader's export counts that as 0). Late submissions get nbgrader's
    late penalty (``late_penalty``: ``none``, the default, or ``zero``).
    """
    from datetime import datetime

    sync_assignment(db_url, course, spec.name, Path(course) / "solutions" / spec.name /
                    spec.notebook, due)  # fmt: skip
    plugin = late_plugin(late_penalty)
    written = 0
    for row in rows:

        def store(gb, row=row):
            gb.update_or_create_student(row["student"])
            if row["status"] == "missing":
                return 0
            stamp = row.get("timestamp")
            kwargs = {"timestamp": datetime.fromisoformat(stamp)} if stamp else {}
            submission = gb.update_or_create_submission(spec.name, row["student"], **kwargs)
            scores = {t["grade_id"]: t for t in row.get("tests", [])}
            answered = row.get("manual_answered", {})
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    if grade.name in scores:
                        grade.auto_score = float(scores[grade.name]["points"])
                        grade.needs_manual_grade = False
                    elif grade.name in spec.manual_cells and grade.manual_score is None:
                        # nbgrader's rule: an untouched written answer scores 0, no hand grade
                        blank = not answered.get(grade.name, True)
                        grade.auto_score = 0.0 if blank else None
                        grade.needs_manual_grade = not blank
                late = submission.total_seconds_late
                notebook.late_submission_penalty = (
                    plugin.late_submission_penalty(row["student"], notebook.score, late)
                    if late > 0 else None
                )  # fmt: skip
            gb.db.commit()
            return 1

        written += retrying(db_url, store)
    return written


def manual_title(gid: str) -> str:
    return f"{gid}: written answer, graded by hand"


def read_results(db_url: str, spec, runs: dict[str, dict],
                 only: list[str] | None = None) -> list[dict]:  # fmt: skip
    """One row per student the gradebook or the grader knows: the gradebook's grades, hand grades
    included, with the grader's status and reasons (``runs``: student -> stored grading row).

    Row keys: those of a grading row, plus ``awaiting_hand_grade`` (cells not graded by hand
    yet), ``late_penalty`` and, per test, the score the gradebook holds. ``only``: these
    students alone.
    """
    from nbgrader.api import MissingEntry

    results = []
    students: set[str] = set(runs)
    with open_gradebook(db_url) as gb:
        try:
            gb.find_assignment(spec.name)
        except MissingEntry:
            if not runs:
                return []  # neither released nor graded yet: nothing to report
        students |= {s.id for s in gb.students}
        for student in sorted(students if only is None else set(only)):
            run = runs.get(student) or {"assignment": spec.name, "student": student,
                                        "status": "missing", "reason": "no submission",
                                        "tests": [], "timestamp": None}  # fmt: skip
            row = {**run, "max_score": spec.max_score, "awaiting_hand_grade": [],
                   "late_penalty": 0.0,
                   "typed_answers": all(t.typed_answer for t in spec.tests)}  # fmt: skip
            try:
                submission = gb.find_submission(spec.name, student)
            except MissingEntry:
                if run["status"] != "missing":  # graded but never written: say so, score 0
                    row["reason"] = "not in the gradebook (run autograde without --no-gradebook)"
                row.update(score=0.0, tests=[_zero(t, "no submission") for t in spec.tests]
                           if run["status"] == "missing" else run.get("tests", []))  # fmt: skip
                results.append(row)
                continue
            stored = {t["grade_id"]: t for t in run.get("tests", [])}
            tests, awaiting = [], []
            for notebook in submission.notebooks:
                comments = {c.name: c for c in notebook.comments}
                for grade in notebook.grades:
                    comment = comments.get(grade.name)
                    hand = comment.manual_comment if comment is not None else None
                    if grade.name in spec.manual_cells:
                        waiting = bool(grade.needs_manual_grade) and grade.manual_score is None
                        if waiting:
                            awaiting.append(grade.name)
                        reason = HAND_GRADE_WAIT if waiting else (hand or "graded by hand")
                        tests.append({"grade_id": grade.name, "title": manual_title(grade.name),
                                      "points": float(grade.score), "max_points": grade.max_score,
                                      "passed": None if waiting else grade.score > 0,
                                      "reason": reason, "manual": True})  # fmt: skip
                        continue
                    test = dict(stored.get(grade.name) or _zero_title(spec, grade.name))
                    test["points"] = float(grade.score)
                    if grade.manual_score is not None:
                        test["reason"] = hand or f"score set by hand to {grade.manual_score:g}"
                        test["passed"] = grade.score >= grade.max_score
                    elif hand:
                        test["reason"] = f"{test.get('reason', '')} ({hand})"
                    tests.append(test)
            penalty = float(submission.late_submission_penalty or 0.0)
            row.update(tests=tests, awaiting_hand_grade=awaiting, late_penalty=penalty,
                       score=max(0.0, float(submission.score) - penalty))  # fmt: skip
            results.append(row)
    return results


def _zero(test, why: str) -> dict:
    return {"grade_id": test.grade_id, "title": test.title, "points": 0.0,
            "max_points": test.points, "passed": False, "reason": why}  # fmt: skip


def _zero_title(spec, gid: str) -> dict:
    test = next((t for t in spec.tests if t.grade_id == gid), None)
    title = test.title if test is not None else gid
    return {"grade_id": gid, "title": title, "points": 0.0, "max_points": 0.0,
            "passed": False, "reason": "not graded yet"}  # fmt: skip


def import_roster(db_url: str, path: Path) -> int:
    """Add or update the students of a CSV file (columns ``id``, and optionally ``first_name``,
    ``last_name``, ``email``; ``name`` is split at its first space). Return how many."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        if not reader.fieldnames or "id" not in reader.fieldnames:
            raise ValueError(f"{path}: the first line must name the columns, one of them 'id'")
        people = []
        for number, line in enumerate(reader, start=2):
            student = (line.get("id") or "").strip()
            if not student:
                raise ValueError(f"{path}, line {number}: no id")
            first, last = (line.get("first_name") or "").strip(), (line.get("last_name") or "")
            if not first and not last.strip() and line.get("name"):
                first, _, last = line["name"].strip().partition(" ")
            fields = {"first_name": first or None, "last_name": last.strip() or None,
                      "email": (line.get("email") or "").strip() or None}  # fmt: skip
            people.append((student, {k: v for k, v in fields.items() if v is not None}))

    def add(gb):
        for student, fields in people:
            gb.update_or_create_student(student, **fields)
        return len(people)

    return retrying(db_url, add)


def write_csv(path: Path, rows: list[dict]) -> Path:
    """Our export: one line per student with score, status, cells awaiting a hand grade, reason."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, CSV_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            cells = {k: _inert(v) for k, v in row.items()}  # no formula from a student's id
            writer.writerow({**cells, "score": f"{row['score']:g}",
                             "max_score": f"{row['max_score']:g}",
                             "awaiting_hand_grade": " ".join(row.get("awaiting_hand_grade", [])),
                             "late_penalty": f"{row.get('late_penalty', 0.0):g}"})  # fmt: skip
    return path


def _inert(value):
    """A text cell a spreadsheet would run as a formula (``=`` ``+`` ``-`` ``@`` ...) gets a
    leading ``'``, so ``=HYPERLINK(...)`` in a student id stays text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
