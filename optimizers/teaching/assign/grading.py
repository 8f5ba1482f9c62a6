"""Grade submissions: judge outside the student's code, run that code in a sandbox.

For each submission the grader (this process)

1. plans the steps: the cells to run (setup, the student's answers, any cell the student
   added, and only those chapter cells the answers need) and, where each check cell was,
   an *evaluation* of the exercise's function;
2. makes each exercise's cases (:mod:`optimizers.teaching.checks`) and writes them, as
   data, with the steps into a job folder;
3. runs :mod:`~optimizers.teaching.assign.runner` on the job in a sandbox
   (:mod:`~optimizers.teaching.assign.sandbox`), which sends back the outputs of the
   student's functions as data;
4. judges those outputs itself: the reference, the named mistakes, the messages.

So no patch inside the submission (of ``opt.checks``, numpy, ``opt.Adam``, builtins or
the runner) reaches the verdict; it can only change the submission's own outputs. An
answer that calls the package's own rule for its exercise (``opt.Adam`` in ``adam_step``)
is *flagged*, not passed.
"""

from __future__ import annotations

import base64
import binascii
import csv
import json
import os
import queue
import re
import shutil
import symtable
import sys
import tempfile
import threading
import warnings
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from ..checks.engine import REGISTRY, ExerciseCheck, Result, calls_the_package, dump, load
from .notebooks import CHECK_TAG, META, Exercise, FormatError, UsageError, _exercise_label
from .sandbox import (
    ENV,
    Limits,
    Run,
    _package_parent,
    bwrap_command,
    plain_command,
    run_job,
    sandbox_uid,
)

SANDBOX, NO_SANDBOX = "bwrap", "none"  # the modes, as the CSV records them


@dataclass
class Outcome:
    """The verdict on one exercise: passed or not, and the message."""

    passed: bool
    message: str
    flagged: str = ""  # why the answer looks like it calls the package's own rule


@dataclass
class Grade:
    """One row of the grades file."""

    submission: str
    assignment: str
    status: str = "ok"
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    mode: str = SANDBOX

    def total(self) -> int:
        """The number of exercises passed."""
        return sum(o.passed for o in self.outcomes.values())


@dataclass(frozen=True)
class Task:
    """One checked exercise: its check in the registry and the function the check is given."""

    exercise: Exercise
    check: ExerciseCheck
    function: str  # the source of the check's argument, e.g. "adam_step"


_CHECK_CALL = re.compile(r"^(?:\w+\.)*check_(\w+)$")


def tasks_of(exercises: list[Exercise]) -> list[Task]:
    """The checked exercises, each with its check; FormatError if a check cell cannot be judged.

    A check cell must be one call ``opt.checks.check_NAME(function)`` of a registered check.
    """
    import ast

    tasks = []
    for ex in exercises:
        if not ex.check:
            continue
        try:
            tree = ast.parse(ex.check)
        except SyntaxError as error:
            raise FormatError(f"the check cell of {ex.label!r} does not parse: {error}") from error
        call = tree.body[0].value if len(tree.body) == 1 else None  # type: ignore[attr-defined]
        match = None
        if isinstance(call, ast.Call) and len(call.args) == 1 and not call.keywords:
            match = _CHECK_CALL.match(ast.unparse(call.func))
        if match is None or match.group(1) not in REGISTRY:
            raise FormatError(
                f"the check cell of {ex.label!r} must be one call opt.checks.check_NAME(function) "
                f"of a check in optimizers.teaching.checks; it is {ex.check!r}"
            )
        assert isinstance(call, ast.Call)
        tasks.append(Task(ex, REGISTRY[match.group(1)], ast.unparse(call.args[0])))
    return tasks


# --------------------------------------------------------------------- the plan


