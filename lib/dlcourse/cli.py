"""``dlcourse``: the instructor's command line for a term of graded assignments.

    dlcourse release   a1_convolution            student version (nbgrader generate_assignment)
    dlcourse release   a3_pooling_by_hand --per-student   one notebook per student, own numbers
    dlcourse collect   a1_convolution --zip lms.zip   or   --from some/submitted
    dlcourse autograde a1_convolution --jobs 2   grade in sandboxes, fill the gradebook
    dlcourse feedback  a1_convolution            feedback/<student>/<assignment>/feedback.html
    dlcourse export                              grading/grades.csv (status and reason per row)
    dlcourse summary                             table per assignment + score histogram PNG
    dlcourse similarity a1_convolution           HTML report of the most similar submissions
    dlcourse roster import students.csv          students (id, names, email) into the gradebook

Every output (feedback, export, summary) is read from the gradebook, hand grades included:
after grading written answers in the formgrader, run ``dlcourse feedback`` again.

Every command works on a course folder (``--course``, default: the current folder) laid out as
nbgrader expects: ``nbgrader_config.py``, ``solutions/``, ``submitted/``. The instructor guide
in the book walks through a term with these commands.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from dlcourse.grading import (
    collect,
    gradebook,
    nbgrader_bridge,
    runner,
    similarity,
    summary,
    variants,
)
from dlcourse.grading.extract import read_notebook
from dlcourse.grading.sandbox import Limits, probe_protections
from dlcourse.grading.specs import SpecError, assignment_names, course_secret


class UsageError(Exception):
    """A mistake in the command line or the course folder: printed without a traceback."""


def _course(args) -> runner.Course:
    root = Path(args.course).resolve()
    if not root.is_dir():
        raise UsageError(f"course folder {root} does not exist")
    if not (root / "solutions").is_dir():
        raise UsageError(
            f"{root} is not a course folder: it has no solutions/ folder (use --course)"
        )
    return runner.Course(root)


def _specs(args, course: runner.Course, need_source: bool = True):
    """The assignments named on the command line, or every assignment folder of the course."""
    names = args.assignment or assignment_names(course.root / course.source)
    specs = []
    for name in names:
        try:
            specs.append(course.spec(name))
        except (ValueError, SpecError) as exc:
            raise UsageError(str(exc)) from None
    return specs


def _url(args, course) -> str:
    return gradebook.database_url(course.root, args.db)


def cmd_release(args) -> int:
    """Student versions by nbgrader (files only: ``--no-db``), the gradebook by dlcourse, so the
    cells are recorded in the one gradebook the URL names, the same way autograde records them."""
    course = _course(args)
    students = _students_file(args.students) if args.students else None
    for spec in _specs(args, course):
        command = [sys.executable, "-m", "nbgrader", "generate_assignment", spec.name, "--force",
                   "--no-db"]  # fmt: skip
        print("$ nbgrader", " ".join(command[3:]), flush=True)
        env = dict(os.environ)  # nbgrader runs `alembic` from PATH: use this environment's
        env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
        env["DLCOURSE_DB_URL"] = _url(args, course)
        done = subprocess.run(command, cwd=course.root, env=env)
        if done.returncode != 0:
            raise UsageError(f"release of {spec.name} failed (exit code {done.returncode})")
        gradebook.sync_assignment(_url(args, course), course.root, spec.name,
                                  course.source_notebook(spec), _due(args.due))  # fmt: skip
        release_personal(args, course, spec, students)
    return 0


#: where ``release --per-student`` writes ``<student>/<assignment>/<notebook>`` (the layout of
#: ``submitted/``), for the instructor to hand out through the LMS or the students' homes
PERSONAL = "personal"


def release_personal(args, course: runner.Course, spec, students: list[str] | None) -> None:
    """With ``--per-student`` (or when the course released ``spec`` so before): one notebook per
    student, each with their own numbers; ``--no-per-student`` goes back to the shared ones."""
    if args.per_student is False:
        variants.set_per_student(course.root, spec.name, False)
        return
    if not (args.per_student or variants.is_per_student(course.root, spec.name)):
        return
    if not spec.has_variants:
        print(f"{spec.name}: no by-hand numbers, so no personal notebooks (everyone gets "
              f"assignments/{spec.name}/)")  # fmt: skip
        return
    students = students or _roster(_url(args, course))
    if not students:
        raise UsageError("personal notebooks need the students: import the roster first "
                         "(dlcourse roster import) or pass --students FILE")  # fmt: skip
    release = course.root / "assignments" / spec.name / spec.notebook
    try:
        paths = variants.release_per_student(release, spec, course_secret(course.root),
                                             students, course.root / PERSONAL)  # fmt: skip
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    variants.set_per_student(course.root, spec.name, True)
    print(
        f"{spec.name}: wrote {len(paths)} personal notebooks, "
        f"{PERSONAL}/<student>/{spec.name}/{spec.notebook}; each is graded on its own numbers"
    )


def cmd_collect(args) -> int:
    course = _course(args)
    (spec,) = _specs(args, course, need_source=False)
    dest = course.root / course.submitted
    roster = _roster(_url(args, course))
    if args.students:
        roster = _students_file(args.students)
    if args.zip:
        if not Path(args.zip).is_file():
            raise UsageError(f"no zip file {args.zip}")
        done = collect.collect_zip(Path(args.zip), dest, spec.name, spec.notebook, args.regexp,
                                   roster=roster)  # fmt: skip
    else:
        if not Path(args.source).is_dir():
            raise UsageError(f"no folder {args.source}")
        done = collect.collect_folder(Path(args.source), dest, spec.name, roster=roster)
    for line in done.notes:
        print("note:", line)
    for line in done.problems:
        print("not collected:", line, file=sys.stderr)
    print(f"collected {len(done.students)} submissions of {spec.name} into {dest}")
    return 1 if done.problems else 0


def _students_file(path: str) -> list[str]:
    """Student ids from a roster file: the first comma-separated column of each line."""
    if not Path(path).is_file():
        raise UsageError(f"no file {path}")
    text = Path(path).read_text(encoding="utf-8")
    return [line.split(",")[0].strip() for line in text.splitlines() if line.strip()]


def _due(text: str | None) -> datetime | None:
    if not text:
        return None
    stamp = runner.parse_timestamp(text)
    if stamp is None:
        raise UsageError(f"--due must look like 2026-12-01 23:59, got {text!r}")
    return stamp


def cmd_autograde(args) -> int:
    course = _course(args)
    limits = Limits(cell_timeout=args.cell_timeout, submission_timeout=args.timeout,
                    memory_bytes=args.memory_mb << 20)  # fmt: skip
    protections = probe_protections()
    for note in protections.notes:
        print("warning:", note, file=sys.stderr)
    secret = course_secret(course.root)
    url = _url(args, course)
    roster = [] if args.no_gradebook else _roster(url)
    for spec in _specs(args, course):
        students = args.student or sorted(set(course.students(spec)) | set(roster))
        due = _due(args.due)
        if due is None and not args.no_gradebook:
            due = gradebook.due_date(url, spec.name)
        rows = runner.autograde(course, spec, secret, limits, jobs=args.jobs, students=students,
                                due=due, force=args.force, progress=not args.quiet)  # fmt: skip
        if not args.no_gradebook:
            gradebook.write_rows(url, course.root, spec, rows, due, _late_penalty(args, course))
            for row in rows:
                nbgrader_bridge.write_autograded(course, spec, row)
        print(summary.summary_table(rows))
    return 0


def _late_penalty(args, course) -> str:
    """``--late-penalty``, else the course's ``c.LateSubmissionPlugin.penalty_method``."""
    if args.late_penalty:
        return args.late_penalty
    config = gradebook.nbgrader_config(course.root)
    return config.LateSubmissionPlugin.get("penalty_method", "none")


