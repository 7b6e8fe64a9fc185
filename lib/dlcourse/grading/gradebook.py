"""Write scores into nbgrader's gradebook, so ``nbgrader export`` and the formgrader still work.

The gradebook is nbgrader's own database (:class:`nbgrader.api.Gradebook`): SQLite by default
(``sqlite:///<course>/gradebook.db``), any SQLAlchemy URL otherwise -- for a course on a shared
JupyterHub, ``postgresql://grader@db.example.org/dlcourse``. The URL comes, in order, from the
``--db`` option, the ``DLCOURSE_DB_URL`` environment variable, or the SQLite default.

Each of our tests stands for one nbgrader test cell (same ``grade_id``), so a score is written as
that cell's ``auto_score``. A score the instructor changed by hand in the formgrader is a
``manual_score`` and survives re-runs; manually graded cells (written answers) are left alone.
A submission that could not be read gets zeros; a student with no submission gets no
submission row, which nbgrader's own export reports as a score of 0.
"""

from __future__ import annotations

import csv
import os
import sys
import warnings
from pathlib import Path

from dlcourse.grading.extract import grade_id, read_notebook

CSV_COLUMNS = ["assignment", "student", "score", "max_score", "status", "reason", "timestamp"]


def database_url(course: Path, db: str | None = None) -> str:
    """``db``, else ``$DLCOURSE_DB_URL``, else the SQLite file ``gradebook.db`` in the course."""
    return db or os.environ.get("DLCOURSE_DB_URL") or f"sqlite:///{Path(course) / 'gradebook.db'}"


def open_gradebook(db_url: str):
    """nbgrader's :class:`~nbgrader.api.Gradebook` at ``db_url`` (a context manager).

    nbgrader runs the ``alembic`` command found on ``PATH`` when it creates a database; the
    folder of this interpreter (the virtual environment's ``bin``) is put first on ``PATH``.
    """
    from nbgrader.api import Gradebook

    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    return Gradebook(db_url)


def sync_assignment(gb, name: str, source_notebook: Path, due=None) -> None:
    """Make sure the gradebook knows the assignment, its notebook and its graded cells.

    ``due`` (a datetime) becomes the assignment's due date, which nbgrader's export reports.
    """
    notebook, reason, _ = read_notebook(source_notebook)
    if notebook is None:
        raise FileNotFoundError(f"instructor notebook unusable: {reason}")
    nb_name = Path(source_notebook).stem
    gb.update_or_create_assignment(name, **({"duedate": due} if due else {}))
    gb.update_or_create_notebook(nb_name, name)
    for cell in notebook["cells"]:
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        gid = grade_id(cell)
        if gid is None:
            continue
        if meta.get("grade"):
            gb.update_or_create_grade_cell(
                gid, nb_name, name, max_score=float(meta.get("points", 0)),
                cell_type=cell.get("cell_type", "code"),
            )  # fmt: skip
        if meta.get("solution"):
            gb.update_or_create_solution_cell(gid, nb_name, name)


def due_date(db_url: str, name: str):
    """The due date the gradebook holds for ``name`` (``nbgrader db assignment add --duedate``)."""
    from nbgrader.api import MissingEntry

    with open_gradebook(db_url) as gb:
        try:
            return gb.find_assignment(name).duedate
        except MissingEntry:
            return None


def write_rows(db_url: str, name: str, source_notebook: Path, rows: list[dict],
               due=None) -> int:  # fmt: skip
    """Store every row's per-test scores; return how many submissions were written."""
    from datetime import datetime

    from nbgrader.api import MissingEntry

    written = 0
    with open_gradebook(db_url) as gb, warnings.catch_warnings():
        # nbgrader's add_submission trips SQLAlchemy's autoflush warnings; they are harmless
        warnings.filterwarnings("ignore", message=".*not in session.*")
        sync_assignment(gb, name, source_notebook, due)
        for row in rows:
            if row["status"] == "missing":
                gb.update_or_create_student(row["student"])
                continue
            gb.update_or_create_student(row["student"])
            stamp = row.get("timestamp")
            try:
                submission = gb.find_submission(name, row["student"])
            except MissingEntry:
                kwargs = {"timestamp": datetime.fromisoformat(stamp)} if stamp else {}
                submission = gb.add_submission(name, row["student"], **kwargs)
            scores = {t["grade_id"]: t["points"] for t in row.get("tests", [])}
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    if grade.name in scores:
                        grade.auto_score = float(scores[grade.name])
                        grade.needs_manual_grade = False
            gb.db.commit()
            written += 1
    return written


def write_csv(path: Path, rows: list[dict]) -> Path:
    """Our export: one line per submission with its status and reason (nothing is dropped)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, CSV_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            cells = {k: _inert(v) for k, v in row.items()}  # no formula from a student's id
            writer.writerow({**cells, "score": f"{row['score']:g}", "max_score":
                             f"{row['max_score']:g}"})  # fmt: skip
    return path


def _inert(value):
    """A text cell a spreadsheet would run as a formula (``=`` ``+`` ``-`` ``@`` ...) gets a
    leading ``'``, so ``=HYPERLINK(...)`` in a student id stays text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
