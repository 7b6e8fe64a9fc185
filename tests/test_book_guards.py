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
from graded_answers import MIN_CODE_LINE, answers, assignments, code_windows, normalise_code

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
    """Whether ``run`` occurs in ``values`` as consecutive entries (by magnitude: a page's
    numbers are read without their sign)."""
    run = list(np.abs(np.ravel(run)))
    n = len(run)
    return any(np.allclose(values[i : i + n], run, atol=1e-9) for i in range(len(values) - n + 1))


ALL_ANSWERS = [answers(a) for a in assignments()]


def _solution_as_page(assignment: str) -> list[Readable]:
    """The instructor's folder (notebook and hidden tests) read as if it were a page of the book:
    every guard must flag it."""
    from book_site import _read_notebook

    folder = ROOT / "solutions" / assignment
    page = _read_notebook(f"planted/{assignment}.ipynb",
                          (folder / f"{assignment}.ipynb").read_text(encoding="utf-8"))  # fmt: skip
    hidden = folder / "hidden_tests.py"  # the grader's cases, published beside it
    if hidden.is_file():
        page.code += "\n" + hidden.read_text(encoding="utf-8")
    return [page]


@pytest.mark.parametrize("graded", ALL_ANSWERS, ids=lambda a: a.assignment)
def test_the_answer_guards_catch_a_planted_solution(graded):
    """Run on the solution notebook itself, the answer guards fail: they can fail."""
    planted = _solution_as_page(graded.assignment)
    checks = [test_no_numeric_answer_appears_anywhere, test_no_solution_code_appears_anywhere]
    checks += [test_no_model_answer_sentence_appears_anywhere] if graded.sentences else []
    checks += [test_a_task_is_quoted_never_worked] if graded.task_data else []
    for check in checks:
        if check is test_no_numeric_answer_appears_anywhere and not graded.numeric:
            continue
        if check is test_no_solution_code_appears_anywhere and not (
            graded.code_lines or graded.code_blocks
        ):
            continue
        with pytest.raises(AssertionError):
            check(planted, graded)


def test_the_guards_know_every_graded_answer():
    """The search below is only as good as the answers it looks for: every assignment has some."""
    for found in ALL_ANSWERS:
        assert found.numeric or found.code_lines or found.code_blocks, (
            f"{found.assignment}: no graded answer found"
        )
    hand = [a for a in ALL_ANSWERS if a.numeric]
    assert hand and all(a.task_data for a in hand), "the pooling-by-hand task data is not found"


@pytest.mark.slow
@pytest.mark.parametrize("graded", ALL_ANSWERS, ids=lambda a: a.assignment)
def test_no_numeric_answer_appears_anywhere(site, graded):
    leaks = [
        f"{doc.name}: {name} = {value.ravel().tolist()}"
        for doc in site
        for name, value in graded.numeric.items()
        if contains_run(numbers(doc.text), value)
    ]
    assert not leaks, "graded answers readable in the book:\n" + "\n".join(leaks)


@pytest.mark.slow
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
                    known = set(np.abs(data).ravel())  # magnitudes, as numbers() reads them
                    parts = {v for v in np.abs(value).ravel() if v not in known}
                    if parts & shown:
                        worked.append(f"{doc.name}: quotes the task and shows {answer} values "
                                      f"{sorted(parts & shown)}")  # fmt: skip
    assert not worked, "a graded task is worked in the book:\n" + "\n".join(worked)


@pytest.mark.slow
@pytest.mark.parametrize("graded", ALL_ANSWERS, ids=lambda a: a.assignment)
def test_no_solution_code_appears_anywhere(site, graded):
    """No three consecutive significant lines of a solution (all of a shorter one) appear in any
    code a student reads, and no short solution region appears whole (all its lines in a row)."""
    leaks = []
    for doc in site:
        every = [line for line in map(normalise_code, doc.code.splitlines()) if line]
        text = "\n" + "\n".join(every) + "\n"
        for block in graded.code_blocks:
            if "\n" + "\n".join(block) + "\n" in text:
                leaks.append(f"{doc.name}: {block[0]!r} ... (a whole short solution)")
        lines = [line for line in every if len(line) >= MIN_CODE_LINE]
        joined = "\n".join(lines)
        for region in graded.code_lines:
            for window in code_windows(region):
                if window in joined:
                    leaks.append(f"{doc.name}: {window.splitlines()[0]!r} ...")
                    break
    assert not leaks, "solution code readable in the book:\n" + "\n".join(leaks)


