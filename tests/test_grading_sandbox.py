"""The sandbox: limits, isolation and clean-up, each checked by code that tries to break it.

These tests need root and ``unshare`` for the isolation checks (as on the course machine and in
CI); where those are missing the isolation tests are reported as skipped with the reason, and
the guide says what is lost.
"""

from __future__ import annotations

import socket
import threading
import time

import numpy as np
import pytest
from dlcourse.grading.sandbox import Limits, kill_uid, probe_protections, run_steps

ISOLATED = probe_protections().namespaces and probe_protections().uid_switch
needs_isolation = pytest.mark.skipif(not ISOLATED, reason="needs root and unshare")
FAST = Limits(cell_timeout=5, submission_timeout=30)


def run(tmp_path, cell: str, drivers: list[str], limits=FAST, hidden=()):
    steps = [{"kind": "cell", "id": "answer", "source": cell, "group": "answer"}]
    arrays = {}
    for i, driver in enumerate(drivers):
        steps.append(
            {
                "kind": "test",
                "id": f"t{i}",
                "group": f"t{i}",
                "driver": driver,
                "outputs": ["y"],
                "scalars": {"k": 2},
                "arrays": ["x"],
                "timeout": 3,
            }
        )
        arrays[(len(steps) - 1, "x")] = np.arange(4.0)
    return run_steps(tmp_path / "scratch", steps, arrays, limits, slot=7,
                     extra_hidden=list(hidden))  # fmt: skip


def test_plain_arrays_come_back(tmp_path):
    result = run(tmp_path, "def f(x, k):\n    return x * k\n", ["outputs = {'y': f(x, k)}"])
    assert result.steps[1].status == "ok"
    np.testing.assert_array_equal(result.steps[1].outputs["y"], [0, 2, 4, 6])


def test_exception_reports_its_type_but_no_line_chosen_on_hidden_inputs(tmp_path):
    """Where a test step raises depends on its hidden input: the line would leak it."""
    cell = "def f(x):\n    if x[1] > 0:\n        return x.nope\n    return x.no\n"
    step = run(tmp_path, cell, ["outputs = {'y': f(x)}"]).steps[1]
    assert (step.status, step.error, step.where) == ("error", "AttributeError", None)


def test_object_output_is_refused_as_not_numeric(tmp_path):
    cell = "class Eq:\n    def __eq__(self, o): return True\ndef f(x): return Eq()\n"
    step = run(tmp_path, cell, ["outputs = {'y': f(x)}"]).steps[1]
    assert "y" not in step.outputs and step.bad_outputs["y"] == "is not a plain numeric array"


@pytest.mark.slow
def test_hanging_step_times_out_alone_and_the_next_step_runs(tmp_path):
    cell = "def hang(x):\n    while True: pass\ndef f(x): return x\n"
    started = time.monotonic()
    result = run(tmp_path, cell, ["outputs = {'y': hang(x)}", "outputs = {'y': f(x)}"])
    assert result.steps[1].status == "timeout" and result.steps[2].status == "ok"
    assert time.monotonic() - started < 15


def test_exiting_process_fails_its_step_only(tmp_path):
    cell = "import os\ndef bye(x): os._exit(0)\ndef f(x): return x\n"
    result = run(tmp_path, cell, ["outputs = {'y': bye(x)}", "outputs = {'y': f(x)}"])
    assert (result.steps[1].status, result.steps[1].error) == ("died", "exit code 0")
    assert result.steps[2].status == "ok"


@pytest.mark.slow
def test_hanging_cell_is_skipped_and_other_cells_still_run(tmp_path):
    steps = [{"kind": "cell", "id": "a", "source": "while True: pass", "group": "a"},
             {"kind": "cell", "id": "b", "source": "def f(x): return x", "group": "b"},
             {"kind": "test", "id": "t", "group": "t", "driver": "outputs = {'y': f(x)}",
              "outputs": ["y"], "scalars": {}, "arrays": ["x"], "timeout": 3}]  # fmt: skip
    result = run_steps(tmp_path / "s", steps, {(2, "x"): np.ones(2)}, Limits(cell_timeout=2))
    assert [s.status for s in result.steps] == ["timeout", "ok", "ok"]


