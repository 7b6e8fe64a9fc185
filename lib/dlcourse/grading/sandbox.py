"""Run untrusted code in a contained child process and bring back only plain data.

Each protection, what it needs, and what happens without it (also in the instructor guide):

=====================  ============================  ==========================================
protection             needs                         without it
=====================  ============================  ==========================================
CPU, memory, file      ``resource.setrlimit`` (any   always on (Linux and macOS)
size, open files       user)
wall-clock timeout     nothing                       always on: the grader kills the process
per step / submission                                group when a step or submission overruns
no network             root and ``unshare`` (new     student code can open network connections
                       network namespace)
hidden files: course,  root and ``unshare`` (new     student code can *read* any file the
solutions, gradebook,  mount namespace, tmpfs over   grader's user can read; torch/scipy are
other submissions,     host folders)                 refused by an import guard the student
torch, scipy, dlcourse                               could remove
read-only host files   root (uid switch and          student code can write wherever the
                       read-only tmpfs)              grader's user can
process limit          root (a uid of its own per    no limit on processes (a fork bomb can
                       worker, ``RLIMIT_NPROC``)     slow the machine until the timeout)
one memory cap for     root and a cgroup memory      at most 2 processes, each with half the
the whole sandbox      controller (:mod:`.cgroup`)   cap as its address-space limit
private scratch of     root (a tmpfs mounted on the  scratch is a host folder, limited only
bounded size           scratch folder)               per file
no IPC object left     root and ``unshare`` (new     System V shared memory and queues outlive
                       IPC namespace)                the sandbox and reach the next one
nothing left behind    root and ``unshare`` (new     the process group is killed; a process
                       PID namespace: its init       that called ``setsid`` survives
                       takes all others down)
=====================  ============================  ==========================================

Whatever goes wrong, in the student's code or in the grader, the kill and the clean-up run in a
``finally``; a step's clock starts only when the step the grader expects next is announced.

:func:`probe_protections` says which of these this machine offers; every result carries it.
"""

from __future__ import annotations

import builtins
import io
import json
import os
import select
import shutil
import signal
import stat
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field, replace
from functools import cache
from pathlib import Path

import numpy as np

from dlcourse.grading.cgroup import cgroup_support, make_group, remove_stale_groups

CHILD = Path(__file__).with_name("child.py")

#: top-level modules graded code may not import (they would do the student's work)
DENIED_MODULES = (
    "torch", "torchvision", "scipy", "sklearn", "dlcourse", "tensorflow", "keras", "jax",
    "cupy", "numba", "skimage", "cv2", "nbgrader", "IPython",
)  # fmt: skip
#: modules imported before the filesystem is hidden. Only cheap ones: the standard library and
#: numpy stay visible (bound back read-only), so anything else is imported on demand.
PRELOAD = ("math", "itertools", "functools", "collections", "numpy.lib.stride_tricks")
#: host folders hidden from graded code (in addition to the course and submissions folders)
HIDDEN_ROOTS = ("/work", "/home", "/root", "/tmp", "/var/tmp", "/dev/shm", "/mnt", "/media",
                "/srv", "/opt", "/run")  # fmt: skip


class SandboxError(RuntimeError):
    """The sandbox could not run at all (a problem of the grading machine, not the student)."""


#: exception names a result may report (anything else becomes "an exception")
EXCEPTION_NAMES = frozenset(
    name
    for name, value in vars(builtins).items()
    if isinstance(value, type) and issubclass(value, BaseException)
)


@dataclass(frozen=True)
class Limits:
    """Resource limits of one submission's sandbox (times in seconds, sizes in bytes)."""

    cell_timeout: float = 30.0
    submission_timeout: float = 120.0
    cpu_seconds: int = 120
    memory_bytes: int = 1 << 30
    max_processes: int = 32
    max_file_bytes: int = 16 << 20
    max_open_files: int = 256
    scratch_bytes: int = 64 << 20  # the private scratch folder (a tmpfs), all files together


#: without a control group: so few processes, each with memory_bytes / this much address space,
#: that together they stay under the sandbox's memory cap
FALLBACK_PROCESSES = 2


