"""Loop forever, ignoring the signals a polite timeout would send."""

import signal

for _sig in (signal.SIGALRM, signal.SIGINT, signal.SIGTERM):
    signal.signal(_sig, signal.SIG_IGN)


def conv2d_forward_loop(x, w, b, stride=1, padding=0):
    while True:
        pass


conv2d_forward = conv2d_backward = conv2d_forward_loop
