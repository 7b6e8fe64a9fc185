"""Which submissions share code: winnowing fingerprints, as MOSS computes them, via copydetect.

Every code cell a student submitted is fingerprinted as copydetect does it (Schleimer, Wilkerson
and Aiken's winnowing over k-grams of a token stream in which every variable name becomes ``V``
and every function name ``F``, so renaming hides nothing), with copydetect's tokeniser, winnowing,
comparison and highlighting, and a k-gram hash that is the same in every process. The
released notebook's code is the *boilerplate*: its fingerprints are removed first, so the
template and the visible tests that every student has do not make everyone look alike.

A pair's similarity is the larger of the two shares: the fraction of A's fingerprinted tokens
found in B, or of B's found in A (a short answer copied into a long one still scores high).

Everything read is a student's: notebooks are read with
:func:`~dlcourse.grading.extract.read_notebook` (size-capped, no link followed), each
submission's code is capped at :data:`MAX_CODE_CHARS`, and every name and line in the report is
HTML-escaped.
"""

from __future__ import annotations

import hashlib
import html
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import numpy as np
from copydetect import compare_files
from copydetect.utils import filter_code, get_token_coverage, highlight_overlap, winnow

from dlcourse.grading.extract import read_notebook

#: copydetect's defaults: a match must span at least 25 filtered tokens to count
NOISE_THRESHOLD = 25
GUARANTEE_THRESHOLD = 30
WINDOW = GUARANTEE_THRESHOLD - NOISE_THRESHOLD + 1
#: at most this much of one submission's code is compared (a 20 MB cell is not an answer)
MAX_CODE_CHARS = 200_000
#: the course library, compared like one more submission: the chapters show its code, so an
#: answer copied from the book is reported too. No student id contains "/", so no student has
#: this name.
LIBRARY = "book/dlcourse"


@dataclass
class Pair:
    """Two submissions and what they share."""

    a: str
    b: str
    similarity: float  # max of the two shares, 0..1
    share_a: float  # fraction of a's tokens found in b
    share_b: float
    tokens: int  # overlapping tokens
    slices_a: np.ndarray  # (2, M) character ranges of the shared code in a's text
    slices_b: np.ndarray


def code_cells(notebook: dict) -> list[str]:
    """The source of every code cell of a notebook, in order (non-text sources skipped)."""
    sources = []
    for cell in notebook["cells"]:
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(s, str) for s in source):
            source = "".join(source)
        if isinstance(source, str):
            sources.append(source)
    return sources


def submitted_code(path: Path, template: list[str], root: Path | None = None) -> str | None:
    """The code a student wrote: code cells that differ from every released cell, joined.

    None when the notebook is missing or unreadable, or a link below ``root`` leads to it.
    """
    notebook, _, _ = read_notebook(path, root)
    if notebook is None:
        return None
    released = set(template)
    own = [source for source in code_cells(notebook) if source not in released]
    return "\n\n".join(own)[:MAX_CODE_CHARS]


def library_code() -> str:
    """The source of the reference library's modules (what the chapters show; not the grader)."""
    package = Path(__file__).resolve().parents[1]
    return "\n\n".join(path.read_text(encoding="utf-8") for path in sorted(package.glob("*.py"))
                       if path.name != "cli.py")  # fmt: skip


@dataclass
class Fingerprint:
    """A submission's winnowed fingerprints, as copydetect's ``compare_files`` reads them."""

    raw_code: str
    filtered_code: str  # the token stream: names as V/F/O, strings as S, no comments or spaces
    offsets: np.ndarray  # where filtering removed characters (to map matches back to raw_code)
    hashes: set[int]
    hash_idx: dict[int, list[int]]  # hash -> where its k-gram starts in filtered_code
    k: int
    token_coverage: int


def kgram_hashes(text: str, k: int) -> np.ndarray:
    """A 64-bit hash of every k-gram of ``text``, the same in every process.

    copydetect hashes with Python's ``hash()``, which is salted per process, so its winnowing
    picks other fingerprints on every run; this keeps the report reproducible.
    """
    return np.array([int.from_bytes(hashlib.blake2b(text[i : i + k].encode(), digest_size=8)
                                    .digest(), "little", signed=True)
                     for i in range(len(text) - k + 1)], dtype=np.int64)  # fmt: skip


