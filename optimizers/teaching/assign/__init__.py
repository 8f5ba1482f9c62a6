"""Instructor tooling: student notebooks, solution notebooks, and grading.

.. code-block:: console

    python -m optimizers.assign student adam momentum --out handout/
    python -m optimizers.assign solutions adam momentum --out solutions/
    python -m optimizers.assign grade submissions/ --out grades.csv --jobs 2 --timeout 30

**The exercise format** (in ``chapters/*.ipynb``; see ``instructors.md``). Per exercise:
a markdown cell with an ``{exercise}`` (or ``{exercise-start}``) directive and a
``:label:``; a ``{solution-start} <label>`` markdown cell; a code cell that defines the
student's function, whose body sits between ``# BEGIN SOLUTION`` and ``# END SOLUTION``
lines; a ``{solution-end}`` cell; and a check cell tagged ``exercise-check`` whose
metadata ``"exercise"`` names the label, e.g. ``opt.checks.check_adam_step(adam_step)``.
A conceptual exercise may instead have a single ``{solution}`` markdown cell (or
markdown and code cells between ``solution-start`` and ``solution-end``) and no check.

**student**: each solution region becomes ``raise NotImplementedError("Exercise N: ...")``
(N numbered per chapter, in order, as on the site); every other cell of a solution
block is removed; outputs are cleared; the notebook metadata ``"optimizers"`` records
the assignment (chapter name), the book version and the source commit; each code cell
records its role (``setup``, ``chapter``, ``answer``, ``check``) for the grader.

**grade** runs each submission in its own kernel (nbclient) with a time limit per cell
and writes one CSV row per submission. The checks it runs are the ones in the book's
chapters, not the (editable) check cells of the submission; a deleted check cell is
reported and its check is run at the end. By default only the cells that matter for
the exercises run (setup, the student's answers and any cell the student added; the
chapter's own figures and computations are skipped); ``--all-cells`` runs everything.
Grading runs student code with your permissions and no sandbox: see ``instructors.md``.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import copy
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from ... import __version__

ROOT = Path(__file__).resolve().parents[3]
CHAPTERS = ROOT / "chapters"
BEGIN, END = "# BEGIN SOLUTION", "# END SOLUTION"
CHECK_TAG = "exercise-check"
META = "optimizers"  # the key of our notebook and cell metadata
COLAB_MARKER = "# Colab set-up"

_DIRECTIVE = re.compile(
    r"^\s*(?:`{3,}|:{3,})\{(exercise|exercise-start|exercise-end|solution|solution-start|"
    r"solution-end)\}[ \t]*(.*)$",
    re.MULTILINE,
)
_LABEL = re.compile(r"^\s*:label:\s*(\S+)\s*$", re.MULTILINE)


class FormatError(ValueError):
    """A chapter's exercises do not follow the book's format."""


class UsageError(Exception):
    """A bad command-line argument; the message says which and why."""


@dataclass
class Exercise:
    """One exercise of a chapter, as the site numbers it."""

    number: int
    label: str
    title: str
    check: str | None = None  # the check cell's source (None: nothing to grade)


@dataclass
class Chapter:
    """A chapter notebook with its parsed exercises and each cell's role."""

    name: str
    path: Path
    nb: Any
    exercises: list[Exercise]
    roles: list[str]  # per cell: setup, chapter, text, exercise, answer, check, solution


# ----------------------------------------------------------------------- parsing


def _directives(source: str) -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2).strip()) for m in _DIRECTIVE.finditer(source)]


def _is_setup(cell: Any) -> bool:
    """The Colab cell and cells made only of imports run before the student's code."""
    if cell.source.startswith(COLAB_MARKER):
        return True
    try:
        tree = ast.parse(cell.source)
    except SyntaxError:
        return False
    return bool(tree.body) and all(isinstance(s, ast.Import | ast.ImportFrom) for s in tree.body)


def _exercise_label(cell: Any) -> str | None:
    label = cell.metadata.get("exercise")
    if isinstance(label, dict):  # tolerate {"exercise": {"label": ...}}
        label = label.get("label")
    if label is None:
        label = cell.metadata.get(META, {}).get("exercise")
    return label if isinstance(label, str) else None


