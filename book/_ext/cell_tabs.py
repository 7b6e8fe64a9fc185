"""Show consecutive executed code cells as the tabs of one sphinx-design tab set.

MyST-NB runs only top-level code cells, so a ``{tab-item}`` cannot hold a cell. Instead a
chapter tags each cell with the tab it belongs in::

    ```{code-cell} ipython3
    :tags: [tab-pytorch]
    ...
    ```

    ```{code-cell} ipython3
    :tags: [tab-keras]
    ...
    ```

and this extension wraps every run of consecutive ``tab-*`` cells (input and output) into a
tab set, one tab per cell, labelled from the tag (``tab-pytorch`` -> "PyTorch"). The tabs are
synchronised: choosing Keras in one tab set of a page shows Keras in all of them. The cells stay
ordinary cells, so the notebook download runs both.
"""

from __future__ import annotations

from docutils import nodes
from sphinx_design.shared import create_component

LABELS = {"pytorch": "PyTorch", "keras": "Keras", "numpy": "NumPy", "dlcourse": "dlcourse"}
PREFIX = "tag_tab-"


def _tab_of(node: nodes.Node) -> str | None:
    if not isinstance(node, nodes.container):
        return None
    for cls in node.get("classes", []):
        if cls.startswith(PREFIX):
            return cls[len(PREFIX) :]
    return None


def _tab_set(cells: list[tuple[str, nodes.Node]]) -> nodes.container:
    tab_set = create_component("tab-set", classes=["sd-tab-set"])
    for i, (tab, cell) in enumerate(cells):
        item = create_component("tab-item", classes=["sd-tab-item"], selected=(i == 0))
        label = LABELS.get(tab, tab.replace("-", " ").title())
        rubric = nodes.rubric(label, label, classes=["sd-tab-label"])
        rubric["sync_id"] = tab
        rubric["sync_group"] = "tab"
        item += rubric
        content = create_component("tab-content", classes=["sd-tab-content"])
        content += cell
        item += content
        tab_set += item
    return tab_set


def wrap_tab_cells(app, doctree: nodes.document) -> None:
    parents = {id(n.parent): n.parent for n in doctree.findall(nodes.container) if _tab_of(n)}
    for parent in parents.values():
        children, run, rebuilt = list(parent.children), [], []
        for child in [*children, None]:
            tab = _tab_of(child) if child is not None else None
            if tab is not None:
                run.append((tab, child))
                continue
            if run:
                rebuilt.append(_tab_set(run))
                run = []
            if child is not None:
                rebuilt.append(child)
        parent.children = []
        parent.extend(rebuilt)


def setup(app):
    app.setup_extension("sphinx_design")
    app.connect("doctree-read", wrap_tab_cells)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
