"""Show the code of an executed notebook cell elsewhere on the page, e.g. inside a tab.

A chapter cannot put a code cell inside a directive (such as a sphinx-design ``tab-item``), so
the cell runs where the notebook runs it, tagged ``remove-cell``, and ends with
``glue_cell_source("key")``; the tab then shows that very code with

    ```{glue:md} key
    :format: myst
    ```

so the code on the page is the code that ran, not a copy that can drift.
"""

from __future__ import annotations


def cell_source(source: str) -> str:
    """``source`` without its bookkeeping: the lines that start with a ``glue(`` call or call
    :func:`glue_cell_source`, and blank lines at either end."""
    lines = [
        line
        for line in source.splitlines()
        if "glue_cell_source(" not in line and not line.lstrip().startswith("glue(")
    ]
    return "\n".join(lines).strip("\n")


def glue_cell_source(key: str) -> str:
    """Glue the running cell's code, bookkeeping left out, as a Python code block under ``key``.

    Must be called from an IPython cell (it reads the cell from the input history ``_ih``).
    Returns the code it glued.
    """
    from IPython import get_ipython
    from IPython.display import Markdown
    from myst_nb import glue

    shell = get_ipython()
    if shell is None or not shell.user_ns.get("_ih"):
        raise RuntimeError("glue_cell_source must be called from a notebook cell")
    code = cell_source(shell.user_ns["_ih"][-1])
    glue(key, Markdown(f"```python\n{code}\n```"), display=False)
    return code
