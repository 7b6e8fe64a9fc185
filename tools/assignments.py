"""Regenerate, check and try out the graded nbgrader assignments.

    python tools/assignments.py              regenerate assignments/ from solutions/
    python tools/assignments.py --check      exit 1 if the committed student versions are stale
    python tools/assignments.py --scores     autograde blank, correct and one-bug submissions in a
                                             temporary course and print the score table

Each release also gets its Korean version, `assignments/<name>/ko/<name>.ipynb`: the same cells
with the instructions in Korean from `locales/ko/LC_MESSAGES/assignments/<name>.po`, a catalogue
that regenerating keeps in step with the English (tools/notebook_i18n.py).

`solutions/<name>/<name>.ipynb` is the instructor's notebook (nbgrader's *source*: solutions
between ``### BEGIN SOLUTION`` / ``### END SOLUTION``, hidden tests between ``### BEGIN HIDDEN
TESTS`` / ``### END HIDDEN TESTS``). The student version `assignments/<name>/<name>.ipynb` is made
by ``nbgrader generate_assignment`` alone, run in a temporary copy of the course (the repository's
gradebook is never touched), then normalised: outputs cleared, only nbgrader's cell metadata
kept, written by nbformat. The result depends on the sources only, so regenerating is idempotent
and ``--check`` is meaningful.

There is no list of assignments here: every folder ``solutions/<name>/`` holding ``<name>.ipynb``
and ``hidden_tests.py`` is one (:mod:`dlcourse.grading.specs`). Points and ids come from the
notebook's nbgrader metadata; each assignment's ``MISTAKES`` (in its ``hidden_tests.py``) are the
one-bug submissions tried out here and in the tests.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
from dlcourse.grading.specs import assignment_names, get_spec

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the tests load this file by path
import notebook_i18n  # noqa: E402  (tools/notebook_i18n.py)

REPO = Path(__file__).resolve().parents[1]
SOURCE_DIR = "solutions"
RELEASE_DIR = "assignments"


def all_names(root: Path = REPO) -> list[str]:
    """Every assignment: each folder of ``solutions/`` with its notebook and ``hidden_tests.py``."""
    return assignment_names(root / SOURCE_DIR)


def spec(name: str, root: Path = REPO):
    """The assignment's spec, read from its folder (points and ids from the notebook's metadata)."""
    return get_spec(name, root / SOURCE_DIR)


CELL_METADATA = ("nbgrader", "tags", "editable", "deletable")
SOLUTION_REGION = re.compile(
    r"^[ \t]*### BEGIN SOLUTION.*?^[ \t]*### END SOLUTION[^\n]*\n?", re.M | re.S
)
HIDDEN_REGION = re.compile(
    r"^[ \t]*### BEGIN HIDDEN TESTS.*?^[ \t]*### END HIDDEN TESTS[^\n]*\n?", re.M | re.S
)


# --- reading notebooks ----------------------------------------------------------------------


def source_path(name: str, root: Path = REPO) -> Path:
    return root / SOURCE_DIR / name / f"{name}.ipynb"


def release_path(name: str, root: Path = REPO) -> Path:
    return root / RELEASE_DIR / name / f"{name}.ipynb"


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def nbgrader_meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def cells_by_grade_id(nb) -> dict[str, nbformat.NotebookNode]:
    return {nbgrader_meta(c)["grade_id"]: c for c in nb.cells if "grade_id" in nbgrader_meta(c)}


def solution_text(cell_source: str) -> str:
    """The source a correct student would write: the solution with its delimiter lines removed."""
    lines = cell_source.splitlines()
    kept = [ln for ln in lines if ln.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")]
    return "\n".join(kept)


def hidden_tests(cell_source: str) -> list[str]:
    """The hidden-test regions of a test cell (delimiters included)."""
    return HIDDEN_REGION.findall(cell_source)


# --- normalising and generating ---------------------------------------------------------------


def normalise(nb) -> nbformat.NotebookNode:
    """Strip everything volatile: outputs, execution counts, metadata other than nbgrader's."""
    nb = nbformat.from_dict(nb)
    nb.metadata = {
        key: nb.metadata[key] for key in ("kernelspec", "language_info") if key in nb.metadata
    }
    nb.nbformat, nb.nbformat_minor = 4, 5
    for cell in nb.cells:
        # nbgrader's LockCells sets editable/deletable: JupyterLab then refuses to change them
        keep = {k: v for k, v in cell.metadata.items() if k in CELL_METADATA}
        cell.metadata = keep
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nbformat.validate(nb)
    return nb


def dumps(nb) -> str:
    return nbformat.writes(normalise(nb)) + "\n"


def nbgrader_env() -> dict[str, str]:
    """Environment for nbgrader subprocesses: never the instructor's real database."""
    env = dict(os.environ)
    env.pop("DLCOURSE_DB_URL", None)
    # nbgrader runs the `alembic` script of its own environment to set up a gradebook
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["PYTHONWARNINGS"] = "ignore"
    return env


