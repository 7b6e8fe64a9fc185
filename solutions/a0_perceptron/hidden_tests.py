"""Hidden tests of assignment 0 (the perceptron): how each test cell is judged.

Read by the grader (``dlcourse autograde``), which draws the cases from the course's secret and
runs the drivers in a sandbox, and by the hidden region of each test cell of the instructor's
notebook (:func:`dlcourse.grading.hidden.run_hidden_test`), which draws them from a public seed.
Points, ids and cells (the written answer on XOR, graded by hand, included) come from the
notebook's metadata. Never released to students (``nbgrader_config.py`` keeps this file out of
``assignments/``).

The step function's tie at 0 is tested in its own cell only: the other parts draw real-valued
weights, so no weighted sum is ever exactly 0 and the side the student's step puts 0 on changes
nothing there. The training part runs the student's own ``delta_rule_update`` and is judged on
the weights it learns, against the library's perceptron trained the same way (same start, same
order, the same epochs); so a wrong delta rule costs that part too, as the notebook says. The
learned weights, not the predictions, are compared: the targets are among the inputs, and
predictions worked out inside the sandbox could be faked by code that knows them.
"""

import numpy as np
from dlcourse.activations import step
from dlcourse.grading.specs import Case, HiddenTest
from dlcourse.perceptron import Perceptron

#: the four inputs of a two-input truth table, in the order (0, 0), (0, 1), (1, 0), (1, 1)
INPUTS_2 = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
#: every input of a three-input truth table
INPUTS_3 = np.array([[(n >> 2) & 1, (n >> 1) & 1, n & 1] for n in range(8)], dtype=float)
#: the linearly separable truth tables the training part learns (AND and OR first)
TABLES = {
    "AND": (INPUTS_2, [0, 0, 0, 1]),
    "OR": (INPUTS_2, [0, 1, 1, 1]),
    "NAND": (INPUTS_2, [1, 1, 1, 0]),
    "NOR": (INPUTS_2, [1, 0, 0, 0]),
    "majority of 3": (INPUTS_3, [int(sum(x) >= 2) for x in INPUTS_3]),
}
EPOCHS = 1000  # far more than any case needs: the tables converge in a few dozen epochs


def step_cases(rng: np.random.Generator) -> list[Case]:
    """Integers and halves, many of them exactly 0 (and -0.0): the tie decides."""
    cases = []
    for shape in [(7,), (3, 4), (2, 3, 2), (1,)]:
        z = rng.integers(-2, 3, size=shape) / rng.choice([1.0, 2.0])
        z[rng.random(shape) < 0.2] = -0.0
        cases.append(Case({"z": z}, {}, {"y": step(z)}))
    ints = rng.integers(-3, 4, size=9)  # an integer array: the result is still 0 and 1
    cases.append(Case({"z": ints}, {}, {"y": step(ints)}))
    return cases


def _reference(w, b, lr=0.1) -> Perceptron:
    """The library's perceptron with the given weights and bias."""
    p = Perceptron(in_features=len(w), lr=lr)
    p.w, p.b = np.array(w, dtype=float), float(b)
    return p


def output_cases(rng: np.random.Generator) -> list[Case]:
    """Real-valued weights and bias on 0/1 and real inputs: no weighted sum is exactly 0."""
    cases = []
    for n, d in [(4, 2), (8, 3), (10, 5), (1, 4)]:
        X = rng.integers(0, 2, size=(n, d)).astype(float) if d <= 3 else rng.normal(size=(n, d))
        w, b = rng.normal(size=d), float(rng.normal())
        cases.append(Case({"X": X, "w": w}, {"b": b}, {"y": _reference(w, b).predict(X)}))
    return cases


def update_cases(rng: np.random.Generator) -> list[Case]:
    """One delta-rule step each: right answers (no change) and both kinds of error."""
    cases = []
    for d in [2, 3, 3, 4, 2, 5, 3, 2]:
        w, b, x = rng.normal(size=d), float(rng.normal()), rng.normal(size=d)
        t, lr = int(rng.integers(0, 2)), float(rng.uniform(0.05, 0.9))
        p = _reference(w, b, lr)
        p.update(x, t)
        scalars = {"b": b, "t": t, "lr": lr}
        cases.append(Case({"w": w, "x": x}, scalars, {"w": p.w, "b": np.asarray(p.b)}))
    return cases


def _separable_points(rng: np.random.Generator) -> tuple[np.ndarray, list[int]]:
    """Twelve real points in the plane on both sides of a random line, a margin apart."""
    normal = rng.normal(size=2)
    normal /= np.linalg.norm(normal)
    X = rng.uniform(-2, 2, size=(12, 2))
    side = X @ normal
    X += np.outer(np.where(side > 0, 0.3, -0.3), normal)  # push both classes off the line
    t = (X @ normal > 0).astype(int)
    t[:2] = [0, 1]  # both classes present
    X[:2] = [-normal, normal]
    return X, t.tolist()


def train_cases(rng: np.random.Generator) -> list[Case]:
    """Each table from a random start that needs more than one epoch (so every case tests the
    repetition of epochs); expected: the weights the library's perceptron learns from there."""
    problems = [*TABLES.values(), _separable_points(rng)]
    cases = []
    for X, t in problems:
        t = np.array(t, dtype=float)
        while True:
            w, b = rng.normal(0, 0.5, size=X.shape[1]), float(rng.normal(0, 0.5))
            lr = float(rng.uniform(0.05, 0.5))
            p = _reference(w, b, lr)
            errors = p.fit(X, t, epochs=EPOCHS)
            if p.converged and len(errors) >= 3:  # epoch 2 still had mistakes
                break
        scalars = {"b": b, "lr": lr, "epochs": EPOCHS}
        cases.append(Case({"X": X, "t": t, "w": w}, scalars, {"w": p.w, "b": np.asarray(p.b)}))
    return cases


TESTS = {
    "test_step": HiddenTest(
        "step gives 1 where z > 0 and 0 elsewhere (0 itself included)", ("step",),
        "outputs = {'y': step(z)}", ("y",), step_cases, kinds="iuf",
    ),
    "test_perceptron_output": HiddenTest(
        "perceptron_output gives step(X w + b) for every sample", ("perceptron_output",),
        "outputs = {'y': perceptron_output(X, w, b)}", ("y",), output_cases, kinds="iuf",
    ),
    "test_delta_rule_update": HiddenTest(
        "delta_rule_update makes one step of the delta rule", ("delta_rule_update",),
        "w_new, b_new = delta_rule_update(w, b, x, t, lr)\n"
        "outputs = {'w': w_new, 'b': b_new}",
        ("w", "b"), update_cases,
    ),
    "test_train_perceptron": HiddenTest(
        "train_perceptron learns the weights of the course's perceptron from the given start",
        ("train_perceptron", "delta_rule_update"),
        "w_new, b_new = train_perceptron(X, t, w, b, lr=lr, epochs=epochs)\n"
        "outputs = {'w': w_new, 'b': b_new}",
        ("w", "b"), train_cases,
    ),
}  # fmt: skip

#: one realistic mistake per answer cell: (text in the solution, replacement, what it breaks)
MISTAKES = {
    "step": ("np.where(z > 0,", "np.where(z >= 0,", "step(0) is 1: the tie on the wrong side"),
    "perceptron_output": ("z = X @ w + b", "z = X @ w", "forgets the bias"),
    "delta_rule_update": ("delta = lr * (t - y)", "delta = t - y",
                          "the learning rate is not applied"),
    "train_perceptron": ("for epoch in range(epochs):", "for epoch in range(1):",
                         "one pass over the samples only"),
}  # fmt: skip
