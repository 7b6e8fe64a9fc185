"""What each assignment grades: answer cells, points per test, trusted inputs and references.

One :class:`GradedTest` stands for one nbgrader test cell (same ``grade_id``, same points), so the
scores land on the gradebook's own cells. It is all or nothing, as a test cell is: the test
passes when the student's functions give the reference's answer on *every* case. The cases are
drawn by the trusted grader from a random generator seeded by the course's secret (see
:func:`case_rng`), so they are the same on every re-run and unknown to students; the expected
values are computed here, by :mod:`dlcourse.conv` and :mod:`dlcourse.pool`, and never enter the
sandbox.

A *driver* is the few lines the sandbox runs for one case: it calls the student's functions on
the case's arrays and scalars and sets ``outputs = {name: array}``.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dlcourse import conv, pool


@dataclass(frozen=True)
class Case:
    """One call of the student's code: its inputs and (trusted side only) the expected outputs."""

    arrays: dict[str, np.ndarray]
    scalars: dict[str, int | float]
    expected: dict[str, np.ndarray]


@dataclass(frozen=True)
class GradedTest:
    grade_id: str  # the nbgrader test cell this test replaces
    points: float
    title: str  # what it checks, as the student reads it in the feedback
    functions: tuple[str, ...]  # the student's names it calls
    driver: str
    outputs: tuple[str, ...]
    make_cases: Callable[[np.random.Generator], list[Case]]
    kinds: str = "f"  # accepted dtype kinds of the outputs ("f" float; "iuf" any number)
    rtol: float = 1e-6
    atol: float = 1e-8
    timeout: float = 10.0  # seconds per case


@dataclass(frozen=True)
class AssignmentSpec:
    name: str
    notebook: str  # file name inside the assignment folder
    setup_cells: tuple[str, ...]  # read-only cells taken from the instructor's copy
    answer_cells: tuple[str, ...]  # the student's cells, taken from the submission
    tests: tuple[GradedTest, ...]
    manual_cells: tuple[str, ...] = field(default=())  # left to nbgrader's manual grading
    manual_points: float = 0.0  # their points (graded by hand in the formgrader)

    @property
    def auto_score(self) -> float:
        """Points decided by the autograder."""
        return float(sum(t.points for t in self.tests))

    @property
    def max_score(self) -> float:
        """All the assignment's points, the manually graded ones included."""
        return self.auto_score + self.manual_points


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


# --- assignment 1: convolution ------------------------------------------------------------------

#: (x shape, w shape, stride, padding): non-square inputs and filters, strides 1-3, padding 0-2,
#: 1x1 filters and a filter as large as the padded input; the draws change the values, not these.
CONV_CONFIGS = [
    ((2, 3, 7, 6), (4, 3, 3, 2), 1, 0),
    ((1, 2, 8, 9), (3, 2, 3, 3), 2, 1),
    ((3, 1, 5, 5), (2, 1, 5, 5), 1, 2),
    ((2, 4, 9, 7), (5, 4, 2, 4), 3, 2),
    ((2, 1, 5, 6), (3, 1, 1, 1), 2, 1),
    ((1, 2, 4, 4), (2, 2, 6, 6), 1, 1),
]


def _conv_inputs(rng, x_shape, w_shape):
    x = rng.standard_normal(x_shape)
    w = rng.standard_normal(w_shape)
    b = rng.standard_normal(w_shape[0])
    return x, w, b


def conv_forward_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for x_shape, w_shape, stride, padding in CONV_CONFIGS:
        x, w, b = _conv_inputs(rng, x_shape, w_shape)
        out = conv.conv2d_forward_naive(x, w, b, stride, padding)
        cases.append(Case({"x": x, "w": w, "b": b}, {"stride": stride, "padding": padding},
                          {"out": out}))  # fmt: skip
    return cases


def conv_backward_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for x_shape, w_shape, stride, padding in CONV_CONFIGS:
        x, w, b = _conv_inputs(rng, x_shape, w_shape)
        out, cache = conv.conv2d_forward(x, w, b, stride, padding)
        dout = rng.standard_normal(out.shape)
        dx, dw, db = conv.conv2d_backward(dout, cache)
        cases.append(Case({"x": x, "w": w, "b": b, "dout": dout},
                          {"stride": stride, "padding": padding},
                          {"dx": dx, "dw": dw, "db": db}))  # fmt: skip
    return cases


A1 = AssignmentSpec(
    name="a1_convolution",
    notebook="a1_convolution.ipynb",
    setup_cells=("setup",),
    answer_cells=("conv2d_forward_loop", "conv2d_forward", "conv2d_backward"),
    tests=(
        GradedTest(
            "test_conv2d_forward_loop", 10, "conv2d_forward_loop gives the convolution's output",
            ("conv2d_forward_loop",),
            "outputs = {'out': conv2d_forward_loop(x, w, b, stride=stride, padding=padding)}",
            ("out",), conv_forward_cases,
        ),
        GradedTest(
            "test_conv2d_forward", 10, "conv2d_forward gives the convolution's output",
            ("conv2d_forward",),
            "outputs = {'out': conv2d_forward(x, w, b, stride=stride, padding=padding)[0]}",
            ("out",), conv_forward_cases,
        ),
        GradedTest(
            "test_conv2d_backward", 20, "conv2d_backward gives dx, dw and db",
            ("conv2d_backward",),
            # the notebook fixes the cache to (x, w, b, stride, padding): graded on its own
            "dx, dw, db = conv2d_backward(dout, (x, w, b, stride, padding))\n"
            "outputs = {'dx': dx, 'dw': dw, 'db': db}",
            ("dx", "dw", "db"), conv_backward_cases,
        ),
    ),
)  # fmt: skip

