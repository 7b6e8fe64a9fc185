"""Image filters: the seed's kernels, applied with the library's convolution to a real photo."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from dlcourse.filters import (
    GAUSSIAN_5X5,
    GAUSSIAN_273_WEIGHTS,
    SOBEL_X,
    SOBEL_Y,
    apply_filter,
    load_photo,
    sobel_magnitude,
    to_grey,
)


def test_gaussian_kernel_weights_sum_to_273_and_the_kernel_to_one():
    assert GAUSSIAN_273_WEIGHTS.sum() == 273
    assert np.isclose(GAUSSIAN_5X5.sum(), 1.0)


def test_gaussian_kernel_approximates_a_sampled_gaussian():
    y, x = np.mgrid[-2:3, -2:3]
    g = np.exp(-(x**2 + y**2) / 2.0)
    assert np.abs(GAUSSIAN_5X5 - g / g.sum()).max() < 0.015  # sigma = 1; max gap is 0.012


def test_sobel_x_finds_a_vertical_edge_and_sobel_y_does_not():
    image = np.zeros((6, 6))
    image[:, 3:] = 1.0  # dark left half, bright right half
    gx, gy = apply_filter(image, SOBEL_X, "valid"), apply_filter(image, SOBEL_Y, "valid")
    assert np.all(gx[:, 1:3] == 4) and np.all(gx[:, [0, 3]] == 0)  # 1 + 2 + 1 across the edge
    assert np.all(gy == 0)


def test_filters_match_torch_conv2d_which_is_a_cross_correlation():
    image = np.random.default_rng(0).random((9, 11))
    for kernel in (SOBEL_X, SOBEL_Y, GAUSSIAN_5X5):
        k = kernel.shape[0]
        expected = F.conv2d(
            torch.tensor(image)[None, None], torch.tensor(kernel)[None, None], padding=k // 2
        )[0, 0].numpy()
        np.testing.assert_allclose(apply_filter(image, kernel), expected, atol=1e-12)


def test_gaussian_blur_keeps_a_flat_image_flat_inside():
    out = apply_filter(np.full((8, 8), 0.5), GAUSSIAN_5X5, "valid")
    np.testing.assert_allclose(out, 0.5)


def test_photo_is_grey_and_filters_keep_its_size():
    photo = load_photo()
    assert photo.shape == (427, 640) and 0 <= photo.min() and photo.max() <= 1
    blurred = apply_filter(photo, GAUSSIAN_5X5)
    assert blurred.shape == photo.shape
    # blurring removes fine detail: the mean absolute difference between neighbours drops
    assert np.abs(np.diff(blurred, axis=1)).mean() < 0.7 * np.abs(np.diff(photo, axis=1)).mean()
    assert sobel_magnitude(photo).shape == photo.shape


def test_to_grey_rejects_a_non_rgb_array():
    with pytest.raises(ValueError, match=r"RGB image of shape \(H, W, 3\), got \(4, 4\)"):
        to_grey(np.zeros((4, 4)))
