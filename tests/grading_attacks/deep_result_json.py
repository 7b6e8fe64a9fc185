"""Make the trusted bootstrap write a deeply nested result (a RecursionError in the grader
while it reads it), then hang: if the grader skipped its clean-up, this would run forever."""

import json
import os
import time

json.dumps = lambda *args, **kwargs: "[" * 30000 + "]" * 30000


def conv2d_forward_loop(x, w, b, stride=1, padding=0):
    return x


def conv2d_forward(x, w, b, stride=1, padding=0):
    if os.fork() == 0:
        os.setsid()
        time.sleep(4343)
        os._exit(0)
    while True:
        time.sleep(1)


conv2d_backward = conv2d_forward