# --- assignment 2: pooling -----------------------------------------------------------------

#: (x shape, kernel_size, stride): square and rectangular windows, the default stride (None =
#: the window), strides smaller than the window (overlapping windows), a window as large as x.
POOL_CONFIGS = [
    ((2, 3, 8, 8), 2, None),
    ((3, 2, 9, 7), 3, 2),
    ((1, 4, 10, 11), (2, 3), (3, 1)),
    ((2, 1, 7, 9), (4, 2), None),
    ((2, 2, 6, 6), 6, 1),
    ((1, 2, 9, 9), 3, 1),
]


def _json(value):
    """Pairs go to the sandbox as lists (JSON); the student's ``as_pair`` accepts both."""
    return list(value) if isinstance(value, tuple) else value


def pool_forward_cases(forward: Callable) -> Callable[[np.random.Generator], list[Case]]:
    def make(rng: np.random.Generator) -> list[Case]:
        cases = []
        for x_shape, kernel, stride in POOL_CONFIGS:
            x = rng.standard_normal(x_shape)
            out, _ = forward(x, kernel, stride)
            scalars = {"kernel_size": _json(kernel), "stride": _json(stride)}
            cases.append(Case({"x": x}, scalars, {"out": out}))
        return cases

    return make


def pool_backward_cases(forward: Callable, backward: Callable):
    def make(rng: np.random.Generator) -> list[Case]:
        cases = []
        for x_shape, kernel, stride in POOL_CONFIGS:
            x = rng.standard_normal(x_shape)  # continuous values: no ties in a max window
            out, cache = forward(x, kernel, stride)
            dout = rng.standard_normal(out.shape)
            scalars = {"kernel_size": _json(kernel), "stride": _json(stride)}
            cases.append(Case({"x": x, "dout": dout}, scalars, {"dx": backward(dout, cache)}))
        return cases

    return make


#: JSON has no tuples: give the student's code pairs as tuples, as the notebook's tests do
PAIRS = ("kernel_size = tuple(kernel_size) if isinstance(kernel_size, list) else kernel_size\n"
         "stride = tuple(stride) if isinstance(stride, list) else stride\n")  # fmt: skip


def _pool_tests(kind: str, forward: Callable, backward: Callable) -> tuple[GradedTest, ...]:
    name = {"max": "max pooling", "avg": "average pooling"}[kind]
    fwd, bwd = f"{kind}_pool2d_forward", f"{kind}_pool2d_backward"
    return (
        GradedTest(
            f"test_{fwd}", 5, f"{fwd} gives the output of {name}", (fwd,),
            PAIRS + f"outputs = {{'out': {fwd}(x, kernel_size, stride=stride)[0]}}",
            ("out",), pool_forward_cases(forward),
        ),
        GradedTest(
            f"test_{bwd}", 5, f"{bwd} gives the gradient dx of {name}", (bwd,),
            # the notebook fixes the cache to (x, kernel_size, stride): graded on its own
            PAIRS + f"outputs = {{'dx': {bwd}(dout, (x, kernel_size, stride))}}",
            ("dx",), pool_backward_cases(forward, backward),
        ),
    )  # fmt: skip


A2 = AssignmentSpec(
    name="a2_pooling",
    notebook="a2_pooling.ipynb",
    setup_cells=("setup",),
    answer_cells=("max_pool2d_forward", "max_pool2d_backward", "avg_pool2d_forward",
                  "avg_pool2d_backward"),
    tests=_pool_tests("max", pool.max_pool2d_forward, pool.max_pool2d_backward)
    + _pool_tests("avg", pool.avg_pool2d_forward, pool.avg_pool2d_backward),
)  # fmt: skip

# --- assignment 3: pooling by hand ---------------------------------------------------------

#: the single depth slice of the CNN walk-through notes (rows 1 1 2 4 / 5 6 7 8 / 3 2 1 0 / 1 2 3 4)
HAND_SLICE = np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]], dtype=float)


def hand_pool_case(forward: Callable) -> Callable[[np.random.Generator], list[Case]]:
    """The one case of a hand-computed answer: the reference pools the slice (2x2, stride 2)."""

    def make(rng: np.random.Generator) -> list[Case]:
        out, _ = forward(HAND_SLICE[None, None], 2, 2)
        return [Case({}, {}, {"result": out[0, 0]})]

    return make


A3 = AssignmentSpec(
    name="a3_pooling_by_hand",
    notebook="a3_pooling_by_hand.ipynb",
    setup_cells=("setup",),
    answer_cells=("max_pool_answer", "avg_pool_answer"),
    tests=(
        GradedTest("test_max_pool_answer", 3, "max_pool_result is the max-pooled slice",
                   ("max_pool_result",), "outputs = {'result': max_pool_result}", ("result",),
                   hand_pool_case(pool.max_pool2d_forward), kinds="iuf"),
        GradedTest("test_avg_pool_answer", 3, "avg_pool_result is the average-pooled slice",
                   ("avg_pool_result",), "outputs = {'result': avg_pool_result}", ("result",),
                   hand_pool_case(pool.avg_pool2d_forward), kinds="iuf"),
    ),
    manual_cells=("max_pool_written",),
    manual_points=4,
)  # fmt: skip

SPECS: dict[str, AssignmentSpec] = {spec.name: spec for spec in (A1, A2, A3)}


def get_spec(assignment: str) -> AssignmentSpec:
    """The spec of ``assignment``, or a ValueError listing the known assignments."""
    try:
        return SPECS[assignment]
    except KeyError:
        raise ValueError(
            f"unknown assignment {assignment!r}; known: {', '.join(sorted(SPECS))}"
        ) from None
