"""Collecting submissions from a folder or an LMS zip (nbgrader's zip-collect naming)."""

from __future__ import annotations

import zipfile

from dlcourse.grading.collect import collect_folder, collect_zip


def test_zip_names_give_student_and_timestamp_and_newest_attempt_wins(tmp_path):
    archive = tmp_path / "lms.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("a1_ada_attempt_2026-11-30-10-00-00_conv.ipynb", "old")
        zf.writestr("a1_ada_attempt_2026-12-01-09-30-00_conv.ipynb", "new")
        zf.writestr("a1_bob_attempt_2026-11-29-08-00-00_my notebook.ipynb", "bob")
        zf.writestr("readme.txt", "ignored")
        zf.writestr("stray.ipynb", "no pattern")
    students, skipped = collect_zip(archive, tmp_path / "submitted", "a1", "a1.ipynb")
    assert students == ["ada", "bob"]
    ada = tmp_path / "submitted" / "ada" / "a1"
    assert (ada / "a1.ipynb").read_text() == "new"
    assert (ada / "timestamp.txt").read_text() == "2026-12-01 09:30:00"
    assert len(skipped) == 1 and skipped[0].startswith("stray.ipynb")


def test_zip_members_cannot_escape_the_destination(tmp_path):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../../x_eve_attempt_2026-11-30-10-00-00_a.ipynb", "evil")
    collect_zip(archive, tmp_path / "out" / "submitted", "a1", "a1.ipynb")
    assert (tmp_path / "out" / "submitted" / "eve" / "a1" / "a1.ipynb").read_text() == "evil"
    assert not list(tmp_path.glob("*.ipynb"))


def test_folder_in_nbgrader_layout_is_copied(tmp_path):
    source = tmp_path / "incoming" / "ada" / "a1"
    source.mkdir(parents=True)
    (source / "a1.ipynb").write_text("{}")
    assert collect_folder(tmp_path / "incoming", tmp_path / "submitted", "a1") == ["ada"]
    assert (tmp_path / "submitted" / "ada" / "a1" / "a1.ipynb").read_text() == "{}"
