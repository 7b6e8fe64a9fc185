"""What an assignment grades, read from its folder: the notebook's metadata and its hidden tests.

One source per assignment, ``solutions/<name>/``:

- ``<name>.ipynb``, the instructor's notebook: its nbgrader metadata says everything about
  *cells and points* -- which cells are tests (``grade`` code cells, with their ``points``),
  which are the student's answers (``solution`` code cells), which are read-only (``locked``),
  which are graded by hand (``grade`` + ``solution``: a written answer);
- ``hidden_tests.py`` beside it says how each test cell is *judged*: ``TESTS``, a dict from the
  test cell's ``grade_id`` to a :class:`HiddenTest` (what it checks, the student's names it
  calls, the driver, the outputs, the cases and tolerances), and optionally ``MISTAKES``, one
  realistic bug per answer cell that the tests and ``tools/assignments.py --scores`` try out.

The notebook's hidden test cells and the sandboxed grader draw their cases from the same
``TESTS`` (:mod:`dlcourse.grading.hidden` runs them in the instructor's notebook). This module
holds the mechanism, not the list: every folder of ``solutions/`` with a notebook of its own name
and a ``hidden_tests.py`` is an assignment.

One :class:`GradedTest` stands for one nbgrader test cell (same ``grade_id``, same points), so the
scores land on the gradebook's own cells. It is all or nothing, as a test cell is: the test
passes when the student's functions give the reference's answer on *every* case. The grader's
cases are drawn from a generator seeded by the course's secret (:func:`case_rng`), so they are the
same on every re-run and unknown to students; the expected values are computed in the trusted
process and never enter the sandbox.

A *driver* is the few lines the sandbox runs for one case: it calls the student's functions on
the case's arrays and scalars and sets ``outputs = {name: array}``.

A test with ``thresholds`` is judged by a score instead (assignment 7: a network trained in the
sandbox): its outputs are class labels, compared with the case's expected labels in the trusted
process, and the *accuracy* over all its cases earns the share of the points of the highest
threshold it reaches (partial points, unlike an allclose test).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

HIDDEN_TESTS = "hidden_tests.py"
#: the first line of an assignment notebook: ``# Assignment 7: training a CNN (20 points)``
TITLE_LINE = re.compile(r"^# Assignment (\d+): (.+?) \((\d+(?:\.\d+)?) points\)\s*$")
#: a line of the same first cell naming the chapters it builds on: ``**Chapters:** 8, 9, 10``
CHAPTERS_LINE = re.compile(r"^\*\*Chapters?:\*\*\s*(\d+(?:\s*,\s*\d+)*)\s*$", re.M)


@dataclass(frozen=True)
class Case:
    """One call of the student's code: its inputs and (trusted side only) the expected outputs."""

    arrays: dict[str, np.ndarray]
    scalars: dict[str, int | float | list]
    expected: dict[str, np.ndarray]


@dataclass(frozen=True)
class HiddenTest:
    """How one test cell is judged (declared in an assignment's ``hidden_tests.py``)."""

    title: str  # what it checks, as the student reads it in the feedback
    functions: tuple[str, ...]  # the student's names it calls
    driver: str
    outputs: tuple[str, ...]
    make_cases: Callable[[np.random.Generator], list[Case]]
    kinds: str = "f"  # accepted dtype kinds of the outputs ("f" float; "iuf" any number)
    rtol: float = 1e-6
    atol: float = 1e-8
    timeout: float = 10.0  # seconds per case
    #: a value the student types (worked out by hand), not code run on hidden inputs: the
    #: feedback speaks of "your answer", not of "your code" and "hidden inputs"
    typed_answer: bool = False
    #: the answer depends on the student's task numbers (a by-hand item that can have personal
    #: variants): the case maker is called as ``make_cases(rng, task)``, ``task`` being the
    #: notebook's numbers (``TASK``) or the student's own (:mod:`dlcourse.grading.variants`)
    uses_task: bool = False
    #: judged by accuracy, not closeness: ``((least accuracy, share of the points), ...)``,
    #: highest first, the first share 1 (full points), e.g. ``((0.9, 1.0), (0.8, 0.5))``. The
    #: outputs are then integer class labels, one per example, and the expected labels never
    #: leave the trusted process.
    thresholds: tuple[tuple[float, float], ...] = ()

    def __post_init__(self):
        check_thresholds(self.thresholds, self.title)

    def draw_cases(self, rng: np.random.Generator, task: dict | None) -> list[Case]:
        """The cases of this test; one that uses the task numbers is given ``task``."""
        return self.make_cases(rng, task) if self.uses_task else self.make_cases(rng)