@dataclass(frozen=True)
class Protections:
    """Which protections this machine can give, and why not where it cannot."""

    resource_limits: bool
    namespaces: bool  # network, mount, PID and IPC namespaces
    uid_switch: bool
    notes: tuple[str, ...] = ()
    memory_cap: str = "per process"  # "cgroup v1" / "cgroup v2": one cap for the whole sandbox
    scratch: str = "host folder"  # "tmpfs": a private, size-limited scratch folder


@cache
def probe_protections() -> Protections:
    """Find out once whether we can use namespaces (root + ``unshare``) and a uid switch."""
    notes = []
    is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    unshare = shutil.which("unshare")
    namespaces = False
    if not is_root:
        notes.append("not running as root: no namespaces and no uid switch (see the guide)")
    elif unshare is None:
        notes.append("the unshare command (util-linux) is missing: no namespaces")
    else:
        probe = subprocess.run([unshare, *NAMESPACES, "true"], capture_output=True)
        namespaces = probe.returncode == 0
        if not namespaces:
            notes.append("unshare failed (container without CAP_SYS_ADMIN?): no namespaces")
    memory_cap, scratch = "per process", "host folder"
    if is_root:
        version, _, why = cgroup_support()
        if version:
            memory_cap = f"cgroup {version}"
        else:
            notes.append(f"no cgroup ({why}): the memory cap is per process, with at most "
                         f"{FALLBACK_PROCESSES} processes")  # fmt: skip
        scratch = "tmpfs" if _can_mount_tmpfs() else "host folder"
        if scratch != "tmpfs":
            notes.append("cannot mount a tmpfs: scratch folders are plain host folders")
    return Protections(
        resource_limits=sys.platform != "win32",
        namespaces=namespaces,
        uid_switch=is_root,
        notes=tuple(notes),
        memory_cap=memory_cap,
        scratch=scratch,
    )


#: the namespaces of a sandbox: no network, own mounts, own PIDs, own System V IPC objects
NAMESPACES = ("--net", "--mount", "--pid", "--ipc", "--fork", "--kill-child")
MNT_DETACH = 2


def _libc():
    import ctypes

    return ctypes.CDLL(None, use_errno=True)


def mount_scratch(folder: Path, size_bytes: int, uid: int | None) -> bool:
    """Mount a private tmpfs of ``size_bytes`` on ``folder`` (root only); True if mounted."""
    import ctypes

    options = f"size={size_bytes},mode=700,nr_inodes=4096"
    if uid is not None:
        options += f",uid={uid},gid={uid}"
    flags = 2 | 4 | 8  # MS_NOSUID | MS_NODEV | MS_NOEXEC
    done = _libc().mount(b"tmpfs", str(folder).encode(), b"tmpfs", flags, options.encode())
    if done != 0:
        err = ctypes.get_errno()
        if err not in (1, 13):  # EPERM/EACCES: no mount privilege, use the folder as it is
            raise OSError(err, os.strerror(err), str(folder))
        return False
    return True


def unmount_scratch(folder: Path) -> None:
    """Detach the tmpfs (its files vanish with it)."""
    _libc().umount2(str(folder).encode(), MNT_DETACH)


def remove_stale_scratch() -> None:
    """Unmount the scratch tmpfs of grading runs that died without cleaning up, and remove
    their control groups. Scratch folders are ``<tmp>/dlcourse-grade-<pid>-*/scratch``."""
    remove_stale_groups()
    try:
        mounts = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return
    for line in mounts:
        parts = line.split()
        if len(parts) < 3 or parts[2] != "tmpfs" or "/dlcourse-grade-" not in parts[1]:
            continue
        pid = parts[1].split("/dlcourse-grade-")[1].split("-")[0]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            unmount_scratch(Path(parts[1].replace("\\040", " ")))


def _can_mount_tmpfs() -> bool:
    import tempfile

    with tempfile.TemporaryDirectory(prefix="dlcourse-probe-") as tmp:
        try:
            if mount_scratch(Path(tmp), 1 << 20, None):
                unmount_scratch(Path(tmp))
                return True
        except OSError:
            pass
    return False


