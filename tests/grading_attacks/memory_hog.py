"""Allocate memory until something breaks."""


def conv2d_forward_loop(x, w, b, stride=1, padding=0):
    hoard = []
    while True:
        hoard.append(bytearray(64 << 20))


conv2d_forward = conv2d_backward = conv2d_forward_loop