@dataclass(frozen=True)
class GradedTest(HiddenTest):
    """A hidden test bound to its notebook cell: the cell's ``grade_id`` and ``points``."""

    grade_id: str = ""
    points: float = 0.0


@dataclass(frozen=True)
class AssignmentSpec:
    name: str
    notebook: str  # file name inside the assignment folder
    setup_cells: tuple[str, ...]  # read-only code cells, always taken from the instructor's copy
    answer_cells: tuple[str, ...]  # the student's code answer cells, in notebook order
    tests: tuple[GradedTest, ...]
    manual_cells: tuple[str, ...] = field(default=())  # graded by hand in the formgrader
    manual_points: float = 0.0
    test_cells: tuple[str, ...] = field(default=())  # every autograded cell (= the tests' ids)
    mistakes: dict = field(default_factory=dict)  # answer cell -> (old, new, what it breaks)
    version: str = ""  # a digest of the notebook's metadata and the hidden tests' source
    cell_order: tuple[str, ...] = field(default=())  # every grade_id, in notebook order
    #: the task numbers of a by-hand item (``TASK`` of hidden_tests.py; None when there is none),
    #: how to draw a student's own (``variant(rng) -> task``) and how the task cell shows them
    #: (``task_text(task) -> Markdown``); see :mod:`dlcourse.grading.variants`
    task: dict | None = None
    variant: Callable | None = None
    task_text: Callable | None = None
    number: int | None = None  # from the title line: "# Assignment 7: training a CNN (...)"
    title: str = ""  # "training a CNN"
    chapters: tuple[int, ...] = field(default=())  # from the "**Chapters:** 8, 9" line

    @property
    def has_variants(self) -> bool:
        """Whether some test depends on the task numbers (personal variants are possible)."""
        return self.task is not None and any(t.uses_task for t in self.tests)

    @property
    def auto_score(self) -> float:
        """Points decided by the autograder."""
        return float(sum(t.points for t in self.tests))

    @property
    def max_score(self) -> float:
        """All the assignment's points, the manually graded ones included."""
        return self.auto_score + self.manual_points

    @property
    def test_titles(self) -> dict[str, str]:
        return {t.grade_id: t.title for t in self.tests}


class SpecError(ValueError):
    """An assignment folder that does not describe an assignment (a mistake of its author)."""


def check_thresholds(thresholds, title: str) -> None:
    """Raise :class:`SpecError` unless ``thresholds`` are ``(accuracy, share)`` pairs with
    accuracies in (0, 1] falling and shares in (0, 1] falling, the first share 1."""
    if not thresholds:
        return
    pairs = [tuple(p) for p in thresholds]
    ok = all(len(p) == 2 and 0 < p[0] <= 1 and 0 < p[1] <= 1 for p in pairs)
    ok = ok and pairs[0][1] == 1 and all(
        a[0] > b[0] and a[1] > b[1] for a, b in zip(pairs, pairs[1:], strict=False)
    )  # fmt: skip
    if not ok:
        raise SpecError(f"{title!r}: thresholds must be (accuracy, share) pairs, both falling "
                        f"and in (0, 1], the first share 1; got {thresholds!r}")  # fmt: skip


