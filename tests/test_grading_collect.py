"""Collecting submissions from a folder or an LMS zip (nbgrader's zip-collect naming).

The end of an LMS file name is the student's own upload name, so every test here that names a
classmate or a time in that part checks that collect files it by the LMS's part only.
"""

from __future__ import annotations

import os
import zipfile

from dlcourse.cli import main
from dlcourse.grading.collect import collect_folder, collect_zip
from grading_support import make_course

STAMP = "2026-12-01-09-30-00"


def lms_zip(path, members: dict[str, bytes | str]):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_zip_names_give_student_and_timestamp_and_newest_attempt_wins(tmp_path):
    archive = lms_zip(tmp_path / "lms.zip", {
        "a1_ada_attempt_2026-11-30-10-00-00_conv.ipynb": "old",
        "a1_ada_attempt_2026-12-01-09-30-00_conv.ipynb": "new",
        "a1_bob_attempt_2026-11-29-08-00-00_my notebook.ipynb": "bob",
        "readme.txt": "ignored",
        "stray.ipynb": "no pattern",
    })  # fmt: skip
    done = collect_zip(archive, tmp_path / "submitted", "a1", "a1.ipynb")
    assert done.students == ["ada", "bob"]
    ada = tmp_path / "submitted" / "ada" / "a1"
    assert (ada / "a1.ipynb").read_text() == "new"
    assert (ada / "timestamp.txt").read_text() == "2026-12-01 09:30:00"
    assert len(done.problems) == 1 and done.problems[0].startswith("stray.ipynb")
    assert any("set aside a1_ada_attempt_2026-11-30" in n for n in done.notes)


def test_zip_members_cannot_escape_the_destination(tmp_path):
    archive = lms_zip(tmp_path / "evil.zip",
                      {"../../x_eve_attempt_2026-11-30-10-00-00_a.ipynb": "evil"})  # fmt: skip
    collect_zip(archive, tmp_path / "out" / "submitted", "a1", "a1.ipynb")
    assert (tmp_path / "out" / "submitted" / "eve" / "a1" / "a1.ipynb").read_text() == "evil"
    assert not list(tmp_path.glob("*.ipynb"))


def test_upload_name_cannot_file_a_notebook_as_a_classmate_or_fake_a_time(tmp_path):
    """The greedy pattern took the *last* ``_<id>_attempt_<time>_``: the student's upload name."""
    archive = lms_zip(tmp_path / "lms.zip", {
        f"a1_ada_attempt_{STAMP}_a1.ipynb": "ada's own",
        # eve uploads a file whose name ends like an LMS name of ada's, dated later
        "a1_eve_attempt_2026-12-03-23-00-00_x_ada_attempt_2026-12-09-00-00-00_a1.ipynb":
            "eve's",
        # mallory uploads late, with an early time in her upload name
        "a1_mallory_attempt_2026-12-05-10-00-00_x_mallory_attempt_2026-11-01-00-00-00_b.ipynb":
            "late",
    })  # fmt: skip
    done = collect_zip(archive, tmp_path / "submitted", "a1", "a1.ipynb")
    sub = tmp_path / "submitted"
    assert done.students == ["ada", "eve", "mallory"] and done.problems == []
    assert (sub / "ada" / "a1" / "a1.ipynb").read_text() == "ada's own"
    assert (sub / "eve" / "a1" / "a1.ipynb").read_text() == "eve's"
    assert (sub / "mallory" / "a1" / "timestamp.txt").read_text() == "2026-12-05 10:00:00"


def test_ids_with_underscores_dots_and_korean_stay_distinct(tmp_path):
    archive = lms_zip(tmp_path / "lms.zip", {
        f"a1_conv_jo_smith_attempt_{STAMP}_a.ipynb": "jo_smith",
        f"a1_conv_al_smith_attempt_{STAMP}_a.ipynb": "al_smith",
        f"a1_conv_j.kim_attempt_{STAMP}_a.ipynb": "j.kim",
        f"a1_conv_김민지_attempt_{STAMP}_과제.ipynb": "korean",
    })  # fmt: skip
    done = collect_zip(archive, tmp_path / "submitted", "a1_conv", "a1.ipynb")
    assert sorted(done.students) == ["al_smith", "j.kim", "jo_smith", "김민지"]
    assert done.problems == []
    assert (tmp_path / "submitted" / "jo_smith" / "a1_conv" / "a1.ipynb").read_text() == "jo_smith"


