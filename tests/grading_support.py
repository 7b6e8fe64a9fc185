"""Helpers of the grading tests: a throw-away course folder and simulated submissions."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from dlcourse.grading.extract import grade_id
from dlcourse.grading.runner import Course

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
STUB = 'raise NotImplementedError("not answered yet")'


def make_course(tmp_path: Path, assignments=("a1_convolution",)) -> Course:
    """A course folder in ``tmp_path`` with the instructor notebooks and nbgrader's config."""
    root = tmp_path / "course"
    for name in assignments:
        shutil.copytree(SOLUTIONS / name, root / "solutions" / name)
    shutil.copy(ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    return Course(root)


def source_notebook(assignment: str) -> dict:
    return json.loads((SOLUTIONS / assignment / f"{assignment}.ipynb").read_text("utf-8"))


def answer_source(assignment: str, gid: str) -> str:
    """The instructor's source of one answer cell (the solution, markers included)."""
    for cell in source_notebook(assignment)["cells"]:
        if grade_id(cell) == gid:
            return "".join(cell["source"])
    raise KeyError(gid)


def blank(source: str) -> str:
    """What nbgrader's release puts in an answer cell: the solution replaced by a stub."""
    pattern = re.compile(r"( *)### BEGIN SOLUTION.*?### END SOLUTION", re.S)
    return pattern.sub(lambda m: m.group(1) + STUB, source)


def submit(course: Course, student: str, assignment: str = "a1_convolution",
           cells: dict[str, str] | None = None, timestamp: str | None = None,
           raw: bytes | None = None, transform=None) -> Path:  # fmt: skip
    """Write ``submitted/<student>/<assignment>/<assignment>.ipynb``.

    The instructor's notebook with the answer cells in ``cells`` replaced (``grade_id ->
    source``); ``raw`` writes those bytes instead; ``transform(notebook)`` edits the notebook.
    """
    folder = course.root / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{assignment}.ipynb"
    if timestamp:
        (folder / "timestamp.txt").write_text(timestamp, encoding="utf-8")
    if raw is not None:
        path.write_bytes(raw)
        return path
    notebook = source_notebook(assignment)
    for cell in notebook["cells"]:
        gid = grade_id(cell)
        if cells and gid in cells:
            cell["source"] = cells[gid]
    if transform:
        transform(notebook)
    path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    return path


def blank_cells(assignment: str, answer_cells) -> dict[str, str]:
    return {gid: blank(answer_source(assignment, gid)) for gid in answer_cells}
