"""`python -m optimizers.assign`: student notebooks, solution notebooks, grading.

Kernels are slow to start (about 1.5 s each here), so the student notebooks of all
chapters run in ONE kernel (their setup, answer and check cells, as a student runs
them); the command line runs in this process (``main``) except for one end-to-end
grading of a small folder, two submissions at a time. Hostile submissions, shards and
the sandbox: ``test_grading.py``.
"""

from __future__ import annotations

import asyncio
import copy
import csv
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from assign_in_process import CORRECT_ADAM_STEP as CORRECT
from assign_in_process import run_assign

from optimizers.teaching import assign

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = ROOT / "chapters"


def chapters_with_exercises() -> list[str]:
    names = []
    for path in sorted(CHAPTERS.glob("*.ipynb")):
        if assign.parse_chapter(path).exercises:
            names.append(path.stem)
    return names


WITH_EXERCISES = chapters_with_exercises()


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    """`python -m optimizers.assign ...` in a new process, from the repository's root."""
    return subprocess.run(
        [sys.executable, "-m", "optimizers.assign", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )


@pytest.fixture(scope="module")
def handout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("handout") / "student"
    run = run_assign("student", *WITH_EXERCISES, "--out", str(out))
    assert run.returncode == 0, run.stderr
    return out


# ------------------------------------------------------------------ the format


def test_most_chapters_have_two_exercises():
    assert len(WITH_EXERCISES) >= 7, WITH_EXERCISES
    for name in WITH_EXERCISES:
        chapter = assign.parse_chapter(CHAPTERS / f"{name}.ipynb")
        assert len(chapter.exercises) >= 2, f"{name}: fewer than two exercises"
        assert any(ex.check for ex in chapter.exercises), f"{name}: no checked exercise"
        for ex in chapter.exercises:
            assert ex.label.startswith(name + "-"), f"{name}: label {ex.label!r}"


@pytest.mark.parametrize(
    "source, message",
    [
        ("x = 1  # BEGIN SOLUTION", "must come in pairs"),
        ("def f():\n    # BEGIN SOLUTION\n    return 1\n    # END SOLUTION", "outside"),
    ],
)
def test_format_errors_are_named(tmp_path: Path, source: str, message: str):
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("```{exercise} T\n:label: x-a\n\nDo it.\n```"),
            nbformat.v4.new_code_cell(source),
        ]
    )
    nbformat.write(nb, tmp_path / "x.ipynb")
    with pytest.raises(assign.FormatError, match=message):
        assign.parse_chapter(tmp_path / "x.ipynb")


# ------------------------------------------------------------ student notebooks


def error_of(cell) -> tuple[str, str] | None:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return output.get("ename", "Error"), output.get("evalue", "")
    return None


