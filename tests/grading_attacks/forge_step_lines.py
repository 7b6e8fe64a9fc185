"""Hang, and keep the grader waiting by announcing "new steps" on the control pipe."""

import os
import sys
import time


def conv2d_forward_loop(x, w, b, stride=1, padding=0):
    fd = int(sys.argv[4])  # the child's control pipe to the grader
    while True:
        for i in range(1, 40):
            os.write(fd, f"S {i}\n".encode())
        time.sleep(0.5)


conv2d_forward = conv2d_backward = conv2d_forward_loop