def parse_chapter(path: Path) -> Chapter:
    """Read a chapter and check its exercises follow the format; raise FormatError if not."""
    nb = nbformat.read(path, as_version=4)
    name = path.stem
    exercises: list[Exercise] = []
    by_label: dict[str, Exercise] = {}
    roles: list[str] = []
    in_solution: str | None = None
    in_exercise = False  # between {exercise-start} and {exercise-end}: starter code
    solved: set[str] = set()

    def fail(index: int, message: str) -> FormatError:
        return FormatError(f"{path.name}, cell {index + 1}: {message}")

    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown":
            found = _directives(cell.source)
            kinds = [k for k, _ in found]
            if in_solution is not None:
                roles.append("solution")
                if "solution-end" in kinds:
                    if cell.source.strip().split("\n")[0].lstrip("`:") != "{solution-end}":
                        raise fail(index, "put {solution-end} alone in its own cell")
                    in_solution = None
                continue
            role = "text"
            for kind, argument in found:
                if kind == "exercise-end":
                    in_exercise = False
                if kind in ("exercise", "exercise-start"):
                    in_exercise = kind == "exercise-start"
                    label_match = _LABEL.search(cell.source)
                    if not label_match:
                        raise fail(index, f"the {{{kind}}} directive needs a :label:")
                    label = label_match.group(1)
                    if label in by_label:
                        raise fail(index, f"the label {label!r} is used twice")
                    ex = Exercise(len(exercises) + 1, label, argument or f"Exercise {label}")
                    exercises.append(ex)
                    by_label[label] = ex
                    role = "exercise"
                elif kind in ("solution", "solution-start"):
                    if argument not in by_label:
                        raise fail(index, f"{{{kind}}} refers to {argument!r}, no exercise above")
                    if not cell.source.lstrip().startswith(("```", ":::")):
                        raise fail(index, f"start the cell with the {{{kind}}} directive")
                    solved.add(argument)
                    role = "solution"
                    if kind == "solution-start":
                        in_solution = argument
                elif kind == "solution-end":
                    raise fail(index, "{solution-end} without {solution-start}")
            roles.append(role)
            continue
        if cell.cell_type != "code":
            roles.append("text")
            continue
        has_begin = BEGIN in cell.source
        if has_begin != (END in cell.source):
            raise fail(index, f"'{BEGIN}' and '{END}' must come in pairs")
        if in_solution is not None:
            roles.append("answer" if has_begin else "solution")
            if has_begin:
                _student_source(cell.source, 0, "")  # validates the markers
            continue
        if has_begin:
            raise fail(index, "solution code outside a {solution-start} block shows on the site")
        if CHECK_TAG in cell.metadata.get("tags", []):
            label = _exercise_label(cell)
            if label not in by_label:
                raise fail(
                    index, f"check cell for unknown exercise {label!r} (metadata 'exercise')"
                )
            if label not in solved:
                raise fail(index, f"the check cell of {label!r} must follow its solution")
            if by_label[label].check is not None:
                raise fail(index, f"{label!r} has two check cells")
            by_label[label].check = cell.source
            roles.append("check")
            continue
        if in_exercise:
            roles.append("starter")
        else:
            roles.append("setup" if _is_setup(cell) else "chapter")
    if in_solution is not None:
        raise FormatError(f"{path.name}: the solution of {in_solution!r} has no {{solution-end}}")
    for ex in exercises:
        if ex.label not in solved:
            raise FormatError(f"{path.name}: exercise {ex.label!r} has no solution block")
    return Chapter(name, path, nb, exercises, roles)


def _student_source(source: str, number: int, title: str) -> str:
    """Replace each BEGIN/END SOLUTION region by a `raise NotImplementedError` line."""
    out: list[str] = []
    inside = False
    for line in source.split("\n"):
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise FormatError(f"nested '{BEGIN}'")
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            message = f"Exercise {number}: {title}".replace('"', "'")
            out.append(f'{indent}raise NotImplementedError("{message}")')
        elif stripped == END:
            if not inside:
                raise FormatError(f"'{END}' without '{BEGIN}'")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise FormatError(f"'{BEGIN}' without '{END}'")
    return "\n".join(out)


# ------------------------------------------------------------- student/solutions


def source_commit() -> str:
    """`git rev-parse HEAD` of the book's repository, or "unknown"."""
    try:
        run = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    commit = run.stdout.strip()
    return commit if run.returncode == 0 and commit else "unknown"


def _stamp(nb: Any, chapter: Chapter, kind: str, commit: str) -> None:
    nb.metadata[META] = {
        "assignment": chapter.name,
        "kind": kind,
        "book_version": __version__,
        "source_commit": commit,
        "exercises": [ex.label for ex in chapter.exercises],
    }


