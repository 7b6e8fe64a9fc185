"""The Korean edition is complete and kept in step with the English (issue 14).

- Every catalogue in locales/ko (the book's pages and the assignment notebooks) is 100%
  translated with no fuzzy message. After an English change `make translations` (book) or
  `make assignments` (notebooks) marks what needs Korean; these tests fail until it is done.
- The glossary is the one list of term pairs: a translated message whose English uses a
  glossary term uses the glossary's Korean term, or the other form the entry documents as
  "(also written **...**)" (book/glossary.md, read by book/_ext/glossary_links.py).
  Glossary headwords stay English in the Korean glossary, so the entries keep their English
  anchors and every page's term links still find them.
- The catalogues hold exactly the messages of the current English pages (slow: a gettext
  extraction, as `make translations` does, into a temporary folder).
- `make translations` changes nothing when run twice (slow).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from book_site import ROOT, toc_files

sys.path.insert(0, str(ROOT / "book" / "_ext"))
sys.path.insert(0, str(ROOT / "tools"))
import translations as translations_tool  # noqa: E402  (tools/translations.py)
from glossary_links import GLOSSARY, glossary_pairs, korean_forms  # noqa: E402
from korean_search import strip_particle  # noqa: E402

CATALOGUES = ROOT / "locales" / "ko" / "LC_MESSAGES"
ALL_PO = sorted(CATALOGUES.rglob("*.po"))
PAIRS = glossary_pairs()


def _name(po: Path) -> str:
    return po.relative_to(CATALOGUES).with_suffix("").as_posix()


def _entries(po: Path) -> list[polib.POEntry]:
    return [e for e in polib.pofile(str(po)) if not e.obsolete]


# --- completeness ------------------------------------------------------------------------------


def test_there_is_a_catalogue_for_every_page_and_assignment():
    pages = {f"book/{doc.removeprefix('book/')}" for doc in toc_files()} | {"toc"}
    have = {_name(po) for po in ALL_PO}
    missing = sorted(pages - have)
    assert not missing, f"pages without a Korean catalogue (run make translations): {missing}"
    notebooks = {p.parent.name for p in (ROOT / "solutions").glob("*/hidden_tests.py")}
    missing = sorted(f"assignments/{n}" for n in notebooks if f"assignments/{n}" not in have)
    assert not missing, f"assignments without a Korean catalogue (run make assignments): {missing}"


@pytest.mark.parametrize("po", ALL_PO, ids=_name)
def test_catalogue_is_fully_translated_and_none_fuzzy(po):
    entries = _entries(po)
    untranslated = [e.msgid[:60] for e in entries if not e.msgstr]
    fuzzy = [e.msgid[:60] for e in entries if "fuzzy" in e.flags]
    catalogue = polib.pofile(str(po))
    assert catalogue.metadata.get("Language") == "ko", f"{_name(po)}: header Language is not ko"
    assert not untranslated and not fuzzy, (
        f"{_name(po)}: {len(untranslated)} of {len(entries)} messages untranslated, "
        f"{len(fuzzy)} fuzzy (python tools/translations.py --report); first: "
        f"{(untranslated + fuzzy)[:3]}"
    )


def _paragraphs(text: str) -> int:
    return len([part for part in re.split(r"\n[ \t]*\n", text.strip()) if part.strip()])


@pytest.mark.parametrize("po", ALL_PO, ids=_name)
def test_each_translation_has_the_paragraphs_of_its_english(po):
    """A merge that brings a changed English message (a new paragraph, say) beside an old
    translation leaves neither untranslated nor fuzzy: the paragraphs no longer match."""
    mismatched = [
        f"{e.msgid[:60]!r}: {_paragraphs(e.msgid)} paragraphs in English, "
        f"{_paragraphs(e.msgstr)} in Korean"
        for e in _entries(po)
        if e.msgstr and "fuzzy" not in e.flags and _paragraphs(e.msgid) != _paragraphs(e.msgstr)
    ]
    assert not mismatched, f"{_name(po)}: " + "; ".join(mismatched)


# --- the glossary's terms ---------------------------------------------------------------------

#: what is not prose in a message: inline code, maths, roles with their target, link targets, URLs
_NOT_PROSE = re.compile(
    r"`[^`]*`|\$\$.*?\$\$|\$[^$]*\$|\{[\w:-]+\}`[^`]*`|\]\([^)]*\)|https?://\S+|<[^>]+>", re.S
)


def english_terms_in(msgid: str) -> list[str]:
    """The glossary's English terms that a message's prose uses (plurals count)."""
    prose = _NOT_PROSE.sub(" ", msgid)
    return [
        term
        for term in PAIRS
        if re.search(rf"(?<![\w-]){re.escape(term)}(?:s|es)?(?![\w-])", prose, re.I)
    ]


def test_the_glossary_pairs_are_read_from_every_entry():
    text = GLOSSARY.read_text()
    block = text[text.index("```{glossary}") :]
    block = block[: block.index("```", 3)]
    headwords = [ln for ln in block.splitlines()[1:] if ln and not ln[0].isspace() and ln[0] != ":"]
    assert len(PAIRS) == len(headwords) >= 50
    assert PAIRS["backpropagation"] == "오차역전파" and PAIRS["convolution"] == "합성곱"
    assert korean_forms()["backpropagation"] == ("오차역전파", "역전파")
    assert english_terms_in("the `convolution` of $w$ and {term}`padding`") == []
    assert set(english_terms_in("Convolutions with zero padding")) == {"convolution", "padding"}


def glossary_misses(entries) -> list[str]:
    """Translated messages whose English uses a glossary term and whose Korean uses none of the
    term's Korean forms."""
    forms = korean_forms()
    missing = []
    for entry in entries:
        # a message kept verbatim is no prose (a display formula, a name): nothing to translate
        verbatim = entry.msgstr == entry.msgid
        if not entry.msgstr or "fuzzy" in entry.flags or entry.msgid in PAIRS or verbatim:
            continue
        for term in english_terms_in(entry.msgid):
            if not any(form in entry.msgstr for form in forms[term]):
                missing.append(f"{term} -> {' / '.join(forms[term])}: {entry.msgstr[:70]!r}")
    return missing


