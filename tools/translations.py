"""Bring the Korean catalogues in step with the English pages and list what needs Korean.

    python tools/translations.py            extract, update locales/ko, print the table
    python tools/translations.py --report   only print the table

(`make translations` runs the first.)

1. Extraction: Sphinx's gettext builder reads every page of the table of contents with notebook
   execution off (the messages are the Markdown text; code and outputs are not translated) and
   writes one template per page, ``_build/gettext/<page>.pot`` (tools/book_sphinx.py), and
   ``_build/gettext/toc.pot`` holds the book's title and the part captions of _toc.yml, which
   no page contains (book/_ext/toc_translation.py uses their Korean).
2. ``sphinx-intl update`` merges each template into ``locales/ko/LC_MESSAGES/<page>.po``: new
   paragraphs arrive untranslated, changed ones keep their old Korean marked ``#, fuzzy``, removed
   ones become obsolete (``#~``). A catalogue whose messages did not change is not rewritten.
3. Headers are normalised (``Language: ko``, no fuzzy flag on the header) by editing the header
   lines only, so a translator's file is never re-wrapped; a catalogue whose page left the table
   of contents is removed.
4. The table: per page, messages in all, untranslated, fuzzy. Every page must reach 0 and 0
   (tests/test_translations.py).

The assignment notebooks' catalogues (``locales/ko/LC_MESSAGES/assignments/``) are made by
tools/assignments.py (`make assignments`), which also reports them here.

Running it twice gives no change in git: nothing is written when nothing changed.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LANGUAGE = "ko"
LOCALES = ROOT / "locales"
CATALOGUES = LOCALES / LANGUAGE / "LC_MESSAGES"
POT_DIR = ROOT / "_build" / "gettext"


def extract() -> None:
    """Write _build/gettext/<page>.pot for every page of the table of contents."""
    shutil.rmtree(POT_DIR, ignore_errors=True)
    cmd = [sys.executable, str(ROOT / "tools" / "book_sphinx.py"), "--builder", "gettext"]
    cmd += [
        "--execute",
        "off",
        "--out",
        str(POT_DIR),
        "--doctrees",
        str(ROOT / "_build" / ".doctrees-gettext"),
    ]
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"gettext extraction failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    write_toc_template()


def toc_messages(root: Path = ROOT) -> list[str]:
    """The book's title (_config.yml) and the part captions of _toc.yml, in order."""
    import yaml

    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))
    toc = yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8"))
    captions = [part["caption"] for part in toc.get("parts", []) if part.get("caption")]
    return list(dict.fromkeys([config["title"], *captions]))


def write_toc_template() -> None:
    import polib

    pot = polib.POFile(wrapwidth=76)
    pot.metadata = {
        "Project-Id-Version": "dlcourse",
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=utf-8",
        "Content-Transfer-Encoding": "8bit",
    }
    for message in toc_messages():
        pot.append(polib.POEntry(msgid=message, msgstr=""))
    pot.save(str(POT_DIR / "toc.pot"))


def update() -> None:
    """sphinx-intl update: merge the templates into the Korean catalogues."""
    cmd = [str(Path(sys.executable).with_name("sphinx-intl")), "update", "-p", str(POT_DIR)]
    cmd += ["-l", LANGUAGE, "-d", str(LOCALES)]
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"sphinx-intl update failed:\n{result.stdout}\n{result.stderr}")
    for line in result.stdout.splitlines():
        if not line.startswith("Not Changed"):
            print(line)


def remove_orphans() -> None:
    """Drop the catalogue of a page that left the book (its template is no longer extracted)."""
    pages = {p.relative_to(POT_DIR).with_suffix("") for p in POT_DIR.rglob("*.pot")}
    for po in sorted((CATALOGUES / "book").rglob("*.po")):
        if Path("book") / po.relative_to(CATALOGUES / "book").with_suffix("") not in pages:
            print(f"removed (page not in the book any more): {po.relative_to(ROOT)}")
            po.unlink()


_HEADER_END = re.compile(r'^msgid ""\nmsgstr ""\n(?:".*"\n)*', re.M)


def normalise_header(po: Path) -> bool:
    """Language: ko and no fuzzy flag on the header; header lines only. True if changed."""
    text = po.read_text(encoding="utf-8")
    match = _HEADER_END.search(text)
    if match is None:
        raise SystemExit(f"{po}: no gettext header")
    before, header, after = text[: match.start()], match.group(0), text[match.end() :]
    before = re.sub(r"^#, fuzzy\n", "", before, flags=re.M)
    if re.search(r'^"Language: [^"]*\\n"$', header, re.M):
        header = re.sub(
            r'^"Language: [^"]*\\n"$', f'"Language: {LANGUAGE}\\\\n"', header, flags=re.M
        )
    else:
        header = header.replace('"MIME-Version:', f'"Language: {LANGUAGE}\\n"\n"MIME-Version:')
    new = before + header + after
    if new != text:
        po.write_text(new, encoding="utf-8")
        return True
    return False


def catalogue_status(po: Path) -> tuple[int, int, int]:
    """(messages, untranslated, fuzzy) of one catalogue; obsolete entries do not count."""
    import polib

    catalogue = polib.pofile(str(po))
    entries = [e for e in catalogue if not e.obsolete]
    fuzzy = sum(1 for e in entries if "fuzzy" in e.flags)
    untranslated = sum(1 for e in entries if not e.msgstr and "fuzzy" not in e.flags)
    return len(entries), untranslated, fuzzy


def report() -> int:
    """Print the table; return how many messages still need Korean."""
    rows = []
    for po in sorted(CATALOGUES.rglob("*.po")):
        total, untranslated, fuzzy = catalogue_status(po)
        rows.append(
            (po.relative_to(CATALOGUES).with_suffix("").as_posix(), total, untranslated, fuzzy)
        )
    width = max((len(r[0]) for r in rows), default=10)
    print(f"{'page':<{width}}  messages  untranslated  fuzzy")
    for name, total, untranslated, fuzzy in rows:
        mark = "" if untranslated == fuzzy == 0 else "   <- needs Korean"
        print(f"{name:<{width}}  {total:8}  {untranslated:12}  {fuzzy:5}{mark}")
    todo = sum(r[2] + r[3] for r in rows)
    print(f"{len(rows)} catalogues, {sum(r[1] for r in rows)} messages, {todo} need Korean")
    return todo


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--report", action="store_true", help="only print the table")
    args = parser.parse_args(argv)
    if not args.report:
        extract()
        update()
        remove_orphans()
        for po in sorted(CATALOGUES.rglob("*.po")):
            if normalise_header(po):
                print(f"header normalised: {po.relative_to(ROOT)}")
    report()
    return 0


if __name__ == "__main__":
    sys.exit(main())
