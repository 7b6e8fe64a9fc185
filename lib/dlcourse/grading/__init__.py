"""Instructor autograding that student code cannot fool and that never loses a submission.

The idea in one paragraph: a submitted notebook is *read* (never executed) by the trusted
grader, which takes the source of the graded cells by their nbgrader ``grade_id``. That code runs
in a contained child process (:mod:`.sandbox`, :mod:`.child`) on inputs the trusted side draws
and the student has never seen; only plain numbers cross back (``.npy`` files loaded with
``allow_pickle=False``), and the trusted process compares them against this library's reference
implementation (:mod:`.verdict`). Nothing the student's code does inside its process -- patching
numpy, rigging ``__eq__``, deleting test cells, exiting early -- can reach that comparison.

Modules, one idea each:

- :mod:`.sandbox`   run untrusted code in a contained child process (limits, namespaces, uid)
- :mod:`.child`     the trusted bootstrap that runs inside that process
- :mod:`.extract`   read a submitted notebook safely (status and reason, never an exception)
- :mod:`.specs`     what an assignment grades, read from its folder ``solutions/<name>/``
- :mod:`.hidden`    the same hidden tests, run in-process by the instructor's notebook
- :mod:`.verdict`   decide pass or fail in the trusted process
- :mod:`.runner`    grade many submissions in parallel; one row per submission, always
- :mod:`.feedback`  an HTML page per student that reveals no hidden input or expected value
- :mod:`.gradebook` nbgrader's gradebook, the one source of every grade; CSV export
- :mod:`.nbgrader_bridge` ``nbgrader autograde``/``generate_feedback`` and the formgrader's
  buttons, wired to the same judge
- :mod:`.collect`   gather submissions from a folder or an LMS zip download
- :mod:`.summary`   a table per assignment and a score histogram
"""
