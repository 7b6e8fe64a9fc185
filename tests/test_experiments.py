"""Helpers of the book's experiments: training to the end of a schedule, loss and error, and
the slides' residual model at other input sizes."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from dlcourse.models import DepthNet, SmallCNN
from dlcourse.models.slides import SlideResidualCNN
from dlcourse.models.training import loss_and_error, train_epochs
from torch import nn

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_loss_and_error_match_a_hand_computed_example():
    model = nn.Identity()  # the "logits" are the inputs themselves
    logits = torch.tensor([[2.0, 0.0], [0.0, 1.0], [3.0, 0.0], [0.0, 0.5]])
    y = torch.tensor([0, 1, 1, 1])
    loss, error = loss_and_error(model, logits, y)
    assert error == pytest.approx(0.25)  # the third row is wrong
    assert loss == pytest.approx(F.cross_entropy(logits, y).item())


def test_loss_and_error_measure_in_eval_mode_and_restore_the_mode():
    model = nn.Sequential(nn.Dropout(0.9), nn.Identity())
    x, y = torch.eye(3) * 5, torch.arange(3)
    model.train()
    assert loss_and_error(model, x, y)[1] == 0.0  # dropout off: every row is right
    assert model.training


def test_train_epochs_fits_a_small_problem_and_records_one_loss_per_epoch():
    torch.manual_seed(0)
    x = torch.randn(64, 1, 8, 8)
    y = torch.arange(64) % 4
    model = DepthNet(8, residual=True, num_classes=4, widths=(4, 8, 8))
    history = train_epochs(model, x, y, epochs=30, batch_size=16, seed=0)
    assert len(history["epoch_loss"]) == 30
    assert history["epoch_loss"][-1] < 0.25 * history["epoch_loss"][0]
    assert loss_and_error(model, x, y)[1] < 0.1


def test_train_epochs_is_reproducible_with_a_seed():
    x, y = torch.rand(12, 1, 28, 28), torch.arange(12) % 3
    losses = []
    for _ in range(2):
        torch.manual_seed(0)
        model = SmallCNN(num_classes=3)
        losses.append(train_epochs(model, x, y, epochs=2, batch_size=4, seed=3)["epoch_loss"])
    assert losses[0] == losses[1]


def test_train_epochs_refuses_mismatched_data():
    with pytest.raises(ValueError, match="same length"):
        train_epochs(SmallCNN(), torch.zeros(4, 1, 28, 28), torch.zeros(3, dtype=torch.long), 1)


@pytest.mark.parametrize(("pool", "size", "side"), [(True, 8, 1), (False, 8, 4), (True, 32, 4)])
def test_slide_residual_cnn_at_other_sizes_classifier_sees_side_squared_features(pool, size, side):
    model = SlideResidualCNN(pool_between_blocks=pool, width=16, in_channels=1, size=size)
    x = torch.zeros(2, 1, size, size)
    assert model.features(x).shape == (2, 16, side, side)
    assert model(x).shape == (2, 10)
    assert model.classifier[1].in_features == side * side * 16


def test_slide_residual_cnn_refuses_a_size_the_pools_cannot_halve():
    with pytest.raises(ValueError, match="divisible by 8"):
        SlideResidualCNN(pool_between_blocks=True, size=12)


def test_slide_residual_cnn_first_block_has_no_shortcut_like_the_slides():
    model = SlideResidualCNN(pool_between_blocks=True)
    pairs = [m for m in model.features if hasattr(m, "add_input")]
    assert [p.add_input for p in pairs] == [False, True, True, True]


def test_reinitialize_gives_new_weights_of_the_same_shapes():
    from dlcourse.models.transfer import reinitialize

    torch.manual_seed(0)
    fc = nn.Sequential(nn.Flatten(), nn.Linear(6, 4), nn.ReLU())
    before = fc[1].weight.clone()
    assert reinitialize(fc) is fc
    assert fc[1].weight.shape == before.shape
    assert not torch.equal(fc[1].weight, before)


def test_softmax_cross_entropy_gradient_keeps_the_dtype_of_the_logits():
    import numpy as np
    from dlcourse.losses import SoftmaxCrossEntropyLoss

    z = np.array([[2.0, 0.5, -1.0], [0.1, 0.2, 0.3]])
    y = np.array([0, 2])
    loss = SoftmaxCrossEntropyLoss()
    loss.forward(z, y)
    g64 = loss.backward()
    loss.forward(z.astype(np.float32), y)
    g32 = loss.backward()
    assert g64.dtype == np.float64 and g32.dtype == np.float32
    np.testing.assert_allclose(g32, g64, rtol=1e-6)