def test_memory_hog_gets_memory_error(tmp_path):
    cell = "import numpy as np\ndef f(x): return np.ones(4 << 30)\n"
    step = run(tmp_path, cell, ["outputs = {'y': f(x)}"]).steps[1]
    assert (step.status, step.error) == ("error", "MemoryError")


@pytest.mark.slow
def test_cpu_limit_kills_a_busy_process(tmp_path):
    steps = [{"kind": "cell", "id": "a", "source": "def f(x):\n    while True: pass\n",
              "group": "a"},
             {"kind": "test", "id": "t", "group": "t", "driver": "outputs = {'y': f(x)}",
              "outputs": ["y"], "scalars": {}, "arrays": ["x"], "timeout": 60}]  # fmt: skip
    limits = Limits(cell_timeout=60, cpu_seconds=1)
    started = time.monotonic()
    step = run_steps(tmp_path / "s", steps, {(1, "x"): np.ones(2)}, limits).steps[1]
    assert (step.status, step.error) == ("died", "CPU time limit")
    assert time.monotonic() - started < 50


def test_oversized_file_write_fails(tmp_path):
    cell = "def f(x):\n    open('big', 'wb').write(b'0' * (64 << 20))\n    return x\n"
    step = run(tmp_path, cell, ["outputs = {'y': f(x)}"]).steps[1]
    assert step.error == "OSError"


def test_import_guard_refuses_torch_scipy_and_dlcourse(tmp_path):
    drivers = [f"import {m}\noutputs = {{'y': x}}" for m in ("torch", "scipy.signal", "dlcourse")]
    steps = run(tmp_path, "", drivers).steps[1:]
    assert [s.forbidden_imports for s in steps] == [["torch"], ["scipy"], ["dlcourse"]]


@needs_isolation
def test_removing_the_import_guard_does_not_bring_torch_back(tmp_path):
    import importlib.util

    assert importlib.util.find_spec("torch") is not None  # the grader's environment has it

    site = str(__import__("pathlib").Path(np.__file__).resolve().parents[1])
    cell = f"import sys\nsys.meta_path = [m for m in sys.meta_path if 'Guard' not in repr(m)]\n" \
           f"sys.path.append({site!r})\n"  # fmt: skip
    step = run(tmp_path, cell, ["import torch\noutputs = {'y': x}"]).steps[1]
    assert (step.status, step.error) == ("error", "ModuleNotFoundError")


@needs_isolation
def test_course_files_are_invisible(tmp_path):
    secret = tmp_path / "course" / "solutions.txt"
    secret.parent.mkdir()
    secret.write_text("the answers")
    cell = f"def f(x):\n    open({str(secret)!r}).read()\n    return x\n"
    step = run(tmp_path, cell, ["outputs = {'y': f(x)}"], hidden=[secret.parent]).steps[1]
    assert step.error == "FileNotFoundError"


@needs_isolation
def test_nothing_can_be_written_outside_the_scratch_folder(tmp_path):
    target = tmp_path / "victim.txt"
    target.write_text("intact")
    cell = (
        f"def f(x):\n    for p in [{str(target)!r}, '/etc/pwned', '/tmp/pwned', '/work/pwned']:\n"
        "        try:\n            open(p, 'w').write('x')\n        except OSError:\n"
        "            pass\n    open('mine.txt', 'w').write('ok')\n    return x\n"
    )
    step = run(tmp_path, cell, ["outputs = {'y': f(x)}"]).steps[1]
    assert step.status == "ok"
    assert target.read_text() == "intact"
    for path in ("/etc/pwned", "/tmp/pwned", "/work/pwned"):
        assert not __import__("os").path.exists(path)


