"""Gather submissions into nbgrader's layout ``submitted/<student>/<assignment>/``.

Two sources:

- a folder already laid out like nbgrader's ``submitted/`` (``<student>/<assignment>/*.ipynb``
  and optionally ``timestamp.txt``): its regular files are copied;
- an LMS download (a zip file) whose file names follow nbgrader's ``zip_collect`` convention,
  ``<assignment>_<student>_attempt_<YYYY-MM-DD-HH-MM-SS>_<file>.ipynb`` (Blackboard's).

A file name is partly the LMS's and partly the student's: the end (``<file>``) is whatever the
student called the upload. So a student is found only from the LMS's part, by rules the student
cannot steer: the pattern is matched as a whole (anchored), the *first* ``_attempt_<time>_``
ends the LMS's part, and the student id is what lies between the assignment's name and it.
Where a roster is known (the gradebook's students, or a students file), ids are checked against
it. Of two attempts of one student the newest by its *parsed* time wins; the other is reported.

Nothing is followed or overwritten silently: links, named pipes, corrupt members, names that
cannot be mapped to a student and notebooks with a wrong extension are reported one line each
(:attr:`Collected.problems`; the command then exits non-zero), and the rest of the class is
collected all the same. Source files are only read.
"""

from __future__ import annotations

import os
import re
import stat
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from dlcourse.grading.safefs import (
    Refused,
    is_real_dir,
    make_dirs,
    read_regular,
    write_new,
)

#: the LMS's part ends at the first ``_attempt_<time>_``; the student id is derived from PREFIX
ZIP_REGEXP = (r"(?P<prefix>.+?)_attempt_(?P<timestamp>\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d)_"
              r"(?P<file_id>.+)")  # fmt: skip
#: largest file collect copies; autograde refuses notebooks over 20 MB with a row that says so,
#: and a student whose file is even larger gets an empty folder (a "missing" row) and a problem
MAX_MEMBER_BYTES = 64 << 20
MAX_FILES_PER_STUDENT = 200
#: longest student id in bytes (a folder name may hold 255; nbgrader's gradebook column 128)
MAX_ID_BYTES = 128


@dataclass
class Collected:
    """What a collect did: the students filed, what went wrong, and what is worth knowing."""

    students: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # each one makes the command fail
    notes: list[str] = field(default_factory=list)  # e.g. an older attempt set aside


def _timestamp(text: str) -> datetime | None:
    """``2016-01-30-15-00-00`` -> a datetime (None if it is no real time)."""
    try:
        return datetime.strptime(text, "%Y-%m-%d-%H-%M-%S")
    except ValueError:
        return None


def check_id(student: str, roster: set[str] | None) -> str | None:
    """Why ``student`` cannot be a folder under ``submitted/`` (None when it can)."""
    if not student or student in (".", "..") or "/" in student or "\x00" in student:
        return "is not a usable student id"
    if any(unicodedata.category(c).startswith("C") for c in student):
        return "contains control characters"
    if len(student.encode("utf-8", "surrogatepass")) > MAX_ID_BYTES:
        return f"is longer than {MAX_ID_BYTES} bytes"
    if roster is not None and student not in roster:
        return "is not on the roster"
    return None


def student_of(prefix: str, assignment: str, roster: set[str] | None) -> str:
    """The student id in the LMS's part of a name, ``<assignment>_<student>``.

    The assignment's own name is removed when the prefix starts with it; otherwise, with a
    roster, the longest roster id that ends the prefix; otherwise what follows the first ``_``
    (an LMS assignment title without underscores).
    """
    if prefix.startswith(assignment + "_"):
        return prefix[len(assignment) + 1 :]
    if roster:
        ends = [s for s in roster if prefix == s or prefix.endswith("_" + s)]
        if ends:
            return max(ends, key=len)
    return prefix.partition("_")[2] or prefix


def _shown(name: str) -> str:
    """A member name as it may be printed: short and without control characters."""
    clean = "".join(c if c.isprintable() else "?" for c in name)
    return clean if len(clean) <= 120 else clean[:100] + "..." + clean[-17:]


def _is_link(info: zipfile.ZipInfo) -> bool:
    """A member stored as a symbolic link or a device (by its Unix mode bits)."""
    return stat.S_IFMT(info.external_attr >> 16) not in (0, stat.S_IFREG, stat.S_IFDIR)


@dataclass
class _Attempt:
    when: datetime
    info: zipfile.ZipInfo
    name: str


