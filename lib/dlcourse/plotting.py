"""The book's figure style, shared by every chapter."""

from __future__ import annotations

from pathlib import Path

STYLE = Path(__file__).with_name("book.mplstyle")


def use_book_style() -> None:
    """Apply the book's matplotlib style (call once at the top of a chapter)."""
    import matplotlib.pyplot as plt

    plt.style.use(STYLE)
