"""nbgrader configuration of the dlcourse course (read by every `nbgrader` command run here).

Layout, relative to this file (the course root)::

    solutions/<assignment>/<assignment>.ipynb     instructor versions (nbgrader's "source")
    assignments/<assignment>/<assignment>.ipynb   student versions (nbgrader's "release")
    submitted/<student>/<assignment>/...          runtime folders, never in git
    autograded/, feedback/, gradebook.db

Regenerate the student versions with `make assignments` (tools/assignments.py), not by hand.

Environment variables:
    DLCOURSE_DB_URL        gradebook database URL (default: SQLite file gradebook.db here), e.g.
                           postgresql://grader@db.example.org/dlcourse on a shared JupyterHub
    DLCOURSE_CELL_TIMEOUT  seconds one cell may run during autograde/validate (default 120)
"""

import os

c = get_config()  # noqa: F821 (injected by traitlets when nbgrader loads this file)

ROOT = os.path.dirname(os.path.abspath(__file__))

# --- course and folders ---------------------------------------------------------------------
c.CourseDirectory.course_id = "dlcourse"
c.CourseDirectory.root = ROOT
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "assignments"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.db_url = os.environ.get(
    "DLCOURSE_DB_URL", "sqlite:///" + os.path.join(ROOT, "gradebook.db")
)
# each assignment's hidden tests (solutions/<a>/hidden_tests.py) never reach students
# "ko": the Korean notebooks (assignments/<a>/ko/<a>.ipynb) are offered by the Korean book pages,
# not released through the exchange: nbgrader grades only the notebook at the top of the folder,
# so a student who fills in a Korean copy hands it in under the English notebook's name.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback",
                            "hidden_tests.py", "ko"]  # fmt: skip

# --- one grader ---------------------------------------------------------------------------------
# `nbgrader autograde` and the formgrader's Autograde button grade with the sandboxed judge (the
# same as `dlcourse autograde`) in place of executing the notebook in a kernel; `nbgrader
# generate_feedback` and the Generate Feedback button also write dlcourse's feedback.html from the
# gradebook. See lib/dlcourse/grading/nbgrader_bridge.py.
try:
    from dlcourse.grading.nbgrader_bridge import SandboxJudge, WriteFeedbackPage
    from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import (
        AssignLatePenalties,
        CheckCellMetadata,
        GetGrades,
        IgnorePattern,
        LimitOutput,
        SaveAutoGrades,
    )

    c.Autograde.autograde_preprocessors = [
        SandboxJudge, IgnorePattern, ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades,
        AssignLatePenalties, CheckCellMetadata,
    ]  # fmt: skip
    c.GenerateFeedback.preprocessors = [GetGrades, CSSHTMLHeaderPreprocessor, WriteFeedbackPage]
except ImportError:  # a student's machine without dlcourse: nothing to grade there
    pass

# --- execution (autograde, validate, generate_feedback) --------------------------------------
_cell_timeout = int(os.environ.get("DLCOURSE_CELL_TIMEOUT", "120"))
c.Execute.timeout = _cell_timeout  # seconds per cell; a hanging cell is interrupted
c.Execute.interrupt_on_timeout = True
c.ExecutePreprocessor.timeout = _cell_timeout
c.Execute.startup_timeout = 60  # seconds for the kernel to start

# --- what students see in place of a solution --------------------------------------------------
c.ClearSolutions.code_stub = {
    "python": (
        "# YOUR CODE HERE: replace the next line with your solution.\n"
        'raise NotImplementedError("not answered yet: replace this line with your solution")'
    )
}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE: replace this text with your answer."

# --- late submissions --------------------------------------------------------------------------
# nbgrader's LateSubmissionPlugin: "none" (the default: late is only reported) or "zero" (a late
# submission scores 0). `dlcourse autograde` and `nbgrader autograde` both follow this setting;
# `dlcourse autograde --late-penalty` overrides it for one run.
c.LateSubmissionPlugin.penalty_method = "none"

# --- checks -----------------------------------------------------------------------------------
# A student must not be able to delete or change a test cell: autograde restores read-only and
# test cells from the gradebook copy (nbgrader's default, stated here on purpose).
c.Autograde.create_student = True
c.Validator.validate_all = False


# --- whole messages from Validate ---------------------------------------------------------------
# nbgrader's Validate cuts every line of a failure at 90 columns ("..."), which loses the hint at
# the end of most visible-test messages. Keep lines whole (a terminal wraps them itself).
def _keep_lines_whole():
    from nbgrader import validator

    def _indent(self, val):
        return "\n".join(self.indent + validator.strip_ansi(line) for line in val.split("\n"))

    validator.Validator._indent = _indent


_keep_lines_whole()
