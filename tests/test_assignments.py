"""The graded nbgrader assignments: sources, student versions, and grading end to end.

Fast tests read the notebooks (and run the visible test cells in-process on correct and on
deliberately wrong answers). Slow tests run nbgrader itself in a temporary copy of the course:
`generate_assignment`, `autograde` of blank, correct and one-bug submissions (one run, shared
by a module fixture), and `validate`. Nothing is ever written into the repository.
"""

from __future__ import annotations

import ast
import contextlib
import importlib.util
import os
import re
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location(
    "dlcourse_assignments", ROOT / "tools" / "assignments.py"
)
tool = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = tool  # dataclasses look their module up while the class is created
_spec.loader.exec_module(tool)

NAMES = tool.all_names()
CODE_STUB = 'raise NotImplementedError("not answered yet: replace this line with your solution")'
TEXT_STUB = "YOUR ANSWER HERE: replace this text with your answer."
RUNTIME_PATHS = ["submitted", "autograded", "feedback", "gradebook.db"]


def source(name):
    return tool.read(tool.source_path(name))


def release(name):
    return tool.read(tool.release_path(name))


def release_text(name):
    """Everything a student receives: the whole file and every cell source, unescaped."""
    nb = release(name)
    return tool.release_path(name).read_text() + "\n".join(c.source for c in nb.cells)


def meta(cell):
    return tool.nbgrader_meta(cell)


# --- configuration ---------------------------------------------------------------------------


def load_config(env=None):
    from traitlets.config.loader import PyFileConfigLoader

    old = dict(os.environ)
    try:
        os.environ.pop("DLCOURSE_DB_URL", None)
        os.environ.update(env or {})
        return PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()
    finally:
        os.environ.clear()
        os.environ.update(old)


def test_config_names_the_course_folders_and_a_sqlite_gradebook():
    c = load_config()
    assert c.CourseDirectory.course_id == "dlcourse"
    assert Path(c.CourseDirectory.root) == ROOT
    assert c.CourseDirectory.source_directory == "solutions"
    assert c.CourseDirectory.release_directory == "assignments"
    assert c.CourseDirectory.db_url == f"sqlite:///{ROOT / 'gradebook.db'}"
    assert c.Execute.timeout > 0 and c.ExecutePreprocessor.timeout == c.Execute.timeout


def test_config_reads_the_database_url_from_the_environment():
    url = "postgresql://grader@db.example.org/dlcourse"
    assert load_config({"DLCOURSE_DB_URL": url}).CourseDirectory.db_url == url


def test_every_grading_path_goes_through_the_sandboxed_judge():
    """nbgrader autograde and the formgrader's buttons: the judge, never a kernel."""
    from dlcourse.grading.nbgrader_bridge import SandboxJudge, WriteFeedbackPage
    from nbgrader.preprocessors import Execute

    c = load_config()
    assert SandboxJudge in c.Autograde.autograde_preprocessors
    assert Execute not in c.Autograde.autograde_preprocessors
    assert WriteFeedbackPage in c.GenerateFeedback.preprocessors
    assert "hidden_tests.py" in c.CourseDirectory.ignore  # never released, never copied


def test_validate_keeps_long_messages_whole():
    from nbgrader.validator import Validator

    load_config()  # the course's config patches nbgrader's Validator when it is read
    line = "expected shape (2, 4, 3, 3) " * 10
    assert Validator()._indent(line).strip() == line.strip()


def test_the_course_id_is_the_one_the_gradebook_code_uses():
    from dlcourse.grading.gradebook import COURSE_ID

    assert load_config().CourseDirectory.course_id == COURSE_ID


def test_runtime_folders_are_ignored_by_git():
    ignored = (ROOT / ".gitignore").read_text().split()
    for path in RUNTIME_PATHS:
        assert path in ignored or f"{path}/" in ignored, path


# --- structure of the instructor notebooks ----------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_points_add_up_to_the_round_total_shown_at_the_top(name):
    nb = source(name)
    points = {meta(c)["grade_id"]: meta(c)["points"] for c in nb.cells if meta(c).get("grade")}
    total = tool.spec(name).max_score
    assert sum(points.values()) == total and total % 10 == 0
    title = nb.cells[0].source.splitlines()[0]
    assert title.startswith("# ") and f"({total:g} points)" in title


