"""A link on every page to the same page in the other edition (issue 14).

The English book is built into _build/html/ and the Korean one into _build/html/ko/
(tools/build_book.py), from the same documents, so a page's name is the same in both. Each page
gets a button in its header (the theme's ``article_header_end``) pointing at the other edition's
copy by a relative link: the site works from any folder and offline, and nothing but the folder
layout is assumed.

In a translated edition, a download link to an assignment notebook
(``assignments/<name>/<name>.ipynb``) offers that edition's version instead when there is one
(``assignments/<name>/<language>/<name>.ipynb``, made by `make assignments`): the same file name,
so the student submits it under the name the grader expects.
"""

from __future__ import annotations

from pathlib import Path

#: edition language -> (other language, the link's text, its tooltip)
SWITCH = {
    "en": ("ko", "한국어", "이 페이지의 한국어판"),
    "ko": ("en", "English", "This page in the English edition"),
}
#: the folder of each edition inside the English site (tools/build_book.py's EDITIONS)
FOLDER = {"en": "", "ko": "ko/"}
TEMPLATE = "language-switch.html"


def other_edition_href(language: str, pagename: str) -> str:
    """The relative link from ``pagename`` in ``language``'s edition to the other edition's copy."""
    up = "../" * pagename.count("/")
    if language == "en":
        return f"{up}{FOLDER['ko']}{pagename}.html"
    # from <site>/ko/<pagename>.html back to <site>/<pagename>.html
    depth_of_edition = FOLDER[language].count("/")
    return f"{up}{'../' * depth_of_edition}{pagename}.html"


def add_switch(app, pagename, templatename, context, doctree) -> None:
    language = (app.config.language or "en").split("_")[0]
    if language not in SWITCH:
        return
    other, label, title = SWITCH[language]
    context["language_switch"] = {
        "href": other_edition_href(language, pagename),
        "lang": other,
        "label": label,
        "title": title,
    }


def put_in_header(app, config) -> None:
    config.templates_path.append(str(Path(__file__).with_name("templates")))
    options = config.html_theme_options
    end = list(options.get("article_header_end", ["article-header-buttons.html"]))
    if TEMPLATE not in end:
        options["article_header_end"] = [TEMPLATE, *end]


def translated_downloads(app, doctree) -> None:
    from sphinx import addnodes

    language = (app.config.language or "en").split("_")[0]
    if language == "en":
        return
    source_dir = Path(app.env.doc2path(app.env.docname)).parent
    for node in doctree.findall(addnodes.download_reference):
        target = Path(node["reftarget"])
        if target.suffix != ".ipynb" or "assignments" not in target.parts:
            continue
        translated = target.parent / language / target.name
        if (source_dir / translated).resolve().is_file():
            node["reftarget"] = translated.as_posix()


def setup(app):
    app.connect("config-inited", put_in_header)
    # before Sphinx's download collector (priority 500) records the file
    app.connect("doctree-read", translated_downloads, priority=400)
    app.connect("html-page-context", add_switch)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
