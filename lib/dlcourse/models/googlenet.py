"""GoogLeNet (Szegedy et al. 2015) and its building block, the Inception module.

An **Inception module** runs four branches side by side on the same input and concatenates
their outputs along the channels: a 1x1 convolution; a 1x1 "reduce" then a 3x3; a 1x1
"reduce" then a 5x5; a 3x3 max pool then a 1x1 "pool projection". The 1x1 reductions are the
**bottleneck** that makes the 3x3 and 5x5 branches affordable (see :mod:`dlcourse.models.flops`).

GoogLeNet here follows Table 1 of the paper: conv 7x7/2 -> max pool -> conv 1x1 -> conv 3x3 ->
max pool -> 3a, 3b -> max pool -> 4a ... 4e -> max pool -> 5a, 5b -> 7x7 average pool ->
dropout 40% -> linear. Every convolution has a bias and a ReLU, as in the paper; the
**auxiliary classifiers** used only during training are left out, so the network is the one used
at test time (6,998,552 parameters with biases; the paper's Table 1 counts about 6.8 million
weights).
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

from dlcourse.models._checks import check_image_batch


def conv_relu(
    in_channels: int, out_channels: int, kernel_size: int, stride: int = 1
) -> nn.Sequential:
    """A convolution with "same" padding for odd kernels, followed by ReLU."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=kernel_size // 2),
        nn.ReLU(inplace=True),
    )


class NaiveInception(nn.Module):
    """The naive Inception module: 1x1, 3x3 and 5x5 convolutions and a 3x3 max pool, concatenated.

    ``(N, C, H, W) -> (N, ch1x1 + ch3x3 + ch5x5 + C, H, W)``: the pool branch keeps all ``C``
    input channels, so the width can only grow from module to module.
    """

    def __init__(self, in_channels: int, ch1x1: int, ch3x3: int, ch5x5: int):
        super().__init__()
        self.branch1 = conv_relu(in_channels, ch1x1, 1)
        self.branch2 = conv_relu(in_channels, ch3x3, 3)
        self.branch3 = conv_relu(in_channels, ch5x5, 5)
        self.branch4 = nn.MaxPool2d(kernel_size=3, stride=1, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        branches = (self.branch1, self.branch2, self.branch3, self.branch4)
        return torch.cat([branch(x) for branch in branches], dim=1)


class Inception(nn.Module):
    """The Inception module with dimension reductions (1x1 convolutions before 3x3 and 5x5).

    ``(N, in_channels, H, W) -> (N, ch1x1 + ch3x3 + ch5x5 + pool_proj, H, W)``.
    The argument names are the column names of the paper's Table 1
    ("#1x1", "#3x3 reduce", "#3x3", "#5x5 reduce", "#5x5", "pool proj").
    """

    def __init__(
        self,
        in_channels: int,
        ch1x1: int,
        ch3x3red: int,
        ch3x3: int,
        ch5x5red: int,
        ch5x5: int,
        pool_proj: int,
    ):
        super().__init__()
        self.out_channels = ch1x1 + ch3x3 + ch5x5 + pool_proj
        self.branch1 = conv_relu(in_channels, ch1x1, 1)
        self.branch2 = nn.Sequential(
            conv_relu(in_channels, ch3x3red, 1), conv_relu(ch3x3red, ch3x3, 3)
        )
        self.branch3 = nn.Sequential(
            conv_relu(in_channels, ch5x5red, 1), conv_relu(ch5x5red, ch5x5, 5)
        )
        self.branch4 = nn.Sequential(
            nn.MaxPool2d(kernel_size=3, stride=1, padding=1), conv_relu(in_channels, pool_proj, 1)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        branches = (self.branch1, self.branch2, self.branch3, self.branch4)
        return torch.cat([branch(x) for branch in branches], dim=1)


# Table 1 of Szegedy et al. (2015): in_channels, #1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5,
# pool proj.
INCEPTION_TABLE = {
    "3a": (192, 64, 96, 128, 16, 32, 32),
    "3b": (256, 128, 128, 192, 32, 96, 64),
    "4a": (480, 192, 96, 208, 16, 48, 64),
    "4b": (512, 160, 112, 224, 24, 64, 64),
    "4c": (512, 128, 128, 256, 24, 64, 64),
    "4d": (512, 112, 144, 288, 32, 64, 64),
    "4e": (528, 256, 160, 320, 32, 128, 128),
    "5a": (832, 256, 160, 320, 32, 128, 128),
    "5b": (832, 384, 192, 384, 48, 128, 128),
}


class GoogLeNet(nn.Module):
    """GoogLeNet without auxiliary classifiers: ``(N, 3, 224, 224) -> logits (N, num_classes)``.

    Feature maps: 224 -> 112 (conv 7x7/2) -> 56 (pool) -> 28 (pool) -> 14 (pool) -> 7 (pool)
    -> 1 (7x7 average pool); 1024 features feed the linear classifier.
    """

    def __init__(self, num_classes: int = 1000, dropout: float = 0.4):
        super().__init__()

        def pool() -> nn.MaxPool2d:
            return nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True)

        def lrn() -> nn.LocalResponseNorm:
            return nn.LocalResponseNorm(size=5, alpha=1e-4, beta=0.75, k=2.0)

        stem = OrderedDict(
            conv1=conv_relu(3, 64, 7, stride=2),
            pool1=pool(),
            norm1=lrn(),
            conv2_reduce=conv_relu(64, 64, 1),
            conv2=conv_relu(64, 192, 3),
            norm2=lrn(),
            pool2=pool(),
        )
        body = OrderedDict()
        for name, row in INCEPTION_TABLE.items():
            if name in ("4a", "5a"):
                body[f"pool{name[0]}"] = pool()
            body[f"inception{name}"] = Inception(*row)
        self.features = nn.Sequential(stem | body)
        self.classifier = nn.Sequential(
            nn.AvgPool2d(kernel_size=7),
            nn.Flatten(),
            nn.Dropout(dropout),
            nn.Linear(1024, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_image_batch(x, 3, "GoogLeNet", size=(224, 224))
        return self.classifier(self.features(x))
