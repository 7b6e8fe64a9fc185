"""Hidden tests of assignment 5 (optimizers): each update rule against the library's, many steps.

Read by the grader (``dlcourse autograde``), which draws the cases from the course's secret and
runs the drivers in a sandbox, and by the hidden region of each test cell of the instructor's
notebook (:func:`dlcourse.grading.hidden.run_hidden_test`), which draws them from a public seed.
Points, ids and cells come from the notebook's metadata, not from here. Never released to
students (``nbgrader_config.py`` keeps this file out of ``assignments/``).

Parts 1-3 run the student's step function over a sequence of gradients and compare every
parameter along the way with :mod:`dlcourse.optim` (``Momentum``, ``RMSprop``, ``Adam``). The
cases vary the hyperparameters, and some use a large ``eps`` or tiny gradients, where ``eps``
inside the square root and ``eps`` outside it part ways.

Part 4 is typed by hand: one Adam step from the state in the notebook's task cell. ``TASK`` is
the notebook's own numbers; with personal variants (``dlcourse release --per-student``) each
student's numbers come from :func:`variant`, seeded by the course secret and the student's id.
"""

import numpy as np
from dlcourse import optim
from dlcourse.grading.specs import Case, HiddenTest
from dlcourse.network import Parameter

#: (number of parameters, steps, gradient scale, lr, momentum / alpha / betas, eps)
CONFIGS = [
    (5, 12, 1.0, 0.1, 0.9, (0.9, 0.999), 1e-8),
    (3, 20, 0.5, 0.01, 0.5, (0.8, 0.99), 1e-8),
    (4, 8, 2.0, 0.05, 0.99, (0.5, 0.9), 0.1),  # eps large: sqrt(h) + eps != sqrt(h + eps)
    (6, 15, 1e-4, 0.001, 0.7, (0.9, 0.999), 1e-6),  # tiny gradients: eps matters
]


def _trajectory(opt, p, grads):
    """The parameter ``p`` after each step of the optimizer ``opt`` over ``grads``."""
    ws = []
    for g in grads:
        p.grad[...] = g
        opt.step()
        ws.append(p.data.copy())
    return np.array(ws)


def _cases(rule):
    """A case maker for one update rule: gradients from the rng, the reference's trajectory."""

    def make(rng: np.random.Generator) -> list[Case]:
        cases = []
        for n, steps, scale, lr, mu, betas, eps in CONFIGS:
            w0 = rng.standard_normal(n)
            grads = scale * rng.standard_normal((steps, n))
            p = Parameter(w0.copy())
            if rule == "momentum":
                scalars = {"lr": lr, "momentum": mu}
                opt = optim.Momentum([p], lr=lr, momentum=mu)
            elif rule == "rmsprop":
                scalars = {"lr": lr, "alpha": betas[1], "eps": eps}
                opt = optim.RMSprop([p], lr=lr, alpha=betas[1], eps=eps)
            else:
                scalars = {"lr": lr, "betas": list(betas), "eps": eps}
                opt = optim.Adam([p], lr=lr, betas=betas, eps=eps)
            ws = _trajectory(opt, p, grads)
            cases.append(Case({"w0": w0, "grads": grads}, scalars, {"ws": ws}))
        return cases

    return make


def _driver(call: str) -> str:
    """Run the student's step function once per gradient, state starting as {}; keep each w."""
    return (
        "w, state, ws = w0.copy(), {}, []\n"
        "for g in grads:\n"
        f"    w, state = {call}\n"
        "    ws.append(np.array(w, dtype=float))\n"
        "outputs = {'ws': np.array(ws)}\n"
    )


# --- part 4: one Adam step by hand -------------------------------------------------------------

#: the notebook's numbers: Adam at its second step (t = 2), the state left by the first gradient
#: g1 = [0.5, -1.0] (m = 0.1 g1, v = 0.001 g1^2), the new gradient g, lr 0.1, default betas/eps
TASK = {
    "w": [1.0, -0.5],
    "m": [0.05, -0.1],
    "v": [0.00025, 0.001],
    "g": [-0.3, -1.5],
    "betas": [0.9, 0.999],
    "t": 2,
    "lr": 0.1,
    "eps": 1e-8,
}


def _number(x: float) -> str:
    """A number as a student types it: plain decimals, no exponent (0.00025, not 2.5e-04)."""
    return np.format_float_positional(float(x), trim="-")


def variant(rng: np.random.Generator) -> dict:
    """A student's own numbers: the same kind of step, other gradients, weights and lr."""

    def tenths(size):  # nonzero multiples of 0.1 in [-2, 2]
        values = rng.integers(1, 21, size) * rng.choice([-1, 1], size)
        return values / 10

    beta1, beta2 = 0.9, 0.999
    g1 = tenths(2)
    return {
        "w": list(np.round(rng.integers(-10, 11, 2) / 10, 1)),
        "m": list(np.round((1 - beta1) * g1, 6)),
        "v": list(np.round((1 - beta2) * g1**2, 9)),
        "g": list(tenths(2)),
        "betas": [beta1, beta2],
        "t": 2,
        "lr": float(rng.choice([0.2, 0.1, 0.05])),
        "eps": 1e-8,
    }


