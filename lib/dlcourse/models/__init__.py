"""PyTorch models of the architecture chapters, written with ``torch.nn`` (one idea per module).

- :mod:`~dlcourse.models.alexnet`: AlexNet (227x227 input, the slides' table).
- :mod:`~dlcourse.models.vgg`: VGG-16.
- :mod:`~dlcourse.models.googlenet`: the Inception module (naive and with 1x1 reductions),
  GoogLeNet.
- :mod:`~dlcourse.models.resnet`: basic and bottleneck residual blocks, ResNet-18/34/50.
- :mod:`~dlcourse.models.small`: small plain and residual networks for the CPU experiments, and
  the transfer-learning backbone :class:`SmallCNN`.
- :mod:`~dlcourse.models.slides`: the slides' Keras CIFAR-10 models, translated.
- :mod:`~dlcourse.models.summary`: layer-by-layer output shapes and parameter counts.
- :mod:`~dlcourse.models.flops`: multiply-accumulate counts, by formula and by PyTorch's counter.
- :mod:`~dlcourse.models.transfer`: freezing and unfreezing; :mod:`~dlcourse.models.pretrained`:
  shipped weights with checksums; :mod:`~dlcourse.models.tasks`: the MNIST source and target
  tasks; :mod:`~dlcourse.models.training`: a small training loop and gradient norms.
"""

from dlcourse.models.alexnet import AlexNet
from dlcourse.models.googlenet import GoogLeNet, Inception, NaiveInception
from dlcourse.models.resnet import BasicBlock, Bottleneck, ResNet, resnet18, resnet34, resnet50
from dlcourse.models.small import DepthNet, PlainBlock, SmallCNN
from dlcourse.models.vgg import VGG16

__all__ = [
    "AlexNet",
    "BasicBlock",
    "Bottleneck",
    "DepthNet",
    "GoogLeNet",
    "Inception",
    "NaiveInception",
    "PlainBlock",
    "ResNet",
    "SmallCNN",
    "VGG16",
    "resnet18",
    "resnet34",
    "resnet50",
]