@needs_isolation
def test_network_is_unreachable(tmp_path):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(0.2)
    port = server.getsockname()[1]
    hits = []

    def accept():
        try:
            hits.append(server.accept())
        except OSError:
            pass

    thread = threading.Thread(target=accept)
    thread.start()
    cell = f"import socket\ndef f(x):\n    socket.create_connection(('127.0.0.1', {port}), 1)\n"
    step = run(tmp_path, cell, ["outputs = {'y': f(x)}"]).steps[1]
    thread.join()
    server.close()
    assert step.status == "error" and hits == []


@pytest.mark.slow
@needs_isolation
def test_fork_bomb_is_contained(tmp_path):
    cell = "import os\ndef f(x):\n    while True:\n        os.fork()\n"
    started = time.monotonic()
    step = run(tmp_path, cell, ["outputs = {'y': f(x)}"]).steps[1]
    assert step.status in ("error", "timeout", "died")
    assert time.monotonic() - started < 20
    assert kill_uid(61007) == 0  # nothing of the sandbox's uid is left running


@needs_isolation
def test_background_process_is_killed_after_the_run(tmp_path):
    cell = (
        "import os, subprocess\ndef f(x):\n    if os.fork() == 0:\n        os.setsid()\n"
        "        subprocess.Popen(['sleep', '4242'])\n        os._exit(0)\n    return x\n"
    )
    step = run(tmp_path, cell, ["outputs = {'y': f(x)}"]).steps[1]
    assert step.status == "ok"
    time.sleep(0.2)
    assert kill_uid(61007) == 0
    from pathlib import Path

    left = [p for p in Path("/proc").glob("[0-9]*/cmdline")
            if b"4242" in p.read_bytes()]  # fmt: skip
    assert left == []


def test_probe_says_why_a_protection_is_missing():
    protections = probe_protections()
    assert protections.resource_limits
    if not protections.namespaces:
        assert protections.notes


def test_without_root_grading_still_works_and_says_what_is_missing(tmp_path, monkeypatch):
    from dlcourse.grading import sandbox

    weak = sandbox.Protections(True, False, False, ("not running as root (simulated)",))
    monkeypatch.setattr(sandbox, "probe_protections", lambda: weak)
    cell = "def f(x, k):\n    return x * k\ndef g(x, k):\n    import torch\n"
    result = run(tmp_path, cell, ["outputs = {'y': f(x, k)}", "outputs = {'y': g(x, k)}"])
    assert result.protections.notes == ("not running as root (simulated)",)
    np.testing.assert_array_equal(result.steps[1].outputs["y"], [0, 2, 4, 6])
    assert result.steps[2].forbidden_imports == ["torch"]


@needs_isolation
def test_only_numpy_and_the_standard_library_are_importable(tmp_path):
    import os

    site = str(__import__("pathlib").Path(np.__file__).resolve().parents[1])
    base_site = str(__import__("pathlib").Path(os.__file__).parent / "site-packages")
    cell = (f"import os\nimport numpy.testing, json, unittest\n"
            f"seen = [sorted(os.listdir({site!r})), "
            f"os.listdir({base_site!r}) if os.path.isdir({base_site!r}) else []]\n"
            "assert seen == [['numpy', 'numpy.libs'], []], seen\n")  # fmt: skip
    steps = [{"kind": "cell", "id": "answer", "source": cell, "group": "answer"}]
    result = run_steps(tmp_path / "scratch", steps, {}, FAST, slot=7)
    assert (result.steps[0].status, result.steps[0].error) == ("ok", None)


def _sandbox_ipc_objects(uid: int) -> list[str]:
    """System V IPC objects (shared memory, queues, semaphores) owned by ``uid`` on the host."""
    from pathlib import Path

    found = []
    for kind in ("shm", "msg", "sem"):
        lines = Path(f"/proc/sysvipc/{kind}").read_text().splitlines()
        column = lines[0].split().index("uid")
        found += [f"{kind}: {line}" for line in lines[1:] if int(line.split()[column]) == uid]
    return found


