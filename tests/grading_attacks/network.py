"""Send the inputs to a server (here, one the test listens with on this machine)."""

import socket


def conv2d_forward_loop(x, w, b, stride=1, padding=0):
    with socket.create_connection(("127.0.0.1", int("__PORT__")), timeout=2) as s:
        s.sendall(x.tobytes())
        return None


conv2d_forward = conv2d_backward = conv2d_forward_loop