@pytest.mark.slow
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


@pytest.mark.slow
def test_no_page_shows_raw_markdown_table_text(site):
    """A table rendered as text shows its separator row, `| --- | --- |` (or with dashes
    typeset as en/em dashes); real tables are HTML."""
    separator = re.compile(r"\|\s*[-\u2013\u2014:]+\s*\|\s*[-\u2013\u2014:]+\s*\|")
    raw = [doc.name for doc in _pages(site) if separator.search(doc.prose)]
    assert not raw, f"pages with raw Markdown table text: {raw}"


@pytest.mark.slow
def test_no_page_shows_raw_directive_text(site):
    """A directive MyST could not parse (say, a title with backticks inside a backtick fence)
    shows as text, and its closing fence opens a code block that swallows what follows,
    code cells included."""
    raw = re.compile(
        r"```|\{(?:admonition|note|code-cell|glue:figure|exercise|solution|"
        r"figure|math|list-table)\}|^:class:",
        re.M,
    )
    shown = [f"{doc.name}: {m.group(0)!r}" for doc in _pages(site) for m in raw.finditer(doc.prose)]
    assert not shown, f"raw directive text on pages: {shown}"


@pytest.mark.slow
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


@pytest.mark.slow
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


# A sentence about a result: a measurement, a comparison or a speed.
RESULT_WORDS = re.compile(
    r"\b(accura\w*|loss(es)?|errors?|faster|slower|speed-?up|beats?|outperform\w*|better|worse|"
    r"converge\w*|reach(es|ed)?|percent|times (as|more|less|fewer|faster|slower|larger|smaller))\b"
    r"|%",
    re.I,
)
# Numbers the slides state, which the book quotes as the slides' (not as its own results).
SLIDE_CONSTANTS = {
    0.001, 0.9, 0.999, 0.01, 4.73, 0.52, 273, 120000, 3168400, 89, 7921, 71.65, 66.3, 75.95,
    0.7165, 0.663, 0.7595, 9216, 4096, 1000, 227, 55, 27, 13, 96, 256, 384, 224,
    60000, 10000, 50000,  # the sizes of the MNIST and CIFAR-10 training and test sets
}  # fmt: skip
# A sentence that quotes a source (the slides, a paper) reports the source's numbers.
QUOTES_A_SOURCE = re.compile(r"\b(slides?|slide['’]s|slides['’]|paper|papers|CITED)\b", re.I)
UNIT_AFTER = re.compile(r"\s*(degrees?|°|px|pixels?)\b")
# A number right after one of these words names a place in the book, not a result.
PLACE = re.compile(
    r"\b(chapters?|sections?|exercises?|equations?|figures?|tables?|parts?|assignments?|week|"
    r"steps?|layers?|epochs?|seeds?|BP)\s*$",
    re.I,
)
CODE_NUMBER = re.compile(r"(?<![\w.])(\d[\d_]*(?:\.\d+)?(?:[eE][-+]?\d+)?)(?![\w])")


def _code_literals(source: str) -> set[float]:
    """Every number written in the page's code cells (the settings of its experiments)."""
    values = set()
    for m in CODE_NUMBER.finditer(source):
        try:
            values.add(round(float(m.group(1).replace("_", "")), 9))
        except ValueError:
            continue
    return values


def _sentences(block) -> list[str]:
    text = " ".join(block.get_text(" ").split())
    return re.split(r"(?<=[.!?:;])\s+(?=[A-Z(\"“])", text)


