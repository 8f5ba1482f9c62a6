"""What test_assign.py and test_grading.py share: the command line run in this process,
and the body of a correct ``adam_step`` answer."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
from pathlib import Path

from optimizers.teaching import assign

ROOT = Path(__file__).resolve().parents[2]

# the body of the answer cell's ``adam_step``, right (the tests derive mistakes from it)
CORRECT_ADAM_STEP = """\
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
"""


def run_assign(
    *args: str, cwd: Path = ROOT, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m optimizers.assign ARGS`` in this process (no interpreter start, no imports).

    Runs from ``cwd`` with ``env`` added to the environment; both are restored after.
    """
    out, err = io.StringIO(), io.StringIO()
    before, saved = Path.cwd(), dict(os.environ)
    os.chdir(cwd)
    os.environ.update(env or {})
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = assign.main(list(args))
            except SystemExit as stop:
                code = int(stop.code or 0)
    finally:
        os.chdir(before)
        os.environ.clear()
        os.environ.update(saved)
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())
