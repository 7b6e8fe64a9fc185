"""Freezing, the shipped pretrained weights (checksum, recorded accuracy), and the tasks."""

from __future__ import annotations

import shutil

import pytest
import torch
from dlcourse.models import SmallCNN
from dlcourse.models.pretrained import (
    WEIGHTS_DIR,
    ChecksumError,
    load_pretrained,
    pretrained_info,
    save_pretrained,
    sha256sum,
)
from dlcourse.models.tasks import SOURCE_DIGITS, digit_task, per_class_sample
from dlcourse.models.training import accuracy, conv_gradient_norms, train_classifier
from dlcourse.models.transfer import (
    freeze,
    parameter_table,
    trainable_parameters,
    unfreeze,
    unfreeze_last_blocks,
)
from torch import nn

NAME = "smallcnn_mnist04"


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def one_step(model: nn.Module, optimizer: torch.optim.Optimizer) -> None:
    torch.manual_seed(1)
    x, y = torch.rand(8, 1, 28, 28), torch.randint(0, 5, (8,))
    optimizer.zero_grad()
    nn.functional.cross_entropy(model(x), y).backward()
    optimizer.step()


@pytest.mark.parametrize(
    "make_optimizer",
    [
        lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.1),
        lambda ps: torch.optim.Adam(ps, lr=0.1, weight_decay=0.1),
        lambda ps: torch.optim.AdamW(ps, lr=0.1),
    ],
    ids=["sgd-momentum-decay", "adam-decay", "adamw"],
)
def test_frozen_parameters_get_no_gradient_and_no_update(make_optimizer):
    torch.manual_seed(0)
    model = SmallCNN(num_classes=5)
    freeze(model.backbone)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    # All parameters go to the optimizer, frozen ones included: weight decay and momentum
    # must still leave them alone, because their .grad stays None.
    one_step(model, make_optimizer(model.parameters()))
    for name, p in model.named_parameters():
        if name.startswith("backbone."):
            assert p.grad is None, name
            assert torch.equal(p, before[name]), name
        else:
            assert p.grad is not None, name
            assert not torch.equal(p, before[name]), name


def test_freeze_and_unfreeze_toggle_requires_grad():
    model = SmallCNN()
    freeze(model)
    assert not any(p.requires_grad for p in model.parameters())
    unfreeze(model.head)
    assert trainable_parameters(model) == list(model.head.parameters())


@pytest.mark.parametrize("k", [0, 1, 2, 4])
def test_unfreeze_last_blocks_trains_exactly_the_last_k_blocks(k):
    model = SmallCNN()
    unfreeze_last_blocks(model.backbone, k)
    names = list(dict(model.backbone.named_children()))
    for i, name in enumerate(names):
        block = getattr(model.backbone, name)
        expected = i >= len(names) - k
        assert all(p.requires_grad == expected for p in block.parameters()), (k, name)


@pytest.mark.parametrize("k", [-1, 5])
def test_unfreeze_last_blocks_rejects_k_outside_the_block_count(k):
    with pytest.raises(ValueError, match="between 0 and the number of blocks 4"):
        unfreeze_last_blocks(SmallCNN().backbone, k)


def test_parameter_table_lists_trainable_and_total_per_block():
    model = SmallCNN(num_classes=5)
    unfreeze_last_blocks(model.backbone, 1)
    table = {name: (trainable, total) for name, trainable, total in parameter_table(model)}
    assert list(table) == [
        "backbone.conv1",
        "backbone.conv2",
        "backbone.conv3",
        "backbone.fc",
        "head",
    ]
    assert table["backbone.conv1"] == (0, 3 * 3 * 1 * 8 + 8)
    assert table["backbone.fc"] == (288 * 64 + 64, 288 * 64 + 64)
    assert table["head"] == (64 * 5 + 5, 64 * 5 + 5)


def test_training_with_everything_frozen_is_refused():
    model = freeze(SmallCNN())
    with pytest.raises(ValueError, match="no trainable parameters"):
        train_classifier(
            model, torch.zeros(4, 1, 28, 28), torch.zeros(4, dtype=torch.long), steps=1
        )


