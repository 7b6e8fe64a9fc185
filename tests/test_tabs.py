"""Showing an executed cell's code in a tab: the code shown is the cell minus its bookkeeping."""

from __future__ import annotations

import pytest
from dlcourse.tabs import cell_source, glue_cell_source


def test_cell_source_drops_glue_calls_and_the_tab_call():
    source = (
        "\nmodel = make()\nacc = fit(model)\n"
        'glue("acc", acc, display=False)\n'
        '    glue("inner", 1)\n'
        'glue_cell_source("key")\n'
    )
    assert cell_source(source) == "model = make()\nacc = fit(model)"


def test_cell_source_keeps_code_that_only_mentions_glue():
    source = "glued = 1\nprint(glued)  # no glue( call here at line start"
    assert cell_source(source) == source


def test_glue_cell_source_outside_a_notebook_says_so():
    with pytest.raises(RuntimeError, match="notebook cell"):
        glue_cell_source("key")
