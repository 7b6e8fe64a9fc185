"""Specs match the assignment notebooks, and their hidden cases are secret but reproducible."""

from __future__ import annotations

import numpy as np
import pytest
from dlcourse.grading.extract import cell_sources, grade_id
from dlcourse.grading.specs import SPECS, case_rng, course_secret, get_spec
from grading_support import source_notebook


@pytest.mark.parametrize("name", sorted(SPECS))
def test_each_test_stands_for_a_notebook_test_cell_with_the_same_points(name):
    spec = SPECS[name]
    points = {}
    for cell in source_notebook(name)["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            points[grade_id(cell)] = meta["points"]
    assert {t.grade_id: t.points for t in spec.tests} == points


@pytest.mark.parametrize("name", sorted(SPECS))
def test_answer_and_setup_cells_exist_in_the_notebook(name):
    spec = SPECS[name]
    sources = cell_sources(source_notebook(name))
    assert set(spec.answer_cells) | set(spec.setup_cells) <= set(sources)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_manual_cells_are_the_notebooks_manually_graded_answers(name):
    manual = {grade_id(c) for c in source_notebook(name)["cells"]
              if c["metadata"].get("nbgrader", {}).get("grade")
              and c["metadata"]["nbgrader"].get("solution")}  # fmt: skip
    assert set(SPECS[name].manual_cells) == manual


@pytest.mark.parametrize("name", sorted(SPECS))
def test_max_score_is_the_notebooks_total(name):
    total = sum(c["metadata"]["nbgrader"].get("points", 0) for c in source_notebook(name)["cells"]
                if c["metadata"].get("nbgrader", {}).get("grade"))  # fmt: skip
    assert SPECS[name].max_score == total


def test_cases_depend_on_the_secret_and_are_reproducible():
    test = get_spec("a1_convolution").tests[0]
    first = test.make_cases(case_rng("secret-1", "a1_convolution", test.grade_id))
    again = test.make_cases(case_rng("secret-1", "a1_convolution", test.grade_id))
    other = test.make_cases(case_rng("secret-2", "a1_convolution", test.grade_id))
    assert np.array_equal(first[0].arrays["x"], again[0].arrays["x"])
    assert not np.array_equal(first[0].arrays["x"], other[0].arrays["x"])


def test_course_secret_is_created_once_and_private(tmp_path):
    secret = course_secret(tmp_path)
    path = tmp_path / ".dlcourse" / "grading_secret"
    assert course_secret(tmp_path) == secret and len(secret) == 64
    assert path.stat().st_mode & 0o077 == 0


def test_hand_pooling_references_are_the_seed_slice_pooled():
    spec = get_spec("a3_pooling_by_hand")
    (max_case,) = spec.tests[0].make_cases(None)
    (avg_case,) = spec.tests[1].make_cases(None)
    np.testing.assert_array_equal(max_case.expected["result"], [[6, 8], [3, 4]])
    np.testing.assert_array_equal(avg_case.expected["result"], [[3.25, 5.25], [2, 2]])


def test_unknown_assignment_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown assignment 'a9'; known: a1_convolution"):
        get_spec("a9")