def case_rng(secret: str, assignment: str, grade_id: str) -> np.random.Generator:
    """A generator only the grader can reproduce: seeded by the secret and the test's id."""
    digest = hashlib.sha256(f"{secret}/{assignment}/{grade_id}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], "little"))


def course_secret(course: Path) -> str:
    """The course's grading secret, created on first use (``.dlcourse/grading_secret``, 0600).

    Keep it out of git and away from students: it decides the hidden inputs.
    """
    path = Path(course) / ".dlcourse" / "grading_secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_hex(32), encoding="utf-8")
    return path.read_text(encoding="utf-8").strip()


def load_hidden_tests(path: Path):
    """Import an assignment's ``hidden_tests.py`` (the instructor's code) as a fresh module."""
    path = Path(path)
    name = f"dlcourse_hidden_tests_{hashlib.sha256(str(path).encode()).hexdigest()[:12]}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while a class is created
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop(name, None)
    if not isinstance(getattr(module, "TESTS", None), dict):
        raise SpecError(f"{path} defines no TESTS dict (grade_id -> HiddenTest)")
    return module


def _meta(cell: dict) -> dict:
    meta = (cell.get("metadata") or {}).get("nbgrader")
    return meta if isinstance(meta, dict) else {}


def title_and_chapters(notebook: dict) -> tuple[int | None, str, tuple[int, ...]]:
    """``(number, title, chapters)`` from the first cell of an assignment notebook, which
    starts ``# Assignment 7: training a CNN (20 points)`` and has a line
    ``**Chapters:** 8, 9, 10`` (``None``, ``""``, ``()`` for what it lacks)."""
    cells = notebook.get("cells") or [{}]
    source = cells[0].get("source", "")
    text = "".join(source) if isinstance(source, list) else str(source)
    title = TITLE_LINE.match(text.splitlines()[0] if text else "")
    chapters = CHAPTERS_LINE.search(text)
    return (int(title.group(1)) if title else None, title.group(2) if title else "",
            tuple(int(c) for c in chapters.group(1).split(",")) if chapters else ())  # fmt: skip


def is_assignment(folder: Path) -> bool:
    folder = Path(folder)
    return (folder / f"{folder.name}.ipynb").is_file() and (folder / HIDDEN_TESTS).is_file()


def load_spec(folder: Path) -> AssignmentSpec:
    """The spec of the assignment in ``folder`` (``solutions/<name>/``), checked for consistency.

    Raises :class:`SpecError` naming the cell or test at fault when the notebook and
    ``hidden_tests.py`` disagree.
    """
    folder = Path(folder)
    name = folder.name
    notebook_path = folder / f"{name}.ipynb"
    if not notebook_path.is_file():
        raise SpecError(f"no notebook {notebook_path}")
    if not (folder / HIDDEN_TESTS).is_file():
        raise SpecError(f"no {HIDDEN_TESTS} beside {notebook_path}")
    text = notebook_path.read_text(encoding="utf-8")
    notebook = json.loads(text)
    module = load_hidden_tests(folder / HIDDEN_TESTS)
    setup, answers, manual, tests, seen = [], [], {}, [], set()
    for cell in notebook["cells"]:
        meta = _meta(cell)
        gid = meta.get("grade_id")
        if not gid:
            continue
        if gid in seen:
            raise SpecError(f"{notebook_path.name}: grade_id {gid!r} is used twice")
        seen.add(gid)
        code = cell.get("cell_type") == "code"
        if meta.get("grade") and meta.get("solution"):
            manual[gid] = float(meta.get("points", 0))
        elif meta.get("grade"):
            if not code:
                raise SpecError(f"{notebook_path.name}: test cell {gid!r} is not a code cell")
            hidden = module.TESTS.get(gid)
            if not isinstance(hidden, HiddenTest):
                raise SpecError(f"{HIDDEN_TESTS} of {name} has no HiddenTest for cell {gid!r}")
            fields = {k: getattr(hidden, k) for k in HiddenTest.__dataclass_fields__}
            tests.append(GradedTest(**fields, grade_id=gid, points=float(meta.get("points", 0))))
        elif meta.get("solution") and code:
            answers.append(gid)
        elif meta.get("locked") and code:
            setup.append(gid)
    unknown = sorted(set(module.TESTS) - {t.grade_id for t in tests})
    if unknown:
        raise SpecError(f"{HIDDEN_TESTS} of {name} names cells that are not test cells: {unknown}")
    task = _task_parts(module, name, notebook, tests)
    version = hashlib.sha256(
        json.dumps([[_meta(c) for c in notebook["cells"]], setup]).encode()
        + (folder / HIDDEN_TESTS).read_bytes()
    ).hexdigest()[:16]
    number, title, chapters = title_and_chapters(notebook)
    return AssignmentSpec(
        number=number,
        title=title,
        chapters=chapters,
        name=name,
        notebook=notebook_path.name,
        setup_cells=tuple(setup),
        answer_cells=tuple(answers),
        tests=tuple(tests),
        manual_cells=tuple(manual),
        manual_points=float(sum(manual.values())),
        test_cells=tuple(t.grade_id for t in tests),
        mistakes=dict(getattr(module, "MISTAKES", {}) or {}),
        version=version,
        cell_order=tuple(
            gid for gid in (_meta(c).get("grade_id") for c in notebook["cells"]) if gid
        ),  # fmt: skip
        **task,
    )


#: grade_id of the read-only Markdown cell that shows a by-hand item's numbers
TASK_CELL = "task"


def _task_parts(module, name: str, notebook: dict, tests: list) -> dict:
    """``TASK``, ``variant`` and ``task_text`` of an assignment whose tests use task numbers,
    checked: the notebook's locked cell ``task`` shows ``task_text(TASK)``."""
    if not any(t.uses_task for t in tests):
        return {}
    parts = {k: getattr(module, k, None) for k in ("TASK", "variant", "task_text")}
    if not isinstance(parts["TASK"], dict) or not callable(parts["variant"]) \
            or not callable(parts["task_text"]):  # fmt: skip
        raise SpecError(f"{HIDDEN_TESTS} of {name} has tests with uses_task=True: it must define "
                        "TASK (a dict), variant(rng) and task_text(task)")  # fmt: skip
    cell = next((c for c in notebook["cells"] if _meta(c).get("grade_id") == TASK_CELL), None)
    if cell is None or not _meta(cell).get("locked") or cell.get("cell_type") != "markdown":
        raise SpecError(f"{name}: the task numbers need a read-only Markdown cell with "
                        f"grade_id {TASK_CELL!r}")  # fmt: skip
    source = cell.get("source", "")
    source = "".join(source) if isinstance(source, list) else source
    if parts["task_text"](parts["TASK"]) not in source:
        raise SpecError(f"{name}: the task cell does not show task_text(TASK)")
    return {"task": parts["TASK"], "variant": parts["variant"], "task_text": parts["task_text"]}


def assignment_names(source: Path) -> list[str]:
    """Every assignment in the folder ``source`` (``solutions/``), sorted."""
    source = Path(source)
    if not source.is_dir():
        return []
    return sorted(p.name for p in source.iterdir() if p.is_dir() and is_assignment(p))


def overview(source: Path | None = None) -> list[dict]:
    """One row per assignment of ``source`` (default: this repository's ``solutions/``), in
    the order of their numbers: ``number``, ``name``, ``title``, ``chapters`` (a tuple),
    ``points`` (all of them) and ``hand_graded`` (the points graded by hand). Read from each
    notebook, so an assignment added to ``solutions/`` is listed without more ado."""
    source = Path(source) if source is not None else default_source()
    specs = [load_spec(source / name) for name in assignment_names(source)]
    specs.sort(key=lambda s: (s.number is None, s.number or 0, s.name))
    return [{"number": s.number, "name": s.name, "title": s.title, "chapters": s.chapters,
             "points": s.max_score, "hand_graded": s.manual_points} for s in specs]  # fmt: skip


def get_spec(assignment: str, source: Path | None = None) -> AssignmentSpec:
    """The spec of ``assignment`` in ``source`` (default: this repository's ``solutions/``).

    A ValueError lists the known assignments when there is no such folder.
    """
    source = Path(source) if source is not None else default_source()
    folder = source / assignment
    if not is_assignment(folder):
        known = ", ".join(assignment_names(source)) or "none"
        raise ValueError(f"unknown assignment {assignment!r} in {source}; known: {known}")
    return load_spec(folder)


def default_source() -> Path:
    """``solutions/`` of the repository this library is installed from (an editable install)."""
    return Path(__file__).resolve().parents[3] / "solutions"
