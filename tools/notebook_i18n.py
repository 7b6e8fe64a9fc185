"""The Korean versions of the assignment notebooks (issue 14), made from the same release.

A Korean notebook is the English student release with the *instructions* in Korean: each
Markdown cell that carries no nbgrader metadata is replaced by its translation; every other cell
(code, tests, answer cells, the written-answer cell and its placeholder, all nbgrader metadata
and cell ids) is copied unchanged. So grading cannot tell the two apart: the judge reads answer
cells by their grade ids and runs the instructor's test cells, and nbgrader's checksums cover
only cells with nbgrader metadata, which are the same bytes in both versions.

Translations live in one gettext catalogue per assignment,
``locales/ko/LC_MESSAGES/assignments/<name>.po``: one message per instruction cell, its context
(msgctxt) the cell id and its msgid the cell's English Markdown. ``make assignments`` brings the
catalogue in step with the release (a new cell arrives untranslated, a changed one keeps its
Korean marked fuzzy with the previous English beside it, a removed one becomes obsolete) and
writes ``assignments/<name>/ko/<name>.ipynb``; a message that is untranslated or fuzzy stays
English there until it is translated. Nothing here names an assignment: every release gets its
catalogue and its Korean notebook.
"""

from __future__ import annotations

import copy
from pathlib import Path

import polib

REPO = Path(__file__).resolve().parents[1]
LANGUAGE = "ko"
CATALOGUES = REPO / "locales" / LANGUAGE / "LC_MESSAGES" / "assignments"
HEADER = {
    "Project-Id-Version": "dlcourse assignments",
    "Language": LANGUAGE,
    "MIME-Version": "1.0",
    "Content-Type": "text/plain; charset=utf-8",
    "Content-Transfer-Encoding": "8bit",
    "Plural-Forms": "nplurals=1; plural=0;",
}


def catalogue_path(name: str, root: Path = REPO) -> Path:
    return root / CATALOGUES.relative_to(REPO) / f"{name}.po"


def korean_path(name: str, release_dir: Path) -> Path:
    """Where the Korean notebook of ``name`` goes: ``<release_dir>/<name>/ko/<name>.ipynb`` (the
    same file name as the English one, so it is submitted under the name the grader expects)."""
    return release_dir / name / LANGUAGE / f"{name}.ipynb"


def instruction_cells(nb) -> list[tuple[str, str]]:
    """(cell id, Markdown) of every Markdown cell without nbgrader metadata, in order."""
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "markdown" and "nbgrader" not in cell.get("metadata", {}):
            if not cell.get("id"):
                raise ValueError("an instruction cell has no cell id (nbformat 4.5 ids needed)")
            cells.append((cell["id"], cell.source))
    return cells


def _read(path: Path) -> polib.POFile:
    if path.exists():
        return polib.pofile(str(path), wrapwidth=78)
    po = polib.POFile(wrapwidth=78)
    po.metadata = dict(HEADER)
    return po


def update_catalogue(name: str, release_nb, root: Path = REPO, write: bool = True) -> bool:
    """Bring ``locales/ko/LC_MESSAGES/assignments/<name>.po`` in step with the release's
    instruction cells. True if its text changes (then, with ``write``, it is written)."""
    path = catalogue_path(name, root)
    old = _read(path)
    by_cell = {e.msgctxt: e for e in old if not e.obsolete}
    new = polib.POFile(wrapwidth=78)
    new.metadata = dict(HEADER)
    seen = set()
    for cell_id, source in instruction_cells(release_nb):
        seen.add(cell_id)
        entry = by_cell.get(cell_id)
        if entry is None:
            new.append(polib.POEntry(msgctxt=cell_id, msgid=source, msgstr=""))
            continue
        if entry.msgid != source:
            if entry.msgstr:
                entry.previous_msgid = entry.msgid
                if "fuzzy" not in entry.flags:
                    entry.flags.append("fuzzy")
            entry.msgid = source
        new.append(entry)
    for entry in old:
        if entry.obsolete or entry.msgctxt not in seen:
            if entry.msgstr:  # keep a translation of a removed cell for reuse, as obsolete
                entry.obsolete = True
                new.append(entry)
    text = str(new)
    changed = not path.exists() or path.read_text(encoding="utf-8") != text
    if changed and write:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return changed


def translations(name: str, root: Path = REPO) -> dict[str, str]:
    """cell id -> Korean Markdown, for the messages that are translated and not fuzzy."""
    path = catalogue_path(name, root)
    if not path.exists():
        return {}
    return {
        e.msgctxt: e.msgstr
        for e in polib.pofile(str(path))
        if not e.obsolete and e.msgstr and "fuzzy" not in e.flags
    }


def korean_notebook(name: str, release_nb, root: Path = REPO):
    """The release with its instruction cells in Korean (English where not yet translated)."""
    korean = translations(name, root)
    english = dict(instruction_cells(release_nb))
    nb = copy.deepcopy(release_nb)
    for cell in nb.cells:
        cell_id = cell.get("id")
        if cell_id in english and cell_id in korean:
            cell.source = korean[cell_id]
    return nb
