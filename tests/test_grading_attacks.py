"""The attack catalogue: every cheat in ``tests/grading_attacks/`` gains nothing and harms no one.

All attacks are graded in one run next to two honest students. Each attack must score 0; the
honest students must get exactly the grades they get when graded alone; no instructor file,
submission or gradebook entry may change; no process may be left running; nothing may reach the
network; and no feedback page may contain a hidden input.
"""

from __future__ import annotations

import hashlib
import json
import socket
import threading
from pathlib import Path

import pytest
from dlcourse.grading.feedback import write_feedback
from dlcourse.grading.gradebook import open_gradebook, write_rows
from dlcourse.grading.runner import autograde, build_cases, run_uid_base
from dlcourse.grading.sandbox import Limits, kill_uid, probe_protections
from dlcourse.grading.specs import course_secret, get_spec
from grading_support import answer_source, make_course, submit

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not probe_protections().namespaces, reason="needs root and unshare"),
]
HERE = Path(__file__).parent / "grading_attacks"
SNIPPETS = sorted(p.stem for p in HERE.glob("*.py"))
A1 = get_spec("a1_convolution")
LIMITS = Limits(cell_timeout=3, submission_timeout=60)
BUG = ("np.sum(window * w[f]) + b[f]", "np.sum(window * w[f])")


def _is_test_cell(cell) -> bool:
    meta = cell["metadata"].get("nbgrader", {})
    return bool(meta.get("grade")) and not meta.get("solution")


def delete_test_cells(notebook):
    """Delete every test cell; the answers stay blank."""
    notebook["cells"] = [c for c in notebook["cells"] if not _is_test_cell(c)]


def tamper_test_cells(notebook):
    """Replace every test cell by a print that claims success."""
    for cell in notebook["cells"]:
        if _is_test_cell(cell):
            cell["source"] = "print('all tests passed')"


def rename_cells(notebook):
    """Give a cheating cell the grade id of the setup cell, hoping it replaces the trusted one."""
    notebook["cells"].insert(
        0,
        {
            "cell_type": "code",
            "metadata": {"nbgrader": {"grade_id": "setup", "solution": True}},
            "source": "import numpy as np\nnp.allclose = lambda *a, **k: True",
            "outputs": [],
            "execution_count": None,
        },
    )


TRANSFORMS = {f.__name__: f for f in (delete_test_cells, tamper_test_cells, rename_cells)}
ATTACKS = SNIPPETS + sorted(TRANSFORMS)
BLANK = {gid: 'raise NotImplementedError("not answered yet")' for gid in A1.answer_cells}


def fingerprint(root: Path) -> dict[str, str]:
    files = [p for p in root.rglob("*") if p.is_file() and "grading" not in p.parts
             and "autograded" not in p.parts and p.name != "gradebook.db"]  # fmt: skip
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


@pytest.fixture(scope="module")
def attacked(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("attacks")
    course = make_course(tmp)
    secret = course_secret(course.root)
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.5)
    port = server.getsockname()[1]
    received, stop = [], threading.Event()

    def listen():
        while not stop.is_set():
            try:
                received.append(server.accept())
            except OSError:
                continue

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    for name in SNIPPETS:
        code = (HERE / f"{name}.py").read_text().replace("__COURSE__", str(course.root))
        code = code.replace("__PORT__", str(port))
        cells = {"conv2d_forward_loop": code, "conv2d_forward": "", "conv2d_backward": ""}
        submit(course, f"attack_{name}", cells=cells)
    for name, transform in TRANSFORMS.items():
        submit(course, f"attack_{name}", cells=BLANK, transform=transform)
    submit(course, "honest")
    buggy = answer_source("a1_convolution", "conv2d_forward_loop").replace(*BUG)
    submit(course, "honest_bug", cells={"conv2d_forward_loop": buggy})
    url = f"sqlite:///{course.root / 'gradebook.db'}"
    write_rows(url, course.root, A1, [])  # the gradebook exists already
    gradebook_before = hashlib.sha256((course.root / "gradebook.db").read_bytes()).hexdigest()
    before = fingerprint(course.root)
    rows = {r["student"]: r for r in autograde(course, A1, secret, LIMITS, jobs=2,
                                               progress=False)}  # fmt: skip
    after = fingerprint(course.root)
    gradebook_after = hashlib.sha256((course.root / "gradebook.db").read_bytes()).hexdigest()
    stop.set()
    thread.join()
    server.close()
    write_rows(url, course.root, A1, list(rows.values()))
    alone = make_course(tmp / "alone")
    submit(alone, "honest")
    submit(alone, "honest_bug", cells={"conv2d_forward_loop": buggy})
    baseline = {r["student"]: r for r in autograde(alone, A1, secret, LIMITS, progress=False)}
    return {"course": course, "rows": rows, "baseline": baseline, "before": before,
            "after": after, "gradebook": (gradebook_before, gradebook_after),
            "received": received, "url": url, "secret": secret}  # fmt: skip


@pytest.mark.parametrize("attack", ATTACKS)
def test_attack_gains_no_point(attacked, attack):
    row = attacked["rows"][f"attack_{attack}"]
    assert row["score"] == 0, row


def test_honest_students_get_exactly_their_grades_alone(attacked):
    for student in ("honest", "honest_bug"):
        got, alone = attacked["rows"][student], attacked["baseline"][student]
        assert (got["score"], got["tests"]) == (alone["score"], alone["tests"])
    assert attacked["rows"]["honest"]["score"] == 40
    assert attacked["rows"]["honest_bug"]["score"] == 30


def test_no_instructor_file_or_submission_changed(attacked):
    assert attacked["after"] == attacked["before"]
    assert attacked["gradebook"][0] == attacked["gradebook"][1]
    assert not Path("/tmp/dlcourse-pwned").exists()


def test_gradebook_holds_exactly_the_computed_scores(attacked):
    with open_gradebook(attacked["url"]) as gb:
        for student, row in attacked["rows"].items():
            assert gb.find_submission(A1.name, student).score == row["score"]


def test_statuses_name_what_happened(attacked):
    rows = attacked["rows"]
    assert rows["attack_infinite_loop"]["status"] == "timed out"
    assert rows["attack_memory_hog"]["status"] == "memory limit"
    assert rows["attack_os_exit"]["status"] == "kernel died"
    assert "imports torch" in rows["attack_use_torch"]["reason"]


def test_nothing_reached_the_network(attacked):
    assert attacked["received"] == []


def test_no_process_is_left_behind(attacked):
    base = run_uid_base()
    assert kill_uid(base) + kill_uid(base + 1) == 0  # live processes of the sandboxes' uids
    sleepers = [p for p in Path("/proc").glob("[0-9]*/cmdline") if b"4242" in _read(p)]
    assert sleepers == []


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def test_feedback_reveals_no_hidden_input(attacked, tmp_path):
    cases = build_cases(A1, attacked["secret"])
    secrets = {f"{v:.6f}" for case_list in cases.values() for case in case_list
               for v in case.arrays["x"].ravel()[:5]}  # fmt: skip
    secrets |= {f"{v:.4f}" for case_list in cases.values() for case in case_list
                for arr in case.expected.values() for v in arr.ravel()[:5]}  # fmt: skip
    pages = write_feedback(tmp_path, list(attacked["rows"].values()))
    text = "".join(p.read_text() for p in pages) + json.dumps(attacked["rows"])
    leaked = sorted(s for s in secrets if s in text)
    assert leaked == []
