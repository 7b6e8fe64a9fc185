"""The trusted bootstrap that runs inside the sandbox, before and around the student's code.

Started by :mod:`dlcourse.grading.sandbox` as
``python -I -S child.py JOB SCRATCH START CONTROL_FD SKIPPED`` (a plain script: it imports
nothing from dlcourse). In order, it

1. reads ``JOB``, a JSON file the trusted grader wrote where the student's code cannot reach
   (this process starts as root, so nothing it trusts may come from the scratch folder), and
   joins the sandbox's control group when the job names one (one memory cap for all the
   processes of the sandbox, before any of them exists);
2. imports numpy (the only third-party package graded code may use);
3. when the job says ``isolate`` (root, fresh mount namespace): hides the host's folders behind
   empty read-only tmpfs mounts and puts back only the Python standard library and numpy, so the
   course folder, the solutions, the gradebook, other submissions, ``torch``, ``scipy`` and
   ``dlcourse`` do not exist any more as far as this process can tell;
4. sets the resource limits, then drops to an unprivileged uid when the job names one;
5. installs an import guard (a clear error for ``import torch`` even where step 3 was not
   possible) and executes the graded cells, then each test's driver from step ``START`` on
   (cells listed in ``SKIPPED``, which hung or crashed before, are left out).

Progress goes to ``CONTROL_FD`` as ``S <i>`` / ``E <i>`` lines, results to ``SCRATCH/out``:
``<i>.json`` (status, exception type, line) and ``<i>__<name>.npy`` (plain arrays, saved with
``allow_pickle=False``). Nothing written here is trusted: the grader only compares arrays.
"""

import json
import os
import signal
import sys
import traceback

MS_BIND, MS_REC, MS_PRIVATE, MS_RDONLY, MS_REMOUNT, MS_NOSUID, MS_NODEV = (
    4096,
    16384,
    1 << 18,
    1,
    32,
    2,
    4,
)
CELL_PREFIX = "<cell "


def _mount(libc, source, target, fstype, flags, data):
    import ctypes

    enc = [None if s is None else s.encode() for s in (source, target, fstype, data)]
    if libc.mount(enc[0], enc[1], enc[2], flags, enc[3]) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err), target)


def isolate_filesystem(hide, keep):
    """Cover every folder in ``hide`` with an empty tmpfs; bind the ``keep`` folders back."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    _mount(libc, None, "/", None, MS_REC | MS_PRIVATE, None)
    fds = {path: os.open(path, os.O_PATH) for path in keep if os.path.isdir(path)}
    tmpfs, mounted = (MS_NOSUID | MS_NODEV, "mode=755,size=64k"), []
    for path in hide:  # shortest first: a folder inside a hidden one is gone already
        if os.path.isdir(path):
            _mount(libc, "tmpfs", path, "tmpfs", *tmpfs)
            mounted.append(path)
    for path in sorted(fds, key=len):  # outer folders first, so none covers another
        os.makedirs(path, exist_ok=True)
        _mount(libc, f"/proc/self/fd/{fds[path]}", path, None, MS_BIND | MS_REC, None)
        _mount(libc, None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY, None)
        os.close(fds[path])
    for path in hide:  # e.g. the interpreter's own site-packages, inside the standard library
        if any(path.startswith(k + "/") for k in fds) and os.path.isdir(path):
            _mount(libc, "tmpfs", path, "tmpfs", *tmpfs)
            mounted.append(path)
    for path in mounted:  # read-only: nothing can be written outside the scratch folder
        _mount(libc, None, path, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, None)


def set_limits(limits):
    import resource

    cpu = int(limits["cpu_seconds"])
    pairs = {
        resource.RLIMIT_CPU: (cpu, cpu + 2),
        resource.RLIMIT_AS: (limits["memory_bytes"],) * 2,
        resource.RLIMIT_FSIZE: (limits["max_file_bytes"],) * 2,
        resource.RLIMIT_NOFILE: (limits["max_open_files"],) * 2,
        resource.RLIMIT_CORE: (0, 0),
    }
    if limits.get("max_processes"):
        pairs[resource.RLIMIT_NPROC] = (limits["max_processes"],) * 2
    for which, value in pairs.items():
        resource.setrlimit(which, value)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an oversized write raises OSError instead


def drop_privileges(uid):
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    if os.getuid() != uid or os.geteuid() != uid:
        raise SystemExit("could not drop privileges")


class ImportGuard:
    """Refuse imports of libraries that would do the student's work (torch, scipy, ...)."""

    def __init__(self, denied, attempts):
        self.denied, self.attempts = set(denied), attempts

    def find_spec(self, name, path=None, target=None):
        top = name.partition(".")[0]
        if top in self.denied:
            self.attempts.append(top)
            raise ImportError(f"import of {top!r} is not allowed in graded code")
        return None


