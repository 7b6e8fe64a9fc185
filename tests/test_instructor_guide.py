"""The instructor guide's ``dlcourse`` commands, run from the guide's own text in a fresh course:
release with a due date, roster import, autograde (one collected submission), feedback, export,
similarity."""

from __future__ import annotations

import csv
import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from grading_support import ROOT, make_course, submit

GUIDE = ROOT / "book" / "assignments" / "instructor_guide.md"


def guide_commands() -> list[list[str]]:
    """Every ``dlcourse`` line of the guide's bash blocks, in order, comments removed."""
    blocks = re.findall(r"```bash\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)
    lines = [line for block in blocks for line in block.splitlines()]
    return [shlex.split(line, comments=True) for line in lines if line.startswith("dlcourse ")]


@pytest.mark.slow
def test_the_guides_commands_run_in_order_and_fill_the_gradebook(tmp_path):
    commands = guide_commands()
    assert [c[1] for c in commands] == ["release", "roster", "autograde", "feedback", "export",
                                         "similarity"]  # fmt: skip
    course = make_course(tmp_path)
    (course.root / "students.csv").write_text("id,name,email\nada,Ada Lovelace,ada@x.org\n"
                                              "bob,Bob Ross,\n", encoding="utf-8")  # fmt: skip
    dlcourse = Path(sys.executable).with_name("dlcourse")
    for number, command in enumerate(commands):
        if command[1] == "autograde":  # a submission arrives after the release
            submit(course, "ada", "a1_convolution", timestamp="2026-12-02 08:00:00")
            shutil.rmtree(course.root / "grading", ignore_errors=True)
        done = subprocess.run([str(dlcourse), *command[1:], "--quiet"] if command[1] ==
                              "autograde" else [str(dlcourse), *command[1:]], cwd=course.root,
                              capture_output=True, text=True)  # fmt: skip
        assert done.returncode == 0, (number, command, done.stdout, done.stderr)
    with open(course.root / "grading" / "grades.csv", encoding="utf-8") as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    assert (rows["ada"]["score"], rows["ada"]["status"]) == ("40", "late")  # due date recorded
    assert (rows["bob"]["score"], rows["bob"]["status"]) == ("0", "missing")  # from the roster
    page = course.root / "feedback" / "ada" / "a1_convolution" / "feedback.html"
    assert "Score: 40 / 40" in page.read_text()
    assert "<h1>Similar submissions: a1_convolution</h1>" in (
        course.root / "grading" / "a1_convolution_similarity.html"
    ).read_text(encoding="utf-8")
    assert json.loads((course.root / "assignments" / "a1_convolution" /
                       "a1_convolution.ipynb").read_text())["cells"]  # fmt: skip
