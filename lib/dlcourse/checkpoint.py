"""Saving and loading a network's parameters, checked by sha256 before they are used.

The file is a numpy ``.npz`` with one array per parameter, ``p0``, ``p1``, ... in the order of
``net.parameters()``; loading checks the digest, the count and every shape.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dlcourse.checksums import sha256sum
from dlcourse.network import Layer, check_layer


def _path(path) -> Path:
    if not isinstance(path, str | Path) or not str(path):
        raise TypeError(f"path must be a file name (str or Path), got {path!r}")
    return Path(path)


def save_weights(net: Layer, path) -> str:
    """Save the parameters of ``net`` to an ``.npz``; returns the file's sha256."""
    net, path = check_layer(net), _path(path)
    np.savez(path, **{f"p{i}": p.data for i, p in enumerate(net.parameters())})
    return sha256sum(path)


def load_weights(net: Layer, path, sha256: str) -> Layer:
    """Load parameters saved by :func:`save_weights` after checking the file's sha256."""
    net, path = check_layer(net), _path(path)
    if not isinstance(sha256, str) or len(sha256) != 64:
        raise TypeError(f"sha256 must be 64 hexadecimal digits, got {sha256!r}")
    digest = sha256sum(path)
    if digest != sha256:
        raise ValueError(f"{path.name}: sha256 {digest} does not match the expected {sha256}")
    params = net.parameters()
    with np.load(path) as npz:
        if len(npz.files) != len(params):
            raise ValueError(
                f"{path.name} holds {len(npz.files)} arrays, the network has {len(params)}"
            )
        for i, p in enumerate(params):
            saved = npz[f"p{i}"]
            if saved.shape != p.shape:
                raise ValueError(
                    f"{path.name}: array p{i} has shape {saved.shape}, expected {p.shape}"
                )
            p.data = saved.astype(p.data.dtype)
    return net
