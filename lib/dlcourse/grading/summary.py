"""A summary per assignment: a table of statuses, scores and pass rates, and a histogram.

Rows come from the gradebook (:func:`dlcourse.grading.gradebook.read_results`): hand grades are
in the scores, and students whose written answers still wait for a hand grade are listed.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np


def summary_table(rows: list[dict]) -> str:
    """Plain-text table: submissions by status, score statistics and each test's pass rate."""
    if not rows:
        return "no submissions"
    scores = np.array([r["score"] for r in rows], dtype=float)
    max_score = rows[0]["max_score"]
    lines = [f"assignment {rows[0]['assignment']}: {len(rows)} submissions, "
             f"max score {max_score:g}"]  # fmt: skip
    for status, count in sorted(Counter(r["status"] for r in rows).items()):
        lines.append(f"  {status:<14}{count:>5}")
    lines.append(f"  score: mean {scores.mean():.1f}, median {np.median(scores):g}, "
                 f"min {scores.min():g}, max {scores.max():g}")  # fmt: skip
    waiting = [r["student"] for r in rows if r.get("awaiting_hand_grade")]
    if waiting:
        lines.append(f"  waiting for a hand grade: {len(waiting)} ({', '.join(waiting[:8])}"
                     f"{', ...' if len(waiting) > 8 else ''})")  # fmt: skip
    tests: dict[str, list[bool]] = {}
    for row in rows:
        for test in row.get("tests", []):
            if test.get("passed") is not None:  # None: a written answer not graded yet
                tests.setdefault(test["grade_id"], []).append(bool(test["passed"]))
    lines.append(f"  {'test':<28}{'passed':>8}")
    for gid, passed in tests.items():
        lines.append(f"  {gid:<28}{sum(passed):>4} / {len(passed)}")
    return "\n".join(lines)


def histogram_bins(max_score: float) -> np.ndarray:
    """Bin edges from 0 to ``max_score`` inclusive: one bar per point up to 60 points."""
    step = 1.0 if max_score <= 60 else float(np.ceil(max_score / 30))
    return np.arange(-step / 2, max_score + step, step)


def histogram(rows: list[dict], path: Path) -> Path:
    """Save a histogram of the scores (one bar per score) as a PNG image; return its path.

    The counts axis has whole numbers only (it counts submissions).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    scores = [r["score"] for r in rows]
    max_score = rows[0]["max_score"] if rows else 1
    fig, ax = plt.subplots(figsize=(6, 3.5), dpi=100)
    ax.hist(scores, bins=histogram_bins(max_score), color="#4c72b0", edgecolor="white")
    ax.set_xlabel(f"score (points out of {max_score:g})")
    ax.set_ylabel("submissions")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # whole submissions, never 0.5
    ax.set_title(f"Scores of {rows[0]['assignment'] if rows else 'no submissions'}")
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