def task_text(task: dict) -> str:
    """The numbers of the task cell (Markdown), as the student reads them."""

    def vector(name):
        return "[" + ", ".join(_number(x) for x in task[name]) + "]"

    beta1, beta2 = task["betas"]
    return (
        "| quantity | value |\n"
        "|---|---|\n"
        f"| parameter `w` | `{vector('w')}` |\n"
        f"| first moment `m` (after step {task['t'] - 1}) | `{vector('m')}` |\n"
        f"| second moment `v` (after step {task['t'] - 1}) | `{vector('v')}` |\n"
        f"| this step's gradient `g` | `{vector('g')}` |\n"
        f"| step number `t` of this step | `{task['t']}` |\n"
        f"| learning rate `lr` | `{_number(task['lr'])}` |\n"
        f"| `beta1`, `beta2` | `{_number(beta1)}`, `{_number(beta2)}` |\n"
        f"| `eps` | `{task['eps']:g}` |"
    )


def adam_by_hand(task: dict) -> dict[str, np.ndarray]:
    """The reference's numbers for the task: the library's Adam, started from the task's state."""
    p = Parameter(np.array(task["w"], dtype=float))
    opt = optim.Adam([p], lr=task["lr"], betas=tuple(task["betas"]), eps=task["eps"])
    t = task["t"]
    opt.state[0].update(t=t - 1, m=np.array(task["m"], float), v=np.array(task["v"], float))
    p.grad[...] = task["g"]
    opt.step()
    beta1, beta2 = task["betas"]
    m, v = opt.state[0]["m"], opt.state[0]["v"]
    return {"m": m, "v": v, "m_hat": m / (1 - beta1**t), "v_hat": v / (1 - beta2**t),
            "w": p.data.copy()}  # fmt: skip


def typed(*names):
    """The one case of a typed answer: the reference's values of ``names`` for the task."""

    def make(rng: np.random.Generator, task: dict) -> list[Case]:
        numbers = adam_by_hand(task)
        return [Case({}, {}, {name: numbers[name] for name in names})]

    return make


#: typed answers are rounded by hand: 4 significant figures are enough
BY_HAND = {"kinds": "iuf", "typed_answer": True, "uses_task": True, "rtol": 2e-3, "atol": 1e-9}

TESTS = {
    "test_sgd_momentum_step": HiddenTest(
        "sgd_momentum_step follows momentum over many steps", ("sgd_momentum_step",),
        _driver("sgd_momentum_step(w, g, state, lr=lr, momentum=momentum)"), ("ws",),
        _cases("momentum"),
    ),
    "test_rmsprop_step": HiddenTest(
        "rmsprop_step follows RMSProp over many steps", ("rmsprop_step",),
        _driver("rmsprop_step(w, g, state, lr=lr, alpha=alpha, eps=eps)"), ("ws",),
        _cases("rmsprop"),
    ),
    "test_adam_step": HiddenTest(
        "adam_step follows Adam over many steps", ("adam_step",),
        _driver("adam_step(w, g, state, lr=lr, betas=tuple(betas), eps=eps)"), ("ws",),
        _cases("adam"),
    ),
    "test_adam_moments_answer": HiddenTest(
        "m_new and v_new are the moments of the Adam step", ("m_new", "v_new"),
        "outputs = {'m': m_new, 'v': v_new}", ("m", "v"), typed("m", "v"), **BY_HAND,
    ),
    "test_adam_corrected_answer": HiddenTest(
        "m_hat and v_hat are the bias-corrected moments", ("m_hat", "v_hat"),
        "outputs = {'m_hat': m_hat, 'v_hat': v_hat}", ("m_hat", "v_hat"),
        typed("m_hat", "v_hat"), **BY_HAND,
    ),
    "test_adam_parameter_answer": HiddenTest(
        "w_new is the parameter after the Adam step", ("w_new",),
        "outputs = {'w': w_new}", ("w",), typed("w"), **BY_HAND,
    ),
}  # fmt: skip

#: one realistic mistake per answer cell: (text in the solution, replacement, what it breaks)
MISTAKES = {
    "sgd_momentum_step": ("v = momentum * v - lr * grad", "v = momentum * v + lr * grad",
                          "momentum sign: the velocity climbs the gradient"),
    "rmsprop_step": ("h = alpha * h + (1 - alpha) * grad * grad",
                     "h = (1 - alpha) * h + alpha * grad * grad",
                     "decay applied to the wrong term"),
    "adam_step": ("m_hat = m / (1 - beta1**t)", "m_hat = m", "no bias correction of m"),
    "adam_moments_answer": ("v_new = [0.00033975, 0.003249]", "v_new = [0.09024975, 2.250999]",
                            "g squared not scaled by 1 - beta2"),
    "adam_corrected_answer": ("m_hat = [0.078947, -1.263158]", "m_hat = [0.015, -0.24]",
                              "no bias correction"),
    "adam_parameter_answer": ("w_new = [0.98085, -0.400919]", "w_new = [1.01915, -0.599081]",
                              "step taken up the gradient"),
}  # fmt: skip
