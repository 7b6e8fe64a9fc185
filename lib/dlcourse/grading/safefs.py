"""Read and copy files in student space without ever following a link or reading a device.

Everything under ``submitted/`` (and every folder given to ``collect --from``) is named by
students: a folder may be a symbolic link to ``solutions/`` or to a classmate's folder, a
notebook may be a named pipe (which would block the grader) or ``/dev/zero``. These helpers walk
a path one component at a time from a trusted folder, opening each with ``O_NOFOLLOW``, and only
ever read *regular* files, up to a byte limit. Whatever is refused raises :class:`Refused` with
a reason that can be shown to the instructor.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


class Refused(OSError):
    """A path in student space that the grader will not follow or read."""


def _parts(root: Path, path: Path) -> list[str]:
    try:
        parts = Path(path).relative_to(root).parts
    except ValueError:
        raise Refused(f"{path} is not inside {root}") from None
    if any(p in ("", ".", "..") for p in parts):
        raise Refused(f"{path}: '.' and '..' are not followed")
    return list(parts)


def open_regular(root: Path, path: Path) -> int:
    """A read-only descriptor of the regular file ``path``; no component below ``root`` may be
    a link. ``root`` itself is trusted (the instructor's folder)."""
    parts = _parts(Path(root), Path(path))
    if not parts:
        raise Refused(f"{path} is a folder")
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for name in parts[:-1]:
            try:
                nxt = os.open(name, _DIR, dir_fd=fd)
            except OSError as exc:
                raise Refused(f"{name}: {_why(exc)}") from None
            os.close(fd)
            fd = nxt
        try:
            file = os.open(parts[-1], _FILE, dir_fd=fd)
        except OSError as exc:
            raise Refused(f"{parts[-1]}: {_why(exc)}") from None
    finally:
        os.close(fd)
    info = os.fstat(file)
    if not stat.S_ISREG(info.st_mode):
        os.close(file)
        raise Refused(f"{parts[-1]} is not a regular file")
    return file


def _why(exc: OSError) -> str:
    import errno

    if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
        return "a symbolic link or not a folder (links are not followed)"
    if exc.errno == errno.ENOENT:
        return "does not exist"
    if exc.errno == errno.ENAMETOOLONG:
        return "name too long"
    return exc.strerror or str(exc)


def read_regular(root: Path, path: Path, max_bytes: int) -> bytes:
    """The first bytes of a regular file; :class:`Refused` if it holds more than ``max_bytes``."""
    fd = open_regular(root, path)
    with os.fdopen(fd, "rb") as f:
        if os.fstat(f.fileno()).st_size > max_bytes:
            raise Refused(f"{Path(path).name} is larger than {max_bytes} bytes")
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise Refused(f"{Path(path).name} is larger than {max_bytes} bytes")
    return data


def read_head(root: Path, path: Path, n_bytes: int) -> bytes:
    """Only the first ``n_bytes`` of a regular file, however large it is."""
    with os.fdopen(open_regular(root, path), "rb") as f:
        return f.read(n_bytes)


def is_real_dir(path: Path) -> bool:
    """``path`` is a folder, not a link to one (never raises)."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except (OSError, ValueError):
        return False


def real_subdirs(folder: Path) -> list[str]:
    """Names of the folders directly in ``folder`` (links to folders excluded), sorted."""
    try:
        with os.scandir(folder) as entries:
            return sorted(e.name for e in entries if e.is_dir(follow_symlinks=False))
    except OSError:
        return []


def write_new(dest: Path, data: bytes) -> None:
    """Write ``data`` to ``dest`` through a temporary file and a rename (never through a link:
    a link at ``dest`` is replaced, not followed)."""
    dest = Path(dest)
    tmp = dest.with_name(f".{dest.name[:200]}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def make_dirs(base: Path, parts: list[str]) -> Path:
    """Create ``base/parts...`` as real folders; :class:`Refused` if any is a link or a file."""
    path = Path(base)
    path.mkdir(parents=True, exist_ok=True)  # the base is the instructor's own folder
    for name in parts:
        path = path / name
        try:
            path.mkdir()
        except FileExistsError:
            pass
        if not is_real_dir(path):
            raise Refused(f"{path} exists and is not a folder (links are not followed)")
    return path
