"""Execute one chapter (a MyST text notebook) outside the book build and report errors and time.

    python tools/run_chapter.py book/ch04_optimizers.md [--save out.ipynb]

For working on one chapter without touching _build/ (several people may be building).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import jupytext
import nbclient
import nbformat


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("chapter", type=Path)
    parser.add_argument("--save", type=Path, help="write the executed notebook here")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    args = parser.parse_args()

    nb = jupytext.read(args.chapter)
    client = nbclient.NotebookClient(
        nb,
        timeout=args.timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(args.chapter.parent)}},
    )
    start = time.perf_counter()
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as err:
        print(err, file=sys.stderr)
        print(f"FAILED after {time.perf_counter() - start:.1f} s", file=sys.stderr)
        return 1
    finally:
        if args.save:
            nbformat.write(nb, args.save)
    stderr = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.get("name") == "stderr"
    ]
    for o in stderr:
        print("stderr output:", o.get("text", "")[:500], file=sys.stderr)
    print(f"{args.chapter}: {len(nb.cells)} cells executed in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