@needs_isolation
def test_system_v_ipc_objects_do_not_outlive_the_sandbox(tmp_path):
    cell = (
        "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
        "assert libc.shmget(0x0D1C0FFE, 1 << 20, 0o1666) >= 0\n"
        "assert libc.msgget(0x0D1C0FFE, 0o1666) >= 0\n"
        "assert libc.semget(0x0D1C0FFE, 1, 0o1666) >= 0\n"
        "def f(x, k):\n    return x\n"
    )
    result = run(tmp_path, cell, ["outputs = {'y': f(x, k)}"])
    assert [s.status for s in result.steps] == ["ok", "ok"]  # the objects were created
    assert _sandbox_ipc_objects(61007) == []


MANY_PROCESSES = """
import os, time
import numpy as np
def rss_mib(pid):
    try:
        status = open(f'/proc/{pid}/status').read()
    except OSError:
        return 0
    if 'State:\tZ' in status:
        return 0
    return int(status.split('VmRSS:')[1].split()[0]) // 1024
def f(x, k):
    children = []
    for i in range(8):
        pid = os.fork()
        if pid == 0:
            block = np.ones(256 << 20, dtype=np.uint8)  # touched: resident
            time.sleep(20)
            os._exit(0)
        children.append(pid)
    time.sleep(4)
    return np.array([sum(rss_mib(p) >= 256 for p in children), len(children)])
"""


@pytest.mark.slow
@needs_isolation
def test_memory_cap_holds_for_the_whole_sandbox_not_per_process(tmp_path):
    """Eight processes of 256 MiB each: at most 1 GiB of them may be alive at once."""
    limits = Limits(cell_timeout=20, submission_timeout=40, memory_bytes=1 << 30)
    steps = [{"kind": "cell", "id": "answer", "source": MANY_PROCESSES, "group": "answer"},
             {"kind": "test", "id": "t", "group": "t", "driver": "outputs = {'y': f(x, k)}",
              "outputs": ["y"], "scalars": {"k": 1}, "arrays": ["x"], "timeout": 20}]  # fmt: skip
    result = run_steps(tmp_path / "s", steps, {(1, "x"): np.ones(2)}, limits, slot=7)
    step = result.steps[1]
    assert step.status == "ok", step
    holding, started = step.outputs["y"]
    assert started == 8 and holding < 8  # per process, all eight would hold their 256 MiB
    assert result.memory_peak_bytes <= 1 << 30  # the kernel's count for the whole group
    assert result.protections.memory_cap.startswith("cgroup")


@needs_isolation
def test_scratch_is_a_private_size_limited_folder_that_vanishes(tmp_path):
    cell = (
        "import os\ndef f(x, k):\n    n = 0\n    for i in range(20):\n        try:\n"
        "            with open(f'fill{i}', 'wb') as out:\n"
        "                out.write(b'0' * (15 << 20))\n            n += 1\n"
        "        except OSError:\n            break\n"
        "    for i in range(n + 1):\n        os.remove(f'fill{i}')\n    return np.array([n])\n"
        "import numpy as np\n"
    )
    limits = Limits(cell_timeout=10, submission_timeout=30, scratch_bytes=64 << 20)
    result = run(tmp_path, cell, ["outputs = {'y': f(x, k)}"], limits=limits)
    assert result.protections.scratch == "tmpfs"
    assert result.steps[1].outputs["y"][0] * 15 <= 64  # files that fit in 64 MiB, no more
    assert not (tmp_path / "scratch").exists() or list((tmp_path / "scratch").iterdir()) == []
    mounts = open("/proc/self/mounts").read()
    assert str(tmp_path) not in mounts


@needs_isolation
def test_forged_step_announcements_do_not_stretch_a_hang(tmp_path):
    cell = (
        "import os, sys, time\ndef f(x, k):\n    while True:\n"
        "        for i in range(1, 9):\n"
        "            os.write(int(sys.argv[4]), f'S {i}\\n'.encode())\n"
        "        time.sleep(0.3)\n"
    )
    limits = Limits(cell_timeout=3, submission_timeout=60)
    started = time.monotonic()
    result = run(tmp_path, cell, ["outputs = {'y': f(x, k)}"] * 3, limits=limits)
    assert [s.status for s in result.steps[1:]] == ["died"] * 3
    assert result.steps[1].error == "broke the grading protocol"
    assert time.monotonic() - started < 30