def typed_result_numbers(page: Readable, code: str) -> list[str]:
    """Numbers typed into the prose of sentences about results, which no computation on the
    page produced: not glued, not a setting written in the page's code, not a small count, not
    one of the slides' own figures."""
    import copy

    article = copy.copy(page.html.select_one("article.bd-article"))
    for glued in article.select("span.pasted-text, span.pasted-inline, .pasted-inline"):
        glued.replace_with(" GLUED ")
    for cite in article.select("a.reference[href*=bibliography]"):
        cite.replace_with(" CITED ")
    drop = "div.cell, pre, code, .math, mjx-container, .admonition.tip"
    for tag in article.select(drop):
        tag.decompose()
    allowed = _code_literals(code) | SLIDE_CONSTANTS
    found = []
    blocks = article.select("p") + [li for li in article.select("li") if not li.find("p")]
    for block in blocks:
        for sentence in _sentences(block):
            sentence = re.sub(r"\$[^$]*\$?", " ", sentence)  # stray TeX
            if sentence.endswith("?") or QUOTES_A_SOURCE.search(sentence):
                continue  # a question, or a source's own numbers
            if not RESULT_WORDS.search(sentence):
                continue
            for m in NUMBER.finditer(sentence):
                value = float(m.group(0).replace(",", ""))
                after = sentence[m.end() : m.end() + 8]
                ratio_or_share = re.match(r"\s*(%|x\b|×|times)", after)
                if PLACE.search(sentence[: m.start()]) or UNIT_AFTER.match(after):
                    continue
                if value <= 10 and value == int(value) and not ratio_or_share:
                    continue  # a small count, written as a digit
                if round(value, 9) in allowed or (
                    after.lstrip().startswith("%") and round(value / 100, 9) in allowed
                ):
                    continue
                found.append(f"{page.name}: {m.group(0)!r} in “{sentence[:140]}”")
    return found


@pytest.mark.slow
def test_result_numbers_come_from_the_computation(site):
    """Every number in a chapter's sentence about a result is glued from the computation (or is
    a setting visible in the page's code, or a figure of the slides), so prose cannot drift."""
    sources = {doc.name: doc for doc in site}
    problems = []
    for doc in _pages(site):
        if not doc.name.startswith("book/ch"):
            continue
        source = sources.get(f"_sources/{doc.name.removesuffix('.html')}.ipynb")
        problems += typed_result_numbers(doc, source.code if source else "")
    assert not problems, "numbers typed into result sentences:\n" + "\n".join(problems)


@pytest.mark.slow
def test_keras_code_sits_in_a_tab_beside_pytorch(site):
    """Where a chapter runs Keras, the page shows it as a tab next to the PyTorch version."""
    sources = {doc.name: doc for doc in site}
    missing = []
    for doc in _pages(site):
        source = sources.get(f"_sources/{doc.name.removesuffix('.html')}.ipynb")
        if source is None or "import keras" not in source.code:
            continue
        labels = [
            {label.get_text(strip=True) for label in tabs.select("label")}
            for tabs in doc.html.select("div.sd-tab-set")
        ]
        if not any({"PyTorch", "Keras"} <= found for found in labels):
            missing.append(doc.name)
    assert not missing, f"pages running Keras without PyTorch/Keras tabs: {missing}"


@pytest.mark.slow
def test_exercises_and_equations_are_numbered_within_their_chapter(site):
    """Chapter 8's exercises are Exercise 8.1, 8.2, ... and its equations (8.1), (8.2), ...;
    a number running through the whole book ("Exercise 26") sends a reader searching."""
    wrong, seen = [], 0
    for doc in _pages(site):
        match = re.match(r"book/ch(\d\d)_", doc.name)
        if not match:
            continue
        chapter = int(match.group(1))
        labels = [n.get_text(" ", strip=True) for n in doc.html.select(".exercise .caption-number")]
        labels += [n.get_text(" ", strip=True) for n in doc.html.select("span.eqno")]
        seen += len(labels)
        for label in labels:
            number = re.search(r"\d+(\.\d+)?", label)
            if number is None or not re.fullmatch(rf"{chapter}\.\d+", number.group(0)):
                wrong.append(f"{doc.name}: {label!r}")
    assert seen, "no exercise or equation numbers found: has the page markup changed?"
    assert not wrong, "numbers that do not start with the chapter's:\n" + "\n".join(wrong)
