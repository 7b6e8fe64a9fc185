"""Build the HTML book exactly as `make book` does, and say where the reports are on failure.

Two editions from the same sources: the English book in _build/html/ and the Korean one
(issue 14: Sphinx's gettext translation with the catalogues in locales/ko/LC_MESSAGES/book/) in
_build/html/ko/. Both read the same execution cache, so every chapter's code runs once and the
two editions show the same outputs and figures. Each page links to itself in the other edition
(book/_ext/language_switch.py).

Jupyter Book 1 with the execution cache (unchanged chapters are not executed again), warnings
as errors and nitpicky references (-W -n), --keep-going so one build reports every problem.
The tests call this same script, so the test suite builds the book the README's way.

Sphinx executes chapters one after another while it reads them. Before it starts, the chapters
the execution cache lacks are run here in parallel (jupyter-cache's ``local-parallel``
executor, one process per core) and stored in the same cache, with the same reader MyST-NB
uses, so Sphinx then finds every result cached. A chapter that fails here is simply executed
again by Sphinx, which reports the error as before.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from datetime import UTC
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
#: the other editions: language code -> folder inside HTML (linked by book/_ext/language_switch)
EDITIONS = {"ko": "ko"}
CACHE = ROOT / "_build" / ".jupyter_cache"  # execute.cache in _config.yml
#: MyST-NB's reader of text notebooks, as registered for jupyter-cache
MYST_READER = {"name": "myst_nb_md", "type": "plugin"}


#: pages computed from files outside them, with those files: executed again when one of them
#: is newer than the cached outputs (the cache only knows the page's own code)
DEPENDS_ON = {"book/assignments/index.md": ["solutions/*/*.ipynb", "solutions/*/hidden_tests.py"]}


def drop_outdated(cache) -> None:
    """Forget the cached outputs of a page of :data:`DEPENDS_ON` older than what it reads."""
    for page, patterns in DEPENDS_ON.items():
        record = cache.get_cached_project_nb(str(ROOT / page))
        inputs = [p for pattern in patterns for p in ROOT.glob(pattern)]
        if record is None or not inputs:
            continue
        created = record.created  # UTC; SQLite hands it back without its time zone
        created = created.replace(tzinfo=UTC) if created.tzinfo is None else created
        if max(p.stat().st_mtime for p in inputs) > created.timestamp():
            cache.remove_cache(record.pk)


def execute_stale_chapters() -> None:
    """Run every MyST notebook under book/ whose outputs are not cached, in parallel."""
    from jupyter_cache import get_cache
    from jupyter_cache.executors import load_executor
    from myst_nb.core.read import is_myst_markdown_notebook

    cache = get_cache(str(CACHE))
    for path in sorted((ROOT / "book").rglob("*.md")):
        if is_myst_markdown_notebook(path.read_text(encoding="utf-8")):
            cache.add_nb_to_project(str(path), read_data=MYST_READER)
    drop_outdated(cache)
    stale = cache.list_unexecuted()
    if stale:
        print(f"Executing {len(stale)} chapter(s) in parallel before the build", flush=True)
        executor = load_executor("local-parallel", cache=cache)
        executor.run_and_cache(filter_pks=[record.pk for record in stale], timeout=300)


def sphinx_edition(language: str) -> int:
    """Build one translated edition into HTML/<folder> (tools/book_sphinx.py, -W -n, keep going)."""
    out = HTML / EDITIONS[language]
    cmd = [sys.executable, str(ROOT / "tools" / "book_sphinx.py"), "--builder", "html"]
    cmd += ["--language", language, "--out", str(out), "-W", "--keep-going"]
    return subprocess.call(cmd, cwd=ROOT)


def copy_our_static(html: Path) -> None:
    # Sphinx 7.4 does not overwrite static files that already exist in the output, so an
    # edited style sheet of ours would never reach an incremental build: copy ours afresh.
    for ours in (ROOT / "book" / "_static").iterdir():
        shutil.copy2(ours, html / "_static" / ours.name)


def report_failure(what: str, rc: int, took: float) -> None:
    reports = sorted((HTML / "reports").glob("**/*.log")) if (HTML / "reports").exists() else []
    print(f"\n{what} build FAILED (exit {rc}) after {took:.0f} s.", file=sys.stderr)
    for report in reports:
        print(f"  execution report: {report.relative_to(ROOT)}", file=sys.stderr)


def build(languages: tuple[str, ...] = tuple(EDITIONS)) -> int:
    start = time.perf_counter()
    execute_stale_chapters()
    cmd = [
        str(Path(sys.executable).with_name("jupyter-book")),
        "build",
        str(ROOT),
        "--builder",
        "html",
        "-W",
        "-n",
        "--keep-going",
    ]
    rc = subprocess.call(cmd, cwd=ROOT)
    took = time.perf_counter() - start
    if rc != 0:
        report_failure("Book", rc, took)
        return rc
    copy_our_static(HTML)
    print(f"\nEnglish book built in {took:.0f} s: {HTML.relative_to(ROOT) / 'index.html'}")
    for language in languages:
        begin = time.perf_counter()
        rc = sphinx_edition(language)
        took_edition = time.perf_counter() - begin
        out = HTML / EDITIONS[language]
        if rc != 0:
            report_failure(f"The {language} edition's", rc, took_edition)
            return rc
        copy_our_static(out)
        print(
            f"{language} edition built in {took_edition:.0f} s: "
            f"{(out / 'index.html').relative_to(ROOT)}"
        )
    print(f"Both editions built in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    # --english-only: skip the translated editions (a quicker look at an English change)
    sys.exit(build(() if "--english-only" in sys.argv[1:] else tuple(EDITIONS)))
