"""The book builds the README's way, and every page works in a real browser, offline.

The build runs tools/build_book.py, the script behind `make book`. The browser test serves
_build/html on localhost and opens every page of the table of contents in headless Chromium
(Debian's package, driven by Playwright): no console errors, no failed or cross-origin request,
every image loaded, every formula typeset by the locally served MathJax. The Korean edition
(_build/html/ko/, issue 14) gets the same checks on every page, its own search test (Korean
words with and without particles), and the language switch is followed from every page in both
directions. Screenshots: _build/screenshots/<page>.png and _build/screenshots/ko/<page>.png.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from book_site import HTML, ROOT, html_page, serve, toc_files

CHROMIUM = "/usr/bin/chromium"
PAGES = toc_files()
KO = "ko"  # the Korean edition's folder in the site (tools/build_book.py's EDITIONS)
SCREENSHOTS = ROOT / "_build" / "screenshots"
# A term from the book and the page that teaches it: the site search must find that page.
SEARCH_TERMS = {
    "perceptron": "book/ch01_perceptron",
    "backpropagation": "book/ch02_mlp_backprop",
    "im2col": "book/ch08_cnn",
    "bottleneck": "book/ch10_architectures",
}


@pytest.fixture(scope="session")
def built_book():
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "build_book.py")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, (
        f"book build failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    )
    return HTML


@pytest.mark.slow
def test_book_builds_every_toc_page(built_book):
    missing = [doc for doc in PAGES if not html_page(doc).exists()]
    assert not missing, f"pages in _toc.yml with no HTML: {missing}"
    assert (built_book / "index.html").exists()


@pytest.mark.slow
def test_korean_edition_builds_every_toc_page(built_book):
    missing = [doc for doc in PAGES if not (built_book / KO / f"{doc}.html").exists()]
    assert not missing, f"pages with no Korean HTML: {missing}"
    html = (built_book / KO / f"{PAGES[0]}.html").read_text(encoding="utf-8")
    assert '<html lang="ko"' in html


@pytest.mark.slow
def test_book_has_no_execution_errors(built_book):
    reports = (
        list((built_book / "reports").glob("**/*.log")) if (built_book / "reports").exists() else []
    )
    assert not reports, f"execution reports left by the build: {reports}"


@pytest.fixture(scope="session")
def browser_page(built_book):
    from playwright.sync_api import sync_playwright

    with serve(built_book) as origin, sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        phone = browser.new_context(
            viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True
        )
        yield origin, context, phone
        phone.close()
        context.close()
        browser.close()


def visit(origin: str, context, doc: str) -> dict:
    """Open one page; collect console errors, foreign or failed requests, images and maths."""
    page = context.new_page()
    seen = {"console": [], "foreign": [], "failed": []}

    def on_route(route):
        url = route.request.url
        if url.startswith(origin) or url.startswith(("data:", "blob:", "about:")):
            route.continue_()
        else:
            seen["foreign"].append(url)
            route.abort()

    page.route("**/*", on_route)
    page.on("console", lambda m: m.type == "error" and seen["console"].append(m.text))
    page.on("pageerror", lambda e: seen["console"].append(str(e)))
    page.on("requestfailed", lambda r: r.url.startswith(origin) and seen["failed"].append(r.url))
    response = page.goto(f"{origin}/{doc}.html", wait_until="load")
    seen["status"] = response.status if response else None
    page.wait_for_function(
        "() => !window.MathJax || !window.MathJax.startup || window.MathJax.startup.promise"
    )
    page.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise : null")
    seen["broken_images"] = page.evaluate(
        "() => [...document.images]"
        ".filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)"
    )
    seen["math_errors"] = page.locator("mjx-merror, .MathJax_Error").count()
    seen["math_source"] = page.locator("div.math, span.math").count()
    seen["math_typeset"] = page.locator("mjx-container").count()
    shot = SCREENSHOTS / f"{doc}.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shot))
    page.close()
    return seen


def check_offline(seen: dict, doc: str) -> None:
    assert seen["status"] == 200, f"{doc}: HTTP {seen['status']}"
    assert not seen["foreign"], f"{doc}: requests leave the site: {seen['foreign']}"
    assert not seen["failed"], f"{doc}: requests failed: {seen['failed']}"
    assert not seen["console"], f"{doc}: console errors: {seen['console']}"
    assert not seen["broken_images"], f"{doc}: images not loaded: {seen['broken_images']}"
    assert seen["math_errors"] == 0, f"{doc}: {seen['math_errors']} MathJax errors"
    assert seen["math_typeset"] >= seen["math_source"], (
        f"{doc}: {seen['math_source']} formulas but {seen['math_typeset']} typeset"
    )


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("doc", PAGES)
def test_page_works_offline_in_chromium(browser_page, doc):
    origin, context, _ = browser_page
    check_offline(visit(origin, context, doc), doc)


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("doc", PAGES)
def test_korean_page_works_offline_in_chromium(browser_page, doc):
    """The same checks on the Korean page (its screenshot: _build/screenshots/ko/<page>.png)."""
    origin, context, _ = browser_page
    check_offline(visit(origin, context, f"{KO}/{doc}"), f"{KO}/{doc}")


def overflow_at_phone_width(phone, origin: str, doc: str) -> int:
    page = phone.new_page()
    page.goto(f"{origin}/{doc}.html", wait_until="load")
    page.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise : null")
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    page.close()
    return overflow


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("doc", PAGES)
def test_page_fits_a_phone_screen(browser_page, doc):
    """At phone width the page itself never scrolls sideways (wide code may scroll in its box)."""
    origin, _, phone = browser_page
    overflow = overflow_at_phone_width(phone, origin, doc)
    assert overflow <= 1, f"{doc}: the page is {overflow}px wider than a 390px phone screen"


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("doc", PAGES)
def test_korean_page_fits_a_phone_screen(browser_page, doc):
    origin, _, phone = browser_page
    overflow = overflow_at_phone_width(phone, origin, f"{KO}/{doc}")
    assert overflow <= 1, f"{KO}/{doc}: the page is {overflow}px wider than a 390px phone screen"


@pytest.mark.slow
@pytest.mark.browser
def test_language_switch_lands_on_the_same_page(browser_page):
    """From every page of each edition, the switch in the header opens the same page of the
    other edition (relative links: the site works from any folder)."""
    origin, context, _ = browser_page
    page = context.new_page()
    wrong = []
    for doc in PAGES:
        for start, lang, target, other_lang in ((doc, "en", f"{KO}/{doc}", "ko"),
                                                (f"{KO}/{doc}", "ko", doc, "en")):  # fmt: skip
            page.goto(f"{origin}/{start}.html", wait_until="load")
            if page.evaluate("document.documentElement.lang") != lang:
                wrong.append(f"{start}: page language is not {lang}")
            switch = page.locator("a.language-switch")
            if switch.count() != 1:
                wrong.append(f"{start}: {switch.count()} language switches")
                continue
            switch.click()
            page.wait_for_load_state("load")
            landed = page.url.removeprefix(origin + "/").split("#")[0].removesuffix(".html")
            if landed != target or page.evaluate("document.documentElement.lang") != other_lang:
                wrong.append(f"{start}: the switch opens {landed}, not {target}")
    page.close()
    assert not wrong, wrong


def _walk(page, origin: str, start: str, selector: str) -> list[str]:
    page.goto(f"{origin}/{start}.html", wait_until="load")
    visited = [start]
    for _ in range(len(PAGES) + 5):
        link = page.locator(selector).first
        if link.count() == 0:
            break
        link.click()
        page.wait_for_load_state("load")
        path = page.url.removeprefix(origin + "/").split("#")[0].removesuffix(".html")
        visited.append(path)
    return visited


@pytest.mark.slow
@pytest.mark.browser
def test_next_and_previous_links_walk_the_whole_book(browser_page):
    origin, context, _ = browser_page
    page = context.new_page()
    forward = _walk(page, origin, PAGES[0], "a.right-next")
    backward = _walk(page, origin, forward[-1], "a.left-prev")
    page.close()
    assert forward == PAGES, f"next links visit {forward}, the table of contents is {PAGES}"
    assert backward == PAGES[::-1]


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize(
    "term", [t for t, doc in SEARCH_TERMS.items() if doc in PAGES] or ["(no chapter yet)"]
)
def test_search_finds_the_chapter_that_teaches_a_term(browser_page, term):
    if term not in SEARCH_TERMS:
        pytest.fail("none of the search terms' chapters is in the table of contents")
    origin, context, _ = browser_page
    page = context.new_page()
    page.goto(f"{origin}/search.html?q={term}", wait_until="load")
    page.wait_for_selector("#search-results ul.search li", timeout=15000)
    hits = page.eval_on_selector_all(
        "#search-results ul.search li a", "links => links.map(a => a.pathname)"
    )
    page.close()
    assert any(h.endswith(f"/{SEARCH_TERMS[term]}.html") for h in hits), (
        f"searching {term!r} found {hits}, not {SEARCH_TERMS[term]}"
    )


#: Korean words and the page that teaches them: the Korean edition's search must find the page,
#: whether the word is typed bare or with a particle (the Korean stemmer, book/_ext/korean_search)
KOREAN_SEARCH_TERMS = {
    "역전파": "book/ch02_mlp_backprop",
    "합성곱": "book/ch08_cnn",
    "합성곱을": "book/ch08_cnn",
}


def search_hits(page, origin: str, query: str, edition: str = "") -> list[str]:
    page.goto(f"{origin}/{edition}search.html?q={query}", wait_until="load")
    page.wait_for_selector("#search-results ul.search li", timeout=15000)
    return page.eval_on_selector_all(
        "#search-results ul.search li a", "links => links.map(a => a.pathname)"
    )


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("term", list(KOREAN_SEARCH_TERMS))
def test_korean_search_finds_the_chapter_that_teaches_a_term(browser_page, term):
    if KOREAN_SEARCH_TERMS[term] not in PAGES:
        pytest.fail(f"{KOREAN_SEARCH_TERMS[term]} is not in the table of contents")
    origin, context, _ = browser_page
    page = context.new_page()
    hits = search_hits(page, origin, term, edition=f"{KO}/")
    stems = page.evaluate(
        "new Stemmer().stemWord('역전파를') + ' ' + new Stemmer().stemWord('layers')"
    )
    page.close()
    assert stems == "역전파 layer", f"the Korean search's stemmer gives {stems!r}"
    want = f"/{KO}/{KOREAN_SEARCH_TERMS[term]}.html"
    assert any(h.endswith(want) for h in hits), f"searching {term!r} found {hits}, not {want}"
    assert all(f"/{KO}/" in h for h in hits), f"Korean search leads out of its edition: {hits}"


CHAPTERS = [doc for doc in PAGES if doc.startswith("book/ch")]


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("doc", CHAPTERS)
def test_chapter_page_has_the_frame_of_the_book(browser_page, doc):
    """Objectives, summary, exercises whose solutions open on click, glossary links, notebook."""
    origin, context, _ = browser_page
    page = context.new_page()
    page.goto(f"{origin}/{doc}.html", wait_until="load")
    article = page.locator("article.bd-article")
    assert article.locator(".admonition-title", has_text="Learning objectives").count() == 1
    assert page.locator("section#summary").count() == 1, f"{doc}: no Summary section"
    assert page.locator("section#exercises .exercise").count() >= 2, f"{doc}: under 2 exercises"
    solution = page.locator(".solution.dropdown").first
    body = solution.locator(".admonition-title ~ *").first
    assert not body.is_visible(), f"{doc}: a solution is shown before it is asked for"
    solution.locator(".admonition-title").click()
    body.wait_for(state="visible", timeout=5000)
    assert article.locator("a.glossary-link").count() >= 1, f"{doc}: no term links the glossary"
    notebook = page.locator("a.btn-download-notebook-button").get_attribute("href")
    response = page.request.get(f"{origin}/{doc.rsplit('/', 1)[0]}/{notebook}")
    page.close()
    assert response.status == 200, f"{doc}: the .ipynb download answers {response.status}"
    cells = response.json()["cells"]
    assert any(cell["cell_type"] == "code" for cell in cells), f"{doc}: notebook has no code"


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("doc", PAGES)
def test_wide_equations_scroll_visibly(browser_page, doc):
    """At 1280 px a display equation wider than the text column is not cut off: it stays inside
    the page, scrolls sideways, and shows that it does. Scroll bars are no sign (overlay scroll
    bars, as on macOS and in headless Chromium, appear only while scrolling), so the style sheet
    draws a shadow on the side where the formula continues: a gradient background."""
    origin, context, _ = browser_page
    page = context.new_page()
    page.goto(f"{origin}/{doc}.html", wait_until="load")
    page.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise : null")
    clipped = page.evaluate(
        """() => [...document.querySelectorAll('mjx-container[display="true"]')]
        .filter(el => el.scrollWidth > el.clientWidth + 1)
        .filter(el => {
            const style = getComputedStyle(el);
            const scrolls = ['auto', 'scroll'].includes(style.overflowX);
            const cue = style.backgroundImage.includes('gradient');
            const inside = el.getBoundingClientRect().right
                <= document.documentElement.clientWidth + 1;
            return !(scrolls && cue && inside);
        })
        .map(el => el.textContent.slice(0, 60))"""
    )
    page.close()
    assert not clipped, f"{doc}: wide equations cut off or with no sign that they scroll: {clipped}"
