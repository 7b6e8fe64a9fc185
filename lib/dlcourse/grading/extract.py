"""Read a submitted notebook safely: a status and a reason, never an exception.

The submitted file is opened read-only and read once, as bytes; nothing is ever written to it
(grading works on the extracted source text). What can go wrong becomes a status:

- ``missing``: no notebook file where the assignment expects it;
- ``malformed``: too large, not UTF-8, not JSON, not a version-4 notebook, cells that are not
  cells;
- ``ok``: the source of every answer cell found, by its nbgrader ``grade_id``; answer cells the
  student deleted are listed in ``missing_cells`` (their functions will simply not exist).
"""

from __future__ import annotations

import ast
import hashlib
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path

from dlcourse.grading.safefs import Refused, read_regular

MAX_NOTEBOOK_BYTES = 20 << 20
#: most JSON values (counted as ``,`` ``[`` ``{``) a notebook may hold: parsing costs about
#: 80 bytes of the grader's memory per value, so this bounds a parse to about 80 MB
MAX_JSON_VALUES = 1_000_000
#: longest answer cell the grader parses itself (``ast.parse`` needs ~500 bytes per character)
MAX_PARSED_CELL_CHARS = 100_000
#: one notebook parsed at a time, so parallel workers never add up their parsing peaks
_PARSE_LOCK = threading.Lock()


@dataclass
class Submission:
    """What the grader needs from one submitted notebook."""

    status: str  # ok | missing | malformed
    reason: str = ""
    cells: dict[str, str] = field(default_factory=dict)  # grade_id -> source of an answer cell
    missing_cells: list[str] = field(default_factory=list)
    sha256: str | None = None
    notebook: dict | None = None  # the whole notebook, as read (for the student's own cells)


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    if isinstance(source, list) and all(isinstance(s, str) for s in source):
        return "".join(source)
    if isinstance(source, str):
        return source
    raise ValueError("a cell's source is neither text nor a list of lines")


def read_notebook(path: Path, root: Path | None = None) -> tuple[dict | None, str, str | None]:
    """Return ``(notebook, reason, sha256)``; ``notebook`` is None when it cannot be used.

    No component of ``path`` below ``root`` (default: its folder) may be a link, and the file
    must be a regular file: a link to the solutions or a named pipe is refused, not followed.
    """
    path = Path(path)
    try:
        raw = read_regular(Path(root) if root else path.parent, path, MAX_NOTEBOOK_BYTES)
    except Refused as exc:
        if "does not exist" in str(exc):
            return None, f"no file {path.name}", None
        return None, f"{path.name} cannot be read: {str(exc)[:200]}", ""
    except OSError as exc:
        return None, f"cannot read {path.name}: {exc.strerror}", ""
    digest = hashlib.sha256(raw).hexdigest()
    values = raw.count(b",") + raw.count(b"[") + raw.count(b"{")
    if values > MAX_JSON_VALUES:
        return None, (f"{path.name} holds more than {MAX_JSON_VALUES:,} JSON values (clear the "
                      "outputs and submit again)"), digest  # fmt: skip
    try:
        with _PARSE_LOCK:
            notebook = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return None, f"{path.name} is not UTF-8 text", digest
    except (json.JSONDecodeError, RecursionError, MemoryError) as exc:
        return None, f"{path.name} is not valid JSON ({str(exc)[:80]})", digest
    finally:
        del raw
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        return None, f"{path.name} is not a notebook (no list of cells)", digest
    if notebook.get("nbformat") != 4:
        shown = repr(notebook.get("nbformat"))[:20]
        return None, f"{path.name} has nbformat {shown}; 4 is needed", digest
    if not all(isinstance(c, dict) for c in notebook["cells"]):
        return None, f"{path.name} has cells that are not JSON objects", digest
    return notebook, "", digest


def notebook_digest(path: Path, root: Path | None = None) -> str | None:
    """SHA-256 of the submitted file's bytes (None if it cannot be read), without parsing."""
    try:
        raw = read_regular(Path(root) if root else Path(path).parent, Path(path),
                           MAX_NOTEBOOK_BYTES)  # fmt: skip
    except OSError as exc:
        return None if "does not exist" in str(exc) else f"unreadable: {str(exc)[:100]}"
    return hashlib.sha256(raw).hexdigest()


def grade_id(cell: dict) -> str | None:
    meta = cell.get("metadata")
    nbgrader = meta.get("nbgrader") if isinstance(meta, dict) else None
    value = nbgrader.get("grade_id") if isinstance(nbgrader, dict) else None
    return value if isinstance(value, str) else None


