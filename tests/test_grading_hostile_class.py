"""A hostile class, graded in one run beside honest students (issue: the grader at its edges).

The class arrives as an LMS zip (collect) plus what students can leave in ``submitted/``
(links, pipes, odd ids, huge files), and its answer cells include the containment attacks of
``tests/grading_attacks/`` that target the sandbox's limits. The grading run is a separate
process, so its own peak memory can be measured (``VmHWM`` of that process). Checked:
every student has exactly one row; the honest students' grades equal their grades alone;
nothing is followed through a link; nothing of a sandbox uid (process, System V IPC object,
scratch folder or mount, control group) survives the run; the grader stays under 300 MB.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from dlcourse.grading.cgroup import leftover_groups
from dlcourse.grading.collect import collect_zip
from dlcourse.grading.runner import autograde
from dlcourse.grading.sandbox import Limits, kill_uid, probe_protections
from dlcourse.grading.specs import course_secret, get_spec
from grading_support import answer_source, make_course, submit

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not probe_protections().namespaces, reason="needs root and unshare"),
]
HERE = Path(__file__).parent / "grading_attacks"
A1 = get_spec("a1_convolution")
LIMITS = dict(cell_timeout=3, submission_timeout=40)
DUE = "2026-12-01 23:59"
BUG = ("np.sum(window * w[f]) + b[f]", "np.sum(window * w[f])")
#: answer-cell attacks on the sandbox's containment (files in tests/grading_attacks/)
CONTAINMENT = ["sysv_ipc", "memory_in_many_processes", "fill_scratch", "forge_step_lines",
               "deep_result_json", "line_number_leak"]  # fmt: skip
LONG_ID = "x" * 252  # with ".json" longer than a file name may be
FORMULA_ID = "=2+5+cmd|' -C calc'!A0"
#: honest submissions placed in odd ways: each must get exactly the honest grade
HONEST_TOO = ["honest", "jo_smith", "김민지", "j.kim", LONG_ID, FORMULA_ID, "script_output",
              "huge_timestamp", "fifo_timestamp", "many_values"]  # fmt: skip

GRADER = """
import json, os, sys
from pathlib import Path
from dlcourse.grading.gradebook import write_csv
from dlcourse.grading.runner import (Course, autograde, copy_for_formgrader, parse_timestamp,
                                     run_uid_base)
from dlcourse.grading.sandbox import Limits
from dlcourse.grading.specs import course_secret, get_spec

def peak_rss_mib():
    # VmHWM: the peak resident memory of this program's own address space. (ru_maxrss would
    # carry over the peak of the process it was forked from, e.g. a large pytest.)
    status = Path("/proc/self/status").read_text()
    return int(next(l.split()[1] for l in status.splitlines() if l.startswith("VmHWM:"))) / 1024


root, limits, due = Path(sys.argv[1]), json.loads(sys.argv[2]), parse_timestamp(sys.argv[3])
course, spec = Course(root), get_spec("a1_convolution")
rows = autograde(course, spec, course_secret(root), Limits(**limits), jobs=2, due=due,
                 progress=False)
copies = {r["student"]: copy_for_formgrader(course, spec, r["student"]) for r in rows}
write_csv(root / "grading" / "grades.csv", rows)
print(json.dumps({"rows": rows, "copies": copies, "uid_base": run_uid_base(),
                  "pid": os.getpid(),
                  "peak_mib": peak_rss_mib()}))
