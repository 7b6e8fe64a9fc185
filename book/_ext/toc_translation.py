"""Translate what the table of contents and the configuration give a translated edition.

The part captions of _toc.yml ("Foundations", ...) and the book's title are not in any page, so
Sphinx's gettext extraction never sees them (sphinx-external-toc inserts the toctrees after the
translation step). tools/translations.py puts them in one more catalogue,
``locales/<language>/LC_MESSAGES/toc.po``; here a translated edition reads it (translated,
non-fuzzy messages only) and uses the Korean captions in the navigation and the Korean title.
"""

from __future__ import annotations

from pathlib import Path

from sphinx import addnodes
from sphinx.transforms import SphinxTransform

CATALOGUE = "toc"


def toc_translations(app) -> dict[str, str]:
    language = (app.config.language or "en").split("_")[0]
    if language == "en":
        return {}
    import polib

    found = {}
    for folder in app.config.locale_dirs:
        po = Path(app.srcdir, folder, language, "LC_MESSAGES", f"{CATALOGUE}.po")
        if po.exists():
            found.update(
                (e.msgid, e.msgstr)
                for e in polib.pofile(str(po))
                if e.msgstr and not e.obsolete and "fuzzy" not in e.flags
            )
    return found


class TranslateTocCaptions(SphinxTransform):
    # after sphinx-external-toc's InsertToctrees (100), before the doctree is read (880)
    default_priority = 150

    def apply(self, **kwargs) -> None:
        translated = getattr(self.app, "dlcourse_toc_translations", None)
        if not translated:
            return
        for toctree in self.document.findall(addnodes.toctree):
            caption = toctree.get("caption")
            if caption in translated:
                toctree["caption"] = toctree["rawcaption"] = translated[caption]


def translate_title(app, config) -> None:
    app.dlcourse_toc_translations = toc_translations(app)
    title = config.html_title
    if title and title in app.dlcourse_toc_translations:
        config.html_title = app.dlcourse_toc_translations[title]


def setup(app):
    app.connect("config-inited", translate_title, priority=950)
    app.add_transform(TranslateTocCaptions)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

