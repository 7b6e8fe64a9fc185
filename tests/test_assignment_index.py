"""The Assignments page lists every assignment with its chapters and points, read from solutions/.

Each assignment notebook's first cell carries its number and title (``# Assignment 7: training a
CNN (20 points)``) and the chapters it builds on (``**Chapters:** 8, 9, 10``); the book's table
is computed from them at build time (:func:`dlcourse.grading.specs.overview`), so a new folder
in solutions/ appears there without an edit.
"""

from __future__ import annotations

import importlib.util
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from dlcourse.grading.specs import assignment_names, get_spec, overview, title_and_chapters
from grading_support import ROOT, SOLUTIONS

NAMES = assignment_names(SOLUTIONS)
CHAPTERS = sorted(int(p.name[2:4]) for p in (ROOT / "book").glob("ch[0-9][0-9]_*.md"))


@pytest.mark.parametrize("name", NAMES)
def test_every_assignment_names_its_number_title_and_chapters(name):
    spec = get_spec(name)
    assert spec.number is not None and spec.title, "first line: # Assignment N: title (P points)"
    assert name.startswith(f"a{spec.number}_")
    assert spec.chapters, "add a line **Chapters:** 8, 9 to the notebook's first cell"
    assert set(spec.chapters) <= set(CHAPTERS), spec.chapters


def test_overview_lists_every_assignment_in_order_with_its_points():
    rows = overview()
    assert [r["name"] for r in rows] == sorted(NAMES, key=lambda n: get_spec(n).number)
    for row in rows:
        spec = get_spec(row["name"])
        assert (row["points"], row["hand_graded"], row["chapters"]) == (
            spec.max_score,
            spec.manual_points,
            spec.chapters,
        )


def test_first_cell_is_read_as_written():
    cell = {"source": ["# Assignment 12: a thing (30 points)\n", "\n", "**Chapters:** 4, 6\n"]}
    assert title_and_chapters({"cells": [cell]}) == (12, "a thing", (4, 6))
    assert title_and_chapters({"cells": [{"source": "# Something else"}]}) == (None, "", ())


def test_index_page_computes_its_table_and_keeps_no_list_by_hand():
    page = (ROOT / "book" / "assignments" / "index.md").read_text(encoding="utf-8")
    assert "overview()" in page and "pd.DataFrame" in page
    assert not any(f"{{doc}}`{name}`" in page for name in NAMES)  # no hand-kept rows


def test_every_assignment_has_a_page_in_the_table_of_contents():
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    for name in NAMES:
        assert (ROOT / "book" / "assignments" / f"{name}.md").is_file(), name
        assert f"file: book/assignments/{name}\n" in toc, name


def _build_book():
    spec = importlib.util.spec_from_file_location("dlcourse_build_book",
                                                  ROOT / "tools" / "build_book.py")  # fmt: skip
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("age", "dropped"), [(timedelta(days=-3650), True),
                                              (timedelta(days=1), False)])  # fmt: skip
def test_cached_index_is_executed_again_when_an_assignment_changed(age, dropped):
    """The execution cache knows the page's own code only: outputs older than the newest
    notebook in solutions/ are dropped (SQLite gives the time back without its zone)."""
    created = (datetime.now(UTC) + age).replace(tzinfo=None)

    class Cache:
        removed: list = []

        def get_cached_project_nb(self, uri):
            return SimpleNamespace(pk=7, created=created) if uri.endswith("index.md") else None

        def remove_cache(self, pk):
            self.removed.append(pk)

    cache = Cache()
    _build_book().drop_outdated(cache)
    assert cache.removed == ([7] if dropped else [])
