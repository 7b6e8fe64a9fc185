"""Glued values inside translated text (the Korean edition, issue 14).

A glue role such as {glue:text}`key` finds its value in the notebook outputs of the page being
read: MyST-NB keeps them on the document while it parses the page. Sphinx translates a page
afterwards, parsing each Korean message as a small document of its own, where those outputs are
missing, so every glued number in the Korean text failed with "No key ... found in glue data".
Here a lookup remembers the page's outputs (per page being read, in ``env.temp_data``) and a
translated message's lookup uses them: the Korean text shows the same computed numbers.
"""

from __future__ import annotations

from myst_nb.core.variables import RetrievalError, VariableOutput
from myst_nb.ext.glue import directives, roles, utils

_KEY = "dlcourse_glue_renderer"
_original = utils.retrieve_glue_data


def retrieve_glue_data(document, key):
    env = getattr(document.settings, "env", None)
    if env is None:
        return _original(document, key)
    if "nb_renderer" in document:
        env.temp_data[_KEY] = document["nb_renderer"]
        return _original(document, key)
    renderer = env.temp_data.get(_KEY)
    if renderer is None:
        return _original(document, key)
    # a translated message of the page being read: the page's own outputs
    glue_data = renderer.renderer.nb_client.glue_data
    if key not in glue_data:
        raise RetrievalError(f"No key {key!r} found in glue data for this document.")
    return VariableOutput(
        data=glue_data[key]["data"],
        metadata=glue_data[key].get("metadata", {}),
        nb_renderer=renderer,
        vtype="glue",
    )


def setup(app):
    for module in (utils, roles, directives):
        module.retrieve_glue_data = retrieve_glue_data
    return {"parallel_read_safe": True, "parallel_write_safe": True}
