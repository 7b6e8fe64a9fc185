"""What the built book says, checked: it gives no graded answer away, and it tells the truth.

These read the site that `make book` builds (every page's HTML, its `_sources` copy, the `.md`
and `.ipynb` downloads, downloadable files and the search index), because that is what a
student can read. The graded answers come from `solutions/` (see graded_answers.py), never
from this file.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from book_site import HTML, ROOT, Readable, build_book, readable_files, toc_files
from graded_answers import MIN_CODE_LINE, answers, assignments, normalise_code

pytestmark = pytest.mark.slow

# Titles that say nothing: an admonition must name its own subject.
GENERIC_TITLES = {
    "note", "tip", "hint", "important", "warning", "caution", "attention", "danger", "error",
    "see also", "seealso", "a note on the slides",
}  # fmt: skip
# How the course's lecture files are named on disk; students know them as lectures.
INTERNAL_LABEL = re.compile(r"\bseeds?\s+(?:file\s+)?0\d\d\b|\b00\d_[0-9a-f]{16}\b", re.I)
NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?(?![\w])")


@pytest.fixture(scope="module")
def site() -> list[Readable]:
    status, output = build_book()
    assert status == 0, f"book build failed:\n{output}"
    return readable_files(HTML)


def numbers(text: str) -> list[float]:
    """The numbers of ``text`` in reading order (thousands separators understood)."""
    return [
        float(m.group(1).replace(",", "") + ("." + m.group(2) if m.group(2) else ""))
        for m in NUMBER.finditer(text)
    ]


def contains_run(values: list[float], run: np.ndarray) -> bool:
    """Whether ``run`` occurs in ``values`` as consecutive entries."""
    run = list(np.ravel(run))
    n = len(run)
    return any(np.allclose(values[i : i + n], run, atol=1e-9) for i in range(len(values) - n + 1))


ALL_ANSWERS = [answers(a) for a in assignments()]


def test_the_guards_know_every_graded_answer():
    """The search below is only as good as the answers it looks for: every assignment has some."""
    for found in ALL_ANSWERS:
        assert found.numeric or found.code_lines, f"{found.assignment}: no graded answer found"
    hand = [a for a in ALL_ANSWERS if a.numeric]
    assert hand and all(a.task_data for a in hand), "the pooling-by-hand task data is not found"


@pytest.mark.parametrize("graded", ALL_ANSWERS, ids=lambda a: a.assignment)
def test_no_numeric_answer_appears_anywhere(site, graded):
    leaks = [
        f"{doc.name}: {name} = {value.ravel().tolist()}"
        for doc in site
        for name, value in graded.numeric.items()
        if contains_run(numbers(doc.text), value)
    ]
    assert not leaks, "graded answers readable in the book:\n" + "\n".join(leaks)


@pytest.mark.parametrize("graded", ALL_ANSWERS, ids=lambda a: a.assignment)
def test_a_task_is_quoted_never_worked(site, graded):
    """Code never computes on a task's data, and a page quoting it shows no part of an answer."""
    worked = []
    for doc in site:
        for name, data in graded.task_data.items():
            if contains_run(numbers(doc.code), data):
                worked.append(f"{doc.name}: code computes on the task data {name}")
            if contains_run(numbers(doc.text), data):
                shown = set(numbers(doc.text))
                for answer, value in graded.numeric.items():
                    parts = {v for v in value.ravel() if v not in set(data.ravel())}
                    if parts & shown:
                        worked.append(f"{doc.name}: quotes the task and shows {answer} values "
                                      f"{sorted(parts & shown)}")  # fmt: skip
    assert not worked, "a graded task is worked in the book:\n" + "\n".join(worked)


@pytest.mark.parametrize("graded", ALL_ANSWERS, ids=lambda a: a.assignment)
def test_no_solution_code_appears_anywhere(site, graded):
    """No three consecutive significant lines of a solution appear in any code a student reads."""
    leaks = []
    for doc in site:
        lines = [normalise_code(line) for line in doc.code.splitlines()]
        lines = [line for line in lines if len(line) >= MIN_CODE_LINE]
        joined = "\n".join(lines)
        for region in graded.code_lines:
            for i in range(len(region) - 2):
                window = "\n".join(region[i : i + 3])
                if window in joined:
                    leaks.append(f"{doc.name}: {region[i]!r} ...")
                    break
    assert not leaks, "solution code readable in the book:\n" + "\n".join(leaks)


@pytest.mark.parametrize("graded", ALL_ANSWERS, ids=lambda a: a.assignment)
def test_no_model_answer_sentence_appears_anywhere(site, graded):
    def squash(s: str) -> str:
        return " ".join(re.sub(r"[*_`]", "", s).lower().split())

    texts = [(doc.name, squash(doc.text)) for doc in site]
    leaks = [f"{name}: {s[:60]}..." for s in graded.sentences for name, t in texts
             if squash(s) in t]  # fmt: skip
    assert not leaks, "model answers readable in the book:\n" + "\n".join(leaks)


def _pages(site: list[Readable]) -> list[Readable]:
    wanted = {f"{doc}.html" for doc in toc_files()}
    return [doc for doc in site if doc.name in wanted]


def test_no_page_shows_raw_markdown_table_text(site):
    """A table rendered as text shows its separator row, `| --- | --- |` (or with dashes
    typeset as en/em dashes); real tables are HTML."""
    separator = re.compile(r"\|\s*[-\u2013\u2014:]+\s*\|\s*[-\u2013\u2014:]+\s*\|")
    raw = [doc.name for doc in _pages(site) if separator.search(doc.prose)]
    assert not raw, f"pages with raw Markdown table text: {raw}"


def test_every_admonition_has_its_own_title(site):
    problems = []
    for doc in _pages(site):
        seen = set()
        for box in doc.html.select("article.bd-article div.admonition"):
            classes = set(box.get("class", []))
            if classes & {"exercise", "solution"}:
                continue  # sphinx-exercise numbers and names these itself
            title_tag = box.select_one(".admonition-title")
            title = " ".join(title_tag.get_text(" ").split()) if title_tag else ""
            if title.lower().rstrip(":") in GENERIC_TITLES or not title:
                first = " ".join(box.get_text(" ").split())[:70]
                problems.append(f"{doc.name}: untitled admonition {title!r}: {first}")
            elif title in seen:
                problems.append(f"{doc.name}: two admonitions titled {title!r}")
            seen.add(title)
    assert not problems, "\n".join(problems)


def test_no_internal_file_label_reaches_a_student(site):
    found = [
        f"{doc.name}: {m.group(0)!r}" for doc in site for m in INTERNAL_LABEL.finditer(doc.text)
    ]
    assert not found, "internal lecture-file labels in the book:\n" + "\n".join(found)


def test_no_internal_file_label_in_the_library():
    """The book shows the library's source, docstrings included."""
    found = [
        f"{path.relative_to(ROOT)}: {m.group(0)!r}"
        for path in sorted((ROOT / "lib").rglob("*.py"))
        for m in INTERNAL_LABEL.finditer(path.read_text(encoding="utf-8"))
    ]
    assert not found, "internal lecture-file labels in lib/:\n" + "\n".join(found)
