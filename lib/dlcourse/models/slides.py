"""The slides' Keras models of the CIFAR-10 "ResNet in a nutshell" exercise, as PyTorch.

Three networks for 32x32x3 images and 10 classes (the CNN team presentation, section 4),
translated one Keras layer to one torch layer so their sizes can be counted and compared:

- :class:`SlidePlainCNN`: seven 3x3 convolutions with 128 filters and no padding ("valid"),
  then a 2x2 max pool, then dense layers 128 -> 128 -> 10.
- :class:`SlideResidualCNN` with ``pool_between_blocks=False``: four pairs of 3x3 "same"
  convolutions; pairs 2-4 add their input back (x = x + F(x)); one 2x2 pool at the end, so the
  classifier sees 16 x 16 x 128 = 32,768 features.
- ``pool_between_blocks=True``: the same pairs with a 2x2 pool after pairs 2, 3 and 4, so the
  classifier sees 4 x 4 x 128 = 2,048 features.

Keras' ``softmax`` output layer becomes plain logits here: in PyTorch the softmax lives inside
``nn.CrossEntropyLoss``. The slides' residual models have two ``Dense(128)`` layers *without*
an activation; they are kept that way (two linear maps in a row are one linear map).
"""

from __future__ import annotations

import torch
from torch import nn

from dlcourse.models._checks import check_image_batch


class SlidePlainCNN(nn.Module):
    """The CNN team presentation, 4.1: ``(N, 3, 32, 32) -> logits (N, 10)``.

    Maps 32 -> 30 -> ... -> 18 -> 9.
    """

    def __init__(self, width: int = 128, num_classes: int = 10):
        super().__init__()
        convs = []
        for i in range(7):
            convs += [nn.Conv2d(3 if i == 0 else width, width, 3), nn.ReLU()]
        self.features = nn.Sequential(*convs, nn.MaxPool2d(2))
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(9 * 9 * width, 128),
            nn.ReLU(),
            nn.Linear(128, 128),
            nn.ReLU(),
            nn.Linear(128, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_image_batch(x, 3, "SlidePlainCNN", size=(32, 32))
        return self.classifier(self.features(x))


class SlideConvPair(nn.Module):
    """Two 3x3 "same" convolutions with ReLU: ``x + F(x)`` if ``add_input`` else ``F(x)``."""

    def __init__(self, in_channels: int, width: int, add_input: bool):
        super().__init__()
        self.add_input = add_input
        self.body = nn.Sequential(
            nn.Conv2d(in_channels, width, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(width, width, 3, padding=1),
            nn.ReLU(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x) if self.add_input else self.body(x)


class SlideResidualCNN(nn.Module):
    """The CNN team presentation, 4.2 (``pool_between_blocks=False``) and 4.3 (``True``).

    ``(N, 3, 32, 32) -> logits (N, 10)``; one Keras layer per torch layer.
    """

    def __init__(self, pool_between_blocks: bool, width: int = 128, num_classes: int = 10):
        super().__init__()
        layers: list[nn.Module] = [SlideConvPair(3, width, add_input=False)]
        for i in range(3):
            layers.append(SlideConvPair(width, width, add_input=True))
            if pool_between_blocks or i == 2:
                layers.append(nn.MaxPool2d(2))
        self.features = nn.Sequential(*layers)
        side = 4 if pool_between_blocks else 16
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(side * side * width, 128),
            nn.Linear(128, 128),
            nn.Linear(128, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_image_batch(x, 3, "SlideResidualCNN", size=(32, 32))
        return self.classifier(self.features(x))
