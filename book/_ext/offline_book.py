"""Keep the built book self-contained: no script that points at another origin.

Jupyter Book 1 always loads sphinx-thebe, which writes a thebe URL on a public CDN into every
page (twice, which also raises a console error). This book runs its code at build time and
offers notebooks for download, so thebe is switched off here by removing its event handlers.
"""

from __future__ import annotations


def _drop_thebe_listeners(app) -> None:
    for event in ("env-before-read-docs", "doctree-resolved"):
        for listener in list(app.events.listeners.get(event, [])):
            if getattr(listener.handler, "__module__", "").startswith("sphinx_thebe"):
                app.disconnect(listener.id)


def setup(app):
    app.connect("builder-inited", _drop_thebe_listeners)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
