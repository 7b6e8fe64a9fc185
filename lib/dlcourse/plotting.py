"""The book's figure style, shared by every chapter."""

from __future__ import annotations

from pathlib import Path

STYLE = Path(__file__).with_name("book.mplstyle")
#: Korean fonts matplotlib may fall back to for Hangul, in order of preference (fonts-nanum first)
KOREAN_FONTS = ("NanumGothic", "NanumBarunGothic", "Noto Sans CJK KR", "UnDotum")


def korean_font() -> str | None:
    """The name of an installed Korean font (Debian: ``apt-get install fonts-nanum``), or None.

    Fonts installed after matplotlib built its font cache are found too: the system font folders
    are searched for the known names and the file is registered with matplotlib.
    """
    from matplotlib import font_manager

    known = {f.name for f in font_manager.fontManager.ttflist}
    for name in KOREAN_FONTS:
        if name in known:
            return name
    for path in font_manager.findSystemFonts():
        if any(name.replace(" ", "").lower() in Path(path).stem.lower() for name in KOREAN_FONTS):
            font_manager.fontManager.addfont(path)
    known = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in KOREAN_FONTS if name in known), None)


def use_book_style() -> None:
    """Apply the book's matplotlib style (call once at the top of a chapter).

    Both editions of the book show the same figures (one execution, tools/build_book.py), and
    their code writes no Hangul (tests/test_translations.py checks the chapters), so no figure
    needs a Korean font. Where one is installed it is still the fallback after DejaVu Sans, so a
    Korean label drawn in a notebook a student runs shows Hangul, not empty boxes.
    """
    import matplotlib.pyplot as plt

    plt.style.use(STYLE)
    korean = korean_font()
    if korean is not None:
        plt.rcParams["font.family"] = [plt.rcParams["font.family"][0], korean]


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