@dataclass
class StepResult:
    """What happened to one step (a graded cell or one test case) in the sandbox."""

    index: int
    status: str = "not_run"  # ok | error | timeout | died | not_run
    error: str | None = None  # exception type name, or how the process ended
    where: list | None = None  # [cell grade_id, line] of the failure inside student code
    outputs: dict[str, np.ndarray] = field(default_factory=dict)
    bad_outputs: dict[str, str] = field(default_factory=dict)  # name -> why it was rejected
    forbidden_imports: list[str] = field(default_factory=list)


@dataclass
class SandboxRun:
    """Results of every step, plus the protections that were in force."""

    steps: list[StepResult]
    protections: Protections
    wall_seconds: float
    restarts: int
    startup_seconds: float = 0.0  # from launch to the first step: interpreter, numpy, isolation
    memory_peak_bytes: int | None = None  # of all the sandbox's processes together (cgroup)

    def to_json(self) -> dict:
        return {"protections": asdict(self.protections), "wall_seconds": self.wall_seconds,
                "startup_seconds": self.startup_seconds, "restarts": self.restarts,
                "memory_peak_bytes": self.memory_peak_bytes}  # fmt: skip


def numpy_paths() -> tuple[Path, list[Path]]:
    """The folder that holds numpy, and the folders numpy needs (itself and its ``.libs``)."""
    import numpy

    package = Path(numpy.__file__).resolve().parent
    keep = [package] + [p for p in package.parent.glob("numpy.libs") if p.is_dir()]
    return package.parent, keep


def stdlib_paths() -> list[Path]:
    """The base interpreter's standard library and its compiled modules (never a venv's lib)."""
    stdlib = Path(os.__file__).resolve().parent
    return [stdlib] + [p for p in [stdlib / "lib-dynload"] if p.is_dir()]


def _write_pylib(scratch: Path) -> Path:
    """Without namespaces: a folder exposing numpy alone (a symlink), used as ``sys.path``."""
    site, keep = numpy_paths()
    pylib = scratch / "pylib"
    pylib.mkdir()
    for path in keep:
        (pylib / path.name).symlink_to(path)
    return pylib


def prepare_scratch(scratch: Path, steps: list[dict], arrays: dict, uid: int | None,
                    protections: Protections, extra_hidden: list[Path]) -> dict:  # fmt: skip
    """Write ``job.json`` and the input arrays; give the scratch folder to the sandbox uid."""
    (scratch / "in").mkdir(parents=True, exist_ok=True)
    (scratch / "out").mkdir(exist_ok=True)
    for (index, name), value in arrays.items():
        np.save(scratch / "in" / f"{index}__{name}.npy", value, allow_pickle=False)
    site, keep = numpy_paths()
    if protections.namespaces:
        python_paths = [str(site)]
        hidden = {str(p) for p in HIDDEN_ROOTS} | {str(Path(p).resolve()) for p in extra_hidden}
        hidden.add(str(site))
        for path in sys.path:  # every other place Python could import from
            if path and Path(path).is_dir() and Path(path).resolve() not in set(stdlib_paths()):
                hidden.add(str(Path(path).resolve()))
        keep_paths = sorted({str(p) for p in keep + stdlib_paths()}, key=len)  # outer first
        for path in stdlib_paths():  # the base interpreter's own site-packages
            hidden.update(str(p) for p in path.glob("site-packages") if p.is_dir())
    else:
        python_paths = [str(_write_pylib(scratch))]
        hidden, keep_paths = set(), []
    # a hidden folder must not contain the scratch folder's parents' mount points in a way
    # that hides the scratch itself: the child chdir()s into it before hiding, so it stays.
    return {
        "python_paths": python_paths,
        "preload": list(PRELOAD),
        "isolate": protections.namespaces,
        "hide": sorted(hidden, key=len),
        "keep": keep_paths,
        "uid": uid,
        "denied_modules": list(DENIED_MODULES),
        "steps": steps,
    }


