"""Gather submissions into nbgrader's layout ``submitted/<student>/<assignment>/``.

Two sources:

- a folder already laid out like nbgrader's ``submitted/`` (``<student>/<assignment>/*.ipynb``
  and optionally ``timestamp.txt``), copied as it is;
- an LMS download (a zip file) whose file names follow nbgrader's ``zip_collect`` convention,
  ``<anything>_<student>_attempt_<timestamp>_<file>.ipynb`` (Blackboard's, nbgrader's default
  example); another regular expression with the same named groups can be given.

Source files are only read. Zip members are read by their base name only (no path can escape the
destination), and oversized members are skipped with a reason.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from datetime import datetime
from pathlib import Path

ZIP_REGEXP = r".*_(?P<student_id>\w+)_attempt_(?P<timestamp>[0-9\-]+)_(?P<file_id>.+)"
MAX_MEMBER_BYTES = 20 << 20


def _timestamp(text: str) -> str | None:
    """``2016-01-30-15-00-00`` -> ``2016-01-30 15:00:00`` (nbgrader's timestamp.txt format)."""
    try:
        return datetime.strptime(text, "%Y-%m-%d-%H-%M-%S").isoformat(" ")
    except ValueError:
        return None


def collect_folder(source: Path, submitted: Path, assignment: str) -> list[str]:
    """Copy ``source/<student>/<assignment>/`` into ``submitted/``; return the students."""
    source = Path(source)
    if not source.is_dir():
        raise FileNotFoundError(f"no folder {source}")
    students = []
    for folder in sorted(source.glob(f"*/{assignment}")):
        student = folder.parent.name
        dest = Path(submitted) / student / assignment
        if dest.resolve() != folder.resolve():
            shutil.copytree(folder, dest, dirs_exist_ok=True)
        students.append(student)
    return students


def collect_zip(archive: Path, submitted: Path, assignment: str, notebook: str,
                regexp: str = ZIP_REGEXP) -> tuple[list[str], list[str]]:  # fmt: skip
    """Unpack an LMS zip into ``submitted/``; return ``(students, skipped members with why)``.

    A student's ``.ipynb`` is saved under the assignment's notebook name ``notebook`` (LMSs
    rename files); of several attempts the newest timestamp wins, as in nbgrader.
    """
    pattern = re.compile(regexp)
    newest: dict[str, tuple[str, zipfile.ZipInfo]] = {}
    skipped = []
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            name = Path(info.filename).name
            if info.is_dir() or not name.endswith(".ipynb"):
                continue
            match = pattern.match(name)
            if not match:
                skipped.append(f"{name}: does not match {regexp}")
                continue
            if info.file_size > MAX_MEMBER_BYTES:
                skipped.append(f"{name}: larger than {MAX_MEMBER_BYTES >> 20} MB")
                continue
            student, stamp = match["student_id"], match.groupdict().get("timestamp") or ""
            if student not in newest or stamp > newest[student][0]:
                newest[student] = (stamp, info)
        for student, (stamp, info) in sorted(newest.items()):
            dest = Path(submitted) / student / assignment
            dest.mkdir(parents=True, exist_ok=True)
            with zf.open(info) as src, open(dest / notebook, "wb") as out:
                shutil.copyfileobj(src, out)
            when = _timestamp(stamp)
            if when:
                (dest / "timestamp.txt").write_text(when, encoding="utf-8")
    return sorted(newest), skipped
