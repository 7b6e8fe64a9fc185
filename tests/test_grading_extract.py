"""Reading submitted notebooks: every problem is a status and a reason, never an exception."""

from __future__ import annotations

import hashlib
import json

import pytest
from dlcourse.grading.extract import defined_names, read_submission

CELLS = ["answer_a", "answer_b"]


def notebook(*cells) -> dict:
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": list(cells)}


def code_cell(gid, source) -> dict:
    meta = {"nbgrader": {"grade_id": gid, "solution": True, "grade": False}}
    return {"cell_type": "code", "metadata": meta, "source": source, "outputs": []}


def write(tmp_path, content) -> object:
    path = tmp_path / "nb.ipynb"
    path.write_bytes(content if isinstance(content, bytes) else json.dumps(content).encode())
    return path


def test_answer_cells_are_extracted_by_grade_id(tmp_path):
    nb = notebook(code_cell("answer_b", ["def g():\n", "    return 2\n"]), code_cell("x", "1"),
                  code_cell("answer_a", "def f():\n    return 1\n"))  # fmt: skip
    sub = read_submission(write(tmp_path, nb), CELLS)
    assert sub.status == "ok"
    assert sub.cells == {
        "answer_a": "def f():\n    return 1\n",
        "answer_b": "def g():\n    return 2\n",
    }


def test_deleted_answer_cell_is_listed_as_missing(tmp_path):
    sub = read_submission(write(tmp_path, notebook(code_cell("answer_a", "x = 1"))), CELLS)
    assert sub.status == "ok" and sub.missing_cells == ["answer_b"]


def test_first_of_duplicated_cells_wins(tmp_path):
    nb = notebook(code_cell("answer_a", "first"), code_cell("answer_a", "second"))
    assert read_submission(write(tmp_path, nb), CELLS).cells["answer_a"] == "first"


def test_missing_file_is_status_missing(tmp_path):
    sub = read_submission(tmp_path / "absent.ipynb", CELLS)
    assert (sub.status, sub.reason) == ("missing", "no file absent.ipynb")


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        (b"[1, 2, 3]", "not a notebook"),
        (json.dumps({"nbformat": 3, "cells": []}).encode(), "nbformat 3"),
        (json.dumps({"nbformat": 4, "cells": [1, 2]}).encode(), "not JSON objects"),
        (
            json.dumps(
                {
                    "nbformat": 4,
                    "cells": [
                        {
                            "cell_type": "code",
                            "source": 5,
                            "metadata": {"nbgrader": {"grade_id": "a"}},
                        }
                    ],
                }
            ).encode(),
            "neither text",
        ),  # fmt: skip
        (b"[" * 100000 + b"]" * 100000, "not"),
    ],
)
def test_malformed_notebook_is_status_malformed_with_reason(tmp_path, content, words):
    sub = read_submission(write(tmp_path, content), CELLS)
    assert sub.status == "malformed"
    assert words in sub.reason


def test_reading_never_modifies_the_submitted_file(tmp_path):
    path = write(tmp_path, notebook(code_cell("answer_a", "x = 1")))
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    mtime = path.stat().st_mtime_ns
    sub = read_submission(path, CELLS)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before == sub.sha256
    assert path.stat().st_mtime_ns == mtime


def test_defined_names_lists_top_level_functions_and_variables():
    source = "def f():\n    inner = 1\nclass C: pass\nanswer = [[1, 2]]\nx: int = 3\na.b = 4\n"
    assert defined_names(source) == {"f", "C", "answer", "x"}
    assert defined_names("def f(:") is None


def test_the_grader_finds_a_syntax_error_line_itself_and_parses_no_huge_cell():
    from dlcourse.grading.extract import MAX_PARSED_CELL_CHARS, syntax_error_line

    assert syntax_error_line("x = 1\n%timeit x\ndef f(:\n    pass\n") == 3
    assert syntax_error_line("def f(x):\n    return x.nope\n") is None  # runs, then fails
    huge = "a = 1\n" * (MAX_PARSED_CELL_CHARS // 6 + 1)
    assert syntax_error_line(huge + "def f(:\n") is None
    assert defined_names(huge + "def f(x):\n    return x\n") is None


def test_links_and_pipes_are_refused_not_followed(tmp_path):
    import os

    real = write(tmp_path, notebook(code_cell("answer_a", "x = 1")))
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "link.ipynb").symlink_to(real)
    os.mkfifo(tmp_path / "sub" / "pipe.ipynb")
    for name in ("link.ipynb", "pipe.ipynb"):
        sub = read_submission(tmp_path / "sub" / name, CELLS, root=tmp_path)
        assert sub.status == "malformed" and name in sub.reason
    (tmp_path / "linked_dir").symlink_to(tmp_path / "sub")
    sub = read_submission(tmp_path / "linked_dir" / "link.ipynb", CELLS, root=tmp_path)
    assert sub.status == "malformed"