def strip_magics(source):
    """Turn IPython-only lines (``%timeit``, ``!ls``) into ``pass`` so the cell still compiles."""
    lines = []
    for line in source.splitlines():
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")):
            line = line[: len(line) - len(stripped)] + "pass"
        lines.append(line)
    return "\n".join(lines) + "\n"


def describe(exc):
    """Exception type and the (cell, line) of the deepest frame inside student code."""
    where = None
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_filename.startswith(CELL_PREFIX):
            where = [frame.f_code.co_filename[len(CELL_PREFIX) : -1], lineno]
    if isinstance(exc, SyntaxError) and str(exc.filename or "").startswith(CELL_PREFIX):
        where = [exc.filename[len(CELL_PREFIX) : -1], exc.lineno]
    return {"error": type(exc).__name__, "where": where}


def main():
    job_file, scratch = sys.argv[1], sys.argv[2]
    start, control_fd = int(sys.argv[3]), int(sys.argv[4])
    skipped = {int(i) for i in sys.argv[5].split(",") if i} if len(sys.argv) > 5 else set()
    with open(job_file, encoding="utf-8") as f:  # outside the scratch folder: ours alone
        job = json.load(f)
    for procs in job.get("cgroup", []):  # join the sandbox's memory cap before anything else
        with open(procs, "w") as f:
            f.write("0")
    sys.path[:0] = job["python_paths"]
    import numpy as np

    for name in job.get("preload", []):
        __import__(name)
    os.chdir(scratch)
    if job["isolate"]:
        isolate_filesystem(job["hide"], job["keep"])
    set_limits(job["limits"])
    if job.get("uid") is not None:
        drop_privileges(job["uid"])
    control = os.fdopen(control_fd, "w", buffering=1)

    def out_of_cpu(signum, frame):  # the soft CPU limit: say so, then end (hard limit: SIGKILL)
        control.write("CPU\n")
        os._exit(124)

    signal.signal(signal.SIGXCPU, out_of_cpu)
    attempts = []
    sys.meta_path.insert(0, ImportGuard(job["denied_modules"], attempts))
    out_dir = "out"  # relative: the absolute path may lie under a folder hidden above
    namespace = {"__name__": "__main__", "__builtins__": __builtins__}
    steps = job["steps"]

    def fresh(path):
        """``path`` emptied for writing: whatever the student left there (a named pipe that
        would block us, a symlink) is removed first, and the new file is created exclusively."""
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        return open(path, "xb")

    def record(index, result):
        result["forbidden_imports"] = sorted(set(attempts))
        with fresh(os.path.join(out_dir, f"{index}.json")) as f:
            f.write(json.dumps(result).encode())

    for index, step in enumerate(steps):
        if (step["kind"] == "test" and index < start) or index in skipped:
            continue
        attempts.clear()
        control.write(f"S {index}\n")
        try:
            if step["kind"] == "cell":
                code = compile(strip_magics(step["source"]), f"<cell {step['id']}>", "exec")
                exec(code, namespace)
                record(index, {"status": "ok"})
            else:
                scope = dict(namespace)
                for name, value in step["scalars"].items():
                    scope[name] = value
                for name in step["arrays"]:
                    path = os.path.join("in", f"{index}__{name}.npy")
                    scope[name] = np.load(path, allow_pickle=False)
                exec(compile(step["driver"], "<driver>", "exec"), scope)
                unsaved = []
                for name in step["outputs"]:
                    value = np.asarray(scope["outputs"][name])
                    if value.dtype.hasobject:  # not plain data: never pickled across
                        unsaved.append(name)
                        continue
                    with fresh(os.path.join(out_dir, f"{index}__{name}.npy")) as f:
                        np.save(f, value, allow_pickle=False)
                record(index, {"status": "ok", "unsaved": unsaved})
        except BaseException as exc:  # SystemExit and KeyboardInterrupt are failures too
            try:
                record(index, {"status": "error", **describe(exc)})
            except BaseException:
                pass
        control.write(f"E {index}\n")
    control.write("DONE\n")
    control.flush()
    os._exit(0)  # no atexit handlers or finalizers of the student's: they could hang


if __name__ == "__main__":
    main()