def _clear(cell: Any) -> None:
    if cell.cell_type == "code":
        cell.outputs = []
        cell.execution_count = None


def make_student(chapter: Chapter, commit: str) -> Any:
    """The student notebook of a chapter (a new notebook; the chapter is not changed)."""
    nb = copy.deepcopy(chapter.nb)
    numbers = {ex.label: ex for ex in chapter.exercises}
    cells = []
    current: Exercise | None = None
    for cell, role in zip(nb.cells, chapter.roles, strict=True):
        if role == "exercise":
            current = chapter.exercises[(current.number if current else 0)]
        if role == "solution":
            continue
        _clear(cell)
        if role == "answer":
            assert current is not None
            cell.source = _student_source(cell.source, current.number, current.title)
            cell.metadata[META] = {"role": "answer", "exercise": current.label}
        elif role == "check":
            label = _exercise_label(cell)
            cell.metadata[META] = {"role": "check", "exercise": label}
            assert label in numbers
        elif cell.cell_type == "code":
            cell.metadata[META] = {"role": role}
        cells.append(cell)
    nb.cells = cells
    _stamp(nb, chapter, "student", commit)
    return nb


def make_solutions(chapter: Chapter, commit: str) -> Any:
    """The instructor's notebook: the chapter with solutions, outputs cleared, stamped."""
    nb = copy.deepcopy(chapter.nb)
    current: Exercise | None = None
    for cell, role in zip(nb.cells, chapter.roles, strict=True):
        if role == "exercise":
            current = chapter.exercises[(current.number if current else 0)]
        _clear(cell)
        if cell.cell_type != "code":
            continue
        if role == "check":
            cell.metadata[META] = {"role": "check", "exercise": _exercise_label(cell)}
        elif role in ("answer", "solution"):
            cell.metadata[META] = {"role": role, "exercise": current.label if current else None}
        else:
            cell.metadata[META] = {"role": role}
    _stamp(nb, chapter, "solutions", commit)
    return nb


def available_chapters(chapters_dir: Path) -> list[str]:
    """The chapter names (file stems) in ``chapters_dir``, sorted."""
    return sorted(p.stem for p in chapters_dir.glob("*.ipynb"))


def load_chapter(name: str, chapters_dir: Path) -> Chapter:
    """A chapter by name (``adam``) or path (``chapters/adam.ipynb``); UsageError if unknown."""
    path = Path(name)
    if path.suffix != ".ipynb":
        path = chapters_dir / f"{name}.ipynb"
    if not path.is_file():
        known = ", ".join(available_chapters(chapters_dir)) or "none"
        raise UsageError(f"unknown chapter {name!r}: no {path}. Chapters: {known}")
    chapter = parse_chapter(path)
    if not chapter.exercises:
        raise UsageError(f"chapter {chapter.name!r} has no exercises")
    return chapter


def _output_dir(out: Path, chapters_dir: Path) -> Path:
    out = out.expanduser().resolve()
    if not out.parent.is_dir():
        raise UsageError(f"--out {out}: its parent folder {out.parent} does not exist")
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} exists and is not a folder")
    for protected in {chapters_dir.resolve(), CHAPTERS.resolve()}:
        if out == protected or out.is_relative_to(protected):
            raise UsageError(f"--out {out} is inside {protected}: never write into chapters/")
    return out


def write_notebooks(
    kind: str, names: list[str], out: Path, chapters_dir: Path, force: bool
) -> list[Path]:
    """Write the ``kind`` ("student" or "solutions") notebook of each chapter into ``out``.

    Refuses to write into the chapters folder, and to overwrite a file unless ``force``.
    Returns the paths written.
    """
    out = _output_dir(out, chapters_dir)
    chapters = [load_chapter(n, chapters_dir) for n in names]
    targets = [out / f"{c.name}.ipynb" for c in chapters]
    existing = [str(t) for t in targets if t.exists()]
    if existing and not force:
        raise UsageError(f"{', '.join(existing)} exist(s); pass --force to overwrite")
    out.mkdir(exist_ok=True)
    commit = source_commit()
    make = make_student if kind == "student" else make_solutions
    for chapter, target in zip(chapters, targets, strict=True):
        nbformat.write(make(chapter, commit), target)
    return targets


# ------------------------------------------------------------------------ grading


@dataclass
class Outcome:
    """The result of one exercise's check: passed or not, and the check's message."""

    passed: bool
    message: str