def test_the_glossary_check_catches_a_stray_term():
    good = polib.POEntry(msgid="Backpropagation through a convolution.", msgstr="합성곱의 역전파.")
    bad = polib.POEntry(msgid="A convolution layer.", msgstr="컨볼루션 층.")
    assert glossary_misses([good]) == []
    assert glossary_misses([bad]) == ["convolution -> 합성곱: '컨볼루션 층.'"]


@pytest.mark.parametrize("po", ALL_PO, ids=_name)
def test_translation_uses_the_glossary_terms(po):
    missing = glossary_misses(_entries(po))
    assert not missing, (
        f"{_name(po)}: {len(missing)} translated messages use an English glossary term without "
        "its Korean term (book/glossary.md):\n" + "\n".join(missing[:25])
    )


def test_glossary_headwords_stay_english():
    """The Korean glossary keeps its English headwords: each entry's anchor and every page's
    term link depend on them; the Korean term is the bold start of the definition."""
    po = CATALOGUES / "book" / "glossary.po"
    changed = [
        f"{e.msgid} -> {e.msgstr}"
        for e in _entries(po)
        if e.msgid in PAIRS and e.msgstr and e.msgstr != e.msgid
    ]
    assert not changed, f"glossary headwords translated (keep msgstr = msgid): {changed}"


# --- Korean search ----------------------------------------------------------------------------


def test_korean_search_strips_one_particle():
    assert strip_particle("역전파를") == "역전파"
    assert strip_particle("합성곱은") == "합성곱"
    assert strip_particle("합성곱에서는") == "합성곱"
    assert strip_particle("필터") == "필터"  # nothing to strip
    assert strip_particle("층의") == "층의"  # a stem keeps two syllables


# --- in step with the English (slow: a gettext extraction) -------------------------------------


