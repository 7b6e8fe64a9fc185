"""Link the first use of each glossary term on a page to its glossary entry.

Chapters introduce a key term in bold, with its Korean term beside it:
``**gradient descent** (경사 하강법)``. After references are resolved, this extension finds
the first bold run on each page whose text is a term of the glossary page (ignoring case and a
plural "s") and turns it into a link to that entry, so the chapters need no extra markup and
the glossary stays the one place where terms are defined.

The Korean edition writes the Korean term in bold (``**역전파**(backpropagation)``); each
glossary entry's definition opens with its Korean term in bold, so :func:`glossary_pairs` reads
the pairs from book/glossary.md and a bold Korean term links to its English entry too.
"""

from __future__ import annotations

import re
from pathlib import Path

from docutils import nodes

GLOSSARY = Path(__file__).resolve().parents[1] / "glossary.md"
_ENTRY = re.compile(
    r"^(?P<term>\S[^\n]*)\n[ \t]+\*\*(?P<korean>[^*]+)\*\*"
    r"(?:\s*\(also written \*\*(?P<also>[^*]+)\*\*\))?",
    re.M,
)


def _entries(path: Path):
    text = path.read_text(encoding="utf-8")
    start = text.index("```{glossary}")
    block = text[start : text.index("```", start + 3)]
    return _ENTRY.finditer(block)


def glossary_pairs(path: Path = GLOSSARY) -> dict[str, str]:
    """English term -> Korean term, from the glossary directive of book/glossary.md (each entry's
    definition opens with the Korean term in bold)."""
    return {m["term"].strip(): m["korean"].strip() for m in _entries(path)}


def korean_forms(path: Path = GLOSSARY) -> dict[str, tuple[str, ...]]:
    """English term -> the Korean forms a translation may use: the Korean term, and the other
    form an entry gives as "(also written **...**)" (e.g. 역전파 beside 오차역전파)."""
    return {
        m["term"].strip(): (m["korean"].strip(), *([m["also"].strip()] if m["also"] else []))
        for m in _entries(path)
    }


def _glossary_terms(app) -> dict[str, tuple[str, str]]:
    std = app.env.get_domain("std")
    terms = {
        name.lower(): (docname, anchor)
        for (objtype, name), (docname, anchor) in std.objects.items()
        if objtype == "term"
    }
    for english, forms in korean_forms().items():
        if english.lower() in terms:
            for korean in forms:
                terms.setdefault(_key(korean), terms[english.lower()])
    return terms


def _key(text: str) -> str:
    return " ".join(text.lower().split())


def link_first_uses(app, doctree, docname) -> None:
    if app.builder.format != "html":
        return
    terms = _glossary_terms(app)
    linked: set[str] = set()
    for strong in list(doctree.findall(nodes.strong)):
        key = _key(strong.astext())
        key = key if key in terms else key.removesuffix("s")
        if key not in terms or key in linked or isinstance(strong.parent, nodes.reference):
            continue
        target_doc, anchor = terms[key]
        if target_doc == docname:
            continue
        uri = app.builder.get_relative_uri(docname, target_doc) + "#" + anchor
        ref = nodes.reference("", "", internal=True, refuri=uri, classes=["glossary-link"])
        ref["reftitle"] = "glossary"
        strong.replace_self(ref)
        ref.append(strong)
        linked.add(key)


def reread_all_when_glossary_changes(app, env, added, changed, removed) -> list[str]:
    """Every page links into the glossary, so a changed glossary means every page is stale."""
    glossaries = {doc for doc in added | changed if doc.endswith("glossary")}
    return sorted(env.found_docs - added - changed) if glossaries else []


def setup(app):
    app.connect("env-get-outdated", reread_all_when_glossary_changes)
    app.connect("doctree-resolved", link_first_uses)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
