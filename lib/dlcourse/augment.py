"""Image augmentation on ``(N, C, H, W)`` batches: new training images from old ones.

Each function returns a new batch of the same shape and float dtype and draws its randomness
from ``rng`` (a numpy Generator or a seed), so a seeded Generator gives the same augmented
batch every time. Choose
transformations that keep the label: a horizontally flipped cat is still a cat, but a flipped
digit 2 is no longer a 2.
"""

from __future__ import annotations

import numpy as np

from dlcourse.errors import as_float_array, check_bool, check_int, check_ndim, check_number
from dlcourse.rng import make_rng


def _images(x) -> np.ndarray:
    x = as_float_array(x, "x")
    check_ndim(x, 4, "x", "(N, C, H, W)")
    return x


def random_horizontal_flip(x: np.ndarray, rng: np.random.Generator, p: float = 0.5) -> np.ndarray:
    """Mirror each image left-right with probability ``p``."""
    x, p = _images(x), check_number(p, "p", 0.0, 1.0)
    flip = make_rng(rng).random(x.shape[0]) < p
    out = x.copy()
    out[flip] = x[flip, :, :, ::-1]
    return out


def random_shift(x: np.ndarray, rng: np.random.Generator, max_shift: int = 1) -> np.ndarray:
    """Translate each image by a random whole number of pixels in ``[-max_shift, max_shift]``
    vertically and horizontally; pixels shifted in are zero."""
    x, max_shift = _images(x), check_int(max_shift, "max_shift", 0)
    n, _, h, w = x.shape
    if max_shift >= min(h, w):
        raise ValueError(f"max_shift must be in [0, {min(h, w) - 1}] for {h}x{w} images")
    shifts = make_rng(rng).integers(-max_shift, max_shift + 1, size=(n, 2))
    out = np.zeros_like(x)
    for i, (dy, dx) in enumerate(shifts):
        src_y, dst_y = slice(max(0, -dy), h - max(0, dy)), slice(max(0, dy), h - max(0, -dy))
        src_x, dst_x = slice(max(0, -dx), w - max(0, dx)), slice(max(0, dx), w - max(0, -dx))
        out[i, :, dst_y, dst_x] = x[i, :, src_y, src_x]
    return out


def gaussian_noise(x: np.ndarray, rng: np.random.Generator, std: float = 0.1) -> np.ndarray:
    """Add independent N(0, std^2) noise to every pixel."""
    x, std = as_float_array(x, "x"), check_number(std, "std", 0.0)
    return x + make_rng(rng).normal(0.0, std, size=x.shape).astype(x.dtype)


def augment(
    x: np.ndarray,
    rng: np.random.Generator,
    flip: bool = False,
    max_shift: int = 0,
    noise_std: float = 0.0,
) -> np.ndarray:
    """Apply the chosen augmentations in turn: flip, then shift, then noise."""
    x, rng = _images(x), make_rng(rng)
    max_shift, noise_std = (
        check_int(max_shift, "max_shift", 0),
        check_number(noise_std, "noise_std", 0.0),
    )
    if check_bool(flip, "flip"):
        x = random_horizontal_flip(x, rng)
    if max_shift:
        x = random_shift(x, rng, max_shift)
    if noise_std:
        x = gaussian_noise(x, rng, noise_std)
    return x
