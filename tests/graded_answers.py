"""The graded answers of every assignment, read from the instructor notebooks in solutions/.

The guards in test_book_guards.py search the built book for these, so they must come from the
solutions themselves, never be typed into a test: when an assignment changes, the guard follows.

- **Numeric answers**: every solution region of a code cell is executed on its own (numpy as
  ``np``); each variable it defines that is a table of numbers (not a function) is an answer,
  for example assignment 3's pooled maps.
- **Code answers**: the lines of every other solution region (the function bodies of
  assignments 1, 2, 4 and 6), whitespace-normalised, without comments and trivial lines; the
  guards look for runs of them (:func:`code_windows`). A short region, with fewer than three
  significant lines (assignment 4's `dx = dout @ w.T`, ...), is also kept whole as a **code
  block**: all its lines, which the book must not show in a row.
- **Written answers**: the sentences of every graded Markdown cell's model answer.
- **Task data**: arrays the hidden tests build from literals (``_slice = np.array(...)``), and
  the numbers of a literal ``TASK = {...}`` dict in their order (assignment 5's Adam step): the
  data a student works by hand, in an assignment with answers typed by hand. The book may quote
  a task; it must not work it. (Inputs of code assignments, such as the truth tables of
  assignment 0, are no task: the book works them on purpose.)
"""

from __future__ import annotations

import ast
import json
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
_REGION = re.compile(r"### BEGIN SOLUTION[^\n]*\n(.*?)^[ \t]*### END SOLUTION", re.S | re.M)
_HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS[^\n]*\n(.*?)^[ \t]*### END HIDDEN TESTS", re.S | re.M)
# a significant line of code: long enough not to be a commonplace such as `return dx`
MIN_CODE_LINE = 24
# this many consecutive significant lines of a solution show it; a region with fewer (but at
# least two), such as assignment 6's dropout gradient, is shown by all of its lines together
CODE_WINDOW = 3


@dataclass
class Answers:
    assignment: str
    numeric: dict[str, np.ndarray] = field(default_factory=dict)
    code_lines: list[list[str]] = field(default_factory=list)  # one list per solution region
    code_blocks: list[list[str]] = field(default_factory=list)  # short regions, every line
    sentences: list[str] = field(default_factory=list)
    task_data: dict[str, np.ndarray] = field(default_factory=dict)


def _cells(notebook: Path) -> list[dict]:
    return json.loads(notebook.read_text(encoding="utf-8"))["cells"]


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def normalise_code(line: str) -> str:
    """One line of code without its comment and with single spaces only."""
    line = line.split("#", 1)[0] if not line.lstrip().startswith(("'", '"')) else line
    return " ".join(line.split())


def _numeric_values(region: str) -> dict[str, np.ndarray]:
    namespace: dict = {"np": np}
    try:
        exec(compile(region, "<solution>", "exec"), namespace)  # noqa: S102 (our own solutions)
    except Exception:  # a region that needs the rest of the notebook defines no tables anyway
        return {}
    found = {}
    for name, value in namespace.items():
        if name.startswith("_") or name == "np" or callable(value):
            continue
        try:
            array = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            continue
        if array.size >= 2:
            found[name] = array
    return found


def _literal_arrays(code: str) -> dict[str, np.ndarray]:
    """Names assigned ``np.array(<literal>)`` in ``code`` and their arrays."""
    found = {}
    for node in ast.walk(ast.parse(code)):
        if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)):
            continue
        call = node.value
        if getattr(call.func, "attr", None) != "array" or not call.args:
            continue
        try:
            array = np.asarray(ast.literal_eval(call.args[0]), dtype=float)
        except ValueError:
            continue
        for target in node.targets:
            if isinstance(target, ast.Name) and array.size >= 4:
                found[target.id] = array
    return found


def _literal_task(code: str) -> dict[str, np.ndarray]:
    """The numbers of the lists in a literal ``TASK = {...}`` dict, in order, as one array."""
    for node in ast.walk(ast.parse(code)):
        if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict)):
            continue
        if not any(isinstance(t, ast.Name) and t.id == "TASK" for t in node.targets):
            continue
        try:
            task = ast.literal_eval(node.value)
        except ValueError:
            return {}
        values = [float(x) for v in task.values() if isinstance(v, list | tuple)
                  for x in v if isinstance(x, int | float)]  # fmt: skip
        return {"TASK": np.array(values)} if len(values) >= 4 else {}
    return {}


def _sentences(markdown: str) -> list[str]:
    text = re.sub(r"[*_`]", "", markdown)
    parts = re.split(r"(?<=[.!?])\s+", " ".join(text.split()))
    return [p for p in parts if len(p.split()) >= 8]


def answers(assignment: str) -> Answers:
    """Everything graded in ``solutions/<assignment>/<assignment>.ipynb``."""
    found = Answers(assignment)
    for cell in _cells(SOLUTIONS / assignment / f"{assignment}.ipynb"):
        grader = cell.get("metadata", {}).get("nbgrader", {})
        source = _source(cell)
        if cell["cell_type"] == "markdown" and grader.get("solution") and grader.get("grade"):
            answer = source.split("**Marking guide", 1)[0]
            found.sentences += _sentences(answer)
        if cell["cell_type"] != "code":
            continue
        for region in _REGION.findall(source):
            values = _numeric_values(textwrap.dedent(region))
            found.numeric.update(values)
            if not values:  # a function body: the code is the answer
                lines = [normalise_code(line) for line in region.splitlines()]
                significant = [line for line in lines if len(line) >= MIN_CODE_LINE]
                found.code_lines.append(significant)
                block = [line for line in lines if line]
                if len(significant) < 3 and len(block) >= 2:
                    found.code_blocks.append(block)
        for hidden in _HIDDEN.findall(source):
            found.task_data.update(_literal_arrays(textwrap.dedent(hidden)))
    hidden_tests = SOLUTIONS / assignment / "hidden_tests.py"  # the grader's cases, beside it
    if hidden_tests.is_file():
        code = hidden_tests.read_text(encoding="utf-8")
        found.task_data.update(_literal_arrays(code))
        found.task_data.update(_literal_task(code))
    if not found.numeric:  # nothing is worked by hand: the hidden inputs are no task
        found.task_data = {}
    return found


def code_windows(region: list[str]) -> list[str]:
    """The runs of significant lines of one solution region that no page may show: every
    ``CODE_WINDOW`` consecutive lines, or the whole region when it is shorter. A single line is
    not enough to call a leak (the book shows the library's formulas)."""
    if len(region) < 2:
        return []
    size = min(CODE_WINDOW, len(region))
    return ["\n".join(region[i : i + size]) for i in range(len(region) - size + 1)]


def assignments() -> list[str]:
    return sorted(p.name for p in SOLUTIONS.iterdir() if (p / f"{p.name}.ipynb").exists())