def fingerprint(code: str, boilerplate: np.ndarray, window: int = WINDOW) -> Fingerprint:
    """Winnowed fingerprints of Python ``code``, the ``boilerplate`` hashes removed."""
    filtered, offsets = filter_code(code, "answer.py", "python")
    hashes = kgram_hashes(filtered, NOISE_THRESHOLD)
    picked, idx = winnow(hashes, window, remove_duplicates=False)
    keep = ~np.isin(picked, boilerplate)
    hash_idx: dict[int, list[int]] = {}
    for value, where in zip(picked[keep].tolist(), idx[keep].tolist(), strict=True):
        hash_idx.setdefault(value, []).append(where)
    coverage = get_token_coverage(hash_idx, NOISE_THRESHOLD, len(filtered))
    return Fingerprint(code, filtered, offsets, set(hash_idx), hash_idx, NOISE_THRESHOLD,
                       coverage)  # fmt: skip


def boilerplate_hashes(template: list[str]) -> np.ndarray:
    """Every k-gram hash of the released code (window 1: all of them, not a winnowed sample)."""
    prints = fingerprint("\n\n".join(template), np.array([], dtype=np.int64), window=1)
    return np.fromiter(prints.hashes, dtype=np.int64, count=len(prints.hashes))


def similar_pairs(codes: dict[str, str], template: list[str]) -> list[Pair]:
    """Every pair of students with shared code, most similar first.

    ``codes`` maps a student id to the code they wrote; ``template`` is the released code cells.
    """
    boilerplate = boilerplate_hashes(template)
    prints = {student: fingerprint(code, boilerplate) for student, code in codes.items()}
    pairs = []
    for a, b in combinations(sorted(prints), 2):
        tokens, (share_a, share_b), (slices_a, slices_b) = compare_files(prints[a], prints[b])
        if tokens > 0:
            pairs.append(Pair(a, b, float(max(share_a, share_b)), float(share_a),
                              float(share_b), int(tokens), slices_a, slices_b))  # fmt: skip
    return sorted(pairs, key=lambda p: (-p.similarity, -p.tokens, p.a, p.b))


def _marked(code: str, slices: np.ndarray) -> str:
    """``code`` HTML-escaped, with the shared ranges in ``<mark>``."""
    if slices.size == 0:
        return html.escape(code)
    return highlight_overlap(code, slices, "<mark>", "</mark>", escape_html=True)[0]


_STYLE = """
body { font-family: sans-serif; margin: 1.5em; }
table.pairs td, table.pairs th { padding: .2em .8em; text-align: left; }
.side { display: grid; grid-template-columns: 1fr 1fr; gap: 1em; }
pre { background: #f6f6f6; padding: .6em; overflow-x: auto; font-size: 85%; }
mark { background: #ffd27a; }
"""


def write_report(path: Path, assignment: str, pairs: list[Pair], codes: dict[str, str],
                 top: int = 20) -> Path:  # fmt: skip
    """One self-contained HTML page: the ``top`` pairs, then each pair's code side by side."""
    shown = pairs[:top]
    esc = html.escape
    rows = "".join(
        f"<tr><td>{i}</td><td><a href='#pair{i}'>{esc(p.a)}</a></td><td>{esc(p.b)}</td>"
        f"<td>{p.similarity:.0%}</td><td>{p.share_a:.0%} / {p.share_b:.0%}</td>"
        f"<td>{p.tokens}</td></tr>"
        for i, p in enumerate(shown, 1)
    )
    sections = "".join(
        f"<h2 id='pair{i}'>{i}. {esc(p.a)} and {esc(p.b)}: {p.similarity:.0%}</h2>"
        f"<div class='side'><div><h3>{esc(p.a)}</h3><pre>{_marked(codes[p.a], p.slices_a)}"
        f"</pre></div><div><h3>{esc(p.b)}</h3><pre>{_marked(codes[p.b], p.slices_b)}</pre>"
        "</div></div>"
        for i, p in enumerate(shown, 1)
    )
    page = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Similar submissions: {esc(assignment)}</title><style>{_STYLE}</style></head>"
        f"<body><h1>Similar submissions: {esc(assignment)}</h1>"
        f"<p>{len(codes)} submissions, {len(pairs)} pairs share code beyond the released "
        f"template; the {len(shown)} most similar are shown. Similarity is the larger share of "
        "one submission's fingerprinted code found in the other (winnowing, names ignored). "
        "It points at pairs to read, it is not a verdict.</p>"
        "<table class='pairs'><tr><th>#</th><th>student</th><th>student</th>"
        f"<th>similarity</th><th>shares</th><th>tokens</th></tr>{rows}</table>{sections}"
        "</body></html>"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path
