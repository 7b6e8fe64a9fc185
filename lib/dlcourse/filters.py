"""Classic image filters, applied with the library's own convolution.

- **Sobel** filters (소벨 필터) estimate the horizontal and vertical derivative of brightness:
  ``SOBEL_X`` responds to vertical edges (brightness changing from left to right), ``SOBEL_Y``
  to horizontal ones. The edge strength is ``sqrt(gx^2 + gy^2)``.
- The 5x5 **Gaussian** filter (가우시안 필터) with integer weights over 273 is a blur: a
  discrete approximation of ``exp(-(x^2 + y^2) / (2 sigma^2))`` with sigma about 1, whose
  weights sum to one, so a flat region keeps its brightness.

:func:`apply_filter` slides the kernel over the image as printed, that is, by
:func:`~dlcourse.conv.correlate2d`, which is what a CNN layer computes and what OpenCV's
``filter2D`` (used in the slides' exercise) computes too. Then ``SOBEL_X`` is positive where the
image gets brighter to the right. A true convolution turns the kernel by 180 degrees first: the
symmetric Gaussian does not change, the Sobel responses change sign.
"""

from __future__ import annotations

import numpy as np

from dlcourse.conv import correlate2d
from dlcourse.errors import as_float_array

SOBEL_X = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=np.float64)
SOBEL_Y = np.array([[1, 2, 1], [0, 0, 0], [-1, -2, -1]], dtype=np.float64)
GAUSSIAN_273_WEIGHTS = np.array(
    [[1, 4, 7, 4, 1],
     [4, 16, 26, 16, 4],
     [7, 26, 41, 26, 7],
     [4, 16, 26, 16, 4],
     [1, 4, 7, 4, 1]]
)  # fmt: skip
GAUSSIAN_5X5 = GAUSSIAN_273_WEIGHTS / 273


def to_grey(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 3) RGB in 0..255 -> (H, W) luminance in [0, 1] (ITU-R BT.601 weights)."""
    rgb = as_float_array(rgb, "rgb").astype(np.float64)
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"rgb must be an RGB image of shape (H, W, 3), got {rgb.shape}")
    return rgb @ np.array([0.299, 0.587, 0.114]) / 255.0


def load_photo(name: str = "china.jpg") -> np.ndarray:
    """A real photograph shipped with scikit-learn, in grey levels: (427, 640) in [0, 1]."""
    from sklearn.datasets import load_sample_image

    return to_grey(load_sample_image(name))


def apply_filter(image: np.ndarray, kernel: np.ndarray, padding="same") -> np.ndarray:
    """Slide ``kernel`` over a grey image (H, W) (cross-correlation); ``"same"`` keeps the size."""
    return correlate2d(image, kernel, padding=padding)


def sobel_magnitude(image: np.ndarray) -> np.ndarray:
    """Edge strength ``sqrt(gx^2 + gy^2)`` from the two Sobel filters, same size as ``image``."""
    gx, gy = apply_filter(image, SOBEL_X), apply_filter(image, SOBEL_Y)
    return np.hypot(gx, gy)
