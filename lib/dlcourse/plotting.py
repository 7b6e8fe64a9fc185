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


def show_grid(ax, a, title: str, fmt: str = "{:g}", cmap: str = "Greys") -> None:
    """Draw a small matrix ``a`` (H, W) as coloured cells with its numbers written in them."""
    import numpy as np

    a = np.asarray(a, dtype=float)
    if a.ndim != 2:
        raise ValueError(f"show_grid draws a 2-D matrix, got shape {a.shape}")
    ax.imshow(a, cmap=cmap, vmin=min(a.min(), 0), vmax=max(a.max(), 1))
    span = a.max() - a.min() + 1e-12
    for (i, j), v in np.ndenumerate(a):
        dark = (v - a.min()) > 0.6 * span
        ax.text(j, i, fmt.format(v), ha="center", va="center", fontsize=11,
                color="white" if dark else "black")  # fmt: skip
    ax.set_xticks(range(a.shape[1]))
    ax.set_yticks(range(a.shape[0]))
    ax.grid(False)
    ax.set_xlabel("column")
    ax.set_ylabel("row")
    ax.set_title(title)


def plot_decision_regions(ax, predict, X, t, title: str, soft: bool = False):
    """Colour the square [-0.5, 1.5]^2 by a two-input classifier and mark the points (X, t).

    ``predict`` maps points (M, 2) to outputs (M,): classes 0/1 (two flat colours) or, with
    ``soft=True``, probabilities in [0, 1] (a colour scale, with the 0.5 contour drawn as the
    decision boundary). X (N, 2), t (N,) with labels 0 and 1. Returns the filled contour set
    (for a colour bar).
    """
    import numpy as np

    g = np.linspace(-0.5, 1.5, 151 if soft else 201)
    xx, yy = np.meshgrid(g, g)
    zz = np.asarray(predict(np.c_[xx.ravel(), yy.ravel()])).reshape(xx.shape)
    if soft:
        filled = ax.contourf(xx, yy, zz, levels=np.linspace(0, 1, 11), cmap="RdBu", alpha=0.8)
        ax.contour(xx, yy, zz, levels=[0.5], colors="k", linewidths=1.5)
    else:
        filled = ax.contourf(xx, yy, zz, levels=[-0.5, 0.5, 1.5], colors=["#f2d4c4", "#c9dff0"])
    X, t = np.asarray(X), np.asarray(t)
    for label, marker, colour in [(0, "o", "#D55E00"), (1, "s", "#0072B2")]:
        m = t == label
        ax.scatter(X[m, 0], X[m, 1], marker=marker, s=90, c="white" if soft else colour,
                   edgecolors="k", label=f"t = {label}", zorder=3)  # fmt: skip
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title(title)
    ax.set_aspect("equal")
    return filled
