"""Offer every chapter as a Jupyter notebook (.ipynb) in the page's download menu.

The chapters are MyST Markdown notebooks. For each page whose source is one (it has a jupytext
header), the theme's download menu gets an ``.ipynb`` entry (sphinx-book-theme shows one when
``ipynb_source`` is in the page context), and the notebook itself is written next to the page's
source under ``_sources/`` by jupytext, without outputs: students run it themselves.
"""

from __future__ import annotations

from pathlib import Path

import jupytext


def _is_text_notebook(path: Path) -> bool:
    head = path.read_text(encoding="utf-8")[:400]
    return path.suffix == ".md" and head.startswith("---") and "jupytext:" in head


def _add_ipynb_source(app, pagename, templatename, context, doctree) -> None:
    source = Path(app.env.doc2path(pagename))
    if doctree is not None and source.exists() and _is_text_notebook(source):
        context["ipynb_source"] = f"{pagename}.ipynb"
        app.env.dlcourse_notebooks = getattr(app.env, "dlcourse_notebooks", set()) | {pagename}


def _write_notebooks(app, exc) -> None:
    if exc is not None or app.builder.format != "html":
        return
    for pagename in sorted(getattr(app.env, "dlcourse_notebooks", ())):
        notebook = jupytext.read(app.env.doc2path(pagename))
        target = Path(app.outdir) / "_sources" / f"{pagename}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        jupytext.write(notebook, target, fmt="ipynb")


def setup(app):
    # before sphinx-book-theme builds its header buttons (priority 501)
    app.connect("html-page-context", _add_ipynb_source, priority=400)
    app.connect("build-finished", _write_notebooks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
