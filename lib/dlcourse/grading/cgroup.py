"""One memory (and process-count) budget for a whole sandbox: a control group per run.

``RLIMIT_AS`` limits each process on its own, so 32 processes of 1 GiB each reach 32 GiB. A
control group (cgroup) limits them *together*: the sandbox's first process joins the group
before any student code runs, every process it starts is in it too, and the kernel stops the
group at ``memory_bytes`` in all (the largest process is killed, the grader sees the step die).

cgroup v2 is used when its ``memory`` controller can be enabled, else cgroup v1's ``memory``
and ``pids`` hierarchies. Both need root. Where neither works, :func:`cgroup_support` says why
and the sandbox falls back to a small process count with a per-process address-space limit
(see :mod:`.sandbox`).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PREFIX = "dlcourse-sandbox-"


def _mounts() -> list[tuple[str, str, set[str]]]:
    """``(mount point, fs type, options)`` of every cgroup mount."""
    found = []
    try:
        lines = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return []
    for line in lines:
        parts = line.split()
        if len(parts) >= 4 and parts[2] in ("cgroup", "cgroup2"):
            found.append((parts[1], parts[2], set(parts[3].split(","))))
    return found


@cache
def cgroup_support() -> tuple[str | None, dict[str, Path], str]:
    """``(version, {controller: parent folder}, why not)``: where groups can be made."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None, {}, "not root"
    mounts = _mounts()
    for point, kind, _ in mounts:
        if kind != "cgroup2":
            continue
        root = Path(point)
        try:
            if "memory" not in (root / "cgroup.controllers").read_text().split():
                continue
            parent = root / "dlcourse"
            parent.mkdir(exist_ok=True)
            (root / "cgroup.subtree_control").write_text("+memory +pids")
            (parent / "cgroup.subtree_control").write_text("+memory +pids")
            return "v2", {"memory": parent, "pids": parent}, ""
        except OSError:
            continue
    parents = {}
    for point, kind, options in mounts:
        for controller in ("memory", "pids"):
            if kind == "cgroup" and controller in options and controller not in parents:
                parents[controller] = Path(point)
    if "memory" in parents:
        probe = parents["memory"] / f"{PREFIX}probe-{os.getpid()}"
        try:
            probe.mkdir(exist_ok=True)
            ok = (probe / "memory.limit_in_bytes").exists()
            probe.rmdir()
            if ok:
                return "v1", parents, ""
        except OSError as exc:
            return None, {}, f"cannot create a memory cgroup ({exc.strerror})"
    return None, {}, "no cgroup memory controller is mounted"


@dataclass
class SandboxGroup:
    """The control group(s) of one sandbox run; :meth:`remove` when done."""

    folders: list[Path]
    version: str

    @property
    def procs_files(self) -> list[str]:
        """Files the sandbox's first process writes ``0`` to, to join (itself, as root)."""
        return [str(f / "cgroup.procs") for f in self.folders]

    def peak_bytes(self) -> int | None:
        name = "memory.peak" if self.version == "v2" else "memory.max_usage_in_bytes"
        for folder in self.folders:
            try:
                return int((folder / name).read_text())
            except (OSError, ValueError):
                continue
        return None

    def pids(self) -> list[int]:
        found = set()
        for folder in self.folders:
            try:
                found.update(int(p) for p in (folder / "cgroup.procs").read_text().split())
            except (OSError, ValueError):
                continue
        return sorted(found)

    def remove(self, patience: float = 2.0) -> bool:
        """Delete the groups (their processes must be gone); True when all are deleted."""
        deadline = time.monotonic() + patience
        for folder in self.folders:
            while folder.exists():
                try:
                    folder.rmdir()
                except OSError:
                    if time.monotonic() > deadline:
                        return False
                    time.sleep(0.02)
        return True


def make_group(name: str, memory_bytes: int, max_pids: int) -> SandboxGroup | None:
    """A group capping memory (and processes) in all at the given values, or None."""
    version, parents, _ = cgroup_support()
    if version is None:
        return None
    made: list[Path] = []
    try:
        if version == "v2":
            folder = parents["memory"] / f"{PREFIX}{name}"
            folder.mkdir(exist_ok=True)
            made.append(folder)
            (folder / "memory.max").write_text(str(memory_bytes))
            _try_write(folder / "memory.swap.max", "0")
            _try_write(folder / "pids.max", str(max_pids))
        else:
            folder = parents["memory"] / f"{PREFIX}{name}"
            folder.mkdir(exist_ok=True)
            made.append(folder)
            (folder / "memory.limit_in_bytes").write_text(str(memory_bytes))
            _try_write(folder / "memory.memsw.limit_in_bytes", str(memory_bytes))
            if "pids" in parents:
                pids = parents["pids"] / f"{PREFIX}{name}"
                pids.mkdir(exist_ok=True)
                made.append(pids)
                (pids / "pids.max").write_text(str(max_pids))
    except OSError:
        SandboxGroup(made, version).remove(patience=0.1)
        return None
    return SandboxGroup(made, version)


def _try_write(path: Path, value: str) -> None:
    try:
        path.write_text(value)
    except OSError:
        pass


def leftover_groups() -> list[Path]:
    """Sandbox groups that still exist (none should, after a run)."""
    version, parents, _ = cgroup_support()
    return sorted({g for p in parents.values() for g in p.glob(f"{PREFIX}*")})


def remove_stale_groups() -> list[Path]:
    """Remove the groups of grading runs that died without cleaning up (a ``kill -9``).

    A group is named ``dlcourse-sandbox-<pid>-<slot>``; one whose grading process is gone has
    its processes killed and is deleted. Returns the groups removed.
    """
    import signal

    removed = []
    for folder in leftover_groups():
        pid = folder.name[len(PREFIX) :].split("-")[0]
        if not pid.isdigit() or Path(f"/proc/{pid}").exists():
            continue
        group = SandboxGroup([folder], cgroup_support()[0] or "v1")
        for task in group.pids():
            try:
                os.kill(task, signal.SIGKILL)
            except OSError:
                pass
        if group.remove(patience=1.0):
            removed.append(folder)
    return removed
