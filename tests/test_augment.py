"""Image augmentation: shapes kept, labels' content moved as promised, reproducible."""

from __future__ import annotations

import numpy as np
import pytest
from dlcourse.augment import augment, gaussian_noise, random_horizontal_flip, random_shift


def images(n=6, c=2, h=5, w=7, seed=0):
    return np.random.default_rng(seed).uniform(0.1, 1.0, size=(n, c, h, w))


def test_flip_mirrors_each_image_or_leaves_it():
    x = images()
    y = random_horizontal_flip(x, np.random.default_rng(1), p=0.5)
    flipped = [np.array_equal(y[i], x[i, :, :, ::-1]) for i in range(len(x))]
    kept = [np.array_equal(y[i], x[i]) for i in range(len(x))]
    assert all(f or k for f, k in zip(flipped, kept, strict=True))
    assert any(flipped) and any(kept)


def test_flip_with_p_one_flips_all():
    x = images()
    assert np.array_equal(random_horizontal_flip(x, np.random.default_rng(0), p=1.0), x[..., ::-1])


def test_shift_moves_a_single_pixel_by_at_most_max_shift_and_fills_zeros():
    x = np.zeros((50, 1, 9, 9))
    x[:, :, 4, 4] = 1.0
    y = random_shift(x, np.random.default_rng(2), max_shift=2)
    for img in y[:, 0]:
        (r,), (c,) = np.nonzero(img)
        assert abs(r - 4) <= 2 and abs(c - 4) <= 2
        assert img.sum() == 1.0
    positions = {tuple(np.argwhere(img)[0]) for img in y[:, 0]}
    assert len(positions) > 10  # the shifts really vary


def test_shift_by_known_amount_matches_np_roll_with_zero_fill():
    x = images(n=1)
    rng = np.random.default_rng(3)
    dy, dx = np.random.default_rng(3).integers(-2, 3, size=(1, 2))[0]
    y = random_shift(x, rng, max_shift=2)
    expected = np.roll(x, (dy, dx), axis=(2, 3))
    if dy > 0:
        expected[:, :, :dy] = 0
    elif dy < 0:
        expected[:, :, dy:] = 0
    if dx > 0:
        expected[:, :, :, :dx] = 0
    elif dx < 0:
        expected[:, :, :, dx:] = 0
    assert np.array_equal(y, expected)


def test_noise_has_requested_std():
    x = np.zeros((20, 1, 28, 28))
    y = gaussian_noise(x, np.random.default_rng(4), std=0.3)
    assert y.std() == pytest.approx(0.3, rel=0.02)


def test_same_generator_seed_gives_same_batch():
    x = images()
    a = augment(x, np.random.default_rng(5), flip=True, max_shift=1, noise_std=0.1)
    b = augment(x, np.random.default_rng(5), flip=True, max_shift=1, noise_std=0.1)
    assert np.array_equal(a, b)
    assert a.shape == x.shape and not np.array_equal(a, x)


def test_input_is_not_modified():
    x = images()
    before = x.copy()
    augment(x, np.random.default_rng(6), flip=True, max_shift=1, noise_std=0.1)
    assert np.array_equal(x, before)


def test_non_image_input_is_an_error():
    with pytest.raises(ValueError, match=r"4 dimensions \(N, C, H, W\)"):
        random_shift(np.ones((3, 64)), np.random.default_rng(0))


def test_shift_too_large_is_an_error():
    with pytest.raises(ValueError, match="max_shift"):
        random_shift(images(h=3, w=3), np.random.default_rng(0), max_shift=3)