@pytest.mark.parametrize("name", NAMES)
def test_graded_cells_have_stable_ids_matching_their_grade_ids(name):
    nb = source(name)
    for cell in nb.cells:
        if meta(cell):
            assert cell.id == meta(cell)["grade_id"]
    answers = {meta(c)["grade_id"] for c in nb.cells if meta(c).get("solution")}
    spec = tool.spec(name)
    assert answers == set(spec.answer_cells) | set(spec.manual_cells)


@pytest.mark.parametrize("name", NAMES)
def test_every_test_cell_has_hidden_tests_after_its_visible_ones(name):
    for cell in source(name).cells:
        if meta(cell).get("grade") and cell.cell_type == "code":
            hidden = tool.hidden_tests(cell.source)
            assert len(hidden) == 1, meta(cell)["grade_id"]
            visible = cell.source.replace(hidden[0], "")
            assert "dlcourse" not in visible and visible.strip()


@pytest.mark.parametrize("name", NAMES)
def test_instructor_notebooks_are_stored_without_outputs(name):
    for cell in source(name).cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.id


# --- the committed student versions -----------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_release_is_the_source_with_solutions_and_hidden_tests_removed(name):
    """Cell by cell: the release is what nbgrader makes of the current source (fast check)."""
    src, rel = source(name), release(name)
    assert [c.id for c in rel.cells] == [c.id for c in src.cells]
    for s, r in zip(src.cells, rel.cells, strict=True):
        if meta(s).get("solution") and s.cell_type == "markdown":
            expected = TEXT_STUB
        elif meta(s).get("solution"):
            expected = tool.SOLUTION_REGION.sub(
                lambda m: (
                    re.match(r"[ \t]*", m.group(0)).group(0)
                    + "# YOUR CODE HERE: replace the next line with your solution.\n"
                    + re.match(r"[ \t]*", m.group(0)).group(0)
                    + CODE_STUB
                    + "\n"
                ),
                s.source,
            ).rstrip("\n")
        else:
            expected = tool.HIDDEN_REGION.sub("", s.source)
        assert r.source.rstrip("\n") == expected.rstrip("\n"), f"{name}: cell {s.id} is stale"
        assert {k: v for k, v in meta(r).items() if k not in ("checksum", "cell_type")} == meta(s)


@pytest.mark.parametrize("name", NAMES)
def test_release_contains_no_solution_text(name):
    text = release_text(name)
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
    cells = source(name).cells
    # what the instructor wrote outside the solutions (a specification may quote a line)
    public = "\n".join(
        tool.SOLUTION_REGION.sub("", c.source)
        for c in cells
        if c.cell_type == "code" or not meta(c).get("solution")
    )
    for cell in cells:
        if not meta(cell).get("solution"):
            continue
        regions = tool.SOLUTION_REGION.findall(cell.source) or [cell.source]
        for line in "\n".join(regions).splitlines():
            line = line.strip()
            if len(line) >= 12 and "SOLUTION" not in line and line not in public:
                assert line not in text, f"solution line leaked into the release: {line!r}"


@pytest.mark.parametrize("name", NAMES)
def test_release_contains_no_hidden_test(name):
    text = release_text(name)
    assert "HIDDEN TESTS" not in text and "dlcourse" not in text
    for cell in source(name).cells:
        for region in tool.hidden_tests(cell.source):
            for line in region.splitlines():
                line = line.strip()
                if len(line) >= 12 and "HIDDEN TESTS" not in line:
                    assert line not in text, f"hidden test leaked: {line!r}"


@pytest.mark.parametrize("name", NAMES)
def test_release_checksums_are_of_the_released_cells_only(name):
    """A checksum of the solution would let a student brute-force short answers (assignment 3)."""
    from nbgrader.utils import compute_checksum

    for cell in release(name).cells:
        if "checksum" in meta(cell):
            assert meta(cell)["checksum"] == compute_checksum(cell), cell.id


@pytest.mark.parametrize("name", NAMES)
def test_release_locks_test_and_read_only_cells_in_jupyterlab(name):
    for cell in release(name).cells:
        if meta(cell).get("locked"):
            assert cell.metadata.get("editable") is False, cell.id
        if meta(cell):
            assert cell.metadata.get("deletable") is False, cell.id