def test_the_roster_decides_ids_and_strangers_are_reported(tmp_path):
    archive = lms_zip(tmp_path / "lms.zip", {
        f"Assignment 1_jo_smith_attempt_{STAMP}_a.ipynb": "jo",
        f"Assignment 1_intruder_attempt_{STAMP}_a.ipynb": "who?",
    })  # fmt: skip
    done = collect_zip(archive, tmp_path / "submitted", "a1", "a1.ipynb",
                       roster=["jo_smith", "smith"])  # fmt: skip
    assert done.students == ["jo_smith"]
    assert len(done.problems) == 1 and "'intruder' is not on the roster" in done.problems[0]


def test_odd_ids_are_reported_one_by_one_and_the_class_is_still_collected(tmp_path):
    archive = lms_zip(tmp_path / "lms.zip", {
        f"a1_{'x' * 250}_attempt_{STAMP}_a.ipynb": "long",
        f"a1_{'가' * 250}_attempt_{STAMP}_a.ipynb": "long korean",
        f"a1_.._attempt_{STAMP}_a.ipynb": "dots",
        "a1_ada_attempt_2026-13-45-99-00-00_a.ipynb": "no such time",
        f"a1_bob_attempt_{STAMP}_a.ipynb": "bob",
    })  # fmt: skip
    done = collect_zip(archive, tmp_path / "submitted", "a1", "a1.ipynb")
    assert done.students == ["bob"]
    assert len(done.problems) == 4
    assert sum("longer than 128 bytes" in p for p in done.problems) == 2
    assert all(len(p) < 300 for p in done.problems)


def test_wrong_extensions_are_reported_not_dropped(tmp_path):
    archive = lms_zip(tmp_path / "lms.zip", {
        f"a1_ada_attempt_{STAMP}_a1.ipynb.txt": "{}",
        f"a1_bob_attempt_{STAMP}_A1.IPYNB": "bob",
    })  # fmt: skip
    done = collect_zip(archive, tmp_path / "submitted", "a1", "a1.ipynb")
    assert done.students == ["bob"]
    assert len(done.problems) == 1 and "a1.ipynb.txt" in done.problems[0]


def test_two_attempts_at_the_same_time_are_reported_and_neither_is_guessed(tmp_path):
    archive = lms_zip(tmp_path / "lms.zip", {
        f"a1_ada_attempt_{STAMP}_one.ipynb": "one",
        f"a1_ada_attempt_{STAMP}_two.ipynb": "two",
    })  # fmt: skip
    done = collect_zip(archive, tmp_path / "submitted", "a1", "a1.ipynb")
    assert done.students == [] and "same time" in done.problems[0]


def test_a_corrupt_member_skips_only_that_entry(tmp_path):
    archive = lms_zip(tmp_path / "lms.zip", {
        f"a1_ada_attempt_{STAMP}_a.ipynb": "A" * 5000,
        f"a1_bob_attempt_{STAMP}_a.ipynb": "bob",
    })  # fmt: skip
    raw = bytearray(archive.read_bytes())
    at = raw.index(b"A" * 100)  # stored uncompressed: flip bytes in ada's data (bad CRC)
    raw[at : at + 10] = b"B" * 10
    archive.write_bytes(bytes(raw))
    done = collect_zip(archive, tmp_path / "submitted", "a1", "a1.ipynb")
    assert done.students == ["bob"]
    assert len(done.problems) == 1 and "unreadable zip member" in done.problems[0]
    assert not (tmp_path / "submitted" / "ada").exists()