def collect_zip(archive: Path, submitted: Path, assignment: str, notebook: str,
                regexp: str = ZIP_REGEXP, roster=None) -> Collected:  # fmt: skip
    """Unpack an LMS zip into ``submitted/``.

    A student's ``.ipynb`` is saved under the assignment's notebook name ``notebook`` (LMSs
    rename files) with a ``timestamp.txt``. ``regexp`` must match a whole name and have the
    groups ``timestamp`` and either ``student_id`` or ``prefix``.
    """
    roster = set(roster) if roster else None
    pattern = re.compile(regexp)
    result = Collected()
    attempts: dict[str, list[_Attempt]] = {}
    ignored = 0
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        result.problems.append(f"{Path(archive).name}: not a readable zip file ({exc})")
        return result
    with zf:
        for info in zf.infolist():
            name = info.filename.replace("\\", "/").rsplit("/", 1)[-1]
            shown = _shown(name)
            if info.is_dir() or not name:
                continue
            lower = name.lower()
            if not lower.endswith(".ipynb"):
                if ".ipynb" in lower:  # e.g. "a1.ipynb.txt", saved by a browser
                    result.problems.append(f"{shown}: not collected, the name does not end in "
                                           ".ipynb (rename it if it is the notebook)")  # fmt: skip
                else:
                    ignored += 1
                continue
            if _is_link(info):
                result.problems.append(f"{shown}: a link or special file, not collected")
                continue
            match = pattern.fullmatch(name)
            if not match:
                result.problems.append(f"{shown}: does not match the LMS file-name pattern")
                continue
            groups = match.groupdict()
            if groups.get("student_id"):
                student = groups["student_id"]
            else:
                student = student_of(groups.get("prefix") or "", assignment, roster)
            why = check_id(student, roster)
            if why:
                result.problems.append(f"{shown}: student id {_shown(student)!r} {why}")
                continue
            when = _timestamp(groups.get("timestamp") or "")
            if when is None:
                result.problems.append(f"{shown}: no valid submission time in the name")
                continue
            if info.file_size > MAX_MEMBER_BYTES:
                result.problems.append(f"{shown}: larger than {MAX_MEMBER_BYTES >> 20} MB")
                try:  # the student still gets a row when the class is graded
                    make_dirs(Path(submitted), [student, assignment])
                except OSError:
                    pass
                continue
            attempts.setdefault(student, []).append(_Attempt(when, info, shown))
        for student, found in sorted(attempts.items()):
            _file_newest(zf, student, found, Path(submitted), assignment, notebook, result)
    if ignored:
        result.notes.append(f"{ignored} file(s) that are not notebooks were ignored")
    return result


def _file_newest(zf, student, found, submitted, assignment, notebook, result) -> None:
    """Write the newest readable attempt of ``student``; report the others."""
    found.sort(key=lambda a: a.when, reverse=True)
    newest = found[0].when
    tied = [a for a in found if a.when == newest]
    if len(tied) > 1:
        names = ", ".join(a.name for a in tied)
        result.problems.append(f"{student}: {len(tied)} notebooks with the same time "
                               f"{newest:%Y-%m-%d %H:%M:%S} ({names}); none collected")  # fmt: skip
        return
    for attempt in found:
        try:
            with zf.open(attempt.info) as src:
                data = src.read(MAX_MEMBER_BYTES + 1)
            if len(data) > MAX_MEMBER_BYTES:
                raise ValueError(f"larger than {MAX_MEMBER_BYTES >> 20} MB")
        except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError) as exc:
            result.problems.append(f"{attempt.name}: unreadable zip member ({exc})")
            continue
        for other in found:
            if other is not attempt:
                kept = attempt.when.isoformat(" ")
                result.notes.append(f"{student}: kept the attempt of {kept}, set aside "
                                    f"{other.name}")  # fmt: skip
        _store(submitted, student, assignment, notebook, data, attempt.when, result)
        return


