"""Hidden tests of assignment 7 (training a CNN): how each test cell is judged.

Read by the grader (``dlcourse autograde``), which draws the cases from the course's secret and
runs the drivers in a sandbox, and by the hidden region of each test cell of the instructor's
notebook (:func:`dlcourse.grading.hidden.run_hidden_test`), which draws them from a public seed.
Points, ids and cells come from the notebook's metadata, not from here. Never released to
students (``nbgrader_config.py`` keeps this file out of ``assignments/``).

The data are scikit-learn's 8 x 8 digits, split once (stratified, :data:`SPLIT_SEED`): the
training split is released beside the notebook as ``digits_train.npz`` (raw pixels 0..16, as
uint8, and the labels; ``python hidden_tests.py`` writes it), the test split is built here and
only its images enter the sandbox, in an order drawn from the secret. Its labels stay in the
trusted process, where :func:`dlcourse.grading.verdict.judge_scored` counts the correct
predictions.
"""

from pathlib import Path

import numpy as np
from dlcourse.data import one_hot
from dlcourse.grading.specs import Case, HiddenTest

SPLIT_SEED = 7
TEST_SIZE = 0.25
TRAINING_FILE = Path(__file__).with_name("digits_train.npz")
#: (least accuracy on the hidden test split, share of the points), highest first
THRESHOLDS = ((0.90, 1.0), (0.80, 0.5))
#: seconds for train on the whole training split plus predict on the test split, in the sandbox
TIME_LIMIT = 30.0


def split() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(train_images, train_labels, test_images, test_labels)``: images (N, 8, 8) float64 with
    the raw pixel values 0..16, labels (N,) int64 in 0..9."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    images, labels = digits.images.astype(np.float64), digits.target.astype(np.int64)
    train_images, test_images, train_labels, test_labels = train_test_split(
        images, labels, test_size=TEST_SIZE, random_state=SPLIT_SEED, stratify=labels
    )
    return train_images, train_labels, test_images, test_labels


def write_training_file(path: Path = TRAINING_FILE) -> Path:
    """The released training split, ``images`` (N, 8, 8) uint8 and ``labels`` (N,) uint8."""
    train_images, train_labels, _, _ = split()
    np.savez_compressed(path, images=train_images.astype(np.uint8),
                        labels=train_labels.astype(np.uint8))  # fmt: skip
    return path


def preprocess_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for n in (1, 7, 32):
        images = rng.integers(0, 17, size=(n, 8, 8)).astype(np.float64)
        cases.append(Case({"images": images}, {}, {"x": images[:, None] / 16.0}))
    return cases


def one_hot_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for n, num_classes in [(12, 10), (5, 3), (20, 7), (1, 10)]:
        labels = rng.integers(0, num_classes, size=n)
        cases.append(Case({"labels": labels}, {"num_classes": num_classes},
                          {"targets": one_hot(labels, num_classes)}))  # fmt: skip
    return cases


def train_cases(rng: np.random.Generator) -> list[Case]:
    """One case: the whole training split, and the test images in an order of the secret's."""
    train_images, train_labels, test_images, test_labels = split()
    order = rng.permutation(len(test_images))
    arrays = {"train_images": train_images, "train_labels": train_labels,
              "test_images": test_images[order]}  # fmt: skip
    return [Case(arrays, {}, {"labels": test_labels[order]})]


TESTS = {
    "test_preprocess": HiddenTest(
        "preprocess scales the pixels to [0, 1] and adds the channel axis", ("preprocess",),
        "outputs = {'x': preprocess(images)}", ("x",), preprocess_cases,
    ),
    "test_one_hot": HiddenTest(
        "one_hot turns labels into one-hot rows", ("one_hot",),
        "outputs = {'targets': one_hot(labels, num_classes)}", ("targets",), one_hot_cases,
    ),
    "test_train": HiddenTest(
        "the trained network's accuracy on the hidden test images",
        # train calls preprocess and one_hot: a bug there costs these points too
        ("train", "predict", "preprocess", "one_hot"),
        "model = train(train_images, train_labels)\n"
        "outputs = {'labels': predict(model, test_images)}",
        ("labels",), train_cases, kinds="iu", timeout=TIME_LIMIT, thresholds=THRESHOLDS,
    ),
}  # fmt: skip

#: one realistic mistake per answer cell: (text in the solution, replacement, what it breaks)
MISTAKES = {
    "preprocess": (" / 16.0", "", "forgets to scale the pixels (0..16 instead of [0, 1])"),
    "one_hot": ("labels] = 1.0", "labels - 1] = 1.0",
                "counts the classes from 1: each 1 lands one column too early"),
    "train": ("v -= lr * layer.grads[name]", "v += lr * layer.grads[name]",
              "steps up the gradient instead of down"),
}  # fmt: skip


if __name__ == "__main__":
    print(f"wrote {write_training_file()}")
