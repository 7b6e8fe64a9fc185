"""`dlcourse similarity`: a renamed copy among honest, independent answers is found first."""

import json
import shutil
from pathlib import Path

import pytest
from dlcourse import cli
from dlcourse.grading import similarity

ROOT = Path(__file__).resolve().parents[1]
A = "a2_pooling"
ANSWER_CELL = "max_pool2d_forward"

# Four honest answers to the same cell, written independently (different algorithms).
LOOPS = '''
def max_pool2d_forward(x, kernel_size, stride=None):
    """Max pooling with four loops."""
    kh, kw = as_pair(kernel_size)
    sh, sw = as_pair(stride if stride is not None else kernel_size)
    n, c, h, w = x.shape
    out_h, out_w = (h - kh) // sh + 1, (w - kw) // sw + 1
    out = np.empty((n, c, out_h, out_w), dtype=x.dtype)
    for i in range(n):
        for j in range(c):
            for r in range(out_h):
                for s in range(out_w):
                    window = x[i, j, r * sh : r * sh + kh, s * sw : s * sw + kw]
                    out[i, j, r, s] = window.max()
    return out, (x, kernel_size, stride)
'''

STRIDES = """
from numpy.lib.stride_tricks import as_strided

def max_pool2d_forward(x, kernel_size, stride=None):
    kernel = as_pair(kernel_size)
    step = as_pair(kernel_size if stride is None else stride)
    rows = (x.shape[2] - kernel[0]) // step[0] + 1
    cols = (x.shape[3] - kernel[1]) // step[1] + 1
    s0, s1, s2, s3 = x.strides
    view = as_strided(x, shape=x.shape[:2] + (rows, cols) + kernel,
                      strides=(s0, s1, s2 * step[0], s3 * step[1], s2, s3), writeable=False)
    return view.max(axis=(4, 5)), (x, kernel_size, stride)
"""

WINDOWS = """
def max_pool2d_forward(x, kernel_size, stride=None):
    size = as_pair(kernel_size)
    hop = size if stride is None else as_pair(stride)
    tops = range(0, x.shape[2] - size[0] + 1, hop[0])
    lefts = range(0, x.shape[3] - size[1] + 1, hop[1])
    maps = [[x[:, :, t:t + size[0], l:l + size[1]].max(axis=(2, 3)) for l in lefts]
            for t in tops]
    result = np.stack([np.stack(row, axis=-1) for row in maps], axis=-2)
    return result, (x, kernel_size, stride)
"""

IM2COL = """
def max_pool2d_forward(x, kernel_size, stride=None):
    fh, fw = as_pair(kernel_size)
    st = as_pair(stride) if stride is not None else (fh, fw)
    batch, chans, height, width = x.shape
    oh = 1 + (height - fh) // st[0]
    ow = 1 + (width - fw) // st[1]
    columns = np.zeros((batch, chans, fh * fw, oh * ow), dtype=x.dtype)
    k = 0
    for dy in range(fh):
        for dx in range(fw):
            patch = x[:, :, dy : dy + st[0] * oh : st[0], dx : dx + st[1] * ow : st[1]]
            columns[:, :, k, :] = patch.reshape(batch, chans, -1)
            k += 1
    pooled = columns.max(axis=2).reshape(batch, chans, oh, ow)
    return pooled, (x, kernel_size, stride)
"""

# LOOPS again, as a student hides a copy: every name changed, comments and spacing changed.
LOOPS_RENAMED = """
def max_pool2d_forward(x, kernel_size, stride=None):
    # my own max pooling
    a, b = as_pair(kernel_size)
    p, q = as_pair(stride if stride is not None else kernel_size)
    N_, C_, H_, W_ = x.shape
    hh, ww = (H_ - a) // p + 1, (W_ - b) // q + 1
    result = np.empty((N_, C_, hh, ww), dtype=x.dtype)
    for img in range(N_):
        for ch in range(C_):
            for row in range(hh):
                for col in range(ww):
                    patch = x[img, ch, row * p : row * p + a, col * q : col * q + b]
                    result[img, ch, row, col] = patch.max()   # biggest value
    return result, (x, kernel_size, stride)
"""

ANSWERS = {"alice": LOOPS, "bo_ra": STRIDES, "chen": WINDOWS, "dana": IM2COL,
           "zz_copy": LOOPS_RENAMED}  # fmt: skip


