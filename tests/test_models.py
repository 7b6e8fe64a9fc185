"""The architecture models: output shapes at their input sizes, parameter counts against the
published figures (exact where the architecture fixes them), residual blocks and shortcuts."""

from __future__ import annotations

import pytest
import torch
from dlcourse.models import (
    VGG16,
    AlexNet,
    BasicBlock,
    Bottleneck,
    DepthNet,
    GoogLeNet,
    Inception,
    NaiveInception,
    PlainBlock,
    SmallCNN,
    resnet18,
    resnet34,
    resnet50,
)
from dlcourse.models.alexnet import TORCHVISION_WIDTHS
from dlcourse.models.googlenet import INCEPTION_TABLE
from dlcourse.models.slides import SlidePlainCNN, SlideResidualCNN
from torch import nn

META = torch.device("meta")


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def n_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def conv_params(cin: int, cout: int, k: int, bias: bool = True) -> int:
    return k * k * cin * cout + (cout if bias else 0)


def linear_params(fin: int, fout: int) -> int:
    return fin * fout + fout


# --- output shapes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("factory", "size"),
    [
        (AlexNet, 227),
        (VGG16, 224),
        (GoogLeNet, 224),
        (resnet18, 224),
        (resnet34, 224),
        (resnet50, 224),
    ],
    ids=["alexnet", "vgg16", "googlenet", "resnet18", "resnet34", "resnet50"],
)
def test_imagenet_model_maps_its_input_size_to_1000_logits(factory, size):
    with META:
        model = factory()
    out = model.eval()(torch.zeros(2, 3, size, size, device=META))
    assert tuple(out.shape) == (2, 1000)


def test_alexnet_runs_on_real_tensors_with_a_chosen_number_of_classes():
    torch.manual_seed(0)
    model = AlexNet(num_classes=17).eval()
    with torch.no_grad():
        out = model(torch.randn(1, 3, 227, 227))
    assert out.shape == (1, 17)
    assert torch.isfinite(out).all()


def test_alexnet_feature_maps_follow_the_slides_table():
    with META:
        model = AlexNet()
    x = torch.zeros(1, 3, 227, 227, device=META)
    shapes = {}
    for name, layer in model.features.named_children():
        x = layer(x)
        shapes[name] = tuple(x.shape[1:])
    assert shapes["conv1"] == (96, 55, 55)
    assert shapes["pool1"] == (96, 27, 27)
    assert shapes["conv2"] == (256, 27, 27)
    assert shapes["pool2"] == (256, 13, 13)
    assert shapes["conv3"] == (384, 13, 13)
    assert shapes["conv4"] == (384, 13, 13)
    assert shapes["conv5"] == (256, 13, 13)
    assert shapes["pool5"] == (256, 6, 6)


@pytest.mark.parametrize("size", [64, 32])
def test_resnet18_is_fully_convolutional_up_to_its_global_pool(size):
    torch.manual_seed(0)
    model = resnet18(num_classes=10).eval()
    with torch.no_grad():
        assert model(torch.randn(2, 3, size, size)).shape == (2, 10)


@pytest.mark.parametrize(
    ("model", "shape", "message"),
    [
        (lambda: AlexNet(), (1, 3, 224, 224), "227x227"),
        (lambda: AlexNet(), (1, 1, 227, 227), "3 input channels"),
        (lambda: VGG16(), (1, 3, 227, 227), "224x224"),
        (lambda: resnet18(), (3, 224, 224), r"\(N, C, H, W\)"),
        (lambda: SmallCNN(), (1, 1, 32, 32), "28x28"),
    ],
)
def test_a_wrong_input_shape_is_named_in_the_error(model, shape, message):
    with META:
        m = model()
    with pytest.raises(ValueError, match=message):
        m(torch.zeros(shape, device=META))


# --- parameter counts ----------------------------------------------------------------------


