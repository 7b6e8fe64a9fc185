"""Hidden tests of assignment 2 (pooling): how each test cell is judged.

Read by the grader (``dlcourse autograde``), which draws the cases from the course's secret and
runs the drivers in a sandbox, and by the hidden region of each test cell of the instructor's
notebook (:func:`dlcourse.grading.hidden.run_hidden_test`), which draws them from a public seed.
Points, ids and cells come from the notebook's metadata, not from here. Never released to
students (``nbgrader_config.py`` keeps this file out of ``assignments/``).
"""

import numpy as np
from dlcourse import pool
from dlcourse.grading.specs import Case, HiddenTest

#: (x shape, kernel_size, stride): square and rectangular windows, the default stride (None =
#: the window), strides smaller than the window (overlapping windows), a window as large as x.
CONFIGS = [
    ((2, 3, 8, 8), 2, None),
    ((3, 2, 9, 7), 3, 2),
    ((1, 4, 10, 11), (2, 3), (3, 1)),
    ((2, 1, 7, 9), (4, 2), None),
    ((2, 2, 6, 6), 6, 1),
    ((1, 2, 9, 9), 3, 1),
]

#: JSON has no tuples: give the student's code pairs as tuples, as the visible tests do
PAIRS = ("kernel_size = tuple(kernel_size) if isinstance(kernel_size, list) else kernel_size\n"
         "stride = tuple(stride) if isinstance(stride, list) else stride\n")  # fmt: skip


def _json(value):
    """Pairs go to the sandbox as lists (JSON); the driver turns them back into tuples."""
    return list(value) if isinstance(value, tuple) else value


def forward_cases(forward):
    def make(rng: np.random.Generator) -> list[Case]:
        cases = []
        for x_shape, kernel, stride in CONFIGS:
            x = rng.standard_normal(x_shape)
            out, _ = forward(x, kernel, stride)
            scalars = {"kernel_size": _json(kernel), "stride": _json(stride)}
            cases.append(Case({"x": x}, scalars, {"out": out}))
        return cases

    return make


def backward_cases(forward, backward):
    def make(rng: np.random.Generator) -> list[Case]:
        cases = []
        for x_shape, kernel, stride in CONFIGS:
            x = rng.standard_normal(x_shape)  # continuous values: no ties in a max window
            out, cache = forward(x, kernel, stride)
            dout = rng.standard_normal(out.shape)
            scalars = {"kernel_size": _json(kernel), "stride": _json(stride)}
            cases.append(Case({"x": x, "dout": dout}, scalars, {"dx": backward(dout, cache)}))
        return cases

    return make


def _tests(kind: str, forward, backward) -> dict[str, HiddenTest]:
    name = {"max": "max pooling", "avg": "average pooling"}[kind]
    fwd, bwd = f"{kind}_pool2d_forward", f"{kind}_pool2d_backward"
    return {
        f"test_{fwd}": HiddenTest(
            f"{fwd} gives the output of {name}", (fwd,),
            PAIRS + f"outputs = {{'out': {fwd}(x, kernel_size, stride=stride)[0]}}",
            ("out",), forward_cases(forward),
        ),
        f"test_{bwd}": HiddenTest(
            f"{bwd} gives the gradient dx of {name}", (bwd,),
            # the notebook fixes the cache to (x, kernel_size, stride): graded on its own
            PAIRS + f"outputs = {{'dx': {bwd}(dout, (x, kernel_size, stride))}}",
            ("dx",), backward_cases(forward, backward),
        ),
    }  # fmt: skip


TESTS = {
    **_tests("max", pool.max_pool2d_forward, pool.max_pool2d_backward),
    **_tests("avg", pool.avg_pool2d_forward, pool.avg_pool2d_backward),
}

#: one realistic mistake per answer cell: (text in the solution, replacement, what it breaks)
MISTAKES = {
    "max_pool2d_forward": ("out = np.full((N, C, H_out, W_out), -np.inf)",
                           "out = np.zeros((N, C, H_out, W_out))", "running maximum starts at 0"),
    "max_pool2d_backward": ("dx[:, :, rows, cols] += dout * is_max",
                            "dx[:, :, rows, cols] = dout * is_max",
                            "overlapping windows overwrite instead of adding"),
    "avg_pool2d_forward": ("out /= kh * kw", "out /= kh", "divides by kh instead of kh*kw"),
    "avg_pool2d_backward": ("share = dout / (kh * kw)", "share = dout",
                            "forgets to divide by the window size"),
}  # fmt: skip