async def run_in_kernel(nb, timeout: float, cwd: str) -> tuple[dict[int, str], str | None]:
    """Run the cells in one Jupyter kernel, as a student would: cell -> problem, death."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    problems: dict[int, str] = {}
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", allow_errors=True,
        resources={"metadata": {"path": cwd}},
    )  # fmt: skip
    client.log.setLevel("CRITICAL")
    async with client.async_setup_kernel(stderr=subprocess.DEVNULL):
        for index, cell in enumerate(nb.cells):
            try:
                await client.async_execute_cell(cell, index)
            except CellTimeoutError:
                problems[index] = "timed out"
            except DeadKernelError:
                return problems, f"the kernel died in cell {index + 1}"
    return problems, None


def test_student_notebooks_hide_solutions_and_are_stamped(handout: Path):
    for name in WITH_EXERCISES:
        nb = nbformat.read(handout / f"{name}.ipynb", as_version=4)
        stamp = nb.metadata["optimizers"]
        assert stamp["assignment"] == name and stamp["kind"] == "student"
        assert stamp["book_version"] and stamp["source_commit"]
        text = "\n".join(c.source for c in nb.cells)
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "{solution", "solution-end"):
            assert marker not in text, f"{name}: {marker!r} left in the student notebook"
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
        answers = [c for c in nb.cells if c.metadata.get("optimizers", {}).get("role") == "answer"]
        chapter = assign.parse_chapter(CHAPTERS / f"{name}.ipynb")
        checked = [ex for ex in chapter.exercises if ex.check]
        assert len(answers) == len(checked)
        for cell, ex in zip(answers, checked, strict=True):
            assert f'raise NotImplementedError("Exercise {ex.number}: ' in cell.source
            assert cell.source.lstrip().startswith("def "), "the function definition stays"


def test_student_notebooks_fail_only_with_not_implemented(handout: Path):
    """Every exercise of every chapter raises NotImplementedError, nothing else fails."""
    cells, where = [], []
    for name in WITH_EXERCISES:
        nb = nbformat.read(handout / f"{name}.ipynb", as_version=4)
        for index, cell in enumerate(nb.cells):
            role = cell.metadata.get("optimizers", {}).get("role")
            if cell.cell_type == "code" and role in ("setup", "answer", "check"):
                cells.append(nbformat.v4.new_code_cell(cell.source))
                where.append((name, index, role, cell.metadata["optimizers"].get("exercise")))
    run_nb = nbformat.v4.new_notebook(cells=cells)
    problems, died = asyncio.run(run_in_kernel(run_nb, 60, str(handout)))
    assert not died and not problems
    failed_checks = set()
    for cell, (name, index, role, label) in zip(run_nb.cells, where, strict=True):
        error = error_of(cell)
        if role == "check":
            assert error and error[0] == "NotImplementedError", f"{name} cell {index}: {error}"
            failed_checks.add(label)
        else:
            assert error is None, f"{name} cell {index} ({role}) raised {error}"
        for output in cell.outputs:
            assert output.get("name") != "stderr", f"{name} cell {index}: {output['text']}"
    expected = {
        ex.label
        for name in WITH_EXERCISES
        for ex in assign.parse_chapter(CHAPTERS / f"{name}.ipynb").exercises
        if ex.check
    }
    assert failed_checks == expected


def test_solutions_notebooks_keep_solutions(tmp_path: Path):
    run = run_assign("solutions", "adam", "--out", str(tmp_path / "sol"))
    assert run.returncode == 0, run.stderr
    nb = nbformat.read(tmp_path / "sol" / "adam.ipynb", as_version=4)
    assert nb.metadata["optimizers"]["kind"] == "solutions"
    assert any("BEGIN SOLUTION" in c.source for c in nb.cells)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")


# --------------------------------------------------------------------- the CLI


@pytest.mark.parametrize(
    "args, message",
    [
        (["student", "no-such-chapter", "--out", "{tmp}/o"], "unknown chapter 'no-such-chapter'"),
        (["student", "adam", "--out", "{tmp}/missing/o"], "does not exist"),
        (["student", "adam", "--out", str(CHAPTERS / "x")], "never write into chapters/"),
        (["grade", "{tmp}/none.ipynb", "--out", "{tmp}/g.csv"], "does not exist"),
        (["grade", "{tmp}", "--out", "{tmp}/g.csv", "--jobs", "0"], "--jobs"),
    ],
)
def test_bad_arguments_give_clear_errors(tmp_path: Path, args: list[str], message: str):
    run = run_assign(*[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert run.returncode == 2 and message in run.stderr, run.stderr


def test_never_overwrites_without_force(tmp_path: Path):
    assert run_assign("student", "adam", "--out", str(tmp_path)).returncode == 0
    again = run_assign("student", "adam", "--out", str(tmp_path))
    assert again.returncode == 2 and "--force" in again.stderr
    assert run_assign("student", "adam", "--out", str(tmp_path), "--force").returncode == 0


def test_chapters_come_from_the_current_folder_or_chapters(tmp_path: Path):
    """An installed package has no chapters/ beside it: ./chapters, else --chapters DIR."""
    elsewhere = run_assign("student", "adam", "--out", str(tmp_path / "o"), cwd=tmp_path)
    assert elsewhere.returncode == 2 and "pass --chapters DIR" in elsewhere.stderr
    given = run_assign(
        "student", "adam", "--out", str(tmp_path / "o"), "--chapters", str(CHAPTERS), cwd=tmp_path
    )
    assert given.returncode == 0 and (tmp_path / "o" / "adam.ipynb").is_file()


# --------------------------------------------------------------------- grading

BODIES = {
    "correct": CORRECT,
    "no_bias_correction": CORRECT.replace("/ (1 - beta1**t)", "").replace("/ (1 - beta2**t)", ""),
    "eps_inside_sqrt": CORRECT.replace("(np.sqrt(v_hat) + eps)", "np.sqrt(v_hat + eps)"),
    "g_not_squared": CORRECT.replace("grad**2", "grad"),
    "syntax_error": CORRECT.replace("m_hat = m", "m_hat = = m"),
    "endless_loop": "    while True:\n        pass\n",
}


def make_submissions(student: Path, folder: Path) -> None:
    """Made-up submissions of the Adam assignment, one per situation."""
    nb = nbformat.read(student, as_version=4)
    answer = next(c for c in nb.cells if c.metadata.get("optimizers", {}).get("role") == "answer")
    head = answer.source.split("    raise NotImplementedError")[0]
    for name, body in BODIES.items():
        answer.source = head + body
        nbformat.write(nb, folder / f"{name}.ipynb")
    answer.source = head + CORRECT
    deleted = copy.deepcopy(nb)
    deleted.cells = [c for c in nb.cells if "exercise-check" not in c.metadata.get("tags", [])]
    nbformat.write(deleted, folder / "deleted_check.ipynb")
    other = copy.deepcopy(nb)
    other.metadata["optimizers"]["assignment"] = "momentum"
    nbformat.write(other, folder / "other_assignment.ipynb")
    (folder / "invalid_json.ipynb").write_text('{"cells": [', encoding="utf8")


EXPECTED = {  # submission -> (total, what the exercise column says, what the status says)
    "correct.ipynb": (1, "pass", "ok"),
    "no_bias_correction.ipynb": (0, "bias correction is missing", "ok"),
    "eps_inside_sqrt.ipynb": (0, "ε is inside the square root", "ok"),
    "g_not_squared.ipynb": (0, "v averages g instead of g**2", "ok"),
    "syntax_error.ipynb": (0, "your answer cell raised SyntaxError", "ok"),
    "endless_loop.ipynb": (0, "timed out after 5 s", "timed out"),
    "deleted_check.ipynb": (1, "pass", "check cell of exercise 1 deleted"),
    "other_assignment.ipynb": (0, "not graded", "wrong assignment"),
    "invalid_json.ipynb": (0, "not graded", "invalid JSON"),
}


def test_grade_a_folder(handout: Path, tmp_path: Path):
    folder = tmp_path / "submissions"
    folder.mkdir()
    make_submissions(handout / "adam.ipynb", folder)
    out = tmp_path / "grades.csv"
    started = time.monotonic()
    run = cli("grade", str(folder), "--out", str(out), "--jobs", "2", "--timeout", "5")
    elapsed = time.monotonic() - started
    assert run.returncode == 0, run.stderr
    assert elapsed < 60, f"grading 9 submissions took {elapsed:.0f} s"
    with out.open(encoding="utf8") as f:
        rows = {row["submission"]: row for row in csv.DictReader(f)}
    assert set(rows) == set(EXPECTED)
    column = "Exercise 1 (adam-step)"
    checked = [ex for ex in assign.parse_chapter(CHAPTERS / "adam.ipynb").exercises if ex.check]
    for name, (total, says, status) in EXPECTED.items():
        row = rows[name]
        assert row["assignment"] == "adam" and row["max"] == str(len(checked))
        assert int(row["total"]) == total, (name, row)
        assert says in row[column], (name, row[column])
        assert status in row["status"], (name, row["status"])
    progress = [ln for ln in run.stderr.splitlines() if ln.startswith("[")]
    assert len(progress) == len(EXPECTED) and progress[-1].startswith("[9/9] ")
    assert set(r["sandbox"] for r in rows.values()) == {"bwrap"}
    again = run_assign("grade", str(folder), "--out", str(out))
    assert again.returncode == 2 and "--force" in again.stderr
