"""An HTML feedback page per student: which tests passed and why the others failed.

Built from the gradebook's row of the student (:func:`.gradebook.read_results`: scores with the
hand grades, the written answers still waiting for one, the late penalty) and the grader's
reasons (:mod:`.runner`), which are already safe to show: they
name the output and the kind of difference, never a hidden input or an expected value, and every
string that came from the sandbox was checked against a fixed list first. Everything is escaped.
"""

from __future__ import annotations

import html
from pathlib import Path

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; color: #222; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border-bottom: 1px solid #ddd; padding: .4rem .6rem; text-align: left; }}
.pass {{ color: #1a7f37; }} .fail {{ color: #b42318; }} .wait {{ color: #9a6700; }}
.status {{ padding: .6rem; background: #f4f4f4; border-left: 4px solid #888; }}
</style></head><body>
<h1>{title}</h1>
<p><strong>Score: {score:g} / {max_score:g}</strong></p>
{status}{waiting}{late}
<table><thead><tr><th>Test</th><th>Result</th><th>Points</th><th>Why</th></tr></thead>
<tbody>
{rows}
</tbody></table>
<p>{about}</p>
</body></html>
"""

ABOUT_CODE = (
    "Each test ran your functions on inputs you have not seen and compared the results with a "
    "reference implementation. Run the visible tests in your notebook to find the problem; they "
    "check the same things on small inputs you can work out by hand."
)
ABOUT_ANSWERS = (
    "Each answer you typed was compared with the right result. The test cells in your notebook "
    "check only the form of an answer; work the numbers out again by hand to find a mistake."
)

STATUS_TEXT = {
    "missing": "No notebook was found for this assignment.",
    "malformed": "Your notebook could not be read, so nothing in it could be graded.",
    "timed out": "Some of your code did not finish within the time limit.",
    "memory limit": "Some of your code used more memory than allowed.",
    "kernel died": "Some of your code ended the process that ran it.",
    "late": "This submission arrived after the due date.",
    "error": "The grader could not grade this submission; your instructor has been told.",
}


def render(row: dict) -> str:
    """The feedback page of one grading row, as an HTML string."""
    esc = html.escape
    lines = []
    for test in row.get("tests", []):
        if test["passed"] is None:  # a written answer not graded by hand yet
            mark, why = '<span class="wait">waiting</span>', esc(test["reason"])
        elif test["passed"] and not test.get("manual"):
            mark, why = '<span class="pass">passed</span>', ""
        else:
            mark = '<span class="pass">passed</span>' if test["passed"] else \
                '<span class="wait">partial</span>' if test["points"] > 0 else \
                '<span class="fail">failed</span>'  # fmt: skip
            why = esc(test["reason"])
        lines.append(
            f"<tr><td>{esc(test['title'])}</td><td>{mark}</td>"
            f"<td>{test['points']:g} / {test['max_points']:g}</td><td>{why}</td></tr>"
        )
    status = row.get("status", "graded")
    note = STATUS_TEXT.get(status, "")
    if status in ("missing", "malformed") and row.get("reason"):
        note += f" ({row['reason']})"
    status_html = f'<p class="status">{esc(note)}</p>' if note else ""
    waiting = row.get("awaiting_hand_grade") or []
    waiting_html = (f'<p class="status">Not final yet: {esc(", ".join(waiting))} still '
                    "waits for your instructor's hand grade.</p>") if waiting else ""  # fmt: skip
    penalty = row.get("late_penalty") or 0.0
    late_html = f'<p class="status">Late penalty: {penalty:g} points.</p>' if penalty else ""
    title = f"Feedback: {row['assignment']}, {row['student']}"
    about = ABOUT_ANSWERS if row.get("typed_answers") else ABOUT_CODE
    return PAGE.format(title=esc(title), score=row["score"], max_score=row["max_score"],
                       status=status_html, waiting=waiting_html, late=late_html,
                       rows="\n".join(lines), about=about)  # fmt: skip


def write_feedback(folder: Path, rows: list[dict]) -> list[Path]:
    """Write ``<folder>/<student>/<assignment>/feedback.html`` for every row."""
    paths = []
    for row in rows:
        path = Path(folder) / row["student"] / row["assignment"] / "feedback.html"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(row), encoding="utf-8")
        paths.append(path)
    return paths