@needs_isolation
def test_a_result_that_breaks_the_grader_s_reader_still_gets_cleaned_up(tmp_path):
    cell = (
        "import json, os, time\n"
        "json.dumps = lambda *a, **k: '[' * 30000 + ']' * 30000\n"
        "def f(x, k):\n    if os.fork() == 0:\n        os.setsid()\n        time.sleep(4343)\n"
        "    return x\n"
    )
    result = run(tmp_path, cell, ["outputs = {'y': f(x, k)}"])
    assert (result.steps[1].status, result.steps[1].error) == ("error", "no readable result")
    time.sleep(0.2)
    assert kill_uid(61007) == 0


def test_without_a_cgroup_few_processes_share_the_memory_cap():
    from dlcourse.grading.sandbox import FALLBACK_PROCESSES, sandbox_limits

    limits = Limits(memory_bytes=1 << 30, max_processes=32)
    values = sandbox_limits(limits, uid=61007, group=None)
    assert values["max_processes"] == FALLBACK_PROCESSES <= 4
    assert values["max_processes"] * values["memory_bytes"] <= limits.memory_bytes


@needs_isolation
def test_without_a_cgroup_grading_works_with_two_processes_and_half_the_memory_each(
    tmp_path, monkeypatch
):
    from dlcourse.grading import sandbox

    monkeypatch.setattr(sandbox, "make_group", lambda *args: None)
    cell = (
        "import os, time\nimport numpy as np\ndef f(x, k):\n    pids = []\n"
        "    for i in range(4):\n        try:\n            pid = os.fork()\n"
        "        except OSError:\n            break\n"
        "        if pid == 0:\n            time.sleep(1)\n            os._exit(0)\n"
        "        pids.append(pid)\n    for pid in pids:\n        os.waitpid(pid, 0)\n"
        "    try:\n        np.ones(600 << 20, dtype=np.uint8)\n        big = 1\n"
        "    except MemoryError:\n        big = 0\n"
        "    return np.array([len(pids), big]) + 0 * x[:2]\n"
    )
    from dlcourse.grading.runner import run_uid_base

    steps = [{"kind": "cell", "id": "answer", "source": cell, "group": "answer"},
             {"kind": "test", "id": "t", "group": "t", "driver": "outputs = {'y': f(x, k)}",
              "outputs": ["y"], "scalars": {"k": 1}, "arrays": ["x"], "timeout": 10}]  # fmt: skip
    # a uid of this test run's own: RLIMIT_NPROC counts every process of the uid on the machine
    result = run_steps(tmp_path / "s", steps, {(1, "x"): np.ones(2)}, FAST, slot=3,
                       base_uid=run_uid_base())  # fmt: skip
    assert result.protections.memory_cap == "per process"
    forked, big = result.steps[1].outputs["y"]
    assert (forked, big) == (1, 0)  # one child at a time; 600 MiB is more than half of 1 GiB


@needs_isolation
def test_leftovers_of_a_killed_grading_run_are_removed_by_the_next(tmp_path):
    """A grader killed with SIGKILL cannot run its ``finally``: the next run cleans up."""
    from pathlib import Path

    from dlcourse.grading.cgroup import leftover_groups, make_group
    from dlcourse.grading.sandbox import mount_scratch, remove_stale_scratch

    dead = next(p for p in range(4_000_000, 4_100_000) if not Path(f"/proc/{p}").exists())
    scratch = tmp_path / f"dlcourse-grade-{dead}-abc" / "scratch"
    scratch.mkdir(parents=True)
    assert mount_scratch(scratch, 1 << 20, None)
    group = make_group(f"{dead}-0", 1 << 30, 8)
    remove_stale_scratch()
    assert str(scratch) not in open("/proc/self/mounts").read()
    if group is not None:
        assert not any(f"-{dead}-" in g.name for g in leftover_groups())
