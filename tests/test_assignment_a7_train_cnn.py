"""Assignment 7 (training a CNN): its data, its layers, its visible tests and its score test.

The general checks (release, blank scores 0, solution full marks, each MISTAKES bug loses exactly
its points, Validate agrees) run over every assignment in test_assignments.py; here is what is
particular to a network graded by its accuracy on a hidden test split.
"""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest
from dlcourse.grading.sandbox import Limits, StepResult
from dlcourse.grading.specs import Case, GradedTest, HiddenTest, SpecError, get_spec
from dlcourse.grading.verdict import judge
from grading_support import SOLUTIONS, answer_source, make_course, submit
from test_assignments import release, run_visible_test, tool, visible_namespace

NAME = "a7_train_cnn"
FOLDER = SOLUTIONS / NAME
SPEC = get_spec(NAME)
TRAIN = next(t for t in SPEC.tests if t.grade_id == "test_train")


def hidden_tests():
    spec = importlib.util.spec_from_file_location("a7_hidden_tests", FOLDER / "hidden_tests.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- the data ------------------------------------------------------------------------------


def test_released_file_is_the_training_split_and_nothing_else():
    train_images, train_labels, test_images, _ = hidden_tests().split()
    for folder in (FOLDER, tool.REPO / "assignments" / NAME):
        with np.load(folder / "digits_train.npz") as data:
            assert sorted(data.files) == ["images", "labels"]
            assert np.array_equal(data["images"], train_images)
            assert np.array_equal(data["labels"], train_labels)
    assert len(train_images) + len(test_images) == 1797  # every digit, in one split or the other
    released = sorted(p.name for p in (tool.REPO / "assignments" / NAME).iterdir() if p.is_file())
    assert released == ["a7_train_cnn.ipynb", "digits_train.npz"]  # (and ko/, the Korean notebook)
    korean = sorted(p.name for p in (tool.REPO / "assignments" / NAME / "ko").iterdir())
    assert korean == ["a7_train_cnn.ipynb"]


def test_hidden_labels_never_enter_the_sandbox():
    """The grader's case sends the test images only; their labels are the expected output."""
    (case,) = TRAIN.make_cases(np.random.default_rng(0))
    _, train_labels, test_images, test_labels = hidden_tests().split()
    assert set(case.arrays) == {"train_images", "train_labels", "test_images"} and not case.scalars
    assert np.array_equal(case.arrays["train_labels"], train_labels)
    assert set(case.expected) == {"labels"}
    sent = sorted(zip(map(bytes, case.arrays["test_images"]), case.expected["labels"], strict=True))
    assert sent == sorted(zip(map(bytes, test_images), test_labels, strict=True))


def test_the_test_images_come_in_an_order_of_the_secret():
    first = TRAIN.make_cases(np.random.default_rng(1))[0]
    second = TRAIN.make_cases(np.random.default_rng(2))[0]
    assert not np.array_equal(first.expected["labels"], second.expected["labels"])


# --- the layers the notebook gives ---------------------------------------------------------


@pytest.fixture(scope="module")
def layers():
    """The read-only layers cell of the notebook, executed."""
    namespace = {"np": np}
    exec(answer_source(NAME, "layers"), namespace)
    return namespace


def test_notebook_convolution_agrees_with_the_library(layers):
    from dlcourse.conv import conv2d_backward, conv2d_forward

    rng = np.random.default_rng(0)
    for x_shape, w_shape, stride, padding in [((2, 3, 7, 6), (4, 3, 3, 2), 1, 1),
                                              ((1, 2, 8, 8), (3, 2, 3, 3), 2, 0)]:  # fmt: skip
        x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
        b = rng.standard_normal(w_shape[0])
        out, cache = layers["conv2d_forward"](x, w, b, stride, padding)
        ref, ref_cache = conv2d_forward(x, w, b, stride, padding)
        np.testing.assert_allclose(out, ref, atol=1e-12)
        dout = rng.standard_normal(out.shape)
        for ours, theirs in zip(layers["conv2d_backward"](dout, cache),
                                conv2d_backward(dout, ref_cache), strict=True):  # fmt: skip
            np.testing.assert_allclose(ours, theirs, atol=1e-12)


def test_notebook_max_pooling_agrees_with_the_library(layers):
    from dlcourse.pool import max_pool2d_backward, max_pool2d_forward

    rng = np.random.default_rng(1)
    ties = np.maximum(rng.standard_normal((2, 3, 8, 8)), 0)  # ReLU outputs: windows of zeros tie
    for x in (rng.standard_normal((2, 3, 8, 8)), ties, rng.standard_normal((1, 2, 7, 9))):
        out, cache = layers["max_pool2d_forward"](x, 2)
        ref, ref_cache = max_pool2d_forward(x, 2)
        np.testing.assert_allclose(out, ref)
        dout = rng.standard_normal(out.shape)
        np.testing.assert_allclose(layers["max_pool2d_backward"](dout, cache),
                                   max_pool2d_backward(dout, ref_cache))  # fmt: skip


def test_notebook_network_gradients_match_centred_differences(layers):
    """Every parameter gradient of conv -> ReLU -> pool -> flatten -> affine -> loss."""
    rng = np.random.default_rng(2)
    net = [layers["Conv2d"](1, 3, 3, padding=1, rng=0), layers["ReLU"](), layers["MaxPool2d"](2),
           layers["Flatten"](), layers["Affine"](3 * 3 * 3, 4, rng=1)]  # fmt: skip
    x = rng.standard_normal((3, 1, 6, 6))
    targets = np.eye(4)[[0, 3, 1]]

    def loss():
        out = x
        for layer in net:
            out = layer.forward(out)
        return layers["softmax_cross_entropy"](out, targets)

    _, grad = loss()
    for layer in reversed(net):
        grad = layer.backward(grad)
    for layer in net:
        for name, value in layer.params.items():
            numeric = np.zeros_like(value)
            for k in np.ndindex(value.shape):
                old = value[k]
                value[k] = old + 1e-6
                plus = loss()[0]
                value[k] = old - 1e-6
                minus = loss()[0]
                value[k] = old
                numeric[k] = (plus - minus) / 2e-6
            np.testing.assert_allclose(layer.grads[name], numeric, rtol=1e-5, atol=1e-8)


def test_notebook_loss_is_the_librarys_softmax_cross_entropy(layers):
    from dlcourse.losses import softmax_cross_entropy

    rng = np.random.default_rng(3)
    scores, labels = rng.standard_normal((5, 10)) * 5, rng.integers(0, 10, 5)
    loss, _ = layers["softmax_cross_entropy"](scores, np.eye(10)[labels])
    assert np.isclose(loss, softmax_cross_entropy(scores, labels))


# --- visible tests that name the mistake ---------------------------------------------------

#: id: (answer cell, replacements, test cell, words the failure must contain)
VISIBLE_MISTAKES = {
    "pixels-not-scaled": ("preprocess", [(" / 16.0", "")], "test_preprocess", "not scaled"),
    "pixels-divided-by-255": ("preprocess", [("/ 16.0", "/ 255.0")], "test_preprocess",
                              "go up to 16, not 255"),
    "no-channel-axis": ("preprocess", [("[:, None]", "")], "test_preprocess",
                        "must add the channel axis"),
    "channels-last": ("preprocess", [("[:, None]", "[..., None]")], "test_preprocess",
                      "channels last"),
    "one-hot-off-by-one": ("one_hot", [("labels] = 1.0", "labels - 1] = 1.0")], "test_one_hot",
                           "one column too early"),
    "one-hot-num-classes-ignored": ("one_hot", [("len(labels), num_classes)", "len(labels), 10)")],
                                    "test_one_hot", "must have shape (4, 3)"),
    "train-skips-preprocess-shape": ("train", [("preprocess(images), one_hot", "images, one_hot")],
                                     "test_train", "call preprocess first"),
    "train-forgets-to-scale": ("train", [("preprocess(images), one_hot",
                                          "images[:, None], one_hot")],
                               "test_train", "received pixel values up to 16"),
    "labels-not-one-hot": ("train", [("one_hot(labels, 10)", "labels")], "test_train",
                           "use one_hot(labels)"),
    "gradient-ascent": ("train", [("v -= lr", "v += lr")], "test_train",
                        "below the 90% that full points need"),
    "predict-returns-scores": ("train", [("return scores.argmax(axis=1)", "return scores")],
                               "test_train", "returned class scores"),
    "predict-float-labels": ("train", [(".argmax(axis=1)", ".argmax(axis=1) * 1.0")],
                             "test_train", "integer class labels"),
}  # fmt: skip


@pytest.mark.parametrize("mistake", list(VISIBLE_MISTAKES))
def test_visible_test_names_the_mistake(mistake):
    answer_id, replacements, test_id, words = VISIBLE_MISTAKES[mistake]
    namespace = visible_namespace(NAME, (answer_id, replacements))
    with pytest.raises(Exception) as failure, np.errstate(all="ignore"):
        run_visible_test(NAME, test_id, namespace)
    assert words in str(failure.value)


def test_notebook_and_book_page_state_the_limit_and_thresholds_the_grader_uses():
    module = hidden_tests()
    (full, _), (half, share) = module.THRESHOLDS
    intro = release(NAME).cells[0].source
    assert f"{module.TIME_LIMIT:g} seconds" in intro
    assert f"accuracy of {full:.0%} or more" in intro and f"at {half:.0%} or more" in intro
    assert f"**{share * TRAIN.points:g} points**" in intro
    assert f"**{TRAIN.points:g} points**" in intro
    page = " ".join((tool.REPO / "book" / "assignments" / f"{NAME}.md").read_text().split())
    assert f"time limit of {module.TIME_LIMIT:g} seconds" in page and share == 0.5
    assert f"full points at an **accuracy** (정확도) of {full:.0%} or more, half the points at " \
        f"{half:.0%} or more" in page  # fmt: skip


# --- the score test: accuracy thresholds, partial points ----------------------------------


def scored(accuracy: float, points: float = 10.0, n: int = 200, dtype=np.int64) -> dict:
    """The verdict of a score test whose predicted labels have ``accuracy``."""
    expected = np.arange(n) % 10
    got = expected.copy()
    got[: round((1 - accuracy) * n)] += 1
    got %= 10
    test = GradedTest(**{k: getattr(TRAIN, k) for k in HiddenTest.__dataclass_fields__},
                      grade_id="test_train", points=points)  # fmt: skip
    step = StepResult(0, status="ok", outputs={"labels": got.astype(dtype)})
    return judge(test, [Case({}, {}, {"labels": expected})], [step]).to_json()


@pytest.mark.parametrize(("accuracy", "points"), [(1.0, 10), (0.9, 10), (0.895, 5), (0.8, 5),
                                                  (0.795, 0), (0.1, 0)])  # fmt: skip
def test_points_follow_the_accuracy_thresholds(accuracy, points):
    verdict = scored(accuracy)
    assert verdict["points"] == points and verdict["passed"] == (points == 10)
    assert f"accuracy {accuracy:.1%} on 200 hidden test examples" in verdict["reason"]
    assert "full points at 90% or more, 5 points at 80% or more" in verdict["reason"]


def test_labels_that_are_not_integer_labels_score_nothing():
    verdict = scored(1.0, dtype=np.float64)
    assert verdict["points"] == 0 and "integer class labels" in verdict["reason"]


@pytest.mark.parametrize("thresholds", [((0.8, 0.5),), ((0.8, 1.0), (0.9, 0.5)),
                                        ((0.9, 1.0), (0.8, 1.0)), ((1.5, 1.0),)])  # fmt: skip
def test_bad_thresholds_are_the_authors_mistake(thresholds):
    with pytest.raises(SpecError, match="thresholds"):
        HiddenTest("t", ("f",), "", ("y",), lambda rng: [], thresholds=thresholds)


def test_partial_points_reach_nbgrader_and_the_feedback_page():
    from dlcourse.grading.feedback import render
    from dlcourse.grading.nbgrader_bridge import annotate
    from nbformat import from_dict
    from nbgrader.utils import determine_grade

    verdict = scored(0.85)
    cell = {"cell_type": "code", "source": "", "outputs": [], "execution_count": 1,
            "metadata": {"nbgrader": {"grade": True, "solution": False, "points": 10,
                                      "grade_id": "test_train", "locked": True}}}  # fmt: skip
    notebook = from_dict({"cells": [cell]})
    annotate(notebook, {"tests": [verdict]})
    assert determine_grade(notebook.cells[0]) == (5.0, 10.0)
    page = render({"assignment": NAME, "student": "s", "score": 5, "max_score": 20,
                   "tests": [verdict]})  # fmt: skip
    assert "partial" in page and "accuracy 85.0%" in page


# --- graded in the sandbox -----------------------------------------------------------------

LIMITS = Limits(cell_timeout=20, submission_timeout=90)
SOLUTION = answer_source(NAME, "train")


def grade_train(tmp_path, cells: dict[str, str], limits=LIMITS) -> dict:
    from dlcourse.grading.runner import autograde

    course = make_course(tmp_path, (NAME,))
    submit(course, "student", NAME, cells=cells)
    (row,) = autograde(course, SPEC, "test-secret", limits, jobs=1, progress=False)
    return {t["grade_id"]: t for t in row["tests"]} | {"row": row}


@pytest.mark.slow
def test_too_few_training_images_earn_partial_points(tmp_path):
    """Trained on 120 images only, the network lands between the thresholds (86%)."""
    weak = SOLUTION.replace(
        "x, targets = preprocess(images), one_hot(labels, 10)",
        "x, targets = preprocess(images[:120]), one_hot(labels[:120], 10)",
    )
    tests = grade_train(tmp_path, {"train": weak})
    assert tests["test_train"]["points"] == 5, tests["test_train"]
    assert "5 of 10 points" in tests["test_train"]["reason"]
    assert tests["row"]["score"] == 15


@pytest.mark.slow
def test_training_past_the_time_limit_scores_nothing(tmp_path):
    slow = SOLUTION.replace("    return network\n", "    time.sleep(60)\n    return network\n")
    tests = grade_train(tmp_path, {"train": slow}, Limits(cell_timeout=3, submission_timeout=60))
    assert tests["test_train"]["points"] == 0 and "did not finish in time" in \
        tests["test_train"]["reason"]  # fmt: skip
    assert tests["row"]["status"] == "timed out" and tests["row"]["score"] == 10


CHEAT = '''
def train(images, labels):
    return None


def predict(model, images):
    """Look for the test labels anywhere the grader's process could have put them."""
    import gc
    import inspect
    import os
    found = []
    for frame in inspect.stack():
        found += [v for v in frame.frame.f_locals.values() if isinstance(v, np.ndarray)]
    found += [o for o in gc.get_objects() if isinstance(o, np.ndarray)]
    for root, _, files in os.walk("."):
        for name in files:
            try:
                data = np.load(os.path.join(root, name), allow_pickle=False)
                found += [data[k] for k in data.files] if hasattr(data, "files") else [data]
            except Exception:
                pass
    for value in found:
        if value.dtype.kind in "iu" and value.shape == (len(images),):
            return value
    return np.zeros(len(images), dtype=int)
'''


@pytest.mark.slow
def test_the_hidden_labels_cannot_be_found_in_the_sandbox(tmp_path):
    """A predict that searches the process and its folder for the labels finds none: it scores
    what guessing one digit scores, and no points."""
    tests = grade_train(tmp_path, {"train": CHEAT})
    reason = tests["test_train"]["reason"]
    assert tests["test_train"]["points"] == 0 and "accuracy 10." in reason, reason


@pytest.mark.slow
@pytest.mark.parametrize(("predict", "words"), [
    ("return np.zeros(len(images))", "integer class labels"),
    ("return np.zeros(len(images) - 1, dtype=int)", "one label per example"),
    ("return np.array([object()] * len(images))", "not a plain numeric array"),
])  # fmt: skip
def test_something_other_than_a_label_array_scores_nothing(tmp_path, predict, words):
    cheat = CHEAT.split('    """Look')[0] + f"    {predict}\n"
    tests = grade_train(tmp_path, {"train": cheat})
    assert tests["test_train"]["points"] == 0 and words in tests["test_train"]["reason"]


def test_the_spec_reads_title_chapters_and_points():
    assert (SPEC.number, SPEC.title, SPEC.chapters, SPEC.max_score) == (
        7,
        "training a CNN",
        (8, 9, 10),
        20.0,
    )
    assert json.loads((FOLDER / f"{NAME}.ipynb").read_text())["cells"][0]["id"] == "intro"