def _names(source: str) -> tuple[set[str], set[str]]:
    """The global names a cell defines and the ones it reads (its functions' too)."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager

        source = TransformerManager().transform_cell(source)
    except Exception:  # no IPython, or a cell it cannot transform: take the source as it is
        pass
    try:
        top = symtable.symtable(source, "<cell>", "exec")
    except (SyntaxError, ValueError):
        return set(), set()
    defined = {s.get_name() for s in top.get_symbols() if s.is_assigned() or s.is_imported()}
    read = {s.get_name() for s in top.get_symbols() if s.is_referenced()}
    tables = list(top.get_children())
    while tables:
        table = tables.pop()
        read |= {s.get_name() for s in table.get_symbols() if s.is_global() and s.is_referenced()}
        tables.extend(table.get_children())
    return defined, read


def _needed_imports(source: str, needed: set[str]) -> str | None:
    """The import statements of a setup cell that bind a name in ``needed``.

    None when the cell is not made of imports only (it then runs as it is); ``""`` when
    none is needed (the figures' ``from optimizers.book import ...``, say).
    """
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    if not tree.body or not all(isinstance(s, ast.Import | ast.ImportFrom) for s in tree.body):
        return None
    kept = []
    for statement in tree.body:
        assert isinstance(statement, ast.Import | ast.ImportFrom)
        bound = {
            a.asname or (a.name.split(".")[0] if isinstance(statement, ast.Import) else a.name)
            for a in statement.names
        }
        if "*" in bound or bound & needed:
            kept.append(ast.get_source_segment(source, statement) or "")
    return "\n".join(kept)


@dataclass
class Plan:
    """The steps of one submission, and what the verdicts need to know about them."""

    steps: list[dict[str, Any]] = field(default_factory=list)
    evaluate_at: dict[str, int] = field(default_factory=dict)  # label -> step
    answers: dict[str, list[int]] = field(default_factory=dict)  # label -> steps of its answers
    written: list[str] = field(default_factory=list)  # sources of the student's added cells
    notes: list[str] = field(default_factory=list)


def plan_submission(nb: Any, tasks: list[Task], all_cells: bool = False) -> Plan:
    """The cells to run and where to evaluate each exercise.

    Runs the setup cells, the answers, the cells the student added or changed into code,
    and, unless ``all_cells``, only those chapter cells that define a name the others read
    (and the chapter cells those need), and of the setup cells made of imports only the
    imports of names something reads; the submission's own check cells are replaced by
    evaluations of the book's checks (a deleted one is evaluated at the end).
    """
    plan = Plan()
    by_label = {t.exercise.label: t for t in tasks}
    chosen: list[tuple[int, dict[str, Any]]] = []
    chapter: list[tuple[int, str]] = []
    for index, cell in enumerate(nb.cells):
        if cell.get("cell_type") != "code":
            continue
        meta = cell.metadata.get(META)
        meta = meta if isinstance(meta, dict) else {}
        role, label = meta.get("role"), _exercise_label(cell)
        if role == "check" or CHECK_TAG in cell.metadata.get("tags", []):
            if label in by_label and label not in plan.evaluate_at:
                plan.evaluate_at[label] = -1  # placeholder: numbered below
                chosen.append((index, {"kind": "evaluate", "label": label, "origin": index}))
            continue
        step = {"kind": "cell", "source": cell.source, "origin": index, "role": role}
        if role == "chapter" and not all_cells:
            chapter.append((index, cell.source))
            continue
        if role == "answer" and label:
            step["label"] = label
        elif role not in ("setup", "answer", "chapter", "starter"):
            plan.written.append(cell.source)
        chosen.append((index, step))
    for t in tasks:
        if t.exercise.label not in plan.evaluate_at:
            plan.notes.append(
                f"check cell of exercise {t.exercise.number} deleted (its check ran at the end)"
            )
            chosen.append(
                (len(nb.cells), {"kind": "evaluate", "label": t.exercise.label, "origin": -1})
            )
    # the chapter cells the chosen ones need, and the ones those need
    needed: set[str] = set()
    for _, step in chosen:
        if step["kind"] == "cell":
            needed |= _names(step["source"])[1]
        else:
            needed |= _names(by_label[step["label"]].function)[1]
    provided = [(index, source, *_names(source)) for index, source in chapter]
    taken: set[int] = set()
    changed = True
    while changed:
        changed = False
        for index, _, defined, read in provided:
            if index not in taken and defined & needed:
                taken.add(index)
                needed |= read
                changed = True
    chosen += [
        (i, {"kind": "cell", "source": s, "origin": i, "role": "chapter"})
        for i, s, _, _ in provided
        if i in taken
    ]
    if not all_cells:  # setup cells of imports: only the imports of names something reads
        for _, step in chosen:
            if step.get("role") == "setup":
                kept = _needed_imports(step["source"], needed)
                step["source"] = step["source"] if kept is None else kept
        chosen = [(i, s) for i, s in chosen if s["kind"] == "evaluate" or s["source"].strip()]
    chosen.sort(key=lambda pair: pair[0])
    for number, (_, step) in enumerate(chosen):
        if step["kind"] == "evaluate":
            task = by_label[step["label"]]
            step.update(check=task.check.name, function=task.function)
            plan.evaluate_at[step["label"]] = number
        elif "label" in step:
            plan.answers.setdefault(step["label"], []).append(number)
        plan.steps.append(step)
    return plan


# ------------------------------------------------------------------- a submission


def _one_line(text: str, limit: int = 400) -> str:
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)  # ANSI colours of tracebacks
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


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


def _error_text(end: dict[str, Any]) -> str:
    return f"{_one_line(str(end.get('error')), 80)}: {_one_line(str(end.get('message')), 200)}"


def _stamped_assignment(nb: Any) -> str | None:
    meta = nb.metadata.get(META)
    return meta.get("assignment") if isinstance(meta, dict) else None


def _run_plan(plan: Plan, cases: dict[int, Any], limits: Limits, sandbox: bool, slot: int) -> Run:
    """Write the job, run it (in the sandbox or not), return what came back."""
    with tempfile.TemporaryDirectory(prefix="grade-job-") as job_dir:
        job = Path(job_dir)
        os.chmod(job, 0o755)  # readable by the sandbox's own user id
        private = None
        if not sandbox:
            private = Path(tempfile.mkdtemp(prefix="grade-work-"))
        cwd = "/tmp" if sandbox else str(private)
        steps = [
            {k: v for k, v in s.items() if k in ("kind", "source", "check", "function")}
            for s in plan.steps
        ]
        (job / "job.json").write_text(
            json.dumps({"steps": steps, "timeout": limits.timeout, "cwd": cwd}), encoding="utf8"
        )
        for k, data in cases.items():
            (job / f"cases-{k}.npz").write_bytes(dump(data, builds=True))
        for p in job.iterdir():
            os.chmod(p, 0o644)
        try:
            if sandbox:
                command = bwrap_command(job, sandbox_uid(slot), limits)
                return run_job(command, limits, len(plan.steps), env={})
            assert private is not None
            env = {
                **ENV,
                "PYTHONPATH": str(_package_parent()),
                "HOME": str(private),
                "MPLCONFIGDIR": str(private / ".matplotlib"),
                "IPYTHONDIR": str(private / ".ipython"),
            }
            return run_job(plain_command(job), limits, len(plan.steps), env=env)
        finally:
            if private is not None:
                shutil.rmtree(private, ignore_errors=True)


def _results(message: dict[str, Any], n_cases: int) -> list[Result]:
    """The outputs a runner sent for one exercise; ValueError if they are not valid data."""
    try:
        raw = base64.b64decode(str(message.get("results", "")), validate=True)
    except (binascii.Error, ValueError) as error:
        raise ValueError("not base64") from error
    try:
        results = load(raw, builds=False)
    except Exception as error:  # a broken archive raises several kinds
        raise ValueError(f"not an archive of data ({type(error).__name__})") from error
    if not isinstance(results, list) or len(results) > n_cases:
        raise ValueError("not a list of results")
    if not all(isinstance(r, Result) for r in results):
        raise ValueError("not a list of results")
    return results


def grade_submission(
    path: Path,
    assignment: str,
    tasks: list[Task],
    limits: Limits | None = None,
    all_cells: bool = False,
    sandbox: bool = True,
    slot: int = 0,
) -> Grade:
    """Run one submission (in a sandbox unless ``sandbox=False``) and judge its exercises."""
    limits = limits or Limits()
    grade = Grade(path.name, assignment, mode=SANDBOX if sandbox else NO_SANDBOX)

    def fail_all(status: str, message: str) -> Grade:
        grade.status = status
        grade.outcomes = {t.exercise.label: Outcome(False, message) for t in tasks}
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
    plan = plan_submission(nb, tasks, all_cells)
    notes += plan.notes
    by_label = {t.exercise.label: t for t in tasks}
    cases = {plan.evaluate_at[t.exercise.label]: t.check.make_cases() for t in tasks}
    try:
        run = _run_plan(plan, cases, limits, sandbox, slot)
    except Exception as error:  # the sandbox did not start, or the job could not be written
        return fail_all(f"could not run: {_one_line(str(error), 200)}", "not graded")

    ends: dict[int, dict[str, Any]] = {}
    for sent in run.messages:
        step = sent.get("step")
        if sent.get("event") == "end" and isinstance(step, int) and step not in ends:
            ends[step] = sent

    def where(step: int) -> str:
        if not 0 <= step < len(plan.steps):
            return "after the last cell"
        origin, label = plan.steps[step]["origin"], plan.steps[step].get("label")
        if plan.steps[step]["kind"] == "evaluate":
            number = by_label[label].exercise.number if label in by_label else "?"
            return f"in the check of exercise {number}"
        return f"in cell {origin + 1}"

    stopped = None
    if run.killed == "it did not start":
        stopped = f"stopped: Python did not start within {limits.startup:g} s"
    elif run.killed and run.killed.startswith("ran past"):
        stopped = f"stopped {where(run.last_step)}: it {run.killed}"
    elif run.killed:
        stopped = f"stopped {where(run.last_step)}: {run.killed}"
    elif not any(m.get("event") == "done" for m in run.messages):
        stopped = (
            f"the process ended {where(max(ends, default=-1) + 1)} "
            f"(exit status {run.returncode}: os._exit? a crash?)"
        )
    if stopped:
        notes.append(stopped)

    timed_out = f"timed out after {limits.timeout:g} s (an endless loop?)"

    def cell_problem(step: int) -> str | None:
        end = ends.get(step)
        if end is None:
            return None
        if end.get("status") == "timeout":
            return timed_out
        if end.get("status") in ("error", "broken"):
            return f"raised {_error_text(end)}"
        return None

    answer_problem: dict[str, str] = {}
    for label, indices in plan.answers.items():
        for i in indices:
            found = cell_problem(i)
            if found and not found.startswith("raised NotImplementedError"):
                answer_problem[label] = f"your answer cell {found}"
    for i, step in enumerate(plan.steps):
        if step["kind"] == "cell" and cell_problem(i) == timed_out and step["origin"] >= 0:
            notes.append(f"cell {step['origin'] + 1} {timed_out}")

    for t in tasks:
        label = t.exercise.label
        k = plan.evaluate_at[label]
        end = ends.get(k)
        status = end.get("status") if end else None
        outcome: Outcome | None = None
        if end is None:
            message = f"not run: {stopped or 'the process stopped before it'}"
        elif status == "timeout":
            message = f"the check {timed_out}"
            notes.append(f"exercise {t.exercise.number}'s check {timed_out}")
        elif status == "missing":
            message = f"the function `{t.function}` is not defined ({_error_text(end)})"
        elif status != "ok":
            message = f"could not be evaluated ({_one_line(str(end.get('error')), 80)})"
        else:
            try:
                results = _results(end, len(cases[k]))
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    verdict = t.check.judge(cases[k], results)
            except Exception as error:
                message = f"its outputs could not be read ({_one_line(str(error), 120)})"
            else:
                message = verdict.message
                sources = [plan.steps[i]["source"] for i in plan.answers.get(label, [])]
                flagged = calls_the_package("\n".join(sources + plan.written), t.check.uses)
                called = end.get("called")
                if isinstance(called, list):
                    flagged += [
                        str(c) for c in called if str(c) in t.check.uses and c not in flagged
                    ]
                if verdict.passed and flagged:
                    reason = "calls the package's own " + ", ".join(flagged)
                    outcome = Outcome(False, f"flagged: the answer {reason}", reason)
                elif verdict.passed:
                    outcome = Outcome(True, _one_line(message))
        if outcome is None:
            if label in answer_problem:
                message = f"{answer_problem[label]}; then {message}"
            outcome = Outcome(False, _one_line(message))
        grade.outcomes[label] = outcome
    if by_label and any(o.flagged for o in grade.outcomes.values()):
        notes.append("flagged: an answer calls the package's own rule")
    grade.status = "; ".join(dict.fromkeys(notes)) if notes else "ok"
    return grade


# ------------------------------------------------------------------- many of them


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


def shard(paths: list[Path], k: int, n: int) -> list[Path]:
    """The k-th (1-based) of n slices of the submissions, dealt out in file-name order."""
    if not 1 <= k <= n:
        raise UsageError(f"--shard {k}/{n}: K must be between 1 and N")
    ordered = sorted(paths, key=lambda p: p.name)
    return ordered[k - 1 :: n]


def infer_assignment(paths: list[Path]) -> str:
    """The assignment most submissions are stamped with (UsageError if none is)."""
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
    tasks: list[Task],
    jobs: int = 1,
    limits: Limits | None = None,
    all_cells: bool = False,
    sandbox: bool = True,
    progress: bool = True,
) -> list[Grade]:
    """Grade every submission, ``jobs`` at a time; the order of the result is the input's."""
    results: dict[Path, Grade] = {}
    lock = threading.Lock()
    slots: queue.Queue[int] = queue.Queue()
    for slot in range(max(1, jobs)):
        slots.put(slot)

    def one(path: Path) -> Grade:
        slot = slots.get()
        try:
            return grade_submission(path, assignment, tasks, limits, all_cells, sandbox, slot)
        except Exception as error:  # never let one submission stop the batch
            grade = Grade(path.name, assignment, f"grader error: {_one_line(str(error), 200)}")
            grade.mode = SANDBOX if sandbox else NO_SANDBOX
            for t in tasks:
                grade.outcomes[t.exercise.label] = Outcome(False, "not graded")
            return grade
        finally:
            slots.put(slot)

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
                        f"[{done}/{len(paths)}] {path.name}: {grade.total()}/{len(tasks)}{extra}",
                        file=sys.stderr,
                        flush=True,
                    )
    return [results[p] for p in paths]


