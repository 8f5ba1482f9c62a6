"""The program that runs one submission's cells, inside its sandbox.

``python -I -m optimizers.teaching.assign.runner JOB_DIR [--uid UID] [--processes N]``

It reads ``JOB_DIR/job.json`` (the steps: cells to run, in order, and the exercises to
evaluate) and ``JOB_DIR/cases-<k>.npz`` (each exercise's inputs, as data) *before* any of
the student's code runs, then runs the cells in one IPython shell (what a Jupyter kernel
runs, without its network sockets). At an exercise's step it calls the student's
function on the inputs and sends the outputs back as data; it never judges. Everything
it reports goes to its standard output as JSON lines; the student's own printing goes to
the standard error. The grader (:mod:`optimizers.teaching.assign.grading`) reads both,
caps them, and judges in its own process: whatever the student's code does here,
including to this program, can change only the outputs it sends.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import resource
import signal
import sys
import time
from pathlib import Path
from types import FrameType
from typing import IO, Any


class StepTimedOut(BaseException):
    """Raised in a cell that runs past its time limit (like a kernel interrupt)."""


_STARTED = time.monotonic()


def _send(channel: IO[str], message: dict[str, Any]) -> None:
    message["t"] = round(time.monotonic() - _STARTED, 3)  # seconds since the runner started
    channel.write(json.dumps(message) + "\n")
    channel.flush()


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise StepTimedOut


def _core_files() -> set[str]:
    """The source files of the package's core (rules, averages, schedules ...)."""
    import optimizers

    folder = Path(optimizers.__file__).parent
    return {str(p) for p in folder.glob("*.py")}


def _evaluate(step: dict[str, Any], cases: Any, namespace: dict[str, Any]) -> dict[str, Any]:
    """Call the student's function on the cases; the outputs as base64 ``.npz`` data."""
    from optimizers.teaching.checks.engine import REGISTRY, dump

    check = REGISTRY[step["check"]]
    try:
        fn = eval(compile(step["function"], "<check>", "eval"), namespace)
    except Exception as error:
        return {"status": "missing", "error": type(error).__name__, "message": str(error)}
    uses, core, called = set(check.uses), _core_files(), set()

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        code = frame.f_code
        if event == "call" and code.co_filename in core:
            if code.co_qualname.split(".")[0] in uses:
                called.add(code.co_qualname.split(".")[0])

    sys.setprofile(profile)
    try:
        results = check.evaluate(fn, cases)
    finally:
        sys.setprofile(None)
    data = base64.b64encode(dump(results, builds=False)).decode("ascii")
    return {"status": "ok", "results": data, "called": sorted(called)}


def main(argv: list[str] | None = None) -> int:
    """Run the job; the exit status is 0 when every step was reached."""
    parser = argparse.ArgumentParser(prog="runner")
    parser.add_argument("job", type=Path)
    parser.add_argument("--uid", type=int, help="switch to this user id before any cell runs")
    parser.add_argument("--processes", type=int, help="limit on processes (and threads)")
    args = parser.parse_args(argv)

    # the protocol keeps the original standard output; the student's printing goes to stderr
    channel = os.fdopen(os.dup(1), "w", encoding="utf8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    job = json.loads((args.job / "job.json").read_text(encoding="utf8"))
    from optimizers.teaching.checks.engine import load

    cases = {
        str(k): load((args.job / f"cases-{k}.npz").read_bytes(), builds=True)
        for k, step in enumerate(job["steps"])
        if step["kind"] == "evaluate"
    }
    if args.processes:
        resource.setrlimit(resource.RLIMIT_NPROC, (args.processes, args.processes))
    if args.uid is not None:
        os.setgroups([])
        os.setresgid(args.uid, args.uid, args.uid)
        os.setresuid(args.uid, args.uid, args.uid)
    os.chdir(job.get("cwd", "."))

    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False
    shell = InteractiveShell.instance(config=config, colors="NoColor")
    namespace = shell.user_ns
    timeout = float(job["timeout"])
    signal.signal(signal.SIGALRM, _on_alarm)
    _send(channel, {"event": "ready"})

    for index, step in enumerate(job["steps"]):
        _send(channel, {"event": "begin", "step": index})
        report: dict[str, Any] = {"event": "end", "step": index}
        signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            if step["kind"] == "cell":
                result = shell.run_cell(step["source"], store_history=False, silent=False)
                error = result.error_before_exec or result.error_in_exec
                if isinstance(error, StepTimedOut):
                    report["status"] = "timeout"
                elif error is not None:
                    report.update(status="error", error=type(error).__name__, message=str(error))
                else:
                    report["status"] = "ok"
            else:
                report.update(_evaluate(step, cases[str(index)], namespace))
        except StepTimedOut:
            report["status"] = "timeout"
        except Exception as error:  # the runner itself failed (the student's code broke it?)
            report.update(status="broken", error=type(error).__name__, message=str(error))
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        _send(channel, report)
    _send(channel, {"event": "done"})
    channel.close()
    sys.stderr.flush()
    os._exit(0)  # skip interpreter shutdown: atexit hooks the student registered do not run


if __name__ == "__main__":
    sys.exit(main())
