"""The Korean assignment notebooks (issue 14): the same notebook with Korean instructions.

`make assignments` writes `assignments/<name>/ko/<name>.ipynb` for every assignment from its
catalogue `locales/ko/LC_MESSAGES/assignments/<name>.po` (tools/notebook_i18n.py). Only Markdown
cells without nbgrader metadata differ from the English release; a submission made from the
Korean notebook gets exactly the grade of the same answers in the English one (slow test: a real
`nbgrader autograde` through the sandboxed judge).
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "dlcourse_assignments", ROOT / "tools" / "assignments.py"
)
tool = sys.modules.get(_spec.name) or importlib.util.module_from_spec(_spec)
if _spec.name not in sys.modules:
    sys.modules[_spec.name] = tool
    _spec.loader.exec_module(tool)
i18n = tool.notebook_i18n

NAMES = tool.all_names()
HANGUL = re.compile("[\uac00-\ud7a3]")


def korean(name: str):
    return nbformat.read(i18n.korean_path(name, ROOT / tool.RELEASE_DIR), as_version=4)


@pytest.mark.parametrize("name", NAMES)
def test_korean_notebook_has_the_same_cells_and_grading_metadata(name):
    english = tool.read(tool.release_path(name))
    ko = korean(name)
    assert [c.get("id") for c in ko.cells] == [c.get("id") for c in english.cells]
    assert [c.cell_type for c in ko.cells] == [c.cell_type for c in english.cells]
    assert ko.metadata == english.metadata
    instructions = dict(i18n.instruction_cells(english))
    for en_cell, ko_cell in zip(english.cells, ko.cells, strict=True):
        assert ko_cell.metadata == en_cell.metadata, f"{name}/{en_cell.get('id')}: metadata differs"
        if en_cell.get("id") not in instructions:
            # code, tests, answer cells and the written-answer cell: byte for byte the same
            assert ko_cell.source == en_cell.source, f"{name}/{en_cell.get('id')} differs"


@pytest.mark.parametrize("name", NAMES)
def test_korean_notebook_instructions_are_korean(name):
    """Every instruction cell of the committed Korean notebook is the catalogue's translation
    (so the catalogue is complete, tests/test_translations.py, and the notebook is in Korean)."""
    english = tool.read(tool.release_path(name))
    translated = i18n.translations(name)
    ko = {c.get("id"): c.source for c in korean(name).cells}
    for cell_id, source in i18n.instruction_cells(english):
        assert cell_id in translated, f"{name}/{cell_id}: no Korean yet (make assignments)"
        assert ko[cell_id] == translated[cell_id] != source
        assert HANGUL.search(ko[cell_id]), f"{name}/{cell_id}: no Korean text"


def test_the_exchange_does_not_release_the_korean_copies():
    """nbgrader grades the notebook at the top of the assignment folder only: a Korean copy in
    the released folder could be filled in and handed in ungraded, so the exchange ignores ko/
    (the Korean book pages offer the Korean notebook for download)."""
    from traitlets.config import Config

    c = Config()
    exec(  # noqa: S102 - the course's own configuration file, as nbgrader loads it
        compile((ROOT / "nbgrader_config.py").read_text(), "nbgrader_config.py", "exec"),
        {"get_config": lambda: c, "__file__": str(ROOT / "nbgrader_config.py")},
    )
    assert i18n.LANGUAGE in c.CourseDirectory.ignore


def test_a_changed_instruction_cell_becomes_fuzzy(tmp_path):
    """The catalogue follows the English: a changed cell keeps its Korean, marked fuzzy (and the
    notebook shows the new English until the Korean is revised); a new cell is untranslated."""
    import polib

    name = NAMES[0]
    (tmp_path / "locales").mkdir()
    po = i18n.catalogue_path(name, tmp_path)
    po.parent.mkdir(parents=True)
    po.write_bytes(i18n.catalogue_path(name).read_bytes())
    release = tool.read(tool.release_path(name))
    changed_id, _ = i18n.instruction_cells(release)[0]
    for cell in release.cells:
        if cell.get("id") == changed_id:
            cell.source += "\n\nOne more sentence."
    extra = nbformat.v4.new_markdown_cell("A new remark.")
    extra["id"] = "new_remark"
    release.cells.append(extra)
    assert i18n.update_catalogue(name, release, root=tmp_path)
    entries = {e.msgctxt: e for e in polib.pofile(str(po))}
    assert "fuzzy" in entries[changed_id].flags and entries[changed_id].msgstr
    assert entries["new_remark"].msgstr == ""
    nb = i18n.korean_notebook(name, release, root=tmp_path)
    shown = {c.get("id"): c.source for c in nb.cells}
    assert shown[changed_id].endswith("One more sentence.")  # English until revised
    assert not i18n.update_catalogue(name, release, root=tmp_path)  # second run: no change


@pytest.mark.slow
def test_a_korean_submission_grades_exactly_like_the_english_one(tmp_path):
    """Autograde (nbgrader, wired to the sandboxed judge) the same answers submitted in the
    English and in the Korean notebook: correct, blank and each one-bug version of a1."""
    from nbgrader.api import Gradebook

    name = "a1_convolution"
    course = tool.make_course(tmp_path / "course", [name], database=True)
    kinds = ["correct", "blank", *tool.spec(name, course).mistakes]
    for kind in kinds:
        english = tool.submission_for(name, course, kind)
        tool.submit(course, f"en-{kind}", name, english)
        ko = i18n.korean_notebook(name, english)
        assert ko.cells != english.cells  # the instructions really are the Korean ones
        tool.submit(course, f"ko-{kind}", name, ko)
    tool.nbgrader(["autograde", name, "--force"], course)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:

        def grades(student):
            notebook = gb.find_submission_notebook(name, name, student)
            return {
                g.name: (g.score, g.max_score, bool(g.needs_manual_grade)) for g in notebook.grades
            }

        table = {kind: (grades(f"en-{kind}"), grades(f"ko-{kind}")) for kind in kinds}
    for kind, (en, ko) in table.items():
        assert ko == en, f"{kind}: Korean {ko} != English {en}"
    full = sum(score for score, _, _ in table["correct"][1].values())
    assert full == tool.spec(name, course).max_score
    assert sum(score for score, _, _ in table["blank"][1].values()) == 0
