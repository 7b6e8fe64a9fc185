"""Block diagrams of the Inception module and the residual block, drawn from the models.

Each function reads the layer sizes from a real module (so the picture cannot drift from the
code the book runs) and draws boxes and arrows on a matplotlib ``Axes``:

- :func:`draw_inception`: an :class:`~dlcourse.models.googlenet.Inception` module, its four
  branches side by side between the input and the filter concatenation;
- :func:`draw_residual_block`: a :class:`~dlcourse.models.resnet.BasicBlock`, the two
  convolutions of ``F(x)`` on the main path and the shortcut (identity or projection) beside it.

Both return the texts of the boxes they drew, top to bottom and left to right, for tests.
"""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
from torch import nn

from dlcourse.models.googlenet import Inception
from dlcourse.models.resnet import BasicBlock

BOX_COLOURS = {
    "conv1x1": "#fde4b8",
    "conv": "#c6dbef",
    "pool": "#d9f0d3",
    "merge": "#eeeeee",
    "norm": "#f2d7ee",
}


def _box(ax: Axes, x: float, y: float, text: str, kind: str, width: float = 1.8) -> str:
    """A rounded box centred at ``(x, y)``, 0.5 high."""
    ax.add_patch(
        FancyBboxPatch(
            (x - width / 2, y - 0.25),
            width,
            0.5,
            boxstyle="round,pad=0.02,rounding_size=0.08",
            facecolor=BOX_COLOURS[kind],
            edgecolor="0.3",
            linewidth=1,
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=9)
    return text


def _arrow(ax: Axes, start, end, rad: float = 0.0, label: str = "") -> None:
    """An arrow from ``start`` to ``end`` (points), optionally curved and labelled."""
    ax.add_patch(
        FancyArrowPatch(
            start,
            end,
            arrowstyle="-|>",
            mutation_scale=10,
            linewidth=1,
            color="0.3",
            connectionstyle=f"arc3,rad={rad}",
        )
    )
    if label:
        mid = ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2)
        ax.text(mid[0] + 0.1, mid[1], label, fontsize=8, color="0.25", va="center")


def _finish(ax: Axes, xlim, ylim, title: str) -> None:
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title, fontsize=10)


def _convs(module: nn.Module) -> list[nn.Conv2d]:
    return [m for m in module.modules() if isinstance(m, nn.Conv2d)]


def _conv_text(conv: nn.Conv2d) -> str:
    k = conv.kernel_size[0]
    stride = f", stride {conv.stride[0]}" if conv.stride[0] != 1 else ""
    return f"{k}x{k} conv, {conv.out_channels}{stride}"


def draw_inception(ax: Axes, module: Inception, size: int = 28) -> list[str]:
    """Draw ``module`` (input ``size`` x ``size``): input, four branches, concatenation."""
    in_channels = module.branch1[0].in_channels
    texts = [
        _box(
            ax,
            3.3,
            5.2,
            f"filter concatenation: {size}x{size}x{module.out_channels}",
            "merge",
            width=4.6,
        )
    ]
    branches = [module.branch1, module.branch2, module.branch3, module.branch4]
    columns = [0, 2.2, 4.4, 6.6]
    for x, branch in zip(columns, branches, strict=True):
        stack = []  # bottom to top
        if isinstance(branch[0], nn.MaxPool2d):
            stack.append(("3x3 max pool, stride 1", "pool"))
        for conv in _convs(branch):
            stack.append((_conv_text(conv), "conv1x1" if conv.kernel_size[0] == 1 else "conv"))
        ys = [2.2, 3.7][: len(stack)]
        for y, (text, kind) in zip(ys, stack, strict=True):
            texts.append(_box(ax, x, y, text, kind, width=2.0))
        _arrow(ax, (3.3, 0.45), (x, ys[0] - 0.27))
        if len(ys) == 2:
            _arrow(ax, (x, ys[0] + 0.25), (x, ys[1] - 0.27))
        _arrow(ax, (x, ys[-1] + 0.25), (3.3 + (x - 3.3) * 0.4, 4.93))
    texts.append(_box(ax, 3.3, 0.2, f"previous layer: {size}x{size}x{in_channels}", "merge", 4.6))
    _finish(
        ax,
        (-1.2, 7.8),
        (-0.2, 5.6),
        "Inception module with dimension reductions (1x1 convolutions in orange)",
    )
    return texts


def draw_residual_block(ax: Axes, block: BasicBlock, title: str = "") -> list[str]:
    """Draw ``block``: x, conv-BN-ReLU, conv-BN, the addition, ReLU, and the shortcut."""
    c1, c2 = block.conv1, block.conv2
    texts = [_box(ax, 0, 6.4, "ReLU  ->  y", "merge", width=1.8)]
    texts.append(_box(ax, 0, 5.3, "+", "merge", width=0.6))
    texts.append(_box(ax, 0, 4.1, f"{_conv_text(c2)}, BN", "conv", width=3.0))
    texts.append(_box(ax, 0, 3.0, "ReLU", "norm", width=1.0))
    texts.append(_box(ax, 0, 1.9, f"{_conv_text(c1)}, BN", "conv", width=3.0))
    texts.append(_box(ax, 0, 0.6, f"x: {c1.in_channels} channels", "merge", width=2.2))
    for y0, y1 in [(0.85, 1.63), (2.15, 2.73), (3.25, 3.83), (4.35, 5.03), (5.55, 6.13)]:
        _arrow(ax, (0, y0), (0, y1))
    ax.text(-1.9, 3.0, "F(x)", fontsize=11, ha="center", va="center", style="italic")
    if isinstance(block.shortcut, nn.Identity):
        label = "identity: x"
    else:
        conv = _convs(block.shortcut)[0]
        label = f"projection:\n{_conv_text(conv)}, BN"
    _arrow(ax, (1.1, 0.7), (0.3, 5.25), rad=0.5)
    ax.text(2.2, 3.0, label, fontsize=9, ha="left", va="center", color="0.15")
    texts.append(label)
    _finish(ax, (-2.6, 4.6), (0.1, 6.9), title or "Residual block: y = ReLU(F(x) + shortcut(x))")
    return texts
