"""An assignment is its folder: ids and points from the notebook, judging from hidden_tests.py."""

from __future__ import annotations

import contextlib
import json
import shutil

import numpy as np
import pytest
from dlcourse.grading.extract import cell_sources, defined_names, grade_id
from dlcourse.grading.hidden import run_hidden_test
from dlcourse.grading.specs import (
    SpecError,
    assignment_names,
    case_rng,
    course_secret,
    default_source,
    get_spec,
    load_spec,
)
from grading_support import SOLUTIONS, source_notebook

NAMES = assignment_names(SOLUTIONS)


def test_every_folder_of_solutions_is_an_assignment():
    folders = sorted(p.name for p in SOLUTIONS.iterdir() if p.is_dir())
    assert NAMES == folders and len(NAMES) >= 3
    assert default_source() == SOLUTIONS


@pytest.mark.parametrize("name", NAMES)
def test_each_test_stands_for_a_notebook_test_cell_with_its_points(name):
    points = {}
    for cell in source_notebook(name)["cells"]:
        meta = cell["metadata"].get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            points[grade_id(cell)] = meta["points"]
    assert {t.grade_id: t.points for t in get_spec(name).tests} == points


@pytest.mark.parametrize("name", NAMES)
def test_answer_and_read_only_cells_come_from_the_metadata(name):
    spec = get_spec(name)
    cells = source_notebook(name)["cells"]
    answers = [grade_id(c) for c in cells if c["cell_type"] == "code"
               and c["metadata"].get("nbgrader", {}).get("solution")]  # fmt: skip
    assert list(spec.answer_cells) == answers
    locked = set(cell_sources(source_notebook(name))) - set(answers) - set(spec.test_cells)
    assert set(spec.setup_cells) == locked


@pytest.mark.parametrize("name", NAMES)
def test_manual_cells_are_the_notebooks_written_answers(name):
    cells = source_notebook(name)["cells"]
    manual = {grade_id(c): c["metadata"]["nbgrader"]["points"] for c in cells
              if c["metadata"].get("nbgrader", {}).get("grade")
              and c["metadata"]["nbgrader"].get("solution")}  # fmt: skip
    spec = get_spec(name)
    assert set(spec.manual_cells) == set(manual) and spec.manual_points == sum(manual.values())


@pytest.mark.parametrize("name", NAMES)
def test_max_score_is_the_notebooks_total(name):
    total = sum(c["metadata"]["nbgrader"].get("points", 0) for c in source_notebook(name)["cells"]
                if c["metadata"].get("nbgrader", {}).get("grade"))  # fmt: skip
    assert get_spec(name).max_score == total


@pytest.mark.parametrize("name", NAMES)
def test_mistakes_name_answer_cells_and_apply_to_the_solution(name):
    spec = get_spec(name)
    sources = cell_sources(source_notebook(name))
    for gid, (old, _, _) in spec.mistakes.items():
        assert gid in spec.answer_cells and sources[gid].count(old) == 1, gid


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


def test_hand_pooling_references_are_the_slice_pooled():
    spec = get_spec("a3_pooling_by_hand")
    (max_case,) = spec.tests[0].make_cases(None, spec.task)
    (avg_case,) = spec.tests[1].make_cases(None, spec.task)
    np.testing.assert_array_equal(max_case.expected["result"], [[6, 8], [3, 4]])
    np.testing.assert_array_equal(avg_case.expected["result"], [[3.25, 5.25], [2, 2]])
    assert all(t.typed_answer for t in spec.tests)


def test_unknown_assignment_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown assignment 'a9'.*known: .*a1_convolution"):
        get_spec("a9")


def test_a_test_cell_without_a_hidden_test_is_named(tmp_path):
    folder = tmp_path / "a1_convolution"
    shutil.copytree(SOLUTIONS / "a1_convolution", folder)
    text = (folder / "hidden_tests.py").read_text()
    (folder / "hidden_tests.py").write_text(text + "\ndel TESTS['test_conv2d_backward']\n")
    with pytest.raises(SpecError, match="no HiddenTest for cell 'test_conv2d_backward'"):
        load_spec(folder)


def test_a_hidden_test_without_its_cell_is_named(tmp_path):
    folder = tmp_path / "a1_convolution"
    shutil.copytree(SOLUTIONS / "a1_convolution", folder)
    notebook = json.loads((folder / "a1_convolution.ipynb").read_text())
    notebook["cells"] = [c for c in notebook["cells"] if grade_id(c) != "test_conv2d_forward"]
    (folder / "a1_convolution.ipynb").write_text(json.dumps(notebook))
    with pytest.raises(SpecError, match="not test cells: \\['test_conv2d_forward'\\]"):
        load_spec(folder)


def _solution_namespace(name: str, bug: tuple[str, str, str] | None = None) -> dict:
    """The instructor notebook's code cells run in order, in the notebook's folder (a data file
    is found), with ``bug`` = (answer cell, old, new) put in: a later cell that calls the buggy
    function calls the buggy one, as in the grader."""
    namespace: dict = {}
    with contextlib.chdir(SOLUTIONS / name):
        for cell in source_notebook(name)["cells"]:
            meta = cell["metadata"].get("nbgrader", {})
            if cell["cell_type"] == "code" and meta and not meta.get("grade"):
                source = "".join(cell["source"])
                if bug is not None and grade_id(cell) == bug[0]:
                    source = source.replace(bug[1], bug[2])
                exec(source, namespace)
    return namespace


@pytest.mark.parametrize("name", NAMES)
def test_the_notebooks_hidden_tests_run_the_graders_cases(name):
    """The hidden region of each test cell runs the grader's HiddenTest: it passes on the
    solution and fails, naming the output, on the assignment's own mistakes."""
    spec = get_spec(name)
    namespace = _solution_namespace(name)
    for test in spec.tests:
        rng = np.random.default_rng(0)
        cases = test.draw_cases(rng, spec.task)
        assert run_hidden_test(test.grade_id, namespace, SOLUTIONS / name) == len(cases)
    sources = cell_sources(source_notebook(name))
    for gid, (old, new, _) in spec.mistakes.items():
        broken = _solution_namespace(name, (gid, old, new))
        defined = defined_names(sources[gid]) or set()
        failing = [t for t in spec.tests if defined & set(t.functions)]
        assert failing, gid
        for test in failing:
            if test.functions[0] in defined:  # the driver calls the buggy function itself
                with pytest.raises(AssertionError, match="hidden test [0-9]+ of [0-9]+: "):
                    run_hidden_test(test.grade_id, broken, SOLUTIONS / name)
            else:  # reached through a later function (a0's training, a4's network)
                with pytest.raises(Exception):  # noqa: B017 (wrong values, or an error raised)
                    run_hidden_test(test.grade_id, broken, SOLUTIONS / name)
