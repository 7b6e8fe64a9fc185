"""Personal variants of a by-hand item: each student's own numbers, from the secret and the id.

An assignment whose hidden tests use task numbers (``uses_task=True``; assignment 3's slice,
assignment 5's Adam step) declares in its ``hidden_tests.py``:

- ``TASK``: the notebook's own numbers, every student's when the course uses no variants;
- ``variant(rng) -> task``: a student's own numbers, drawn from ``rng``;
- ``task_text(task) -> str``: how the notebook's read-only task cell (grade_id ``task``) shows
  them.

``dlcourse release --per-student`` writes one notebook per student whose task cell shows
``variant(student_rng(secret, assignment, student))`` and records that the assignment has
variants (:func:`set_per_student`). The grader then derives each student's numbers from the
secret and the id the submission is filed under -- never from the notebook -- so a student who
copies a classmate's answers (or the classmate's whole notebook) is graded on their own
numbers and loses the points. Without a secret a student cannot compute anyone's numbers.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from pathlib import Path

import numpy as np

from dlcourse.grading.specs import TASK_CELL, AssignmentSpec

#: which assignments of a course were released with personal variants (beside the secret)
PER_STUDENT_FILE = Path(".dlcourse") / "per_student.json"


def student_rng(secret: str, assignment: str, student: str) -> np.random.Generator:
    """A generator only the course can reproduce: seeded by HMAC-SHA256(secret, assignment/id)."""
    message = f"variant/{assignment}/{student}".encode("utf-8", "surrogatepass")
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], "little"))


def student_task(spec: AssignmentSpec, secret: str, student: str, per_student: bool) -> dict:
    """The numbers ``student`` works on: their own variant, or the notebook's ``TASK``."""
    if not spec.has_variants:
        raise ValueError(f"{spec.name} has no task numbers (no test with uses_task=True)")
    if not per_student:
        return spec.task
    return spec.variant(student_rng(secret, spec.name, student))


def per_student_names(course_root: Path) -> list[str]:
    """The assignments the course released with personal variants."""
    path = Path(course_root) / PER_STUDENT_FILE
    if not path.is_file():
        return []
    names = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ValueError(f"{path} must hold a JSON list of assignment names")
    return names


def is_per_student(course_root: Path, assignment: str) -> bool:
    return assignment in per_student_names(course_root)


def set_per_student(course_root: Path, assignment: str, on: bool) -> None:
    """Record whether ``assignment`` is graded against each student's own numbers."""
    names = set(per_student_names(course_root))
    names = names | {assignment} if on else names - {assignment}
    path = Path(course_root) / PER_STUDENT_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(sorted(names)) + "\n", encoding="utf-8")


def personalise(notebook: dict, spec: AssignmentSpec, task: dict, student: str = "") -> dict:
    """A copy of the released ``notebook`` whose task cell shows ``task`` (and whose they are).

    The task cell is read-only: its nbgrader checksum is recomputed so that ``nbgrader
    validate`` accepts it, as it accepts the shared release.
    """
    from nbformat import from_dict
    from nbgrader.utils import compute_checksum

    result = copy.deepcopy(notebook)
    old, new = spec.task_text(spec.task), spec.task_text(task)
    if student:
        new = (
            f"*These numbers are yours, student `{student}`: each student has their own, "
            "and yours are the ones your answers are graded on.*\n\n" + new
        )
    for cell in result["cells"]:
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        if meta.get("grade_id") != TASK_CELL:
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        if source.count(old) != 1:
            raise ValueError(f"{spec.name}: the released task cell does not show TASK once")
        cell["source"] = source.replace(old, new)
        if "checksum" in meta:
            meta["checksum"] = compute_checksum(from_dict(cell))
        return result
    raise ValueError(f"{spec.name}: the released notebook has no task cell {TASK_CELL!r}")


def release_per_student(release: Path, spec: AssignmentSpec, secret: str,
                        students: list[str], dest: Path) -> list[Path]:  # fmt: skip
    """Write ``dest/<student>/<assignment>/<notebook>`` for each student; return the paths.

    ``release`` is the shared student version (``assignments/<name>/<notebook>``); the other
    files of its folder are copied beside each notebook.
    """
    from dlcourse.grading.safefs import make_dirs

    notebook = json.loads(Path(release).read_text(encoding="utf-8"))
    written = []
    for student in students:
        if not student or student in (".", "..") or "/" in student or "\0" in student:
            raise ValueError(f"student id {student!r} cannot name a folder")
        task = student_task(spec, secret, student, per_student=True)
        folder = make_dirs(Path(dest), [student, spec.name])
        for extra in Path(release).parent.iterdir():
            if extra.is_file() and extra.name != spec.notebook:
                (folder / extra.name).write_bytes(extra.read_bytes())
        path = folder / spec.notebook
        text = json.dumps(personalise(notebook, spec, task, student), indent=1, ensure_ascii=False)
        path.write_text(text + "\n", encoding="utf-8")
        written.append(path)
    return written
