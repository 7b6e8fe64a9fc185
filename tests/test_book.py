"""The book builds the README's way, and every page works in a real browser, offline.

The build runs tools/build_book.py, the script behind `make book`. The browser test serves
_build/html on localhost and opens every page of the table of contents in headless Chromium
(Debian's package, driven by Playwright): no console errors, no failed or cross-origin request,
every image loaded, every formula typeset by the locally served MathJax.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from book_site import HTML, ROOT, html_page, serve, toc_files

CHROMIUM = "/usr/bin/chromium"
PAGES = toc_files()


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
        yield origin, context
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
    page.close()
    return seen


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("doc", PAGES)
def test_page_works_offline_in_chromium(browser_page, doc):
    origin, context = browser_page
    seen = visit(origin, context, doc)
    assert seen["status"] == 200, f"{doc}: HTTP {seen['status']}"
    assert not seen["foreign"], f"{doc}: requests leave the site: {seen['foreign']}"
    assert not seen["failed"], f"{doc}: requests failed: {seen['failed']}"
    assert not seen["console"], f"{doc}: console errors: {seen['console']}"
    assert not seen["broken_images"], f"{doc}: images not loaded: {seen['broken_images']}"
    assert seen["math_errors"] == 0, f"{doc}: {seen['math_errors']} MathJax errors"
    assert seen["math_typeset"] >= seen["math_source"], (
        f"{doc}: {seen['math_source']} formulas but {seen['math_typeset']} typeset"
    )
