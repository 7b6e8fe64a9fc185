"""The Inception and residual-block diagrams read their labels from the modules they draw."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
from dlcourse.models import BasicBlock, Inception
from dlcourse.models.diagrams import draw_inception, draw_residual_block
from dlcourse.models.googlenet import INCEPTION_TABLE


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def test_inception_diagram_of_module_3a_shows_its_branches_and_sizes(ax):
    texts = draw_inception(ax, Inception(*INCEPTION_TABLE["3a"]), size=28)
    assert texts[0] == "filter concatenation: 28x28x256"
    assert texts[-1] == "previous layer: 28x28x192"
    for label in ["1x1 conv, 64", "1x1 conv, 96", "3x3 conv, 128", "1x1 conv, 16",
                  "5x5 conv, 32", "3x3 max pool, stride 1", "1x1 conv, 32"]:  # fmt: skip
        assert label in texts
    assert len(ax.patches) > len(texts)  # boxes and arrows were drawn


def test_inception_diagram_follows_the_module_it_is_given(ax):
    texts = draw_inception(ax, Inception(*INCEPTION_TABLE["4e"]), size=14)
    assert texts[0] == "filter concatenation: 14x14x832"
    assert "5x5 conv, 128" in texts and "1x1 conv, 160" in texts


def test_residual_block_diagram_shows_identity_when_shape_is_kept(ax):
    texts = draw_residual_block(ax, BasicBlock(64, 64))
    assert "identity: x" in texts
    assert "3x3 conv, 64, BN" in texts


def test_residual_block_diagram_shows_projection_when_shape_changes(ax):
    texts = draw_residual_block(ax, BasicBlock(64, 128, stride=2))
    assert "projection:\n1x1 conv, 128, stride 2, BN" in texts
    assert "3x3 conv, 128, stride 2, BN" in texts
    assert "identity: x" not in texts
