"""Residual networks (He et al. 2016): a block learns a **residual** F(x) and outputs F(x) + x.

The **shortcut** (지름길 연결) carries x past the block. It is the **identity** when the block
keeps the shape; when the block halves the size (stride 2) or changes the number of channels,
it is a **projection**: a 1x1 convolution with the same stride, followed by BatchNorm (the
paper's option B). In the backward pass the gradient reaching x is
dL/dx = dL/dy (dF/dx + I): the identity term passes the gradient on unchanged, however small
dF/dx becomes.

ResNet-18 / 34 use the two-layer **basic block**; ResNet-50 uses the three-layer **bottleneck
block** (1x1 reduce, 3x3, 1x1 expand by 4). Convolutions have no bias (BatchNorm follows each
one), as in the paper and torchvision, so the parameter counts match torchvision's exactly:
11,689,512 / 21,797,672 / 25,557,032. In the bottleneck block the stride sits on the 3x3
convolution (torchvision's "ResNet v1.5"); the paper put it on the first 1x1. The parameter
count is the same.
"""

from __future__ import annotations

import torch
from torch import nn

from dlcourse.models._checks import check_image_batch


def shortcut(in_channels: int, out_channels: int, stride: int) -> nn.Module:
    """Identity if the shape is kept, else a projection: 1x1 conv with ``stride`` + BatchNorm."""
    if stride == 1 and in_channels == out_channels:
        return nn.Identity()
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride, bias=False),
        nn.BatchNorm2d(out_channels),
    )


class BasicBlock(nn.Module):
    """Two 3x3 convolutions and a shortcut: ``y = relu(F(x) + shortcut(x))``.

    ``(N, in_channels, H, W) -> (N, out_channels, H / stride, W / stride)``, with
    ``F = conv3x3(stride) -> BN -> ReLU -> conv3x3 -> BN``.
    """

    expansion = 1

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.shortcut = shortcut(in_channels, out_channels, stride)

    def residual(self, x: torch.Tensor) -> torch.Tensor:
        """F(x): the part of the block that learns."""
        return self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.residual(x) + self.shortcut(x))


class Bottleneck(nn.Module):
    """1x1 reduce -> 3x3 -> 1x1 expand (x4), and a shortcut: ``y = relu(F(x) + shortcut(x))``.

    ``(N, in_channels, H, W) -> (N, 4 * mid_channels, H / stride, W / stride)``.
    """

    expansion = 4

    def __init__(self, in_channels: int, mid_channels: int, stride: int = 1):
        super().__init__()
        out_channels = mid_channels * self.expansion
        self.conv1 = nn.Conv2d(in_channels, mid_channels, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(mid_channels)
        self.conv2 = nn.Conv2d(mid_channels, mid_channels, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(mid_channels)
        self.conv3 = nn.Conv2d(mid_channels, out_channels, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.shortcut = shortcut(in_channels, out_channels, stride)

    def residual(self, x: torch.Tensor) -> torch.Tensor:
        """F(x): the part of the block that learns."""
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        return self.bn3(self.conv3(out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.residual(x) + self.shortcut(x))


class ResNet(nn.Module):
    """ImageNet ResNet: ``(N, 3, H, W) -> logits (N, num_classes)`` (224x224 in the paper).

    Stem: conv 7x7/2 (64) -> BN -> ReLU -> max pool 3x3/2; then four stages of ``blocks[i]``
    blocks with 64, 128, 256, 512 base channels (stages 2-4 start with stride 2, so their first
    block has a projection shortcut); global average pooling; a linear classifier.
    """

    def __init__(self, block: type[BasicBlock | Bottleneck], blocks, num_classes: int = 1000):
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False),
            nn.BatchNorm2d(64),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
        )
        stages = []
        in_channels = 64
        for i, (width, n) in enumerate(zip((64, 128, 256, 512), blocks, strict=True)):
            layers = []
            for j in range(n):
                stride = 2 if (i > 0 and j == 0) else 1
                layers.append(block(in_channels, width, stride))
                in_channels = width * block.expansion
            stages.append(nn.Sequential(*layers))
        self.stages = nn.Sequential(*stages)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(in_channels, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_image_batch(x, 3, "ResNet")
        return self.fc(torch.flatten(self.pool(self.stages(self.stem(x))), 1))


def resnet18(num_classes: int = 1000) -> ResNet:
    """ResNet-18: basic blocks (2, 2, 2, 2)."""
    return ResNet(BasicBlock, (2, 2, 2, 2), num_classes)


def resnet34(num_classes: int = 1000) -> ResNet:
    """ResNet-34: basic blocks (3, 4, 6, 3)."""
    return ResNet(BasicBlock, (3, 4, 6, 3), num_classes)


def resnet50(num_classes: int = 1000) -> ResNet:
    """ResNet-50: bottleneck blocks (3, 4, 6, 3)."""
    return ResNet(Bottleneck, (3, 4, 6, 3), num_classes)
