"""AlexNet (Krizhevsky, Sutskever & Hinton 2012), as in the paper and the slides' table.

Input ``(N, 3, 227, 227)``; feature maps (H x W x C, the slides' notation):

    227x227x3 -conv1 11x11/4-> 55x55x96 -pool 3x3/2-> 27x27x96 -conv2 5x5 pad 2-> 27x27x256
    -pool-> 13x13x256 -conv3 3x3 pad 1-> 13x13x384 -conv4-> 13x13x384 -conv5-> 13x13x256
    -pool-> 6x6x256 -flatten-> 9216 -fc6-> 4096 -fc7-> 4096 -fc8-> 1000 (logits)

The paper trained on two GPUs: conv2, conv4 and conv5 only see the half of the previous
layer's maps that lives on their own GPU. ``groups=2`` reproduces that connectivity (60,965,224
parameters, the paper's "60 million"); ``groups=1`` (default) is the single-tower network of
the slides' table (62,378,344). ``widths=(64, 192, 384, 256, 256)`` gives torchvision's
single-GPU variant (61,100,840).
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

from dlcourse.models._checks import check_image_batch

PAPER_WIDTHS = (96, 256, 384, 384, 256)
TORCHVISION_WIDTHS = (64, 192, 384, 256, 256)


class AlexNet(nn.Module):
    """AlexNet for 227x227 RGB images: ``forward(x: (N, 3, 227, 227)) -> logits (N, num_classes)``.

    ``local_response_norm`` keeps the paper's response normalisation after conv1 and conv2
    (it has no parameters and does not change shapes).
    """

    def __init__(
        self,
        num_classes: int = 1000,
        widths: tuple[int, int, int, int, int] = PAPER_WIDTHS,
        groups: int = 1,
        dropout: float = 0.5,
        local_response_norm: bool = True,
    ):
        super().__init__()
        c1, c2, c3, c4, c5 = widths

        def lrn() -> nn.Module:
            # the paper's constants: k = 2, n = 5, alpha = 1e-4, beta = 0.75
            if local_response_norm:
                return nn.LocalResponseNorm(size=5, alpha=1e-4, beta=0.75, k=2.0)
            return nn.Identity()

        self.features = nn.Sequential(
            OrderedDict(
                conv1=nn.Conv2d(3, c1, kernel_size=11, stride=4),
                relu1=nn.ReLU(inplace=True),
                norm1=lrn(),
                pool1=nn.MaxPool2d(kernel_size=3, stride=2),
                conv2=nn.Conv2d(c1, c2, kernel_size=5, padding=2, groups=groups),
                relu2=nn.ReLU(inplace=True),
                norm2=lrn(),
                pool2=nn.MaxPool2d(kernel_size=3, stride=2),
                conv3=nn.Conv2d(c2, c3, kernel_size=3, padding=1),
                relu3=nn.ReLU(inplace=True),
                conv4=nn.Conv2d(c3, c4, kernel_size=3, padding=1, groups=groups),
                relu4=nn.ReLU(inplace=True),
                conv5=nn.Conv2d(c4, c5, kernel_size=3, padding=1, groups=groups),
                relu5=nn.ReLU(inplace=True),
                pool5=nn.MaxPool2d(kernel_size=3, stride=2),
            )
        )
        self.classifier = nn.Sequential(
            OrderedDict(
                flatten=nn.Flatten(),
                drop6=nn.Dropout(dropout),
                fc6=nn.Linear(c5 * 6 * 6, 4096),
                relu6=nn.ReLU(inplace=True),
                drop7=nn.Dropout(dropout),
                fc7=nn.Linear(4096, 4096),
                relu7=nn.ReLU(inplace=True),
                fc8=nn.Linear(4096, num_classes),
            )
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_image_batch(x, 3, "AlexNet", size=(227, 227))
        return self.classifier(self.features(x))