# -------------------------------------------------------------------- the CSV file

FIXED = ["submission", "assignment", "status"]
TRAILING = ["total", "max", "sandbox", "flags"]


def columns(tasks: list[Task]) -> list[str]:
    """The header of the grades file."""
    exercise = [f"Exercise {t.exercise.number} ({t.exercise.label})" for t in tasks]
    return [*FIXED, *exercise, *TRAILING]


def write_grades(grades: list[Grade], tasks: list[Task], out: Path) -> None:
    """One CSV row per submission: status, one column per checked exercise, total, max,
    the sandbox mode (``bwrap`` or ``none``) and the flags (answers that call the package)."""
    with open(out, "w", newline="", encoding="utf8") as f:
        writer = csv.writer(f)
        writer.writerow(columns(tasks))
        for g in grades:
            cells, flags = [], []
            for t in tasks:
                o = g.outcomes.get(t.exercise.label, Outcome(False, "not graded"))
                if o.passed:
                    cells.append("pass")
                elif o.flagged:
                    cells.append(o.message)
                    flags.append(f"Exercise {t.exercise.number}: {o.flagged}")
                else:
                    cells.append(f"fail: {o.message}")
            writer.writerow(
                [
                    g.submission,
                    g.assignment,
                    _one_line(g.status),
                    *cells,
                    g.total(),
                    len(tasks),
                    g.mode,
                    "; ".join(flags),
                ]
            )


def merge_grades(parts: list[Path], out: Path) -> int:
    """Join the CSV files of ``grade --shard`` runs into one, sorted by submission.

    The parts must have the same header (the same assignment and exercises) and no
    submission twice. Returns the number of rows written.
    """
    header: list[str] | None = None
    rows: dict[str, list[str]] = {}
    for part in parts:
        try:
            with open(part, newline="", encoding="utf8") as f:
                reader = csv.reader(f)
                this = next(reader, None)
                body = list(reader)
        except OSError as error:
            raise UsageError(f"cannot read {part}: {error}") from error
        if this is None or this[: len(FIXED)] != FIXED:
            raise UsageError(f"{part} is not a grades file of `grade`")
        if header is None:
            header = this
        elif this != header:
            raise UsageError(f"{part} has other columns than {parts[0]} (another assignment?)")
        for row in body:
            if not row:
                continue
            if row[0] in rows:
                raise UsageError(
                    f"the submission {row[0]!r} is in two parts (the same shard twice?)"
                )
            rows[row[0]] = row
    assert header is not None
    with open(out, "w", newline="", encoding="utf8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for name in sorted(rows):
            writer.writerow(rows[name])
    return len(rows)
