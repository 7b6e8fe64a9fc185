"""Counting the cost of a network: multiply-accumulates by formula and by PyTorch's counter.

A convolution computes each output value as a dot product of its ``k_h x k_w x C_in`` window
with one filter: that many **multiply-accumulate operations** (MACs), one multiplication and
one addition each. For the whole output map ``H_out x W_out x C_out``:

    MACs = (k_h * k_w * C_in / groups) * (H_out * W_out * C_out)

PyTorch's own counter, :class:`torch.utils.flop_counter.FlopCounterMode`, reports **FLOPs**
(floating-point operations) and counts a multiply-accumulate as two of them, so
``FLOPs = 2 x MACs`` for convolutions and matrix products. It counts only those operations (the
bias addition, ReLU, pooling and BatchNorm are not counted), so MACs here are the MACs of the
convolutions and the linear layers, which is where nearly all the arithmetic is.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch.utils.flop_counter import FlopCounterMode


def conv2d_macs(
    in_channels: int,
    out_channels: int,
    kernel_size: int | tuple[int, int],
    output_size: int | tuple[int, int],
    groups: int = 1,
) -> int:
    """Multiply-accumulates of one Conv2d producing an ``output_size`` map (per image, no bias)."""
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    oh, ow = (output_size, output_size) if isinstance(output_size, int) else output_size
    if in_channels % groups or out_channels % groups:
        raise ValueError(
            f"in_channels={in_channels} and out_channels={out_channels} must be divisible by "
            f"groups={groups}"
        )
    return (kh * kw * in_channels // groups) * (oh * ow * out_channels)


def count_flops(fn: Callable[..., object], *inputs: torch.Tensor) -> int:
    """FLOPs of ``fn(*inputs)`` (one forward pass) as counted by ``FlopCounterMode``."""
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        fn(*inputs)
    return counter.get_total_flops()


def count_macs(fn: Callable[..., object], *inputs: torch.Tensor) -> int:
    """Multiply-accumulates of ``fn(*inputs)``: the counter's FLOPs divided by two."""
    return count_flops(fn, *inputs) // 2


def macs_by_module(model: torch.nn.Module, *inputs: torch.Tensor, depth: int = 1) -> dict[str, int]:
    """Multiply-accumulates per submodule ``depth`` levels below the model.

    Keys are qualified names as in ``model.named_modules()`` (``"features"`` at depth 1,
    ``"features.conv1"`` at depth 2); modules without convolutions or matrix products are absent.
    """
    with FlopCounterMode(display=False, depth=None) as counter, torch.no_grad():
        model(*inputs)
    out = {}
    for name, ops in counter.get_flop_counts().items():
        parts = name.split(".")
        if len(parts) == depth + 1:  # the first part is the model's class name
            out[".".join(parts[1:])] = sum(ops.values()) // 2
    return out