def cell_sources(notebook: dict, cell_type: str = "code") -> dict[str, str]:
    """``grade_id -> source`` of the cells of ``cell_type``; the first of duplicates wins."""
    found: dict[str, str] = {}
    for cell in notebook["cells"]:
        gid = grade_id(cell)
        if gid is not None and cell.get("cell_type") == cell_type and gid not in found:
            found[gid] = _source(cell)
    return found


def read_submission(path: Path, answer_cells: list[str], root: Path | None = None) -> Submission:
    """Extract the answer cells ``answer_cells`` (grade ids) from the notebook at ``path``
    (no link below ``root`` is followed)."""
    notebook, reason, digest = read_notebook(path, root)
    if notebook is None:
        status = "missing" if digest is None else "malformed"
        return Submission(status, reason, sha256=digest or None)
    try:
        sources = cell_sources(notebook)
    except ValueError as exc:
        return Submission("malformed", f"{Path(path).name}: {exc}", sha256=digest)
    cells = {gid: sources[gid] for gid in answer_cells if gid in sources}
    missing = [gid for gid in answer_cells if gid not in sources]
    return Submission("ok", "", cells, missing, digest, notebook)


def parse_cell(source: str) -> ast.Module | None:
    """``ast.parse(source)`` for the trusted process: None when the cell is longer than
    :data:`MAX_PARSED_CELL_CHARS` or too deep to parse; a ``SyntaxError`` or ``ValueError`` is
    the caller's. One parse at a time: CPython 3.11's parser keeps its recursion depth in state
    that threads grading side by side can corrupt ("AST constructor recursion depth mismatch",
    a ``SystemError``), and a single large parse is what the grader's memory budget allows for.
    """
    if len(source) > MAX_PARSED_CELL_CHARS:
        return None
    with _PARSE_LOCK:
        try:
            return ast.parse(source)
        except (RecursionError, MemoryError, SystemError):
            return None


def defined_names(source: str) -> set[str] | None:
    """Names ``source`` defines at top level: functions, and variables it assigns.

    None when it does not parse (the sandbox will report the SyntaxError) or is too long for
    the grader to parse safely.
    """
    try:
        tree = parse_cell(source)
    except (SyntaxError, ValueError):
        return None
    if tree is None:
        return None
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def syntax_error_line(source: str) -> int | None:
    """The line of the syntax error in ``source`` as the grader itself finds it, if any.

    Magics are blanked as the sandbox does; a cell too long to parse safely gives None.
    """
    from dlcourse.grading.child import strip_magics

    try:
        parse_cell(strip_magics(source))
    except SyntaxError as exc:
        return exc.lineno if isinstance(exc.lineno, int) else None
    except ValueError:
        return None
    return None


@dataclass
class ProgramCell:
    """One code cell the grader runs, in notebook order."""

    label: str  # the grade_id, or "cell <n>" for a cell the student added (n: its position)
    source: str
    origin: str  # "instructor" (read-only, from the instructor's copy) or "student"


def program_cells(submission: dict, read_only: dict[str, str], answers: set[str],
                  skip: set[str], order: list[str] | None = None) -> list[ProgramCell]:  # fmt: skip
    """The code cells of ``submission`` the grader runs, in the student's notebook order.

    What Validate runs, minus the test cells: read-only cells (``read_only``, grade_id ->
    source) always with the instructor's source, and inserted where the instructor put them if the
    student deleted them; the student's answer cells and every code cell the student added (no
    nbgrader id, or an id the instructor's notebook does not have), with the student's source.
    Only the ids in ``answers`` are kept as labels (a student's own id is never shown). Cells
    whose grade_id is in ``skip`` (the test cells: hidden tests replace them) are left out, and
    so is every repeat of an id already taken. ``order`` is every grade_id of the instructor's
    notebook in its order (default: the read-only cells'): a read-only cell the student deleted
    runs before the first cell that follows it there.
    """
    order = list(order or read_only)
    taken: set[str] = set()
    cells: list[ProgramCell] = []

    def flush_read_only_before(gid: str | None) -> None:
        stop = order.index(gid) if gid in order else len(order)
        for earlier in order[:stop]:
            if earlier in read_only and earlier not in taken:
                taken.add(earlier)
                cells.append(ProgramCell(earlier, read_only[earlier], "instructor"))

    for number, cell in enumerate(submission["cells"], start=1):
        if cell.get("cell_type") != "code":
            continue
        gid = grade_id(cell)
        if gid in read_only:
            flush_read_only_before(gid)
            if gid not in taken:
                taken.add(gid)
                cells.append(ProgramCell(gid, read_only[gid], "instructor"))
            continue
        if gid in order:
            flush_read_only_before(gid)
        if gid is not None and (gid in skip or gid in taken):
            continue
        if gid is not None:
            taken.add(gid)
        label = gid if gid in answers else f"cell {number}"
        cells.append(ProgramCell(label, _source(cell), "student"))
    flush_read_only_before(None)
    return cells