def alexnet_formula(widths, groups):
    c1, c2, c3, c4, c5 = widths
    convs = (
        conv_params(3, c1, 11)
        + (5 * 5 * (c1 // groups) * c2 + c2)
        + conv_params(c2, c3, 3)
        + (3 * 3 * (c3 // groups) * c4 + c4)
        + (3 * 3 * (c4 // groups) * c5 + c5)
    )
    return (
        convs
        + linear_params(6 * 6 * c5, 4096)
        + linear_params(4096, 4096)
        + linear_params(4096, 1000)
    )


@pytest.mark.parametrize(
    ("kwargs", "published"),
    [
        ({}, 62_378_344),  # single tower, the slides' table: 96-256-384-384-256
        ({"groups": 2}, 60_965_224),  # the paper's two-GPU connectivity ("60 million")
        ({"widths": TORCHVISION_WIDTHS}, 61_100_840),  # torchvision's alexnet
    ],
    ids=["table-single-tower", "paper-two-gpus", "torchvision"],
)
def test_alexnet_parameter_count(kwargs, published):
    with META:
        model = AlexNet(**kwargs)
    expected = alexnet_formula(
        kwargs.get("widths", (96, 256, 384, 384, 256)), kwargs.get("groups", 1)
    )
    assert expected == published
    assert n_params(model) == published


def test_vgg16_has_138_357_544_parameters():
    widths = [64, 64, 128, 128, 256, 256, 256, 512, 512, 512, 512, 512, 512]
    convs = sum(
        conv_params(cin, cout, 3) for cin, cout in zip([3] + widths[:-1], widths, strict=True)
    )
    fcs = linear_params(25088, 4096) + linear_params(4096, 4096) + linear_params(4096, 1000)
    assert convs + fcs == 138_357_544
    with META:
        assert n_params(VGG16()) == 138_357_544


@pytest.mark.parametrize(
    ("factory", "published"),
    [(resnet18, 11_689_512), (resnet34, 21_797_672), (resnet50, 25_557_032)],
    ids=["resnet18", "resnet34", "resnet50"],
)
def test_resnet_parameter_count_matches_the_published_figure(factory, published):
    with META:
        assert n_params(factory()) == published


def inception_params(cin, c1, c3r, c3, c5r, c5, pp):
    return (
        conv_params(cin, c1, 1)
        + conv_params(cin, c3r, 1)
        + conv_params(c3r, c3, 3)
        + conv_params(cin, c5r, 1)
        + conv_params(c5r, c5, 5)
        + conv_params(cin, pp, 1)
    )


@pytest.mark.parametrize("name", list(INCEPTION_TABLE))
def test_inception_module_parameters_and_output_channels(name):
    row = INCEPTION_TABLE[name]
    module = Inception(*row)
    assert n_params(module) == inception_params(*row)
    out = module(torch.zeros(1, row[0], 7, 7))
    assert out.shape == (1, row[1] + row[3] + row[5] + row[6], 7, 7)


def test_googlenet_without_auxiliary_classifiers_has_about_7_million_parameters():
    # Every weight and bias of the test-time network of Table 1 (no auxiliary classifiers).
    stem = conv_params(3, 64, 7) + conv_params(64, 64, 1) + conv_params(64, 192, 3)
    body = sum(inception_params(*row) for row in INCEPTION_TABLE.values())
    expected = stem + body + linear_params(1024, 1000)
    with META:
        count = n_params(GoogLeNet())
    assert count == expected == 6_998_552


def test_naive_inception_keeps_all_input_channels_in_its_pool_branch():
    module = NaiveInception(192, 64, 128, 32)
    assert module(torch.zeros(1, 192, 28, 28)).shape == (1, 64 + 128 + 32 + 192, 28, 28)


# --- residual blocks -------------------------------------------------------------------------


def test_basic_block_keeps_the_shape_with_an_identity_shortcut():
    block = BasicBlock(16, 16)
    assert isinstance(block.shortcut, nn.Identity)
    x = torch.randn(2, 16, 8, 8)
    assert block(x).shape == x.shape


def test_basic_block_output_is_relu_of_residual_plus_input():
    torch.manual_seed(0)
    block = BasicBlock(8, 8).eval()
    x = torch.randn(2, 8, 6, 6)
    with torch.no_grad():
        assert torch.allclose(block(x), torch.relu(block.residual(x) + x))


@pytest.mark.parametrize(("cin", "cout", "stride"), [(64, 128, 2), (16, 32, 2), (16, 32, 1)])
def test_basic_block_projection_shortcut_changes_shape(cin, cout, stride):
    block = BasicBlock(cin, cout, stride)
    conv, bn = block.shortcut
    assert isinstance(conv, nn.Conv2d) and isinstance(bn, nn.BatchNorm2d)
    assert conv.kernel_size == (1, 1) and conv.stride == (stride, stride)
    x = torch.randn(2, cin, 8, 8)
    assert block(x).shape == (2, cout, 8 // stride, 8 // stride)
    with torch.no_grad():
        block.eval()
        assert torch.allclose(block(x), torch.relu(block.residual(x) + block.shortcut(x)))


@pytest.mark.parametrize(("cin", "mid", "stride"), [(64, 64, 1), (256, 128, 2), (256, 64, 1)])
def test_bottleneck_block_expands_channels_by_four(cin, mid, stride):
    block = Bottleneck(cin, mid, stride)
    x = torch.randn(1, cin, 8, 8)
    assert block(x).shape == (1, 4 * mid, 8 // stride, 8 // stride)
    assert isinstance(block.shortcut, nn.Identity) == (cin == 4 * mid and stride == 1)


def test_residual_block_with_zero_residual_passes_the_gradient_unchanged():
    # With the last BatchNorm's scale at zero, F(x) = 0 and y = relu(x): dy/dx = 1 where x > 0.
    block = BasicBlock(4, 4).eval()
    with torch.no_grad():
        block.bn2.weight.zero_()
        block.bn2.bias.zero_()
    x = torch.rand(1, 4, 5, 5, dtype=torch.float64) + 0.1
    block = block.double()
    x.requires_grad_(True)
    block(x).sum().backward()
    assert torch.allclose(x.grad, torch.ones_like(x))


def test_plain_block_is_a_basic_block_without_shortcut():
    torch.manual_seed(0)
    plain, residual = PlainBlock(8, 8).eval(), BasicBlock(8, 8).eval()
    plain.load_state_dict({k: v for k, v in residual.state_dict().items()})
    x = torch.randn(2, 8, 5, 5)
    with torch.no_grad():
        assert torch.allclose(plain(x), torch.relu(residual.residual(x)))


# --- the small networks of the experiments ---------------------------------------------------


@pytest.mark.parametrize("depth", [8, 14, 56])
@pytest.mark.parametrize("residual", [False, True])
def test_depthnet_has_depth_weight_layers_on_its_main_path(depth, residual):
    model = DepthNet(depth, residual)
    convs = [
        n for n, m in model.named_modules() if isinstance(m, nn.Conv2d) and "shortcut" not in n
    ]
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    assert len(convs) + len(linears) == depth
    assert model(torch.zeros(3, 1, 8, 8)).shape == (3, 10)


def test_residual_depthnet_differs_from_plain_only_by_its_two_projections():
    plain, residual = DepthNet(20, False), DepthNet(20, True)
    projections = (
        conv_params(16, 32, 1, bias=False) + 2 * 32 + conv_params(32, 64, 1, bias=False) + 2 * 64
    )
    assert n_params(residual) - n_params(plain) == projections


@pytest.mark.parametrize("depth", [7, 9, 2])
def test_depthnet_rejects_a_depth_that_is_not_6n_plus_2(depth):
    with pytest.raises(ValueError, match="6 n \\+ 2"):
        DepthNet(depth, residual=True)


def test_small_cnn_maps_digits_to_logits_and_features():
    model = SmallCNN(num_classes=5)
    x = torch.zeros(4, 1, 28, 28)
    assert model(x).shape == (4, 5)
    assert model.features(x).shape == (4, SmallCNN.feature_dim)


# --- the slides' Keras models, translated ------------------------------------------------------


def test_slide_plain_cnn_parameter_count():
    convs = conv_params(3, 128, 3) + 6 * conv_params(128, 128, 3)
    dense = linear_params(9 * 9 * 128, 128) + linear_params(128, 128) + linear_params(128, 10)
    model = SlidePlainCNN()
    assert n_params(model) == convs + dense
    assert model(torch.zeros(1, 3, 32, 32)).shape == (1, 10)


@pytest.mark.parametrize(("pool", "side"), [(False, 16), (True, 4)])
def test_slide_residual_cnn_classifier_sees_side_squared_times_128_features(pool, side):
    with META:
        model = SlideResidualCNN(pool_between_blocks=pool)
    convs = conv_params(3, 128, 3) + 7 * conv_params(128, 128, 3)
    dense = linear_params(side * side * 128, 128) + linear_params(128, 128) + linear_params(128, 10)
    assert n_params(model) == convs + dense
    assert model.features(torch.zeros(1, 3, 32, 32, device=META)).shape == (1, 128, side, side)
