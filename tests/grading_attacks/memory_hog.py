"""Allocate memory until something breaks (256 MiB at a time)."""

import numpy as np


def conv2d_forward_loop(x, w, b, stride=1, padding=0):
    hoard = []
    while True:
        hoard.append(np.empty(256 << 20, dtype=np.uint8))


conv2d_forward = conv2d_backward = conv2d_forward_loop