@pytest.mark.parametrize("name", NAMES)
def test_release_needs_only_numpy(name):
    allowed = {"numpy", "time"}
    for cell in release(name).cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.Import):
                assert {a.name.split(".")[0] for a in node.names} <= allowed, cell.id
            elif isinstance(node, ast.ImportFrom):
                assert node.module.split(".")[0] in allowed, cell.id


@pytest.mark.parametrize("name", NAMES)
def test_release_is_stored_without_outputs(name):
    for cell in release(name).cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


def test_pooling_by_hand_answers_cannot_be_found_in_the_release():
    """Run every released code cell: no value it defines is one of the two pooled maps."""
    answers = [np.array([[6.0, 8.0], [3.0, 4.0]]), np.array([[3.25, 5.25], [2.0, 2.0]])]
    namespace: dict = {}
    for cell in release("a3_pooling_by_hand").cells:
        if cell.cell_type == "code" and not meta(cell).get("solution"):
            try:
                exec(cell.source, namespace)
            except NameError:  # test cells read the answers the student has not written
                pass
    for value in namespace.values():
        try:
            array = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            continue
        assert not any(array.shape == a.shape and np.allclose(array, a) for a in answers)
    text = release_text("a3_pooling_by_hand")
    for literal in ["3.25", "5.25", "[6, 8]", "[[6", "13 / 4", "13/4"]:
        assert literal not in text


# --- visible tests teach: they pass on a correct answer and name the mistake otherwise --------


def visible_namespace(name: str, bug: tuple[str, list[tuple[str, str]]] | None = None) -> dict:
    """Execute the setup, check and (correct, or buggy) answer cells of a notebook in-process,
    in the notebook's folder (as JupyterLab runs it: a data file beside it is found)."""
    with contextlib.chdir(tool.source_path(name).parent):
        return _visible_namespace(name, bug)


def _visible_namespace(name, bug) -> dict:
    namespace: dict = {}
    for cell in source(name).cells:
        m = meta(cell)
        if cell.cell_type != "code" or m.get("grade") or not m:
            continue
        text = tool.solution_text(cell.source) if m.get("solution") else cell.source
        if bug is not None and m["grade_id"] == bug[0]:
            for old, new in bug[1]:
                assert text.count(old) >= 1, f"{old!r} not in {bug[0]}"
                text = text.replace(old, new)
        exec(text, namespace)
    return namespace


def run_visible_test(name: str, test_id: str, namespace: dict) -> None:
    cell = next(c for c in release(name).cells if meta(c).get("grade_id") == test_id)
    exec(cell.source, namespace)


@pytest.mark.parametrize(
    ("name", "test_id"),
    [(n, gid) for n in NAMES for gid in tool.spec(n).test_cells],
)
def test_visible_tests_pass_on_the_correct_answer(name, test_id, capsys):
    run_visible_test(name, test_id, visible_namespace(name))
    assert "Traceback" not in capsys.readouterr().err