def test_an_older_zip_never_replaces_a_newer_submission(tmp_path):
    sub = tmp_path / "submitted"
    newer = lms_zip(tmp_path / "new.zip", {f"a1_ada_attempt_{STAMP}_a.ipynb": "new"})
    older = lms_zip(tmp_path / "old.zip", {"a1_ada_attempt_2026-11-01-00-00-00_a.ipynb": "old"})
    assert collect_zip(newer, sub, "a1", "a1.ipynb").problems == []
    done = collect_zip(older, sub, "a1", "a1.ipynb")
    assert "kept it" in done.problems[0]
    assert (sub / "ada" / "a1" / "a1.ipynb").read_text() == "new"


def test_folder_in_nbgrader_layout_is_copied(tmp_path):
    source = tmp_path / "incoming" / "ada" / "a1"
    source.mkdir(parents=True)
    (source / "a1.ipynb").write_text("{}")
    assert collect_folder(tmp_path / "incoming", tmp_path / "submitted", "a1").students == ["ada"]
    assert (tmp_path / "submitted" / "ada" / "a1" / "a1.ipynb").read_text() == "{}"


def test_folder_links_are_never_followed_and_a_loop_costs_one_entry(tmp_path):
    secret = tmp_path / "course" / "solutions" / "a1"
    secret.mkdir(parents=True)
    (secret / "a1.ipynb").write_text("the solution")
    (tmp_path / "course" / ".dlcourse").mkdir()
    (tmp_path / "course" / ".dlcourse" / "secret").write_text("grading secret")
    inbox = tmp_path / "inbox"
    for student in ("ada", "eve", "mal", "zed", "loop"):
        (inbox / student).mkdir(parents=True)
    (inbox / "ada" / "a1").mkdir()
    (inbox / "ada" / "a1" / "a1.ipynb").write_text("ada's")
    (inbox / "eve" / "a1").symlink_to(secret)  # the assignment folder is a link
    (inbox / "mal" / "a1").mkdir()
    (inbox / "mal" / "a1" / "a1.ipynb").symlink_to(secret / "a1.ipynb")  # the notebook is
    (inbox / "mal" / "a1" / "secret").symlink_to(tmp_path / "course" / ".dlcourse" / "secret")
    os.mkfifo(inbox / "mal" / "a1" / "pipe")
    (inbox / "loop" / "a1").symlink_to(inbox / "loop" / "a1")  # a link loop
    (inbox / "copycat").symlink_to(inbox / "ada")  # a student folder that is a link
    (inbox / "zed" / "a1").mkdir()
    (inbox / "zed" / "a1" / "a1.ipynb").write_text("zed's")
    done = collect_folder(inbox, tmp_path / "course" / "submitted", "a1")
    sub = tmp_path / "course" / "submitted"
    assert (sub / "ada" / "a1" / "a1.ipynb").read_text() == "ada's"
    assert (sub / "zed" / "a1" / "a1.ipynb").read_text() == "zed's"
    copied = [p for p in sub.rglob("*") if p.is_file()]
    assert all("solution" not in p.read_text() and "secret" not in p.read_text() for p in copied)
    assert not (sub / "eve").exists() and not (sub / "loop").exists()
    assert not (sub / "copycat").exists()
    assert len(done.problems) == 6, done.problems


def test_collect_command_fails_when_anything_was_not_collected(tmp_path, capsys):
    course = make_course(tmp_path)
    archive = lms_zip(tmp_path / "lms.zip", {
        f"a1_convolution_ada_attempt_{STAMP}_a.ipynb": "{}",
        f"a1_convolution_bob_attempt_{STAMP}_a.ipynb.txt": "{}",
    })  # fmt: skip
    root = str(course.root)
    assert main(["--course", root, "collect", "a1_convolution", "--zip", str(archive)]) == 1
    assert "a.ipynb.txt" in capsys.readouterr().err
    roster = tmp_path / "students.txt"
    roster.write_text("bob\n")
    good = lms_zip(tmp_path / "good.zip", {f"a1_convolution_ada_attempt_{STAMP}_a.ipynb": "{}"})
    assert main(["--course", root, "collect", "a1_convolution", "--zip", str(good)]) == 0
    assert main(["--course", root, "collect", "a1_convolution", "--zip", str(good),
                 "--students", str(roster)]) == 1  # fmt: skip
    assert "'ada' is not on the roster" in capsys.readouterr().err