@dataclass
class Grade:
    """One row of the grades file."""

    submission: str
    assignment: str
    status: str = "ok"
    outcomes: dict[str, Outcome] = field(default_factory=dict)

    def total(self) -> int:
        """The number of exercises passed."""
        return sum(o.passed for o in self.outcomes.values())


def _one_line(text: str, limit: int = 400) -> str:
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)  # ANSI colours of tracebacks
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _error_of(cell: Any) -> tuple[str, str] | None:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return output.get("ename", "Error"), output.get("evalue", "")
    return None


def _stdout_of(cell: Any) -> str:
    return "".join(
        o.get("text", "")
        for o in cell.get("outputs", [])
        if o.get("output_type") == "stream" and o.get("name") == "stdout"
    )


def read_submission(path: Path) -> tuple[Any | None, str | None]:
    """The notebook, or None and why it cannot be read."""
    try:
        text = path.read_text(encoding="utf8")
    except (OSError, UnicodeDecodeError) as error:
        return None, f"cannot read the file: {error}"
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        return None, f"not a notebook: invalid JSON ({error})"
    try:
        nb = nbformat.reads(text, as_version=4, capture_validation_error={})
    except Exception as error:  # nbformat raises several kinds for a broken structure
        return None, f"not a notebook: {_one_line(str(error), 200)}"
    if not isinstance(nb.get("cells"), list):
        return None, "not a notebook: no cells"
    return nb, None


def _stamped_assignment(nb: Any) -> str | None:
    meta = nb.metadata.get(META)
    return meta.get("assignment") if isinstance(meta, dict) else None


async def _run_cells(
    nb: Any, timeout: float, cwd: str
) -> tuple[dict[int, str], str | None]:  # cell index -> problem, kernel failure
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    problems: dict[int, str] = {}
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=True,
        interrupt_on_timeout=True,
        resources={"metadata": {"path": cwd}},
    )
    client.log.setLevel("CRITICAL")  # "Interrupting kernel" and the like: we report it
    async with client.async_setup_kernel(stderr=subprocess.DEVNULL):  # kernel log noise
        for index, cell in enumerate(nb.cells):
            started = time.monotonic()
            try:
                await client.async_execute_cell(cell, index)
            except CellTimeoutError:
                problems[index] = f"timed out after {timeout:g} s (an endless loop?)"
                continue
            except DeadKernelError:
                return problems, f"the kernel died in cell {index + 1}"
            error = _error_of(cell)
            if error and error[0] == "KeyboardInterrupt" and time.monotonic() - started >= timeout:
                problems[index] = f"timed out after {timeout:g} s (an endless loop?)"
    return problems, None