CONV_PAD = "xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))"
MISTAKES = {
    # id: (assignment, answer cell, replacements, test cell, words the failure must contain)
    "conv-kernel-flipped": (
        "a1_convolution",
        "conv2d_forward_loop",
        [("np.sum(window * w[f])", "np.sum(window * w[f, :, ::-1, ::-1])")],
        "test_conv2d_forward_loop",
        "flipped by 180 degrees",
    ),
    "conv-kernel-transposed": (
        "a1_convolution",
        "conv2d_forward_loop",
        [("np.sum(window * w[f])", "np.sum(window * w[f].transpose(0, 2, 1))")],
        "test_conv2d_forward_loop",
        "kernel is transposed",
    ),
    "conv-bias-missing": (
        "a1_convolution",
        "conv2d_forward_loop",
        [(" + b[f]", "")],
        "test_conv2d_forward_loop",
        "missing bias",
    ),
    "conv-one-channel-only": (
        "a1_convolution",
        "conv2d_forward_loop",
        [("np.sum(window * w[f])", "np.sum(window[0] * w[f, 0])")],
        "test_conv2d_forward_loop",
        "sum over channels",
    ),
    "conv-padding-ignored": (
        "a1_convolution",
        "conv2d_forward_loop",
        [
            ("(H + 2 * padding - HH)", "(H - HH)"),
            ("(W + 2 * padding - WW)", "(W - WW)"),
            (CONV_PAD, "xp = x"),
        ],
        "test_conv2d_forward_loop",
        "padding ignored?",
    ),
    "conv-padding-one-sided": (
        "a1_convolution",
        "conv2d_forward_loop",
        [("(padding, padding), (padding, padding)", "(2 * padding, 0), (2 * padding, 0)")],
        "test_conv2d_forward_loop",
        "zero padding",
    ),
    "conv-stride-ignored": (
        "a1_convolution",
        "conv2d_forward_loop",
        [
            ("HH) // stride + 1", "HH) + 1"),
            ("WW) // stride + 1", "WW) + 1"),
            ("i * stride", "i"),
            ("j * stride", "j"),
        ],
        "test_conv2d_forward_loop",
        "stride ignored?",
    ),
    "conv-input-modified": (
        "a1_convolution",
        "conv2d_forward_loop",
        [("    return out", "    x[:] = 0\n    return out")],
        "test_conv2d_forward_loop",
        "changed x, w or b in place",
    ),
    "conv-vectorised-no-cache": (
        "a1_convolution",
        "conv2d_forward",
        [("return out, cache", "return out")],
        "test_conv2d_forward",
        "must return a pair (out, cache)",
    ),
    "conv-vectorised-other-cache": (
        "a1_convolution",
        "conv2d_forward",
        [("cache = (x, w, b, stride, padding)", "cache = (x, w, b)")],
        "test_conv2d_forward",
        "the cache must be the tuple (x, w, b, stride, padding)",
    ),
    "conv-vectorised-bias-missing": (
        "a1_convolution",
        "conv2d_forward",
        [(" + b[None, :, None, None]", "")],
        "test_conv2d_forward",
        "missing bias",
    ),
    "conv-db-missing": (
        "a1_convolution",
        "conv2d_backward",
        [("db = dout.sum(axis=(0, 2, 3))", "db = np.zeros_like(b)")],
        "test_conv2d_backward",
        "missing bias gradient",
    ),
    "conv-dw-flipped": (
        "a1_convolution",
        "conv2d_backward",
        [("axes=([0, 2, 3], [0, 2, 3]))", "axes=([0, 2, 3], [0, 2, 3]))[..., ::-1, ::-1]")],
        "test_conv2d_backward",
        "dw is flipped",
    ),
    "conv-dx-flipped": (
        "a1_convolution",
        "conv2d_backward",
        [("w[:, :, a, d])", "w[:, :, HH - 1 - a, WW - 1 - d])")],
        "test_conv2d_backward",
        "the filter is flipped",
    ),
    "conv-dx-overwritten": (
        "a1_convolution",
        "conv2d_backward",
        [("dxp[:, :, rows, cols] += ", "dxp[:, :, rows, cols] = ")],
        "test_conv2d_backward",
        "use +=",
    ),
    "conv-dx-padding-kept": (
        "a1_convolution",
        "conv2d_backward",
        [("dx = dxp[:, :, padding : padding + H, padding : padding + W]", "dx = dxp")],
        "test_conv2d_backward",
        "cut the padding off",
    ),
    "pool-max-is-min": (
        "a2_pooling",
        "max_pool2d_forward",
        [("-np.inf", "np.inf"), ("np.maximum", "np.minimum")],
        "test_max_pool2d_forward",
        "returned the minimum",
    ),
    "pool-max-starts-at-zero": (
        "a2_pooling",
        "max_pool2d_forward",
        [("np.full((N, C, H_out, W_out), -np.inf)", "np.zeros((N, C, H_out, W_out))")],
        "test_max_pool2d_forward",
        "start the running maximum at -inf",
    ),
    "pool-stride-ignored": (
        "a2_pooling",
        "max_pool2d_forward",
        [("as_pair(kernel_size if stride is None else stride)", "as_pair(kernel_size)")],
        "test_max_pool2d_forward",
        "stride ignored?",
    ),
    "pool-stride-none-unhandled": (
        "a2_pooling",
        "max_pool2d_forward",
        [("as_pair(kernel_size if stride is None else stride)", "as_pair(stride)")],
        "test_max_pool2d_forward",
        "stride=None means stride = kernel_size",
    ),
    "pool-square-windows-only": (
        "a2_pooling",
        "max_pool2d_forward",
        [("kh, kw = as_pair(kernel_size)", "kh = kw = as_pair(kernel_size)[0]")],
        "test_max_pool2d_forward",
        "rectangular window",
    ),
    "pool-max-other-cache": (
        "a2_pooling",
        "max_pool2d_forward",
        [("cache = (x, kernel_size, stride)", "cache = (x, (kh, kw), (sh, sw))")],
        "test_max_pool2d_forward",
        "the cache must be the tuple (x, kernel_size, stride)",
    ),
    "pool-max-backward-spreads": (
        "a2_pooling",
        "max_pool2d_backward",
        [("+= dout * is_max", "+= dout / (kh * kw)")],
        "test_max_pool2d_backward",
        "gradient of average pooling",
    ),
    "pool-max-backward-everywhere": (
        "a2_pooling",
        "max_pool2d_backward",
        [("+= dout * is_max", "+= dout")],
        "test_max_pool2d_backward",
        "only the cell that held the maximum",
    ),
    "pool-max-backward-overwrites": (
        "a2_pooling",
        "max_pool2d_backward",
        [("+= dout * is_max", "= dout * is_max")],
        "test_max_pool2d_backward",
        "use +=",
    ),
    "pool-avg-is-sum": (
        "a2_pooling",
        "avg_pool2d_forward",
        [("out /= kh * kw", "pass")],
        "test_avg_pool2d_forward",
        "divide by the window size",
    ),
    "pool-avg-backward-not-divided": (
        "a2_pooling",
        "avg_pool2d_backward",
        [("share = dout / (kh * kw)", "share = dout")],
        "test_avg_pool2d_backward",
        "gets dout / (kh * kw)",
    ),
    "pool-avg-backward-overwrites": (
        "a2_pooling",
        "avg_pool2d_backward",
        [("] += share", "] = share")],
        "test_avg_pool2d_backward",
        "use +=",
    ),
    "by-hand-wrong-shape": (
        "a3_pooling_by_hand",
        "max_pool_answer",
        [("[[6, 8],\n                   [3, 4]]", "[6, 8, 3, 4]")],
        "test_max_pool_answer",
        "must have 2 rows of 2 numbers",
    ),
    "by-hand-not-numbers": (
        "a3_pooling_by_hand",
        "avg_pool_answer",
        [("[2, 2]]", '[2, "two"]]')],
        "test_avg_pool_answer",
        "must be a list of two rows of two numbers",
    ),
}