def nbgrader(args: list[str], course: Path, check: bool = True) -> subprocess.CompletedProcess:
    """Run ``nbgrader <args>`` in the course directory ``course`` (with its nbgrader_config.py).

    Standard error is merged into ``stdout`` in the order it was written (nbgrader logs to
    stderr and reports to stdout).
    """
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=course,
        env=nbgrader_env() | {"PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    if check and result.returncode != 0:
        raise RuntimeError(
            f"nbgrader {' '.join(args)} failed ({result.returncode}):\n{result.stdout}"
        )
    return result


def make_course(course: Path, names=None, database: bool = False) -> Path:
    """A throw-away copy of the course in ``course``: config, sources and generated releases.

    With ``database`` the assignments are also recorded in the course's own SQLite gradebook
    (``course/gradebook.db``), which ``nbgrader autograde`` needs.
    """
    names = list(names or all_names())
    course.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "nbgrader_config.py", course / "nbgrader_config.py")
    for name in names:
        shutil.copytree(
            REPO / SOURCE_DIR / name,
            course / SOURCE_DIR / name,
            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"),
        )
    pattern = names[0] if len(names) == 1 else "*"
    nbgrader(
        ["generate_assignment", pattern, "--force", *([] if database else ["--no-db"])], course
    )
    return course


def data_files(name: str, root: Path = REPO) -> list[Path]:
    """The other files of a release folder (``digits_train.npz``, say), the notebook reads."""
    folder = root / RELEASE_DIR / name
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.name != f"{name}.ipynb")


def generate(dest: Path, names=None, update_catalogues: bool = False) -> dict[str, Path]:
    """Write the normalised student versions to ``dest/<name>/<name>.ipynb`` with the files
    nbgrader releases beside them (data the notebook reads) unchanged, and the Korean ones to
    ``dest/<name>/ko/<name>.ipynb`` (tools/notebook_i18n.py); return the English paths.

    With ``update_catalogues`` the Korean catalogues in locales/ are first brought in step."""
    names = list(names or all_names())
    written = {}
    with tempfile.TemporaryDirectory(prefix="dlcourse-release-") as tmp:
        course = make_course(Path(tmp) / "course", names)
        for name in names:
            release = read(release_path(name, course))
            target = dest / name / f"{name}.ipynb"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(dumps(release), encoding="utf-8")
            for path in data_files(name, course):
                shutil.copyfile(path, target.parent / path.name)
            written[name] = target
            if update_catalogues and notebook_i18n.update_catalogue(name, normalise(release)):
                print(f"updated {notebook_i18n.catalogue_path(name).relative_to(REPO)}")
            korean = notebook_i18n.korean_path(name, dest)
            korean.parent.mkdir(parents=True, exist_ok=True)
            korean_nb = notebook_i18n.korean_notebook(name, normalise(release))
            korean.write_text(dumps(korean_nb), encoding="utf-8")
    return written


def clear_source_outputs(names=None) -> list[Path]:
    """Clear outputs left in the instructor notebooks (they are kept output-free in git)."""
    changed = []
    for name in names or all_names():
        path = source_path(name)
        text = path.read_text(encoding="utf-8")
        clean = dumps(read(path))
        if clean != text:
            path.write_text(clean, encoding="utf-8")
            changed.append(path)
    return changed


def stale(names=None) -> list[str]:
    """Names of the assignments whose committed student version differs from a fresh one."""
    names = list(names or all_names())

    def same(committed: Path, fresh: Path) -> bool:
        return committed.exists() and committed.read_text(encoding="utf-8") == fresh.read_text(
            encoding="utf-8"
        )

    with tempfile.TemporaryDirectory(prefix="dlcourse-check-") as tmp:
        fresh = generate(Path(tmp), names)

        def files(notebook: Path) -> dict[str, bytes]:
            """The data files beside a release notebook, by name."""
            folder = notebook.parent
            return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()
                    and p != notebook} if folder.is_dir() else {}  # fmt: skip

        return [
            name
            for name in names
            if not same(release_path(name), fresh[name])
            or files(release_path(name)) != files(fresh[name])
            or not same(
                notebook_i18n.korean_path(name, REPO / RELEASE_DIR),
                notebook_i18n.korean_path(name, Path(tmp)),
            )
            or notebook_i18n.update_catalogue(name, read(fresh[name]), write=False)
        ]


# --- simulated students (for the tests and --scores) ------------------------------------------


