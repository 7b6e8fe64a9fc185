"""A layer-by-layer summary of a torch model: output shape and parameter count per layer.

:func:`summary` registers a **forward hook** on every leaf module (a module without children:
a convolution, a ReLU, a pooling layer...), runs one forward pass on a zero batch, and records
what each layer produced. Run it on the ``meta`` device (``with torch.device("meta"): model =
...``) to inspect even VGG-16 without allocating its 138 million weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class LayerRow:
    """One row of the summary: qualified name, layer type, output shape (without N), parameters."""

    name: str
    kind: str
    output_shape: tuple[int, ...]
    params: int

    def hwc(self) -> str:
        """The output shape in the slides' notation: ``55 x 55 x 96`` for (96, 55, 55)."""
        shape = self.output_shape
        if len(shape) == 3:
            shape = (shape[1], shape[2], shape[0])
        return " x ".join(str(s) for s in shape)


def count_parameters(module: nn.Module, trainable_only: bool = False) -> int:
    """Number of scalar parameters in ``module`` (only those with ``requires_grad`` if asked)."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only)


def summary(model: nn.Module, input_size: tuple[int, ...]) -> list[LayerRow]:
    """Run ``model`` on a zero batch of shape ``input_size`` (N, C, H, W) and list its leaf layers.

    Layers appear in the order they run; a layer used twice appears twice. The model is put in
    eval mode for the pass and then restored. The input is created on the device of the model's
    first parameter (``meta`` works).
    """
    if len(input_size) < 2:
        raise ValueError(f"input_size must include the batch dimension, got {input_size}")
    rows: list[LayerRow] = []
    names = {module: name for name, module in model.named_modules()}

    def hook(module: nn.Module, inputs, output) -> None:
        rows.append(
            LayerRow(
                name=names[module],
                kind=type(module).__name__,
                output_shape=tuple(output.shape[1:]),
                params=count_parameters(module),
            )
        )

    leaves = [m for m in model.modules() if not list(m.children())]
    handles = [m.register_forward_hook(hook) for m in leaves]
    first = next(model.parameters(), None)
    device = first.device if first is not None else torch.device("cpu")
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            model(torch.zeros(input_size, device=device))
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    return rows


def format_summary(rows: list[LayerRow], skip: tuple[str, ...] = ()) -> str:
    """A text table of ``rows`` (layer types in ``skip`` are left out) and the parameter total."""
    shown = [r for r in rows if r.kind not in skip]
    width = max(len(r.name) for r in shown)
    lines = [f"{'layer':<{width}}  {'type':<17} {'output (H x W x C)':>20} {'parameters':>12}"]
    lines.append("-" * len(lines[0]))
    for r in shown:
        lines.append(f"{r.name:<{width}}  {r.kind:<17} {r.hwc():>20} {r.params:>12,}")
    lines.append("-" * len(lines[0]))
    total = sum(r.params for r in rows)
    lines.append(f"{'total':<{width}}  {'':<17} {'':>20} {total:>12,}")
    return "\n".join(lines)