def _roster(url: str) -> list[str]:
    """Students in the gradebook (``dlcourse roster import``): no submission = missing."""
    if not gradebook.exists(url):
        return []
    with gradebook.open_gradebook(url) as gb:
        return [student.id for student in gb.students]


def results(args, course, spec) -> list[dict]:
    """What the gradebook holds for ``spec``, with the grader's reasons (see read_results)."""
    runs = {row["student"]: row for row in runner.load_rows(course, spec)}
    url = _url(args, course)
    if not gradebook.exists(url):
        raise UsageError(f"no gradebook {gradebook.redact(url)}: run dlcourse autograde first")
    return gradebook.read_results(url, spec, runs)


def cmd_feedback(args) -> int:
    course = _course(args)
    for spec in _specs(args, course):
        results(args, course, spec)  # a clear error when there is no gradebook yet
        rows = nbgrader_bridge.write_feedback_pages(course, spec, _url(args, course))
        paths = rows
        waiting = sum(1 for r in rows if r["awaiting_hand_grade"])
        note = f"; {waiting} still wait for a hand grade" if waiting else ""
        print(f"{spec.name}: wrote {len(paths)} feedback pages under {course.feedback}/{note}")
    return 0


def cmd_export(args) -> int:
    course = _course(args)
    rows = [row for spec in _specs(args, course) for row in results(args, course, spec)]
    path = gradebook.write_csv(Path(args.to) if args.to else course.results / "grades.csv", rows)
    waiting = sum(1 for r in rows if r["awaiting_hand_grade"])
    note = f" ({waiting} still wait for a hand grade)" if waiting else ""
    print(f"wrote {len(rows)} rows to {path}{note}")
    return 0


def cmd_summary(args) -> int:
    course = _course(args)
    for spec in _specs(args, course):
        rows = results(args, course, spec)
        print(summary.summary_table(rows))
        if rows:
            path = summary.histogram(rows, course.results / f"{spec.name}_scores.png")
            print(f"  histogram: {path.relative_to(course.root)}")
    return 0


