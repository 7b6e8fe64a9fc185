"""Small networks for the experiments that run on a laptop CPU.

- :class:`PlainBlock` and :class:`DepthNet`: the degradation experiment. ``DepthNet(depth,
  residual)`` is the CIFAR-style network of He et al. (2016, section 4.2) for small grey
  images: a 3x3 stem convolution, three stages of ``n`` two-layer blocks with 16, 32, 64
  channels (the second and third stages start with stride 2), global average pooling and a
  linear classifier: ``depth = 6 n + 2`` layers with weights. The plain and the residual
  network have exactly the same layers; the residual one adds the shortcuts (identity, or a
  1x1 projection where the shape changes), so any difference between them is the shortcut's.
- :class:`SmallCNN`: the backbone for transfer learning, about 25,000 parameters.
"""

from __future__ import annotations

import torch
from torch import nn

from dlcourse.models._checks import check_image_batch
from dlcourse.models.resnet import BasicBlock


class PlainBlock(BasicBlock):
    """A basic block without its shortcut: ``y = relu(F(x))``.

    ``(N, in_channels, H, W) -> (N, out_channels, H / stride, W / stride)``; exactly the layers
    of :class:`~dlcourse.models.resnet.BasicBlock`, with the shortcut taken out.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1):
        super().__init__(in_channels, out_channels, stride)
        del self.shortcut

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.residual(x))


class DepthNet(nn.Module):
    """Plain or residual CNN with ``depth = 6 n + 2`` weight layers (8, 14, 20, ..., 56, ...).

    ``forward(x: (N, in_channels, H, W)) -> logits (N, num_classes)``.
    """

    def __init__(
        self,
        depth: int,
        residual: bool,
        in_channels: int = 1,
        num_classes: int = 10,
        widths: tuple[int, int, int] = (16, 32, 64),
    ):
        super().__init__()
        if depth < 8 or (depth - 2) % 6 != 0:
            raise ValueError(
                f"depth must be 6 n + 2 with n >= 1 (8, 14, 20, ..., 56), got depth={depth}"
            )
        self.depth, self.residual, self.in_channels = depth, residual, in_channels
        n = (depth - 2) // 6
        block = BasicBlock if residual else PlainBlock
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, widths[0], 3, padding=1, bias=False),
            nn.BatchNorm2d(widths[0]),
            nn.ReLU(inplace=True),
        )
        blocks = []
        channels = widths[0]
        for stage, width in enumerate(widths):
            for j in range(n):
                stride = 2 if (stage > 0 and j == 0) else 1
                blocks.append(block(channels, width, stride))
                channels = width
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Sequential(
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, num_classes)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        kind = "residual" if self.residual else "plain"
        check_image_batch(x, self.in_channels, f"DepthNet(depth={self.depth}, {kind})")
        return self.head(self.blocks(self.stem(x)))


class SmallCNN(nn.Module):
    """A small CNN for 28x28 grey digits: ``(N, 1, 28, 28) -> logits (N, num_classes)``.

    ``backbone`` is a sequence of four blocks, general to specific:
    ``conv1`` 3x3 (8) -> ReLU -> pool: 14x14x8; ``conv2`` 3x3 (16) -> ReLU -> pool: 7x7x16;
    ``conv3`` 3x3 (32) -> ReLU -> pool: 3x3x32; ``fc`` 288 -> 64 -> ReLU. ``head`` is the task's
    classifier, a linear layer 64 -> ``num_classes``. Transfer learning keeps the backbone and
    replaces the head. About 25,000 parameters, half a million multiply-accumulates per image.
    """

    feature_dim = 64

    def __init__(self, num_classes: int = 10):
        super().__init__()

        def conv_block(cin: int, cout: int) -> nn.Sequential:
            return nn.Sequential(
                nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2)
            )

        self.backbone = nn.Sequential()
        self.backbone.add_module("conv1", conv_block(1, 8))
        self.backbone.add_module("conv2", conv_block(8, 16))
        self.backbone.add_module("conv3", conv_block(16, 32))
        self.backbone.add_module(
            "fc", nn.Sequential(nn.Flatten(), nn.Linear(32 * 3 * 3, self.feature_dim), nn.ReLU())
        )
        self.head = nn.Linear(self.feature_dim, num_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The backbone's output: ``(N, 1, 28, 28) -> (N, 64)``."""
        check_image_batch(x, 1, "SmallCNN", size=(28, 28))
        return self.backbone(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))
