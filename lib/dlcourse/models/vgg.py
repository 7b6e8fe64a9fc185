"""VGG-16 (Simonyan & Zisserman 2015, configuration D): only 3x3 convolutions and 2x2 pooling.

Input ``(N, 3, 224, 224)``. Five stages of 3x3 convolutions (padding 1, so the size is kept),
each closed by a 2x2 max pool that halves it: 224 -> 112 -> 56 -> 28 -> 14 -> 7. Then
7 x 7 x 512 = 25,088 features -> 4096 -> 4096 -> 1000. 13 conv + 3 fully connected = 16 layers
with weights, 138,357,544 parameters.
"""

from __future__ import annotations

import torch
from torch import nn

from dlcourse.models._checks import check_image_batch

# Numbers are 3x3 convolutions with that many output channels; "M" is a 2x2 max pool, stride 2.
VGG16_CONFIG = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M",
                512, 512, 512, "M")  # fmt: skip


def vgg_features(config=VGG16_CONFIG, in_channels: int = 3) -> nn.Sequential:
    """The convolutional part of a VGG network from its configuration list."""
    layers: list[nn.Module] = []
    for item in config:
        if item == "M":
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            layers += [
                nn.Conv2d(in_channels, item, kernel_size=3, padding=1),
                nn.ReLU(inplace=True),
            ]
            in_channels = item
    return nn.Sequential(*layers)


class VGG16(nn.Module):
    """VGG-16: ``forward(x: (N, 3, 224, 224)) -> logits (N, num_classes)``."""

    def __init__(self, num_classes: int = 1000, dropout: float = 0.5):
        super().__init__()
        self.features = vgg_features()
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(512 * 7 * 7, 4096),
            nn.ReLU(inplace=True),
            nn.Dropout(dropout),
            nn.Linear(4096, 4096),
            nn.ReLU(inplace=True),
            nn.Dropout(dropout),
            nn.Linear(4096, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_image_batch(x, 3, "VGG16", size=(224, 224))
        return self.classifier(self.features(x))