def _submit(course: Path, student: str, answer: str) -> None:
    notebook = json.loads((course / "assignments" / A / f"{A}.ipynb").read_text())
    for cell in notebook["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == ANSWER_CELL:
            cell["source"] = answer.strip("\n")
    folder = course / "submitted" / student / A
    folder.mkdir(parents=True)
    (folder / f"{A}.ipynb").write_text(json.dumps(notebook))


@pytest.fixture
def course(tmp_path):
    for part in ("solutions", "assignments"):
        shutil.copytree(ROOT / part / A, tmp_path / part / A)
    for student, answer in ANSWERS.items():
        _submit(tmp_path, student, answer)
    return tmp_path


def test_the_renamed_copy_is_the_most_similar_pair(course):
    template = similarity.code_cells(
        json.loads((course / "assignments" / A / f"{A}.ipynb").read_text())
    )
    codes = {s: similarity.submitted_code(course / "submitted" / s / A / f"{A}.ipynb", template)
             for s in ANSWERS}  # fmt: skip
    pairs = similarity.similar_pairs(codes, template)
    assert (pairs[0].a, pairs[0].b) == ("alice", "zz_copy")
    assert pairs[0].similarity > 0.8
    honest = [p.similarity for p in pairs if "zz_copy" not in (p.a, p.b)]
    assert max(honest, default=0.0) < 0.5


def test_released_code_that_both_kept_is_not_a_match(course):
    """Two students who each edited a long released cell share all of it: the template is not
    a match, so only what they wrote themselves counts."""
    notebook = json.loads((course / "assignments" / A / f"{A}.ipynb").read_text())
    template = similarity.code_cells(notebook)
    checks = next(c for c in template if c.startswith("# The 4x4 example"))
    codes = {"x": checks + "\nprint('checked')", "y": "# my copy\n" + checks}
    assert similarity.similar_pairs(codes, []), "without the template they would match"
    assert similarity.similar_pairs(codes, template) == []


def test_cli_writes_an_escaped_report_with_the_copy_first(course, capsys):
    """The copier names their folder with HTML: the report shows it as text."""
    copier = "<img src=x onerror=alert(1)>"
    (course / "submitted" / "zz_copy").rename(course / "submitted" / copier)
    out = course / "report.html"
    assert cli.main(["--course", str(course), "similarity", A, "--to", str(out)]) == 0
    printed = capsys.readouterr().out
    assert printed.splitlines()[1].split(maxsplit=1)[1] == f"{copier}  alice"
    page = out.read_text()
    first = page[page.index("<h2") : page.index("</h2>")]
    assert "alice" in first and "&lt;img src=x onerror=alert(1)&gt;" in first
    assert "<mark>" in page and "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "http" not in page  # self-contained: nothing to load


def test_a_link_to_another_submission_is_not_compared(course, capsys):
    """A folder that links to a classmate's submission is not read (it would copy their code)."""
    (course / "submitted" / "eve").mkdir()
    (course / "submitted" / "eve" / A).symlink_to(course / "submitted" / "alice" / A)
    report = ["--to", str(course / "r.html"), "--no-library"]  # the library's text says "never"
    assert cli.main(["--course", str(course), "similarity", A, *report]) == 0
    printed = capsys.readouterr().out
    assert "not compared (missing or unreadable): eve" in printed
    assert "eve" not in (course / "r.html").read_text()


def test_cli_names_a_missing_release(course, capsys):
    shutil.rmtree(course / "assignments")
    assert cli.main(["--course", str(course), "similarity", A]) == 2
    assert "run dlcourse release first" in capsys.readouterr().err


def test_an_answer_copied_from_the_books_library_is_reported(course, capsys):
    """The chapters show the library's code; a student who pastes it (names changed) is listed
    first beside the library, well above any honest answer (a loop answer shares its loop
    skeleton with the book's loops, so honest answers are listed too, lower)."""
    import inspect

    from dlcourse import pool

    copied = inspect.getsource(pool.max_pool2d_forward)
    for old, new in (("windows", "patches"), ("out", "res"), ("x", "inp")):
        copied = copied.replace(old, new)
    _submit(course, "lib_copy", copied)
    out = course / "report.html"
    assert cli.main(["--course", str(course), "similarity", A, "--to", str(out)]) == 0
    printed = capsys.readouterr().out
    with_library = [line.split() for line in printed.splitlines() if similarity.LIBRARY in line]
    assert with_library and with_library[0][1:] == [similarity.LIBRARY, "lib_copy"], printed
    assert float(with_library[0][0].rstrip("%")) > 80
    honest = [row for row in with_library if row[2] in ANSWERS]
    assert all(float(row[0].rstrip("%")) < 75 for row in honest), printed
    assert similarity.LIBRARY in out.read_text()
    assert cli.main(["--course", str(course), "similarity", A, "--no-library", "--to",
                     str(out)]) == 0  # fmt: skip
    assert similarity.LIBRARY not in capsys.readouterr().out