def _child_env(scratch: Path) -> dict:
    """A minimal environment: no instructor variables (a database URL may hold a password)."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(scratch), "LANG": "C.UTF-8",
           "PYTHONDONTWRITEBYTECODE": "1", "PYTHONHASHSEED": "0"}  # fmt: skip
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"  # one thread: parallel workers share the cores; threads count as processes
    return env


def kill_uid(uid: int) -> int:
    """SIGKILL every live process owned by ``uid`` (root only); return how many were found.

    Zombies (already dead, waiting to be reaped) do not count.
    """
    found = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if entry.stat().st_uid != uid:
                continue
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            if state in ("Z", "X"):
                continue
            os.kill(int(entry.name), signal.SIGKILL)
            found += 1
        except (FileNotFoundError, ProcessLookupError, PermissionError, IndexError):
            continue
    return found


def clean_up_uid(uid: int, patience: float = 2.0) -> None:
    """Kill the sandbox uid's processes until none is left alive (or ``patience`` runs out)."""
    deadline = time.monotonic() + patience
    while kill_uid(uid) and time.monotonic() < deadline:
        time.sleep(0.02)


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def read_untrusted(path: Path, max_bytes: int) -> bytes:
    """Read a file the sandbox wrote, refusing anything but a small regular file.

    The student's code owns the scratch folder: it could put a symlink (to a file only root may
    read), a named pipe (which would block the grader forever) or a huge file where a result
    is expected. Raises OSError or ValueError for all of these.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"{path.name} is not a regular file")
        if info.st_size > max_bytes:
            raise ValueError(f"{path.name} is larger than {max_bytes} bytes")
        with os.fdopen(os.dup(fd), "rb") as f:
            return f.read(max_bytes + 1)[:max_bytes]
    finally:
        os.close(fd)


def _read_result(scratch: Path, index: int, step: dict, result: StepResult,
                 cell_ids: set[str], max_bytes: int) -> None:  # fmt: skip
    """Fill ``result`` from the child's files; anything malformed counts as a failure.

    Whatever goes wrong here (even a ``RecursionError`` from a deeply nested forged file, or a
    ``MemoryError``) becomes this step's failure, never the grader's.
    """
    try:
        _read_result_files(scratch, index, step, result, cell_ids, max_bytes)
    except Exception:  # noqa: BLE001 - the file is the student's; any failure is theirs
        result.status, result.error = "error", "no readable result"
        result.outputs.clear()


def _read_result_files(scratch, index, step, result, cell_ids, max_bytes) -> None:
    path = scratch / "out" / f"{index}.json"
    try:
        data = json.loads(read_untrusted(path, 65536).decode("utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a result")
        # The child's process runs student code, so this file may be forged: every string that
        # can reach feedback is checked against a fixed list (no channel for hidden inputs).
        status = data["status"] if data.get("status") in ("ok", "error") else "error"
        error = data.get("error")
        result.status = status
        result.error = error if error in EXCEPTION_NAMES else (None if error is None else
                                                               "an exception")  # fmt: skip
        where = data.get("where")
        # A test step runs on hidden inputs: the line (and cell) it fails at is the student's
        # choice and could spell an input out bit by bit, so it is dropped. A cell runs before
        # any test; the grader still shows its line only when it finds it itself (runner).
        if step["kind"] == "cell" and isinstance(where, list) and len(where) == 2 and \
                where[0] in cell_ids and isinstance(where[1], int):  # fmt: skip
            result.where = [where[0], min(max(where[1], 0), 9999)]
        unsaved = data.get("unsaved") if isinstance(data.get("unsaved"), list) else []
        forbidden = data.get("forbidden_imports") or []
        result.forbidden_imports = sorted({m for m in forbidden if m in DENIED_MODULES})
    except (OSError, ValueError, KeyError, TypeError):
        result.status, result.error = "error", "no readable result"
        return
    if result.status != "ok" or step["kind"] != "test":
        return
    for name in step["outputs"]:
        if name in unsaved:
            result.bad_outputs[name] = "is not a plain numeric array"
            continue
        file = scratch / "out" / f"{index}__{name}.npy"
        try:
            raw = read_untrusted(file, max_bytes)  # the sandbox cannot write larger files
            result.outputs[name] = np.load(io.BytesIO(raw), allow_pickle=False,
                                           max_header_size=4096)  # fmt: skip
            del raw
        except (OSError, ValueError, EOFError) as exc:  # object arrays cannot be loaded
            result.bad_outputs[name] = "is not a plain numeric array" if "pickle" in str(exc) \
                else "is missing or unreadable"  # fmt: skip


def run_steps(scratch: Path, steps: list[dict], arrays: dict, limits: Limits,
              slot: int = 0, base_uid: int = 61000,
              extra_hidden: list[Path] = ()) -> SandboxRun:  # fmt: skip
    """Run ``steps`` (graded cells, then test drivers) in a sandbox; restart after a crash.

    A step that hangs or kills its process fails alone: the grader starts a fresh process from
    the next test (the cells are run again first). A *cell* that hangs or kills its process is
    left out of the next attempt, so only the functions it defines are missing.

    Whatever happens -- an exception anywhere, in the grader too -- the sandbox's processes are
    killed, its control group removed and its scratch tmpfs unmounted before this returns.
    """
    protections = probe_protections()
    uid = base_uid + slot if protections.uid_switch else None
    scratch = Path(scratch)
    scratch.mkdir(parents=True)
    mounted = protections.scratch == "tmpfs" and mount_scratch(scratch, limits.scratch_bytes, uid)
    group = None
    try:
        if uid is not None:
            group = make_group(f"{os.getpid()}-{slot}", limits.memory_bytes,
                               limits.max_processes)  # fmt: skip
        if group is None and protections.memory_cap != "per process":
            protections = replace(protections, memory_cap="per process")  # what really held
        run = _run(scratch, steps, arrays, limits, protections, uid, group, list(extra_hidden))
        if group is not None:
            run.memory_peak_bytes = group.peak_bytes()
        return run
    finally:
        if uid is not None:
            clean_up_uid(uid)
        if group is not None:
            group.remove()
        if mounted:
            unmount_scratch(scratch)


def sandbox_limits(limits: Limits, uid: int | None, group) -> dict:
    """The ``setrlimit`` values of each sandbox process.

    With a control group the group holds the memory of the whole sandbox; each process also
    gets ``memory_bytes`` of address space (so one huge allocation is a ``MemoryError``).
    Without one, at most :data:`FALLBACK_PROCESSES` processes of ``memory_bytes`` / that many
    each, so that together they stay under the cap. Without a uid of its own nothing limits the
    number of processes (``RLIMIT_NPROC`` counts all of the grader's user's processes).
    """
    values = {k: getattr(limits, k) for k in ("cpu_seconds", "memory_bytes", "max_processes",
                                              "max_file_bytes", "max_open_files")}  # fmt: skip
    if group is None:
        values["max_processes"] = min(limits.max_processes, FALLBACK_PROCESSES)
        values["memory_bytes"] = limits.memory_bytes // values["max_processes"]
    if uid is None:
        values["max_processes"] = 0
    return values


def _run(scratch, steps, arrays, limits, protections, uid, group, extra_hidden) -> SandboxRun:
    job = prepare_scratch(scratch, steps, arrays, uid, protections, extra_hidden)
    # The job (what the child runs as root before it drops privileges) and the output files live
    # next to the scratch folder, where the student's code cannot replace them: a job.json it
    # wrote would otherwise steer the next restart, which starts as root.
    logs = scratch.parent / f"{scratch.name}-logs"
    logs.mkdir(mode=0o700, exist_ok=True)
    if uid is not None:
        for path in [scratch, scratch / "out"]:
            os.chown(path, uid, uid)
        os.chmod(scratch, 0o700)
    job["limits"] = sandbox_limits(limits, uid, group)
    job["cgroup"] = group.procs_files if group is not None else []
    job_file = logs / "job.json"
    job_file.write_text(json.dumps(job), encoding="utf-8")

    results = [StepResult(i) for i in range(len(steps))]
    n_cells = sum(1 for s in steps if s["kind"] == "cell")
    cell_ids = {s["id"] for s in steps if s["kind"] == "cell"}
    began = time.monotonic()
    deadline = began + limits.submission_timeout
    start, restarts, skipped, startup = n_cells, 0, set(), None
    python = str(Path(sys.executable).resolve())
    prefix = ["unshare", *NAMESPACES, "--mount-proc"] if protections.namespaces else []
    max_result = limits.max_file_bytes + 4096
    while True:
        # the steps this process will start, in order: a step's clock starts only when the
        # next one of these is announced, so forged "S" lines cannot stretch a hang
        order = [i for i, step in enumerate(steps) if i not in skipped and
                 (step["kind"] == "cell" or i >= start)]  # fmt: skip
        read_fd, write_fd = os.pipe()
        with open(logs / "stdout.txt", "ab") as out, open(logs / "stderr.txt", "ab") as err:
            proc = subprocess.Popen(
                [*prefix, python, "-I", "-S", str(CHILD), str(job_file), str(scratch), str(start),
                 str(write_fd), ",".join(map(str, sorted(skipped)))],
                stdin=subprocess.DEVNULL, stdout=out, stderr=err, pass_fds=(write_fd,),
                env=_child_env(scratch), cwd=scratch, start_new_session=True,
            )  # fmt: skip
        os.close(write_fd)
        current, step_began, finished, killed_for = None, time.monotonic(), False, None
        started = out_of_cpu = False
        buffer, received, next_pos = b"", 0, 0
        try:
            with os.fdopen(read_fd, "rb", buffering=0) as control:
                while True:
                    now = time.monotonic()
                    step_limit = limits.cell_timeout if current is None else \
                        steps[current].get("timeout", limits.cell_timeout)  # fmt: skip
                    wait = min(deadline - now, step_began + step_limit - now)
                    if wait <= 0:
                        killed_for = "submission" if deadline - now <= 0 else "step"
                        break
                    ready, _, _ = select.select([control], [], [], wait)
                    if not ready:
                        continue
                    chunk = control.read(4096)
                    if not chunk:  # the child closed its end: it ended
                        break
                    received += len(chunk)
                    if received > 1 << 20:
                        killed_for = "protocol flood"
                        break
                    buffer += chunk
                    *lines, buffer = buffer.split(b"\n")
                    for line in lines:
                        parts = line.decode("ascii", "replace").split()
                        if parts == ["DONE"]:  # (a forged early DONE only loses the rest)
                            finished = True
                            break
                        elif parts == ["CPU"]:
                            out_of_cpu = True
                        elif (parts[:1] == ["S"] and current is None and next_pos < len(order)
                              and parts[1:] == [str(order[next_pos])]):  # fmt: skip
                            current, step_began, started = order[next_pos], time.monotonic(), True
                            next_pos += 1
                            if startup is None:
                                startup = time.monotonic() - began
                        elif parts[:1] == ["E"] and current is not None and \
                                parts[1:] == [str(current)]:  # fmt: skip
                            _read_result(scratch, current, steps[current], results[current],
                                         cell_ids, max_result)  # fmt: skip
                            current, step_began = None, time.monotonic()
                        else:  # out of order or forged: the step in progress fails
                            killed_for = "protocol"
                            break
                    if finished or killed_for:
                        break
        finally:  # nothing of this process survives, whatever happened above
            _kill_group(proc)
            if uid is not None:
                clean_up_uid(uid)
        if finished:
            break
        if not started and killed_for is None:  # the sandbox itself could not start
            try:
                tail = read_untrusted(logs / "stderr.txt", 1 << 20)[-2000:].decode(
                    errors="replace")  # fmt: skip
            except (OSError, ValueError) as exc:
                tail = str(exc)
            raise SandboxError(f"the sandbox process failed to start:\n{tail}")
        failed = current
        if failed is None:  # died between steps (or before the first): blame the next one
            failed = order[next_pos] if next_pos < len(order) else order[-1] if order else 0
        how = {"submission": "timeout", "step": "timeout"}
        result = results[failed]
        result.status = how.get(killed_for, "died")
        result.outputs.clear()
        if killed_for in ("submission", "step"):
            result.error = f"{killed_for} time limit"
        elif killed_for in ("protocol", "protocol flood"):
            result.error = "broke the grading protocol"
        else:
            code = proc.returncode
            result.error = f"killed by signal {-code}" if code and code < 0 else f"exit code {code}"
            if out_of_cpu:
                result.error = "CPU time limit"
        if killed_for == "submission":
            break
        restarts += 1
        if steps[failed]["kind"] == "cell":  # run again without it; its functions will be missing
            skipped.add(failed)
            continue
        start = failed + 1
        group_id = steps[failed].get("group")
        while start < len(steps) and group_id is not None and \
                steps[start].get("group") == group_id:  # fmt: skip
            start += 1  # the rest of a failed test's cases cannot change its verdict
        if start >= len(steps):
            break
    wall = round(time.monotonic() - began, 3)
    return SandboxRun(results, protections, wall, restarts, round(startup or 0.0, 3))