@pytest.mark.parametrize("mistake", list(MISTAKES))
def test_visible_test_names_the_mistake(mistake):
    name, answer_id, replacements, test_id, words = MISTAKES[mistake]
    namespace = visible_namespace(name, (answer_id, replacements))
    with pytest.raises(Exception) as failure:
        run_visible_test(name, test_id, namespace)
    assert words in str(failure.value)


# --- slow: nbgrader itself ---------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_instructor_notebook_passes_all_its_tests_without_stderr(name):
    import nbclient

    nb = source(name)
    folder = tool.source_path(name).parent  # where JupyterLab runs it: hidden_tests.py is there
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3").execute(cwd=str(folder))
    for cell in nb.cells:
        if cell.cell_type == "code":
            for output in cell.outputs:
                assert output.output_type != "error", cell.id
                assert not (output.output_type == "stream" and output.name == "stderr"), (
                    f"{cell.id} wrote to stderr: {output.text}"
                )


@pytest.mark.slow
def test_committed_student_versions_are_up_to_date():
    assert tool.stale() == [], "run `make assignments` (python tools/assignments.py)"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """One autograde run of every simulated student of every assignment, in a temporary course."""
    before = {p: (ROOT / p).exists() for p in RUNTIME_PATHS}
    course = tmp_path_factory.mktemp("grading") / "course"
    table = tool.autograde_scenario(course)
    after = {p: (ROOT / p).exists() for p in RUNTIME_PATHS}
    assert after == before, "grading wrote into the repository"
    return course, table


@pytest.mark.slow
def test_plain_nbgrader_generate_assignment_writes_the_committed_files(graded):
    """An instructor running `nbgrader generate_assignment` in the repository changes nothing."""
    course, _ = graded  # its releases were made by plain `nbgrader generate_assignment`
    for name in NAMES:
        assert tool.release_path(name, course).read_bytes() == tool.release_path(name).read_bytes()