def grade_submission(
    path: Path,
    assignment: str,
    exercises: list[Exercise],
    timeout: float = 30.0,
    all_cells: bool = False,
) -> Grade:
    """Run one submission in a fresh kernel and grade its exercises."""
    grade = Grade(path.name, assignment)
    checked = [ex for ex in exercises if ex.check]

    def fail_all(status: str, message: str) -> Grade:
        grade.status = status
        grade.outcomes = {ex.label: Outcome(False, message) for ex in checked}
        return grade

    nb, problem = read_submission(path)
    if nb is None:
        return fail_all(problem or "unreadable", "not graded: " + (problem or "unreadable"))
    stamped = _stamped_assignment(nb)
    notes: list[str] = []
    if stamped is None:
        notes.append("no assignment stamp (not made by `optimizers.assign student`?)")
    elif stamped != assignment:
        return fail_all(
            f"wrong assignment: this notebook is {stamped!r}, not {assignment!r}",
            f"not graded: the notebook belongs to assignment {stamped!r}",
        )

    # the cells to run, with the book's own checks in place of the submission's check cells
    run_cells: list[Any] = []
    origin: list[int] = []  # index in the submission (or -1: a check appended at the end)
    check_at: dict[str, int] = {}
    answer_at: dict[str, list[int]] = {}
    by_label = {ex.label: ex for ex in checked}
    for index, cell in enumerate(nb.cells):
        if cell.get("cell_type") != "code":
            continue
        meta = cell.metadata.get(META, {}) if isinstance(cell.metadata.get(META), dict) else {}
        role = meta.get("role")
        label = _exercise_label(cell)
        is_check = role == "check" or CHECK_TAG in cell.metadata.get("tags", [])
        if is_check:
            if label in by_label and label not in check_at:
                check_at[label] = len(run_cells)
                run_cells.append(nbformat.v4.new_code_cell(by_label[label].check))
                origin.append(index)
            continue
        if role == "chapter" and not all_cells:
            continue
        if role == "answer" and label:
            answer_at.setdefault(label, []).append(len(run_cells))
        fresh = nbformat.v4.new_code_cell(cell.source)
        run_cells.append(fresh)
        origin.append(index)
    for ex in checked:
        if ex.label not in check_at:
            notes.append(f"check cell of exercise {ex.number} deleted (its check ran at the end)")
            check_at[ex.label] = len(run_cells)
            run_cells.append(nbformat.v4.new_code_cell(ex.check))
            origin.append(-1)

    run_nb = nbformat.v4.new_notebook(cells=run_cells)
    run_nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    with tempfile.TemporaryDirectory(prefix="grade-") as cwd:
        try:
            problems, died = asyncio.run(_run_cells(run_nb, timeout, cwd))
        except Exception as error:  # the kernel did not start, or nbclient failed
            return fail_all(f"could not run: {_one_line(str(error), 200)}", "not graded")
    if died:
        notes.append(died)

    answer_problem: dict[str, str] = {}
    for label, indices in answer_at.items():
        for i in indices:
            if i in problems:
                answer_problem[label] = f"your answer cell {problems[i]}"
            elif (failure := _error_of(run_cells[i])) and failure[0] != "NotImplementedError":
                answer_problem[label] = f"your answer cell raised {failure[0]}: {failure[1]}"
    for ex in checked:
        i = check_at[ex.label]
        cell = run_cells[i]
        failure = _error_of(cell)
        if i in problems:
            message = f"the check {problems[i]}"
        elif died and not cell.get("outputs"):
            message = f"not run: {died}"
        elif failure is None:
            grade.outcomes[ex.label] = Outcome(True, _one_line(_stdout_of(cell)))
            continue
        elif failure[0] == "NotImplementedError":
            message = f"not attempted (NotImplementedError: {failure[1]})"
        else:
            message = f"{failure[0]}: {failure[1]}"
        if ex.label in answer_problem:
            message = f"{answer_problem[ex.label]}; then {message}"
        grade.outcomes[ex.label] = Outcome(False, _one_line(message))
    other = [
        f"cell {origin[i] + 1} {p}" for i, p in problems.items() if origin[i] >= 0
    ]  # timeouts outside checks and answers are worth a note too
    notes.extend(n for n in other if n not in notes)
    grade.status = "; ".join(notes) if notes else "ok"
    return grade


def _columns(exercises: list[Exercise]) -> list[str]:
    return [f"Exercise {ex.number} ({ex.label})" for ex in exercises if ex.check]


def write_grades(grades: list[Grade], exercises: list[Exercise], out: Path) -> None:
    """Write one CSV row per submission: status, one column per checked exercise, total, max."""
    checked = [ex for ex in exercises if ex.check]
    with open(out, "w", newline="", encoding="utf8") as f:
        writer = csv.writer(f)
        writer.writerow(
            ["submission", "assignment", "status", *_columns(exercises), "total", "max"]
        )
        for g in grades:
            cells = []
            for ex in checked:
                o = g.outcomes.get(ex.label, Outcome(False, "not graded"))
                cells.append("pass" if o.passed else f"fail: {o.message}")
            writer.writerow(
                [g.submission, g.assignment, _one_line(g.status), *cells, g.total(), len(checked)]
            )


def collect_submissions(items: list[str]) -> list[Path]:
    """The notebooks named by ``items``: files as given, folders expanded to their ``*.ipynb``."""
    paths: list[Path] = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            paths.extend(sorted(p for p in path.glob("*.ipynb") if p.is_file()))
        elif path.is_file():
            paths.append(path)
        else:
            raise UsageError(f"submission {item!r} does not exist")
    if not paths:
        raise UsageError("no submissions (.ipynb files) found")
    names = Counter(p.name for p in paths)
    twice = [n for n, c in names.items() if c > 1]
    if twice:
        raise UsageError(f"two submissions share a file name: {', '.join(twice)}")
    return paths


def _infer_assignment(paths: list[Path]) -> str:
    stamps: Counter[str] = Counter()
    for path in paths:
        nb, _ = read_submission(path)
        if nb is not None and (stamp := _stamped_assignment(nb)):
            stamps[stamp] += 1
    if not stamps:
        raise UsageError("no submission carries an assignment stamp: pass --assignment CHAPTER")
    assignment, count = stamps.most_common(1)[0]
    if len(stamps) > 1:
        print(
            f"grading as assignment {assignment!r} ({count} of {len(paths)} submissions); "
            "pass --assignment to choose",
            file=sys.stderr,
        )
    return assignment


