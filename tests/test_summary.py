"""The layer summary (forward hooks) and the multiply-accumulate counts (formula vs PyTorch's
FlopCounterMode, which counts FLOPs = 2 x MACs)."""

from __future__ import annotations

import pytest
import torch
from dlcourse.models import AlexNet, resnet18
from dlcourse.models.flops import conv2d_macs, count_flops, count_macs, macs_by_module
from dlcourse.models.summary import count_parameters, format_summary, summary
from torch import nn

META = torch.device("meta")


pytestmark = pytest.mark.usefixtures("one_torch_thread")


# The slides' AlexNet table (seed 001), H x W x C, in order: conv1, pool, conv2, pool, conv3,
# conv4, conv5, pool, then the 9216 flattened features, fc 4096, fc 4096, output 1000.
SLIDES_ALEXNET = [
    "55 x 55 x 96", "27 x 27 x 96", "27 x 27 x 256", "13 x 13 x 256", "13 x 13 x 384",
    "13 x 13 x 384", "13 x 13 x 256", "6 x 6 x 256", "9216", "4096", "4096", "1000",
]  # fmt: skip


def alexnet_rows():
    with META:
        model = AlexNet()
    return model, summary(model, (1, 3, 227, 227))


def test_summary_of_alexnet_reproduces_the_slides_table():
    _, rows = alexnet_rows()
    shown = [r for r in rows if r.kind in ("Conv2d", "MaxPool2d", "Flatten", "Linear")]
    assert [r.hwc() for r in shown] == SLIDES_ALEXNET


def test_summary_parameter_counts_add_up_to_the_model_total():
    model, rows = alexnet_rows()
    assert sum(r.params for r in rows) == count_parameters(model) == 62_378_344


def test_summary_counts_one_conv_layer_by_hand():
    _, rows = alexnet_rows()
    conv1 = next(r for r in rows if r.name == "features.conv1")
    assert conv1.params == 11 * 11 * 3 * 96 + 96
    assert conv1.output_shape == (96, 55, 55)


def test_summary_removes_its_hooks_and_restores_training_mode():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(2 * 4 * 4, 3))
    model.train()
    summary(model, (1, 1, 6, 6))
    assert model.training
    assert all(not m._forward_hooks for m in model.modules())


def test_summary_lists_a_layer_once_per_call():
    relu = nn.ReLU()
    model = nn.Sequential(nn.Linear(4, 4), relu, nn.Linear(4, 4), relu)
    rows = summary(model, (2, 4))
    assert [r.kind for r in rows] == ["Linear", "ReLU", "Linear", "ReLU"]


def test_summary_requires_a_batch_dimension():
    with pytest.raises(ValueError, match="batch dimension"):
        summary(nn.Linear(4, 2), (4,))


def test_format_summary_prints_rows_and_total():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Flatten())
    text = format_summary(summary(model, (1, 3, 5, 5)))
    assert "3 x 3 x 4" in text
    assert text.splitlines()[-1].split()[-1] == f"{3 * 3 * 3 * 4 + 4:,}"


def test_count_parameters_can_skip_frozen_parameters():
    model = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    model[0].weight.requires_grad_(False)
    assert count_parameters(model) == 8 + 3
    assert count_parameters(model, trainable_only=True) == 2 + 3


# --- multiply-accumulates --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cin", "cout", "k", "stride", "padding", "groups", "size"),
    [
        (3, 8, 3, 1, 1, 1, 10),
        (3, 96, 11, 4, 0, 1, 227),
        (8, 16, 5, 2, 2, 1, 17),
        (8, 16, 3, 1, 1, 2, 9),
        (16, 16, 3, 1, 1, 16, 9),
    ],
)
def test_flop_counter_reports_twice_the_conv_macs_of_the_formula(
    cin, cout, k, stride, padding, groups, size
):
    conv = nn.Conv2d(cin, cout, k, stride=stride, padding=padding, groups=groups)
    x = torch.zeros(1, cin, size, size)
    out = conv(x).shape[-1]
    macs = conv2d_macs(cin, cout, k, out, groups=groups)
    assert count_flops(conv, x) == 2 * macs
    assert count_macs(conv, x) == macs


def test_flop_counter_counts_a_linear_layer_as_two_flops_per_weight_and_example():
    layer = nn.Linear(10, 20)
    assert count_flops(layer, torch.zeros(3, 10)) == 2 * 3 * 10 * 20


def test_macs_scale_with_the_batch_size():
    conv = nn.Conv2d(4, 4, 3, padding=1)
    assert count_macs(conv, torch.zeros(5, 4, 6, 6)) == 5 * count_macs(
        conv, torch.zeros(1, 4, 6, 6)
    )


def test_conv2d_macs_rejects_channels_not_divisible_by_groups():
    with pytest.raises(ValueError, match="groups=2"):
        conv2d_macs(3, 8, 3, 5, groups=2)


def test_one_by_one_bottleneck_costs_a_tenth_of_the_direct_5x5_convolution():
    # The slides' GoogLeNet example: 28 x 28 x 192 input, 32 output maps of a 5x5 convolution.
    direct_formula = (5 * 5 * 192) * (28 * 28 * 32)
    bottleneck_formula = (1 * 1 * 192) * (28 * 28 * 16) + (5 * 5 * 16) * (28 * 28 * 32)
    assert direct_formula == 120_422_400
    assert bottleneck_formula == 12_443_648

    x = torch.zeros(1, 192, 28, 28)
    direct = nn.Conv2d(192, 32, 5, padding=2)
    bottleneck = nn.Sequential(nn.Conv2d(192, 16, 1), nn.Conv2d(16, 32, 5, padding=2))
    assert conv2d_macs(192, 32, 5, 28) == direct_formula
    assert conv2d_macs(192, 16, 1, 28) + conv2d_macs(16, 32, 5, 28) == bottleneck_formula
    assert count_flops(direct, x) == 2 * direct_formula
    assert count_flops(bottleneck, x) == 2 * bottleneck_formula


def test_macs_by_module_adds_up_to_the_total():
    with META:
        model = AlexNet()
    x = torch.zeros(1, 3, 227, 227, device=META)
    per_layer = macs_by_module(model, x, depth=2)
    assert per_layer["features.conv1"] == conv2d_macs(3, 96, 11, 55)
    assert per_layer["classifier.fc6"] == 9216 * 4096
    assert sum(per_layer.values()) == sum(macs_by_module(model, x).values()) == count_macs(model, x)


def test_resnet18_costs_about_1_8_billion_macs_at_224():
    # He et al. (2016), Table 1: 1.8 x 10^9 FLOPs (multiply-adds) for the 18-layer network.
    with META:
        model = resnet18()
    macs = count_macs(model, torch.zeros(1, 3, 224, 224, device=META))
    assert 1.75e9 < macs < 1.85e9
