"""dlcourse: the reference library of the course book.

Everything the course teaches, written from scratch in numpy (one idea per module), plus
PyTorch models for the architecture chapters in :mod:`dlcourse.models`. Import from the
submodules, for example ``from dlcourse.network import Sequential``.
"""

__version__ = "0.1.0"
