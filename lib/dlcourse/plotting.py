"""The book's figure style, shared by every chapter."""

from __future__ import annotations

from pathlib import Path

STYLE = Path(__file__).with_name("book.mplstyle")


def use_book_style() -> None:
    """Apply the book's matplotlib style (call once at the top of a chapter)."""
    import matplotlib.pyplot as plt

    plt.style.use(STYLE)


def animation_html(animation):
    """An animation as self-contained HTML for the book (frames embedded, nothing fetched).

    matplotlib's ``to_jshtml`` links Font Awesome from a CDN for its buttons; the book's theme
    already ships those icons, so the link is dropped and the page makes no outside request.
    """
    import re

    from IPython.display import HTML

    html = animation.to_jshtml()
    return HTML(re.sub(r"<link[^>]*font-awesome[^>]*>", "", html))
