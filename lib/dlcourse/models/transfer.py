"""Transfer learning helpers: freeze a backbone, unfreeze its last blocks, count what trains.

**Freezing** (동결) a layer means ``requires_grad = False`` on its parameters: autograd then
computes no gradient for them (their ``.grad`` stays ``None``) and an optimizer skips them, so
they keep their pretrained values exactly. **Feature extraction** freezes the whole backbone and
trains only a new head; **fine-tuning** (미세 조정) also trains the last blocks of the backbone,
which hold the most task-specific features, while the first blocks (edges, strokes: general
features) stay frozen.

One caveat the helpers cannot cover: a BatchNorm layer also changes its running statistics in
``train()`` mode, even when frozen. Put frozen BatchNorm layers in ``eval()`` mode if that
matters (:class:`~dlcourse.models.small.SmallCNN` has none).
"""

from __future__ import annotations

from torch import nn


def freeze(module: nn.Module) -> nn.Module:
    """Set ``requires_grad = False`` on every parameter of ``module``; returns ``module``."""
    for p in module.parameters():
        p.requires_grad_(False)
    return module


def unfreeze(module: nn.Module) -> nn.Module:
    """Set ``requires_grad = True`` on every parameter of ``module``; returns ``module``."""
    for p in module.parameters():
        p.requires_grad_(True)
    return module


def unfreeze_last_blocks(blocks: nn.Sequential, k: int) -> nn.Sequential:
    """Freeze all blocks of ``blocks`` except the last ``k`` (0 freezes all, len(blocks) none)."""
    if not 0 <= k <= len(blocks):
        raise ValueError(f"k must be between 0 and the number of blocks {len(blocks)}, got k={k}")
    for i, block in enumerate(blocks):
        (unfreeze if i >= len(blocks) - k else freeze)(block)
    return blocks


def trainable_parameters(model: nn.Module) -> list[nn.Parameter]:
    """The parameters an optimizer should update: those with ``requires_grad``."""
    return [p for p in model.parameters() if p.requires_grad]


def parameter_table(model: nn.Module, depth: int = 2) -> list[tuple[str, int, int]]:
    """``(name, trainable, total)`` parameter counts per submodule ``depth`` levels down.

    Submodules without parameters are left out. With ``depth=2`` a
    :class:`~dlcourse.models.small.SmallCNN` lists ``backbone.conv1`` ... ``backbone.fc`` and
    ``head``.
    """
    rows = []
    for name, module in model.named_modules():
        level = name.count(".") + 1 if name else 0
        is_leaf_above = level < depth and not list(module.children())
        if level == depth or (is_leaf_above and name):
            params = list(module.parameters())
            if params:
                total = sum(p.numel() for p in params)
                trainable = sum(p.numel() for p in params if p.requires_grad)
                rows.append((name, trainable, total))
    return rows


def reinitialize(module: nn.Module) -> nn.Module:
    """Give every layer of ``module`` new random weights (``reset_parameters``); returns it.

    Used to put a *new* classifier on a pretrained backbone: the layers keep their shapes but
    forget what they learned on the source task.
    """
    for m in module.modules():
        if hasattr(m, "reset_parameters"):
            m.reset_parameters()
    return module