def student_notebook(name: str, course: Path, bug: str | None = None, blank: bool = False):
    """A submission made from the release: blank, correct, or correct but for one bug.

    A correct answer is the solution text of the source notebook; ``bug`` names the answer
    cell that gets its entry of the assignment's ``MISTAKES`` applied.
    """
    release = read(release_path(name, course))
    if blank:
        return release
    answers = {
        gid: cell
        for gid, cell in cells_by_grade_id(read(source_path(name, course))).items()
        if nbgrader_meta(cell).get("solution")
    }
    for cell in release.cells:
        gid = nbgrader_meta(cell).get("grade_id")
        if gid in answers:
            text = solution_text(answers[gid].source)
            if gid == bug:
                old, new, _ = spec(name, course).mistakes[gid]
                if text.count(old) != 1:
                    raise ValueError(f"bug for {name}/{gid}: {old!r} must occur exactly once")
                text = text.replace(old, new)
            cell.source = text
    if bug is not None and bug not in answers:
        raise KeyError(f"{name} has no answer cell {bug!r}")
    return release


def submit(course: Path, student: str, name: str, nb) -> Path:
    """The notebook in ``submitted/``, with the release's data files (nbgrader submits the
    whole folder)."""
    path = course / "submitted" / student / name / f"{name}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    for data in data_files(name, course):
        shutil.copyfile(data, path.parent / data.name)
    return path


def submissions(name: str) -> dict[str, str]:
    """Simulated students: id -> "blank" (the untouched release), "correct", or the answer id
    that carries a deliberate bug."""
    students = {"blank": "blank", "correct": "correct"}
    students.update({f"bug-{gid}": gid for gid in spec(name).mistakes})
    return students


def submission_for(name: str, course: Path, kind: str):
    """The notebook of a simulated student of kind "blank", "correct" or <answer id with a bug>."""
    if kind in ("blank", "correct"):
        return student_notebook(name, course, blank=kind == "blank")
    return student_notebook(name, course, bug=kind)


def autograde_scenario(course: Path, names=None) -> dict[str, dict[str, dict[str, dict]]]:
    """Submit blank, correct and one-bug notebooks, run plain ``nbgrader autograde`` (which the
    course's config wires to the sandboxed judge), and read the gradebook.

    Returns ``{assignment: {student: {grade_id: {"score", "max", "needs_manual"}}}}``.
    """
    from nbgrader.api import Gradebook

    names = list(names or all_names())
    make_course(course, names, database=True)
    for name in names:
        for student, kind in submissions(name).items():
            submit(course, student, name, submission_for(name, course, kind))
        nbgrader(["autograde", name, "--force"], course)
    table: dict[str, dict[str, dict[str, dict]]] = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for name in names:
            table[name] = {}
            for student in submissions(name):
                notebook = gb.find_submission_notebook(name, name, student)
                table[name][student] = {
                    g.name: {
                        "score": g.score,
                        "max": g.max_score,
                        "needs_manual": bool(g.needs_manual_grade),
                    }
                    for g in notebook.grades
                }
    return table


def format_scores(table) -> str:
    """A Markdown table per assignment: one row per submission, one column per graded cell."""
    lines = []
    for name, students in table.items():
        assignment = spec(name)
        ids = [*assignment.test_cells, *assignment.manual_cells]
        lines.append(f"\n{name} (total {assignment.max_score:g})\n")
        lines.append("| submission | " + " | ".join(ids) + " | total |")
        lines.append("|---" * (len(ids) + 2) + "|")
        for student, grades in students.items():
            cells, total = [], 0.0
            for gid in ids:
                g = grades[gid]
                mark = "manual" if g["needs_manual"] else f"{g['score']:g}"
                cells.append(f"{mark}/{g['max']:g}")
                total += 0 if g["needs_manual"] else g["score"]
            lines.append(f"| {student} | " + " | ".join(cells) + f" | {total:g} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("names", nargs="*", help="assignments (default: all)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--check", action="store_true", help="fail if assignments/ is out of date")
    group.add_argument("--scores", action="store_true", help="print the autograde score table")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(all_names()))
    if unknown:
        parser.error(f"unknown assignment(s) {unknown}; known: {all_names()}")
    names = args.names or all_names()
    if args.check:
        out_of_date = stale(names)
        for name in out_of_date:
            print(f"{release_path(name).relative_to(REPO)} is out of date: run make assignments")
        return 1 if out_of_date else 0
    if args.scores:
        with tempfile.TemporaryDirectory(prefix="dlcourse-grade-") as tmp:
            print(format_scores(autograde_scenario(Path(tmp) / "course", names)))
        return 0
    for path in clear_source_outputs(names):
        print(f"cleared outputs of {path.relative_to(REPO)}")
    for name, path in generate(REPO / RELEASE_DIR, names, update_catalogues=True).items():
        print(f"wrote {path.relative_to(REPO)}")
        korean = notebook_i18n.korean_path(name, REPO / RELEASE_DIR)
        todo = len(notebook_i18n.instruction_cells(read(path))) - len(
            notebook_i18n.translations(name)
        )
        print(
            f"wrote {korean.relative_to(REPO)}"
            + (f" ({todo} cell(s) still English)" if todo else "")
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
