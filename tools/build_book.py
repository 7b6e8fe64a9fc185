"""Build the HTML book exactly as `make book` does, and say where the reports are on failure.

Jupyter Book 1 with the execution cache (unchanged chapters are not executed again), warnings
as errors and nitpicky references (-W -n), --keep-going so one build reports every problem.
The tests call this same script, so the test suite builds the book the README's way.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"


def build() -> int:
    start = time.perf_counter()
    cmd = [
        str(Path(sys.executable).with_name("jupyter-book")),
        "build",
        str(ROOT),
        "--builder",
        "html",
        "-W",
        "-n",
        "--keep-going",
    ]
    rc = subprocess.call(cmd, cwd=ROOT)
    took = time.perf_counter() - start
    if rc != 0:
        reports = sorted((HTML / "reports").glob("**/*.log")) if (HTML / "reports").exists() else []
        print(f"\nBook build FAILED (exit {rc}) after {took:.0f} s.", file=sys.stderr)
        for report in reports:
            print(f"  execution report: {report.relative_to(ROOT)}", file=sys.stderr)
        return rc
    # Sphinx 7.4 does not overwrite static files that already exist in the output, so an
    # edited style sheet of ours would never reach an incremental build: copy ours afresh.
    for ours in (ROOT / "book" / "_static").iterdir():
        shutil.copy2(ours, HTML / "_static" / ours.name)
    print(f"\nBook built in {took:.0f} s: {HTML.relative_to(ROOT) / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(build())
