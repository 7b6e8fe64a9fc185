"""Input checks shared by the models: a wrong input gets an error that names the problem."""

from __future__ import annotations

import torch


def check_image_batch(
    x: torch.Tensor, in_channels: int, model: str, size: tuple[int, int] | None = None
) -> None:
    """Raise ValueError unless ``x`` is ``(N, in_channels, H, W)`` (and ``H, W == size``)."""
    if x.ndim != 4:
        raise ValueError(
            f"{model} expects a batch of images (N, C, H, W), got a tensor of shape "
            f"{tuple(x.shape)}"
        )
    if x.shape[1] != in_channels:
        raise ValueError(
            f"{model} expects {in_channels} input channels (N, {in_channels}, H, W), "
            f"got shape {tuple(x.shape)}"
        )
    if size is not None and tuple(x.shape[2:]) != tuple(size):
        raise ValueError(
            f"{model} expects {size[0]}x{size[1]} images, got {x.shape[2]}x{x.shape[3]} "
            f"(input shape {tuple(x.shape)}): its first fully connected layer is sized for it"
        )