def score(grades, grade_id):
    return grades[grade_id]["score"]


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_blank_release_scores_zero(graded, name):
    _, table = graded
    grades = table[name]["blank"]
    assert all(g["score"] == 0 and not g["needs_manual"] for g in grades.values()), grades


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_correct_submission_scores_full_marks(graded, name):
    _, table = graded
    spec = tool.spec(name)
    grades = table[name]["correct"]
    for test in spec.tests:
        assert score(grades, test.grade_id) == test.points, test.grade_id
    for gid in spec.manual_cells:  # written answers wait for the instructor
        assert grades[gid]["needs_manual"]


@pytest.mark.slow
def test_written_answer_counts_once_the_instructor_grades_it(graded):
    from nbgrader.api import Gradebook

    course, _ = graded
    name = "a3_pooling_by_hand"
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        grade = gb.find_grade("max_pool_written", name, name, "correct")
        grade.manual_score = 4
        gb.db.commit()
        assert gb.find_submission(name, "correct").score == tool.spec(name).max_score


BUGGY = [(n, gid) for n in NAMES for gid in tool.spec(n).mistakes]


def cells_testing(name: str, answer_id: str) -> set[str]:
    """The test cells that call a name the answer cell ``answer_id`` defines."""
    from dlcourse.grading.extract import defined_names

    cell = next(c for c in source(name).cells if meta(c).get("grade_id") == answer_id)
    defined = defined_names(tool.solution_text(cell.source))
    return {t.grade_id for t in tool.spec(name).tests if defined & set(t.functions)}


@pytest.mark.slow
@pytest.mark.parametrize(("name", "answer_id"), BUGGY)
def test_one_bug_loses_exactly_the_points_of_its_answer(graded, name, answer_id):
    _, table = graded
    grades = table[name][f"bug-{answer_id}"]
    broken = cells_testing(name, answer_id)
    assert broken, answer_id
    for test in tool.spec(name).tests:
        expected = 0 if test.grade_id in broken else test.points
        assert score(grades, test.grade_id) == expected, (test.grade_id, grades)


def validate(course: Path, notebooks: list[Path]) -> dict[str, str]:
    """Run `nbgrader validate` once on several notebooks; return each one's report by path."""
    result = tool.nbgrader(["validate", *map(str, notebooks)], course)
    reports = re.split(r"\[ValidateApp \| INFO\] Validating '", result.stdout)
    return {r.split("'", 1)[0]: r for r in reports[1:]}


@pytest.mark.slow
def test_validate_passes_on_the_solution_and_fails_on_the_untouched_release(graded):
    course, _ = graded
    solutions = {n: tool.source_path(n, course) for n in NAMES}
    releases = {n: tool.release_path(n, course) for n in NAMES}
    reports = validate(course, [*solutions.values(), *releases.values()])
    for name in NAMES:
        assert "Success! Your notebook passes all the tests." in reports[str(solutions[name])]
        assert "VALIDATION FAILED" in reports[str(releases[name])]


def test_tool_rejects_unknown_assignment_names(capsys):
    with pytest.raises(SystemExit) as exit_:
        tool.main(["--check", "a9_nothing"])
    assert exit_.value.code != 0 and "unknown assignment" in capsys.readouterr().err


@pytest.mark.slow
def test_validate_agrees_with_the_grade_of_every_simulated_student(graded):
    """Every test cell Validate reports failing lost its points; a cell that passes Validate and
    still lost points lost them on the hidden inputs' values (never on an error Validate did not
    show). Validate's messages are whole: no line is cut short with "..."."""
    import json

    course, table = graded
    for name in NAMES:
        paths = {
            s: course / "submitted" / s / name / f"{name}.ipynb" for s in tool.submissions(name)
        }
        reports = validate(course, list(paths.values()))
        release_cells = {meta(c).get("grade_id"): c.source for c in release(name).cells}
        for student, path in paths.items():
            report = reports[str(path)]
            assert not re.search(r"\.\.\.\n", report), report
            row = json.loads((course / "grading" / name / f"{student}.json").read_text())
            lost = {t["grade_id"]: t["reason"] for t in row["tests"] if not t["passed"]}
            failed = {gid for gid in tool.spec(name).test_cells
                      if release_cells[gid].splitlines()[0] in report}  # fmt: skip
            assert failed <= set(lost), (name, student, failed, lost)
            for gid in set(lost) - failed:
                assert "wrong values" in lost[gid] and "raised" not in lost[gid], (student, lost)
            assert ("Success!" in report) == (not failed), (name, student)