def test_train_classifier_lowers_the_loss_on_a_tiny_problem():
    torch.manual_seed(0)
    x = torch.rand(20, 1, 28, 28)
    y = torch.arange(20) % 2
    model = SmallCNN(num_classes=2)
    history = train_classifier(model, x, y, steps=40, batch_size=20, lr=3e-3)
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert accuracy(model, x, y) == 1.0


def test_conv_gradient_norms_has_one_entry_per_main_path_conv():
    from dlcourse.models import DepthNet

    x, y = torch.rand(4, 1, 8, 8), torch.tensor([0, 1, 2, 3])
    for residual in (False, True):
        norms = conv_gradient_norms(DepthNet(14, residual), x, y)
        assert len(norms) == 13 and all(n > 0 for n in norms)


# --- the shipped weights ---------------------------------------------------------------------


def test_shipped_weights_match_their_recorded_checksum():
    info = pretrained_info(NAME)
    assert sha256sum(WEIGHTS_DIR / info["file"]) == info["sha256"]
    assert (WEIGHTS_DIR / info["file"]).stat().st_size < 300_000


def test_shipped_weights_load_into_the_recorded_architecture():
    model, info = load_pretrained(NAME)
    assert isinstance(model, SmallCNN) and not model.training
    assert model.head.out_features == info["num_classes"] == len(SOURCE_DIGITS)


def test_a_corrupted_copy_of_the_weights_is_refused(tmp_path):
    for suffix in (".pt", ".json"):
        shutil.copy(WEIGHTS_DIR / f"{NAME}{suffix}", tmp_path / f"{NAME}{suffix}")
    load_pretrained(NAME, tmp_path)  # the intact copy loads
    weights = tmp_path / f"{NAME}.pt"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(ChecksumError, match="corrupt"):
        load_pretrained(NAME, tmp_path)


def test_unknown_weights_name_lists_what_is_available():
    with pytest.raises(FileNotFoundError, match=NAME):
        pretrained_info("no_such_weights")


def test_save_then_load_roundtrips_the_weights(tmp_path):
    torch.manual_seed(0)
    model = SmallCNN(num_classes=3)
    save_pretrained(model, "tiny", {"num_classes": 3}, tmp_path)
    loaded, info = load_pretrained("tiny", tmp_path)
    assert info["sha256"] == sha256sum(tmp_path / "tiny.pt")
    for (k, v), (k2, v2) in zip(
        model.state_dict().items(), loaded.state_dict().items(), strict=True
    ):
        assert k == k2 and torch.equal(v, v2)


@pytest.mark.slow
def test_shipped_weights_reproduce_their_recorded_test_accuracy():
    from dlcourse.data import load_mnist

    model, info = load_pretrained(NAME)
    mnist = load_mnist()
    x, y = digit_task(mnist.X_test, mnist.y_test, info["digits"])
    assert len(x) == info["test_examples"]
    assert accuracy(model, x, y) == pytest.approx(info["test_accuracy"], abs=2e-3)


# --- the tasks -----------------------------------------------------------------------------


def test_digit_task_keeps_the_digits_and_relabels_them_in_order():
    x = torch.arange(6, dtype=torch.float32).reshape(6, 1, 1, 1).numpy()
    y = torch.tensor([5, 0, 9, 7, 5, 3]).numpy()
    xs, ys = digit_task(x, y, (5, 6, 7, 8, 9))
    assert xs.flatten().tolist() == [0.0, 2.0, 3.0, 4.0]
    assert ys.tolist() == [0, 4, 2, 0]


def test_per_class_sample_is_balanced_and_deterministic():
    y = torch.arange(100) % 5
    idx = per_class_sample(y, 3, seed=4)
    assert torch.bincount(y[idx]).tolist() == [3] * 5
    assert torch.equal(idx, per_class_sample(y, 3, seed=4))


def test_per_class_sample_refuses_more_than_a_class_holds():
    with pytest.raises(ValueError, match="class 1 has only 1"):
        per_class_sample(torch.tensor([0, 0, 1]), 2)