"""


def notebook_bytes(staging, student: str, **kwargs) -> bytes:
    return submit(staging, student, **kwargs).read_bytes()


def with_output(notebook, output: dict):
    """Give the first code cell an output (as Jupyter would save it)."""
    cell = next(c for c in notebook["cells"] if c["cell_type"] == "code")
    cell["outputs"] = [output]


def build_class(tmp: Path):
    course = make_course(tmp / "class")
    staging = make_course(tmp / "staging")
    buggy = answer_source("a1_convolution", "conv2d_forward_loop").replace(*BUG)
    honest = notebook_bytes(staging, "honest")
    blank = {g: "" for g in A1.answer_cells}
    # 1. the LMS zip: honest students, an impersonation and a faked time in upload names
    stamp = "2026-12-01-20-00-00"
    members = {
        f"{A1.name}_honest_attempt_{stamp}_{A1.notebook}": honest,
        f"{A1.name}_honest_bug_attempt_{stamp}_a1.ipynb":
            notebook_bytes(staging, "honest_bug", cells={"conv2d_forward_loop": buggy}),
        f"{A1.name}_jo_smith_attempt_{stamp}_a1.ipynb": honest,
        f"{A1.name}_김민지_attempt_{stamp}_과제1.ipynb": honest,
        f"{A1.name}_j.kim_attempt_{stamp}_a1.ipynb": honest,
        f"{A1.name}_{FORMULA_ID}_attempt_{stamp}_a1.ipynb": honest,
        # eve's upload name ends like an LMS name of honest's, with a later time
        f"{A1.name}_eve_attempt_2026-12-01-21-00-00_x_honest_attempt_2026-12-09-00-00-00_"
        f"{A1.notebook}": notebook_bytes(staging, "eve", cells=blank),
        # mallory is late, and writes an early time into her upload name
        f"{A1.name}_mallory_attempt_2026-12-03-10-00-00_y_mallory_attempt_2026-11-01-00-00-00_"
        "a1.ipynb": honest,
        f"{A1.name}_oversized_attempt_{stamp}_a1.ipynb": b" " * (25 << 20),
    }  # fmt: skip
    archive = tmp / "lms.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    collected = collect_zip(archive, course.root / "submitted", A1.name, A1.notebook)
    # 2. what students leave in submitted/ (as after `nbgrader collect` on a hub)
    root = course.root / "submitted"
    submit(course, LONG_ID)
    for name in ("link_solutions", "link_notebook", "fifo_notebook", "devzero"):
        (root / name).mkdir()
    (root / "link_solutions" / A1.name).symlink_to(course.root / "solutions" / A1.name)
    (root / "link_notebook" / A1.name).mkdir()
    (root / "link_notebook" / A1.name / A1.notebook).symlink_to(
        root / "honest" / A1.name / A1.notebook
    )
    (root / "link_student").symlink_to(root / "honest")
    (root / "fifo_notebook" / A1.name).mkdir()
    os.mkfifo(root / "fifo_notebook" / A1.name / A1.notebook)
    (root / "devzero" / A1.name).mkdir()
    (root / "devzero" / A1.name / A1.notebook).symlink_to("/dev/zero")
    submit(
        course,
        "script_output",
        transform=lambda nb: with_output(
            nb,
            {
                "output_type": "display_data",
                "metadata": {},
                "data": {"text/html": "<script>fetch('/formgrader/api/grades')</script>"},
            },
        ),
    )
    submit(course, "huge_timestamp")
    with open(root / "huge_timestamp" / A1.name / "timestamp.txt", "wb") as f:
        f.truncate(1 << 30)  # 1 GiB (sparse)
    submit(course, "fifo_timestamp")
    os.mkfifo(root / "fifo_timestamp" / A1.name / "timestamp.txt")
    # 3. inputs the trusted process parses: bounded, or refused with a row
    answer = answer_source("a1_convolution", "conv2d_forward_loop")
    submit(course, "big_cell", cells={"conv2d_forward_loop": answer + "\na = 1\n" * 600_000})
    submit(
        course,
        "many_values",
        transform=lambda nb: with_output(
            nb,
            {
                "output_type": "display_data",
                "metadata": {},
                "data": {"application/json": [{}] * 450_000},  # ~900k JSON values
            },
        ),
    )
    notebook = json.loads(honest)
    with_output(
        notebook,
        {
            "output_type": "display_data",
            "metadata": {},
            "data": {"application/json": [{}] * 5_000_000},
        },
    )  # 15 MB compact
    submit(course, "too_many_values", raw=json.dumps(notebook, separators=(",", ":")).encode())
    submit(course, "deep_json", raw=b"[" * 900_000 + b"]" * 900_000)
    # 4. containment attacks in the first answer cell
    for name in CONTAINMENT:
        cells = {"conv2d_forward_loop": (HERE / f"{name}.py").read_text(),
                 "conv2d_forward": "", "conv2d_backward": ""}  # fmt: skip
        submit(course, f"attack_{name}", cells=cells)
    return course, collected


def fingerprint(root: Path) -> dict[str, str]:
    found = {}
    for p in root.rglob("*"):
        if p.is_symlink() or not p.is_file() or p.stat().st_size > (64 << 20):
            continue
        found[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest()
    return found


def sandbox_uid_leftovers(uids: set[int]) -> list[str]:
    """Anything of the sandbox uids still on the host: processes, IPC objects, files, mounts."""
    left = []
    for uid in uids:
        if kill_uid(uid):
            left.append(f"process of uid {uid}")
    for kind in ("shm", "msg", "sem"):
        lines = Path(f"/proc/sysvipc/{kind}").read_text().splitlines()
        column = lines[0].split().index("uid")
        left += [f"{kind} {line.split()[1]}" for line in lines[1:]
                 if int(line.split()[column]) in uids]  # fmt: skip
    tmp = Path("/tmp")
    for entry in list(tmp.glob("dlcourse-grade-*")) + list(tmp.glob("dlcourse-grade-*/*")):
        try:
            if entry.lstat().st_uid in uids:
                left.append(f"folder {entry}")
        except OSError:
            continue
    mounts = Path("/proc/self/mounts").read_text()
    left += [f"mount uid={u}" for u in uids if f"uid={u}," in mounts or f"uid={u} " in mounts]
    return left


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    course, collected = build_class(tmp)
    secret = course_secret(course.root)
    before = fingerprint(course.root / "submitted")
    done = subprocess.run([sys.executable, "-c", GRADER, str(course.root), json.dumps(LIMITS),
                           DUE], capture_output=True, text=True, timeout=900)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    uids = {out["uid_base"], out["uid_base"] + 1}
    leftovers = sandbox_uid_leftovers(uids)
    groups = [g for g in leftover_groups() if f"-{out['pid']}-" in g.name]
    after = fingerprint(course.root / "submitted")
    alone = make_course(tmp / "alone")
    submit(alone, "honest")
    buggy = answer_source("a1_convolution", "conv2d_forward_loop").replace(*BUG)
    submit(alone, "honest_bug", cells={"conv2d_forward_loop": buggy})
    baseline = {r["student"]: r for r in autograde(alone, A1, secret, Limits(**LIMITS),
                                                   progress=False)}  # fmt: skip
    with open(course.root / "grading" / "grades.csv", encoding="utf-8") as f:
        exported = list(csv.DictReader(f))
    return {"course": course, "collected": collected, "rows": {r["student"]: r for r in
            out["rows"]}, "copies": out["copies"], "peak_mib": out["peak_mib"],
            "leftovers": leftovers + [str(g) for g in groups], "baseline": baseline,
            "before": before, "after": after, "csv": exported}  # fmt: skip


def test_collect_files_nobody_under_a_classmate_s_name(graded):
    collected = graded["collected"]
    assert sorted(collected.students) == sorted(
        [
            "honest",
            "honest_bug",
            "jo_smith",
            "김민지",
            "j.kim",
            FORMULA_ID,
            "eve",
            "mallory",
            "oversized",
        ]
    )
    assert collected.problems == []


def test_every_student_has_exactly_one_row_and_none_is_a_grader_error(graded):
    rows = graded["rows"]
    assert "oversized" in rows and "link_student" in rows and LONG_ID in rows
    assert [s for s, r in rows.items() if r["status"] == "error"] == []


@pytest.mark.parametrize("student", HONEST_TOO)
def test_honest_work_gets_exactly_the_honest_grade(graded, student):
    got, alone = graded["rows"][student], graded["baseline"]["honest"]
    assert (got["score"], got["tests"]) == (alone["score"], alone["tests"]), got["reason"]
    assert got["status"] == "graded"


def test_honest_bug_is_graded_as_alone(graded):
    got, alone = graded["rows"]["honest_bug"], graded["baseline"]["honest_bug"]
    assert (got["score"], got["tests"]) == (alone["score"], alone["tests"]) and got["score"] == 30


def test_impersonation_and_faked_times_gain_nothing(graded):
    rows = graded["rows"]
    assert rows["eve"]["score"] == 0
    assert rows["mallory"]["status"] == "late"


@pytest.mark.parametrize("student", ["link_solutions", "link_notebook", "link_student",
                                     "fifo_notebook", "devzero"])  # fmt: skip
def test_links_and_special_files_are_never_followed(graded, student):
    row = graded["rows"][student]
    assert (row["score"], row["status"]) == (0, "malformed"), row
    copy = graded["course"].root / "autograded" / student
    assert not copy.exists()


@pytest.mark.parametrize("student", ["oversized", "too_many_values", "deep_json"])
def test_inputs_too_costly_to_parse_are_refused_with_a_row(graded, student):
    row = graded["rows"][student]
    assert (row["score"], row["status"]) == (0, "malformed") and row["reason"]


def test_a_huge_cell_is_graded_without_parsing_it_in_the_grader(graded):
    assert graded["rows"]["big_cell"]["status"] != "error"


@pytest.mark.parametrize("attack", CONTAINMENT)
def test_containment_attacks_gain_nothing(graded, attack):
    assert graded["rows"][f"attack_{attack}"]["score"] == 0


def test_forged_step_lines_do_not_hold_a_worker(graded):
    row = graded["rows"]["attack_forge_step_lines"]
    assert row["protections"]["wall_seconds"] < 25  # the submission limit is 40 s


def test_no_line_number_reaches_a_reason(graded):
    row = graded["rows"]["attack_line_number_leak"]
    text = row["reason"] + json.dumps(row["tests"])
    assert "line" not in text


def test_nothing_of_a_sandbox_uid_is_left(graded):
    assert graded["leftovers"] == []


def test_grader_peak_memory_stays_under_300_mb(graded):
    print(f"peak memory of the grading process: {graded['peak_mib']:.0f} MiB")
    assert graded["peak_mib"] < 300, graded["peak_mib"]


def test_submissions_are_unchanged(graded):
    assert graded["after"] == graded["before"]


def test_formula_ids_are_inert_in_the_export(graded):
    cells = [r["student"] for r in graded["csv"]]
    assert "'" + FORMULA_ID in cells and FORMULA_ID not in cells


def test_formgrader_copy_has_no_student_output(graded):
    copy = graded["course"].root / "autograded" / "script_output" / A1.name / A1.notebook
    text = copy.read_text(encoding="utf-8")
    assert "<script>" not in text and '"outputs": []' in text
    assert graded["copies"]["script_output"] is None
