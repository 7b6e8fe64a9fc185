"""Throughput of autograding assignment 1: plain sequential ``nbgrader autograde`` vs ``dlcourse``.

Generates submissions of the convolution assignment from the released notebook (most correct,
some with one bug, some blank), then, in one run:

1. ``nbgrader autograde`` (sequential, one kernel per notebook) on ``--nbgrader-count``
   submissions (default 10: it is slow; pass 100 to time the whole class);
2. ``dlcourse autograde --jobs N`` (sandboxed, trusted verdict, gradebook written) on ``--count``
   submissions (default 100).

Prints submissions per second for both. Run from the repository root:

    .venv/bin/python benchmarks/bench_grading.py            # 100 for dlcourse, 10 for nbgrader
    .venv/bin/python benchmarks/bench_grading.py --nbgrader-count 100

Everything happens in a temporary folder; nothing in the repository is written.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dlcourse.cli import main as dlcourse_main
from dlcourse.grading.extract import grade_id

ROOT = Path(__file__).resolve().parents[1]
NAME = "a1_convolution"
BUGS = [("np.sum(window * w[f]) + b[f]", "np.sum(window * w[f])"),
        ("db = dout.sum(axis=(0, 2, 3))", "db = dout.sum(axis=(0, 2, 3)) * 0")]  # fmt: skip


def make_course(folder: Path) -> Path:
    course = folder / "course"
    shutil.copytree(ROOT / "solutions" / NAME, course / "solutions" / NAME)
    shutil.copy(ROOT / "nbgrader_config.py", course)
    return course


def nbgrader(course: Path, *args: str) -> float:
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    return time.perf_counter() - started


def solutions() -> dict[str, str]:
    notebook = json.loads((ROOT / "solutions" / NAME / f"{NAME}.ipynb").read_text())
    return {grade_id(c): "".join(c["source"]) for c in notebook["cells"] if grade_id(c)}


def submissions(course: Path, count: int, release: dict, answers: dict[str, str]) -> None:
    """Student ``s000``... : 70% correct, 20% with one bug, 10% blank (the release as is)."""
    answer_ids = ("conv2d_forward_loop", "conv2d_forward", "conv2d_backward")
    for i in range(count):
        notebook = json.loads(json.dumps(release))
        if i % 10 != 9:
            for cell in notebook["cells"]:
                gid = grade_id(cell)
                if gid in answer_ids:
                    source = re.sub(r"[ \t]*### (BEGIN|END) SOLUTION\n", "", answers[gid])
                    if i % 10 in (7, 8):
                        source = source.replace(*BUGS[i % 2])
                    cell["source"] = source
        folder = course / "submitted" / f"s{i:03d}" / NAME
        folder.mkdir(parents=True)
        (folder / f"{NAME}.ipynb").write_text(json.dumps(notebook))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100, help="submissions for dlcourse")
    parser.add_argument("--nbgrader-count", type=int, default=10, help="for nbgrader (0: skip)")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        ours, theirs = make_course(Path(tmp) / "ours"), make_course(Path(tmp) / "theirs")
        nbgrader(theirs, "generate_assignment", NAME, "--force")
        release = json.loads((theirs / "assignments" / NAME / f"{NAME}.ipynb").read_text())
        answers = solutions()
        submissions(ours, args.count, release, answers)
        submissions(theirs, args.nbgrader_count, release, answers)
        print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f}")
        results = []
        if args.nbgrader_count:
            seconds = nbgrader(theirs, "autograde", NAME, "--force")
            results.append(("nbgrader autograde (sequential)", args.nbgrader_count, seconds))
        started = time.perf_counter()
        dlcourse_main(["--course", str(ours), "autograde", NAME, "--jobs", str(args.jobs),
                       "--force", "--quiet"])  # fmt: skip
        results.append((f"dlcourse autograde --jobs {args.jobs}", args.count,
                        time.perf_counter() - started))  # fmt: skip
        print(f"{'tool':<34}{'submissions':>12}{'seconds':>10}{'subs/s':>9}{'s per 100':>11}")
        for tool, count, seconds in results:
            print(f"{tool:<34}{count:>12}{seconds:>10.1f}{count / seconds:>9.2f}"
                  f"{100 * seconds / count:>11.1f}")  # fmt: skip
        if len(results) == 2:
            (_, n1, s1), (_, n2, s2) = results
            print(f"dlcourse is {(n2 / s2) / (n1 / s1):.1f}x the throughput of nbgrader")


if __name__ == "__main__":
    main()
