"""The student guide's JupyterLab set-up, run from the guide's own text: instructor menus and the
exchange's Assignments tab are switched off, the Validate button stays."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

GUIDE = Path(__file__).resolve().parents[1] / "book" / "assignments" / "student_guide.md"
NBGRADER = "@jupyter/nbgrader:"
INSTRUCTOR_PLUGINS = {NBGRADER + name for name in ("menu", "formgrader", "create-assignment",
                                                   "course-list", "assignment-list")}  # fmt: skip


@pytest.mark.slow
def test_the_guides_command_leaves_students_only_validate(tmp_path):
    blocks = re.findall(r"```bash\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)
    (command,) = [b for b in blocks if "labextension disable" in b]
    words = command.replace("\\\n", " ").split()
    assert words[:3] == ["jupyter", "labextension", "disable"]
    # the guide writes into the student's environment; here, into a folder of our own
    words = [w.replace("--level=sys_prefix", "--level=user") for w in words]
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp_path))
    jupyter = Path(sys.executable).with_name("jupyter")
    subprocess.run([str(jupyter), *words[1:]], env=env, check=True, capture_output=True)
    (config,) = tmp_path.rglob("page_config.json")
    disabled = {k for k, v in json.loads(config.read_text())["disabledExtensions"].items() if v}
    assert disabled == INSTRUCTOR_PLUGINS
    # they are nbgrader's plugins (the bundle names them all), Validate's is not among them
    bundle = Path(sys.prefix, "share", "jupyter", "labextensions", "@jupyter", "nbgrader")
    text = "".join(p.read_text(errors="replace") for p in bundle.rglob("*.js"))
    plugins = set(re.findall(r'"(@jupyter/nbgrader:[a-z-]+)"', text))
    assert INSTRUCTOR_PLUGINS < plugins and NBGRADER + "validate-assignment" in plugins - disabled
