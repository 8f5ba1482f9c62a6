"""Instructor tooling: student notebooks, solution notebooks, and grading.

.. code-block:: console

    python -m optimizers.assign student adam momentum --out handout/
    python -m optimizers.assign solutions adam momentum --out solutions/
    python -m optimizers.assign grade submissions/ --out grades.csv --jobs 2 --timeout 30
    python -m optimizers.assign grade submissions/ --out part-3.csv --shard 3/8
    python -m optimizers.assign merge part-*.csv --out grades.csv

Run it from the book's repository (the chapters are read from ``./chapters``) or pass
``--chapters DIR``.

**The exercise format** (in ``chapters/*.ipynb``; see ``instructors.md``). Per exercise:
a markdown cell with an ``{exercise}`` (or ``{exercise-start}``) directive and a
``:label:``; a ``{solution-start} <label>`` markdown cell; a code cell that defines the
student's function, whose body sits between ``# BEGIN SOLUTION`` and ``# END SOLUTION``
lines; a ``{solution-end}`` cell; and a check cell tagged ``exercise-check`` whose
metadata ``"exercise"`` names the label, e.g. ``opt.checks.check_adam_step(adam_step)``
(one call of a check of :mod:`optimizers.teaching.checks`). A conceptual exercise may
instead have a single ``{solution}`` markdown cell (or markdown and code cells between
``solution-start`` and ``solution-end``) and no check.

**student**: each solution region becomes ``raise NotImplementedError("Exercise N: ...")``
(N numbered per chapter, in order, as on the site); every other cell of a solution
block is removed; outputs are cleared; the notebook metadata ``"optimizers"`` records
the assignment (chapter name), the book version and the source commit; each code cell
records its role (``setup``, ``chapter``, ``answer``, ``check``) for the grader.

**grade** (:mod:`~optimizers.teaching.assign.grading`) runs each submission's cells in
its own bubblewrap sandbox (:mod:`~optimizers.teaching.assign.sandbox`; no network, the
system and the package read-only, a private ``/tmp``, limits on memory, CPU, processes,
output and time), *evaluates* each exercise's function there on inputs the grader made,
and judges the outputs in the grader's own process with the book's checks, so nothing a
submission does to itself reaches a verdict. It writes one CSV row per submission. The
checks are the ones in the book's chapters, not the (editable) check cells of the
submission; a deleted check cell is reported and its exercise is evaluated at the end.
Only the cells that matter run (setup, the student's answers, any cell the student
added, and the chapter cells those read a name from); ``--all-cells`` runs everything.
Without bubblewrap, ``grade`` refuses unless ``--no-sandbox`` is given; the ``sandbox``
column records the mode of each row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .cli import chapters_folder, main
    from .grading import (
        Grade,
        Outcome,
        Plan,
        Task,
        collect_submissions,
        grade_all,
        grade_submission,
        merge_grades,
        plan_submission,
        read_submission,
        shard,
        tasks_of,
        write_grades,
    )
    from .notebooks import (
        BEGIN,
        CHECK_TAG,
        END,
        META,
        Chapter,
        Exercise,
        FormatError,
        UsageError,
        available_chapters,
        load_chapter,
        make_solutions,
        make_student,
        parse_chapter,
        source_commit,
        write_notebooks,
    )
    from .sandbox import Limits, SandboxUnavailable, probe

# the names load their module on first use, so that the runner (a submodule, started once
# per submission) does not pay for nbformat and the grader's other imports
_WHERE = {
    **dict.fromkeys(("chapters_folder", "main"), "cli"),
    **dict.fromkeys(
        (
            "Grade", "Outcome", "Plan", "Task", "collect_submissions", "grade_all",
            "grade_submission", "merge_grades", "plan_submission", "read_submission", "shard",
            "tasks_of", "write_grades",
        ),
        "grading",
    ),
    **dict.fromkeys(
        (
            "BEGIN", "CHECK_TAG", "END", "META", "Chapter", "Exercise", "FormatError",
            "UsageError", "available_chapters", "load_chapter", "make_solutions",
            "make_student", "parse_chapter", "source_commit", "write_notebooks",
        ),
        "notebooks",
    ),
    **dict.fromkeys(("Limits", "SandboxUnavailable", "probe"), "sandbox"),
}  # fmt: skip


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BEGIN",
    "CHECK_TAG",
    "END",
    "META",
    "Chapter",
    "Exercise",
    "FormatError",
    "Grade",
    "Limits",
    "Outcome",
    "Plan",
    "SandboxUnavailable",
    "Task",
    "UsageError",
    "available_chapters",
    "chapters_folder",
    "collect_submissions",
    "grade_all",
    "grade_submission",
    "load_chapter",
    "main",
    "make_solutions",
    "make_student",
    "merge_grades",
    "parse_chapter",
    "plan_submission",
    "probe",
    "read_submission",
    "shard",
    "source_commit",
    "tasks_of",
    "write_grades",
    "write_notebooks",
]