def _store(submitted: Path, student: str, assignment: str, notebook: str, data: bytes,
           when: datetime | None, result: Collected) -> None:  # fmt: skip
    """File one notebook; an existing different submission is only replaced by a newer one."""
    try:
        dest = make_dirs(submitted, [student, assignment])
        existing = dest / notebook
        if existing.is_symlink() or existing.exists():
            try:
                old = read_regular(dest, existing, MAX_MEMBER_BYTES)
            except (Refused, OSError):
                old = None
            if old == data:
                result.students.append(student)
                return
            old_when = _old_time(dest)
            if when is not None and old_when is not None and old_when >= when:
                result.problems.append(f"{student}: submitted/ already holds a submission of "
                                       f"{old_when:%Y-%m-%d %H:%M:%S}, not older than this one; "
                                       "kept it")  # fmt: skip
                return
            result.notes.append(f"{student}: replaced the earlier submission in submitted/")
        write_new(existing, data)
        if when is not None:
            write_new(dest / "timestamp.txt", when.isoformat(" ").encode())
        result.students.append(student)
    except OSError as exc:  # e.g. a name the file system refuses
        result.problems.append(f"{_shown(student)}: cannot be filed ({exc.strerror or exc})")


def _old_time(dest: Path) -> datetime | None:
    try:
        text = read_regular(dest, dest / "timestamp.txt", 64).decode("ascii", "replace")
        return datetime.fromisoformat(text.strip())
    except (OSError, ValueError):
        return None


def collect_folder(source: Path, submitted: Path, assignment: str, roster=None) -> Collected:
    """Copy the regular files of ``source/<student>/<assignment>/`` into ``submitted/``.

    Links (to a folder or a file) and special files are reported and never followed, so a link
    loop or a link to ``solutions/`` only costs that one entry.
    """
    source, submitted = Path(source), Path(submitted)
    roster = set(roster) if roster else None
    if not is_real_dir(source):
        raise FileNotFoundError(f"no folder {source}")
    result = Collected()
    seen: dict[str, str] = {}
    with os.scandir(source) as it:
        entries = sorted(it, key=lambda e: e.name)
    for entry in entries:
        student = entry.name
        if entry.is_symlink():
            result.problems.append(f"{_shown(student)}: a symbolic link, not followed")
            continue
        if not entry.is_dir(follow_symlinks=False):
            continue
        folder = source / student / assignment
        try:
            mode = os.lstat(folder).st_mode
        except OSError:
            continue  # this student has nothing for this assignment
        if not stat.S_ISDIR(mode):
            result.problems.append(f"{_shown(student)}/{assignment}: a link or not a folder, "
                                   "not collected")  # fmt: skip
            continue
        why = check_id(student, roster)
        key = unicodedata.normalize("NFC", student).casefold()
        if why is None and key in seen:
            why = f"is the same id as {seen[key]!r} written differently"
        if why:
            result.problems.append(f"{_shown(student)}: student id {why}")
            continue
        seen[key] = student
        if (submitted / student / assignment).resolve() == folder.resolve():
            result.students.append(student)  # collecting submitted/ into itself
            continue
        _copy_tree(source / student, assignment, submitted, result)
        result.students.append(student)
    return result


def _copy_tree(root: Path, assignment: str, submitted: Path, result: Collected) -> None:
    """Copy the regular files below ``root/assignment`` (a depth of 4, at most 200 files)."""
    count = 0
    stack = [(root / assignment, [root.name, assignment], 0)]
    while stack:
        here, where, depth = stack.pop()
        try:
            with os.scandir(here) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            result.problems.append(f"{'/'.join(where)}: cannot be listed ({exc.strerror})")
            continue
        for entry in entries:
            shown = "/".join([*where, _shown(entry.name)])
            if entry.is_symlink():
                result.problems.append(f"{shown}: a symbolic link, not followed")
            elif entry.is_dir(follow_symlinks=False):
                if depth < 4:
                    stack.append((Path(entry.path), [*where, entry.name], depth + 1))
            elif not entry.is_file(follow_symlinks=False):
                result.problems.append(f"{shown}: not a regular file, not copied")
            elif count >= MAX_FILES_PER_STUDENT:
                result.problems.append(f"{shown}: more than {MAX_FILES_PER_STUDENT} files")
                return
            else:
                count += 1
                _copy_file(root, Path(entry.path), submitted, where, shown, result)


def _copy_file(root, path, submitted, where, shown, result) -> None:
    try:
        data = read_regular(root, path, MAX_MEMBER_BYTES)
        dest = make_dirs(submitted, where) / path.name
        try:
            old = read_regular(dest.parent, dest, MAX_MEMBER_BYTES)
        except OSError:
            old = None
        if old == data:
            return
        if old is not None or dest.is_symlink():
            result.notes.append(f"{shown}: replaced the earlier copy in submitted/")
        write_new(dest, data)
    except OSError as exc:
        result.problems.append(f"{shown}: not copied ({exc})")
