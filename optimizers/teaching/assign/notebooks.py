"""The book's exercise format: parse a chapter, make student and solution notebooks.

See :mod:`optimizers.teaching.assign` for the format and the commands.
"""

from __future__ import annotations

import ast
import copy
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from ... import __version__

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


def source_commit(folder: Path) -> str:
    """`git rev-parse HEAD` of the repository holding ``folder`` (the chapters), or "unknown"."""
    try:
        run = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=folder, capture_output=True, text=True, timeout=10
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
            # the chapter folds its solution in JupyterLab; the student's answer cell is open
            folds = cell.metadata.get("jupyter", {})
            folds.pop("source_hidden", None)
            if not folds:
                cell.metadata.pop("jupyter", None)
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
    protected = chapters_dir.resolve()
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
    commit = source_commit(chapters_dir)
    make = make_student if kind == "student" else make_solutions
    for chapter, target in zip(chapters, targets, strict=True):
        nbformat.write(make(chapter, commit), target)
    return targets