@pytest.mark.slow
def test_catalogues_hold_the_messages_of_the_current_pages(tmp_path):
    out = tmp_path / "gettext"
    cmd = [sys.executable, str(ROOT / "tools" / "book_sphinx.py"), "--builder", "gettext"]
    cmd += ["--execute", "off", "--out", str(out), "--doctrees", str(tmp_path / "doctrees")]
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    stale = []
    for pot in sorted(out.rglob("*.pot")):
        name = pot.relative_to(out).with_suffix("").as_posix()
        po = CATALOGUES / f"{name}.po"
        english = {e.msgid for e in polib.pofile(str(pot)) if e.msgid}
        korean = {e.msgid for e in _entries(po)} if po.exists() else set()
        if english != korean:
            stale.append(f"{name}: {len(english - korean)} new, {len(korean - english)} gone")
    toc = {e.msgid for e in _entries(CATALOGUES / "toc.po")}
    if toc != set(translations_tool.toc_messages()):
        stale.append("toc: the title or the part captions of _toc.yml changed")
    assert not stale, f"catalogues behind the English pages (run make translations): {stale}"


@pytest.mark.slow
def test_make_translations_twice_changes_nothing(tmp_path):
    """In a copy of the sources (the tool works on the tree it lives in)."""
    import shutil

    copy = tmp_path / "repo"
    for part in ("book", "tools", "locales"):
        shutil.copytree(ROOT / part, copy / part, ignore=shutil.ignore_patterns("*.mo"))
    for part in ("_config.yml", "_toc.yml"):
        shutil.copy(ROOT / part, copy / part)
    catalogues = copy / CATALOGUES.relative_to(ROOT)

    def snapshot():
        return {p.relative_to(copy): p.read_bytes() for p in sorted(catalogues.rglob("*.po"))}

    tool = [sys.executable, str(copy / "tools" / "translations.py")]
    first = subprocess.run(tool, cwd=copy, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr[-3000:]
    before = snapshot()
    second = subprocess.run(tool, cwd=copy, capture_output=True, text=True)
    assert second.returncode == 0, second.stderr[-3000:]
    assert snapshot() == before
    assert "need Korean" in second.stdout
    assert not [line for line in second.stdout.splitlines() if line.startswith("Update")]


# --- figures ----------------------------------------------------------------------------------


def test_book_code_writes_no_hangul():
    """Both editions show the same figures (one execution), so figures carry English labels only:
    no code cell a reader sees writes Hangul (the Korean text is in the prose and the captions).
    A hidden bookkeeping cell that draws nothing may glue a Korean sentence for the Korean
    prose (ch07's verdicts, say)."""
    from myst_nb.core.read import is_myst_markdown_notebook

    found = []
    for doc in toc_files():
        text = (ROOT / f"{doc}.md").read_text(encoding="utf-8")
        if not is_myst_markdown_notebook(text):
            continue
        for cell in re.finditer(r"^```\{code-cell\}[^\n]*\n(.*?)^```", text, re.M | re.S):
            if _glues_only(cell[1]):
                continue
            found += [f"{doc}: {ln.strip()}" for ln in cell[1].splitlines() if _HANGUL.search(ln)]
    assert not found, f"code cells that would draw Hangul in both editions: {found}"


def _glues_only(cell: str) -> bool:
    """A hidden cell (input removed) that glues values and draws nothing."""
    hidden = re.search(r"^:tags: \[.*remove-(?:input|cell).*\]", cell, re.M)
    return bool(hidden) and "glue(" in cell and not re.search(r"\b(plt|ax|axes|fig)\b", cell)


_HANGUL = re.compile("[\uac00-\ud7a3]")


@pytest.mark.browser
def test_matplotlib_draws_korean_with_the_installed_font():
    """fonts-nanum (installed with chromium by `make chromium`) is matplotlib's fallback after
    the book style, so a Korean label is drawn with real glyphs, not empty boxes."""
    import warnings

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from dlcourse.plotting import korean_font, use_book_style

    assert korean_font() is not None, "no Korean font: sudo apt-get install fonts-nanum"
    use_book_style()
    fig, ax = plt.subplots()
    ax.set_title("합성곱 층의 역전파")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.canvas.draw()
    plt.close(fig)
    missing = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    assert not missing, missing