def cmd_similarity(args) -> int:
    course = _course(args)
    for spec in _specs(args, course, need_source=False):
        released = course.root / "assignments" / spec.name / spec.notebook
        notebook = read_notebook(released)[0]
        if notebook is None:
            raise UsageError(f"no released notebook {released}: run dlcourse release first")
        template = similarity.code_cells(notebook)
        codes, unreadable = {}, []
        for student in course.students(spec):
            code = similarity.submitted_code(course.submission(student, spec), template,
                                             course.root / course.submitted)  # fmt: skip
            if code is None:
                unreadable.append(student)
            else:
                codes[student] = code
        if args.library:
            codes[similarity.LIBRARY] = similarity.library_code()
        pairs = similarity.similar_pairs(codes, template)
        out = Path(args.to) if args.to else course.results / f"{spec.name}_similarity.html"
        path = similarity.write_report(out, spec.name, pairs, codes, top=args.top)
        print(f"{spec.name}: {len(codes)} submissions compared, {len(pairs)} pairs share code")
        for pair in pairs[: min(args.top, 5)]:
            print(f"  {pair.similarity:4.0%}  {pair.a}  {pair.b}")
        if unreadable:
            print(f"  not compared (missing or unreadable): {', '.join(unreadable)}")
        print(f"  report: {path}")
    return 0


def cmd_roster(args) -> int:
    course = _course(args)
    if not Path(args.file).is_file():
        raise UsageError(f"no file {args.file}")
    try:
        count = gradebook.import_roster(_url(args, course), Path(args.file))
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    print(f"imported {count} students into {gradebook.redact(_url(args, course))}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dlcourse", description=__doc__.split("\n\n")[0])
    parser.add_argument("--course", default=".", help="the course folder (default: here)")
    parser.add_argument("--db", help="gradebook URL (default: $DLCOURSE_DB_URL or SQLite)")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name, func, help_text, many=True):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("assignment", nargs="*" if many else 1, help="assignment name(s)")
        p.set_defaults(func=func)
        return p

    p = add("release", cmd_release, "generate the student versions (nbgrader generate_assignment)")
    p.add_argument("--due", help="due date to record, e.g. '2026-12-01 23:59'")
    p.add_argument("--per-student", action=argparse.BooleanOptionalAction, default=None,
                   help=f"also write one notebook per student into {PERSONAL}/<student>/, with "
                   "their own numbers for the by-hand items, and grade each student on theirs; "
                   "--no-per-student: everyone works on the notebook's numbers again (default: "
                   "as the assignment was released before)")  # fmt: skip
    p.add_argument("--students", help="roster file, one student id per line (default: the "
                   "gradebook's students)")  # fmt: skip
    p = add("collect", cmd_collect, "gather submissions (folder or LMS zip)", many=False)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--from", dest="source", help="a folder laid out as submitted/")
    src.add_argument("--zip", help="an LMS download in nbgrader's zip-collect naming")
    p.add_argument("--regexp", default=collect.ZIP_REGEXP, help="file-name pattern of the zip")
    p.add_argument("--students", help="roster file, one student id per line (default: the "
                   "gradebook's students, if any)")  # fmt: skip
    p = add("autograde", cmd_autograde, "grade every submission in sandboxes")
    p.add_argument("--jobs", type=int, default=2, help="parallel sandboxes (default 2)")
    p.add_argument("--student", action="append", help="grade only this student (repeatable)")
    p.add_argument("--due", help="due date, e.g. '2026-12-01 23:59' (later = status late; "
                   "default: the gradebook's due date)")  # fmt: skip
    p.add_argument("--force", action="store_true", help="grade again even if unchanged")
    p.add_argument("--cell-timeout", type=float, default=Limits.cell_timeout)
    p.add_argument("--timeout", type=float, default=Limits.submission_timeout,
                   help="seconds per submission")  # fmt: skip
    p.add_argument("--memory-mb", type=int, default=Limits.memory_bytes >> 20)
    p.add_argument("--no-gradebook", action="store_true", help="do not write the gradebook")
    p.add_argument("--late-penalty", choices=("none", "zero"),
                   help="nbgrader's LateSubmissionPlugin method for late submissions: none or "
                   "zero (a late submission scores 0); default: the course's config")  # fmt: skip
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add("feedback", cmd_feedback, "write an HTML feedback page per student")
    p = add("export", cmd_export, "write grades.csv (score, status, reason per submission)")
    p.add_argument("--to", help="CSV path (default grading/grades.csv)")
    add("summary", cmd_summary, "table per assignment and a score histogram")
    p = add("similarity", cmd_similarity, "HTML report of the most similar submissions")
    p.add_argument("--top", type=int, default=20, help="pairs shown in the report (default 20)")
    p.add_argument("--to", help="HTML path (default grading/<assignment>_similarity.html)")
    p.add_argument(
        "--no-library",
        dest="library",
        action="store_false",
        help=f"do not compare answers with the book's library code ({similarity.LIBRARY})",
    )
    p = sub.add_parser("roster", help="students of the course")
    p.add_argument("action", choices=("import",))
    p.add_argument("file", help="CSV with columns id, first_name, last_name (or name), email")
    p.set_defaults(func=cmd_roster)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code = args.func(args)
        sys.stdout.flush()  # a closed pipe shows here, not at exit
        return code
    except (UsageError, FileNotFoundError, gradebook.GradebookError) as exc:
        print(f"dlcourse {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `dlcourse ... | head` closed the pipe: stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
