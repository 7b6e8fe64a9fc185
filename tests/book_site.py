"""Helpers for the book tests: which pages the table of contents builds, and a local server."""

from __future__ import annotations

import functools
import http.server
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"


def toc_files() -> list[str]:
    """Every document the table of contents lists, root first, as paths without suffix."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]

    def walk(entries: list[dict]) -> None:
        for entry in entries:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections", []))

    for part in toc.get("parts", []):
        walk(part.get("chapters", []))
    walk(toc.get("chapters", []))
    return files


def html_page(doc: str) -> Path:
    return HTML / f"{doc}.html"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep the test output readable
        pass


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on an ephemeral localhost port; yield the origin URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@functools.cache
def build_book() -> tuple[int, str]:
    """Build the book once per test session, the README's way: (exit status, output tail)."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "build_book.py")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return result.returncode, f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"


@dataclass
class Readable:
    """One file of the built site that a student can open, split as a reader meets it.

    ``prose``: the words, outside code and mathematics; ``code``: code blocks and cells (their
    outputs included, for HTML pages); ``html``: the parsed page (None for other files).
    """

    name: str
    prose: str
    code: str
    html: object = None

    @property
    def text(self) -> str:
        return f"{self.prose}\n{self.code}"


_FENCE = re.compile(r"^(`{3,}|:{3,})[^\n]*\n.*?^\1[ \t]*$", re.M | re.S)
_TEXT_SUFFIXES = {".html", ".ipynb", ".md", ".txt", ".py"}


def _read_html(name: str, raw: str) -> Readable:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(raw, "html.parser")
    for tag in soup(["script", "style", "noscript"]):
        tag.decompose()
    article = soup.select_one("article.bd-article") or soup
    code = "\n".join(pre.get_text() for pre in article.find_all("pre"))
    prose_soup = BeautifulSoup(str(article), "html.parser")
    for tag in prose_soup.select("pre, .math, mjx-container"):
        tag.decompose()
    return Readable(name, prose_soup.get_text(" "), code, html=soup)


def _read_notebook(name: str, raw: str) -> Readable:
    cells = json.loads(raw).get("cells", [])
    text = {"code": [], "markdown": [], "raw": []}
    for cell in cells:
        src = cell.get("source", "")
        text.setdefault(cell.get("cell_type"), []).append(
            "".join(src) if isinstance(src, list) else src
        )
    return Readable(name, "\n".join(text["markdown"] + text["raw"]), "\n".join(text["code"]))


def _read_markdown(name: str, raw: str) -> Readable:
    code = [m.group(0) for m in _FENCE.finditer(raw) if m.group(1).startswith("`")]
    prose = _FENCE.sub(lambda m: "" if m.group(1).startswith("`") else m.group(0), raw)
    return Readable(name, prose, "\n".join(code))


def readable_files(html_dir: Path = HTML) -> list[Readable]:
    """Every text file of the built site a student can open: pages, their sources and notebook
    downloads (``_sources``), downloadable files (``_downloads``) and the search index. The
    theme's own files (``_static``) are left out."""
    found = []
    for path in sorted(html_dir.rglob("*")):
        rel = path.relative_to(html_dir).as_posix()
        if not path.is_file() or rel.startswith(("_static/", "reports/", ".")):
            continue
        if path.suffix not in _TEXT_SUFFIXES and path.name != "searchindex.js":
            continue
        raw = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".html":
            found.append(_read_html(rel, raw))
        elif path.suffix == ".ipynb":
            found.append(_read_notebook(rel, raw))
        elif path.suffix == ".py":
            found.append(Readable(rel, "", raw))
        else:  # .md, .txt sources and the search index
            found.append(_read_markdown(rel, raw))
    return found