def grade_all(
    paths: list[Path],
    assignment: str,
    exercises: list[Exercise],
    jobs: int = 1,
    timeout: float = 30.0,
    all_cells: bool = False,
    progress: bool = True,
) -> list[Grade]:
    """Grade every submission, ``jobs`` at a time; the order of the result is the input's."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    results: dict[Path, Grade] = {}
    lock = threading.Lock()
    n_checked = sum(1 for ex in exercises if ex.check)

    def one(path: Path) -> Grade:
        try:
            return grade_submission(path, assignment, exercises, timeout, all_cells)
        except Exception as error:  # never let one submission stop the batch
            grade = Grade(path.name, assignment, f"grader error: {_one_line(str(error), 200)}")
            for ex in exercises:
                if ex.check:
                    grade.outcomes[ex.label] = Outcome(False, "not graded")
            return grade

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(one, p): p for p in paths}
        for done, future in enumerate(as_completed(futures), start=1):
            path = futures[future]
            grade = future.result()
            results[path] = grade
            if progress:
                with lock:
                    extra = "" if grade.status == "ok" else f" ({_one_line(grade.status, 80)})"
                    print(
                        f"[{done}/{len(paths)}] {path.name}: {grade.total()}/{n_checked}{extra}",
                        file=sys.stderr,
                        flush=True,
                    )
    return [results[p] for p in paths]


# --------------------------------------------------------------------------- CLI


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m optimizers.assign",
        description="Student and solution notebooks from the book's chapters, and grading.",
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--chapters",
        type=Path,
        default=CHAPTERS,
        help=f"folder of the chapter notebooks (default {CHAPTERS})",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for kind, text in (
        ("student", "student notebooks: solutions removed, answers raise NotImplementedError"),
        ("solutions", "the instructor's notebooks: chapters with solutions, outputs cleared"),
    ):
        p = sub.add_parser(kind, help=text, description=text, parents=[common])
        p.add_argument("chapters_", nargs="+", metavar="CHAPTER", help="e.g. adam momentum")
        p.add_argument("--out", type=Path, required=True, help="output folder (created)")
        p.add_argument("--force", action="store_true", help="overwrite existing notebooks")
    p = sub.add_parser("grade", help="run and grade submissions, write a CSV", parents=[common])
    p.add_argument("submissions", nargs="+", metavar="SUBMISSION", help=".ipynb files or folders")
    p.add_argument("--out", type=Path, required=True, help="the CSV file to write")
    p.add_argument("--assignment", help="the chapter graded (default: the submissions' stamp)")
    p.add_argument("--jobs", type=int, default=1, help="submissions graded at once (default 1)")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds per cell (default 30)")
    p.add_argument("--all-cells", action="store_true", help="also run the chapter's own cells")
    p.add_argument("--force", action="store_true", help="overwrite an existing CSV")
    return parser


def main(argv: list[str] | None = None) -> int:
    """The command line ``python -m optimizers.assign``; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if not args.chapters.is_dir():
            raise UsageError(f"--chapters {args.chapters} is not a folder")
        if args.command in ("student", "solutions"):
            written = write_notebooks(
                args.command, args.chapters_, args.out, args.chapters, args.force
            )
            for path in written:
                print(f"wrote {path}")
            return 0
        if args.jobs < 1:
            raise UsageError("--jobs must be at least 1")
        if args.timeout <= 0:
            raise UsageError("--timeout must be positive")
        out = args.out.expanduser().resolve()
        if not out.parent.is_dir():
            raise UsageError(f"--out {out}: its folder {out.parent} does not exist")
        if out.exists() and not args.force:
            raise UsageError(f"--out {out} exists; pass --force to overwrite")
        paths = collect_submissions(args.submissions)
        assignment = args.assignment or _infer_assignment(paths)
        exercises = load_chapter(assignment, args.chapters).exercises
        if not any(ex.check for ex in exercises):
            raise UsageError(f"chapter {assignment!r} has no checked exercises to grade")
        started = time.monotonic()
        grades = grade_all(paths, assignment, exercises, args.jobs, args.timeout, args.all_cells)
        write_grades(grades, exercises, out)
        print(
            f"graded {len(grades)} submission(s) in {time.monotonic() - started:.1f} s: {out}",
            file=sys.stderr,
        )
        return 0
    except (UsageError, FormatError) as error:
        parser.error(str(error))
    return 2  # not reached: parser.error exits


if __name__ == "__main__":
    sys.exit(main())
