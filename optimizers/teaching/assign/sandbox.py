"""Run one submission's :mod:`~optimizers.teaching.assign.runner` in a bubblewrap sandbox.

The sandbox (``bwrap``, Debian's ``bubblewrap``; no daemon, no root needed):

* **no network**: its own network namespace, with only its own loopback
  (``--unshare-net``); also its own process, IPC and host-name namespaces;
* **read-only system and package**: ``/usr``, ``/etc`` and the library folders, the
  Python installation and its ``site-packages``, and the ``optimizers`` package folder,
  bound read-only at their own paths; nothing else of the machine is visible (not the
  book's ``chapters/`` with their solutions, not the other submissions, not the grades
  file, not your home directory);
* **a private writable folder**: ``/tmp`` is a fresh ``tmpfs`` of limited size (the
  working directory and ``$HOME``); the job (the cells and the exercises' inputs) is
  bound read-only at ``/job``;
* **limits**: address space (memory, default 2 GiB), CPU time, file size, open files,
  processes and threads (counted per sandbox), output size (the grader stops reading and
  kills the sandbox past it), and a time limit per step (the grader kills the sandbox);
* killing it kills everything in it (``--die-with-parent``, a PID namespace).

The process count: ``RLIMIT_NPROC`` counts the processes of a user id. Run by an ordinary
user, bwrap makes a user namespace and the runner sets the limit inside it, where it
counts that sandbox only. Run as root (no user namespace is needed), the runner switches
to a user id of its own per concurrent sandbox (``--uid``) after setting the limit, since
the kernel does not limit root.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import site
import subprocess
import sys
import sysconfig
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

GiB, MiB = 1 << 30, 1 << 20

SYSTEM = ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32")
ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "MPLBACKEND": "Agg",
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
}


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or cannot make a sandbox here; the message says why and how."""


@dataclass(frozen=True)
class Limits:
    """What one submission may use."""

    memory: int = 2 * GiB  # address space of each process, bytes
    output: int = 8 * MiB  # what the student's code prints, bytes
    disk: int = 256 * MiB  # the private /tmp, bytes (and the largest file)
    processes: int = 64  # processes and threads
    open_files: int = 256
    timeout: float = 30.0  # seconds per step (a cell, or one exercise's evaluation)
    startup: float = 60.0  # seconds to start Python and import the package


@dataclass
class Run:
    """What came back from one runner: its messages and how it ended."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    killed: str | None = None  # why the grader stopped it (None: it ended by itself)
    last_step: int = -1  # the last step the runner said it began
    returncode: int | None = None
    output_bytes: int = 0  # the student's printing
    seconds: float = 0.0


def _mounts() -> list[Path]:
    """The folders the runner needs to read: the system, Python, the package."""
    import optimizers

    paths = [Path(p) for p in SYSTEM]
    for prefix in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix):
        paths += [Path(prefix), Path(prefix).resolve()]
    paths.append(Path(sys.executable).resolve().parent)
    scheme = sysconfig.get_paths()
    paths += [Path(scheme[k]) for k in ("stdlib", "platstdlib", "purelib", "platlib")]
    paths += [Path(folder) for folder in site.getsitepackages()]
    paths.append(Path(optimizers.__file__).resolve().parent)
    unique: list[Path] = sorted(
        {p for p in paths if p.exists() or p.is_symlink()}, key=lambda p: len(p.parts)
    )
    kept: list[Path] = []
    for path in unique:
        if not any(path.is_relative_to(k) for k in kept if not k.is_symlink()):
            kept.append(path)
    return kept


def bwrap_command(job: Path, uid: int | None, limits: Limits) -> list[str]:
    """The ``bwrap`` command line that runs the runner on ``job`` (a folder of the grader)."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise SandboxUnavailable(_HOW)
    args = [bwrap, "--die-with-parent", "--new-session", "--clearenv"]
    args += ["--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts"]
    args += ["--unshare-cgroup-try", "--hostname", "sandbox"]
    # the private, writable folders first: a checkout or a virtual environment under /tmp
    # is then bound read-only on top of the fresh /tmp below, instead of being hidden by it
    args += ["--dev", "/dev", "--proc", "/proc"]
    for private in ("/tmp", "/dev/shm"):
        args += ["--perms", "1777", "--size", str(limits.disk), "--tmpfs", private]
    mounts = _mounts()
    made: set[Path] = {Path("/tmp"), Path("/dev"), Path("/dev/shm")}  # there already
    for p in mounts:
        for parent in reversed(p.parents):
            if parent != Path("/") and parent not in made and parent not in mounts:
                args += ["--perms", "0755", "--dir", str(parent)]
                made.add(parent)
        if p.is_symlink():
            args += ["--symlink", os.readlink(p), str(p)]
        else:
            args += ["--ro-bind", str(p), str(p)]
    args += ["--ro-bind", str(job), "/job", "--chdir", "/tmp"]
    for key, value in {**ENV, "HOME": "/tmp", "MPLCONFIGDIR": "/tmp/.matplotlib"}.items():
        args += ["--setenv", key, value]
    args += ["--setenv", "IPYTHONDIR", "/tmp/.ipython"]
    if uid is not None:  # root: the runner needs these two to switch to its own user id
        args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    args += ["--setenv", "PYTHONPATH", str(_package_parent())]
    args += [*_python(), "/job"]
    args += ["--processes", str(limits.processes)]
    if uid is not None:
        args += ["--uid", str(uid)]
    return args


def plain_command(job: Path) -> list[str]:
    """The runner without a sandbox (``--no-sandbox``): only the resource limits apply."""
    return [*_python(), str(job)]


def _package_parent() -> Path:
    """The folder that holds the ``optimizers`` package (on the runner's ``sys.path``)."""
    import optimizers

    return Path(optimizers.__file__).resolve().parent.parent


def _python() -> list[str]:
    # -s: no user site-packages; -P: the working folder is not on sys.path
    return [sys.executable, "-s", "-P", "-m", "optimizers.teaching.assign.runner"]


_HOW = (
    "grading runs each submission in a bubblewrap sandbox, and it cannot start here. "
    "Install bubblewrap (Debian/Ubuntu: `sudo apt-get install bubblewrap`; Fedora: "
    "`sudo dnf install bubblewrap`) and allow unprivileged user namespaces (Debian: "
    "`sudo sysctl kernel.unprivileged_userns_clone=1`; Ubuntu 24.04: "
    "`sudo sysctl kernel.apparmor_restrict_unprivileged_userns=0`, or an AppArmor profile "
    "for bwrap; in a container: run it with user namespaces allowed), or run the grader as "
    "root in a throw-away virtual machine. To grade without a sandbox, only code you "
    "trust, pass --no-sandbox."
)


def sandbox_uid(slot: int) -> int | None:
    """The user id the runner switches to (root only; None for an ordinary user)."""
    if os.geteuid() != 0:
        return None
    return 1_000_000 + (os.getpid() % 1_000_000) * 64 + slot % 64


_WORKS: set[tuple[str, int, int]] = set()  # the bwrap and limits a probe succeeded with


def probe(limits: Limits | None = None) -> None:
    """Start an empty sandbox; raise :class:`SandboxUnavailable` with the reason if it fails."""
    limits = limits or Limits()
    import tempfile

    key = (str(shutil.which("bwrap")), limits.memory, limits.disk)
    if key in _WORKS:
        return

    with tempfile.TemporaryDirectory(prefix="grade-probe-") as job:
        os.chmod(job, 0o755)
        command = bwrap_command(Path(job), sandbox_uid(0), limits)
        end = command.index(sys.executable)
        try:
            run = subprocess.run(
                [*command[:end], sys.executable, "-s", "-P", "-c", "import optimizers"],
                capture_output=True,
                text=True,
                timeout=120,
                preexec_fn=_limit(limits, 120),
            )
        except (OSError, subprocess.SubprocessError) as error:
            raise SandboxUnavailable(f"{_HOW}\n(bwrap: {error})") from error
    if run.returncode != 0:
        reason = " ".join(run.stderr.split())[-500:] or f"exit status {run.returncode}"
        raise SandboxUnavailable(f"{_HOW}\n(bwrap said: {reason})")
    _WORKS.add(key)


def _limit(limits: Limits, cpu_seconds: float) -> Callable[[], None]:
    def apply() -> None:  # in the child, before exec
        os.umask(0o022)
        for name, soft, hard in (
            (resource.RLIMIT_AS, limits.memory, limits.memory),
            (resource.RLIMIT_FSIZE, limits.disk, limits.disk),
            (resource.RLIMIT_NOFILE, limits.open_files, limits.open_files),
            (resource.RLIMIT_CORE, 0, 0),
            (resource.RLIMIT_CPU, int(cpu_seconds), int(cpu_seconds) + 5),
        ):
            resource.setrlimit(name, (soft, hard))

    return apply


def _drain(
    stream: IO[bytes], cap: int, sink: Callable[[bytes], None], over: threading.Event
) -> None:
    total = 0
    while chunk := stream.read1(65536):  # type: ignore[attr-defined]
        total += len(chunk)
        if total > cap:
            over.set()
            continue  # keep reading (and dropping) until the process is killed
        sink(chunk)


def run_job(
    command: list[str], limits: Limits, steps: int, env: dict[str, str] | None = None
) -> Run:
    """Run ``command`` (a runner), read its messages, kill it when a step runs too long.

    The deadline of each step is its time limit plus a grace second after the runner
    says it began (the runner's own alarm normally stops the step first); the output of
    the student's code is capped at ``limits.output`` bytes.
    """
    started = time.monotonic()
    result = Run()
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=_limit(limits, limits.startup + steps * (limits.timeout + 1)),
        env=env,
    )
    assert process.stdout is not None and process.stderr is not None
    lines: list[bytes] = []
    buffer = bytearray()
    lock = threading.Condition()
    printed = [0]
    too_much_output, too_many_messages = threading.Event(), threading.Event()

    def on_message(chunk: bytes) -> None:
        with lock:
            buffer.extend(chunk)
            if b"\n" in chunk:
                *complete, rest = bytes(buffer).split(b"\n")
                buffer[:] = rest
                lines.extend(complete)
                lock.notify_all()

    def on_output(chunk: bytes) -> None:
        printed[0] += len(chunk)

    readers = [
        threading.Thread(
            target=_drain,
            args=(process.stdout, 64 * MiB, on_message, too_many_messages),
            daemon=True,
        ),
        threading.Thread(
            target=_drain,
            args=(process.stderr, limits.output, on_output, too_much_output),
            daemon=True,
        ),
    ]
    for reader in readers:
        reader.start()
    deadline = started + limits.startup
    last_step = -1
    while True:
        with lock:
            new, lines[:] = list(lines), []
        for line in new:
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if not isinstance(message, dict):
                continue
            if message.get("event") == "begin":
                step = message.get("step")
                if not isinstance(step, int) or step <= last_step or step >= steps:
                    continue  # not the runner's (a student's print on the channel?)
                last_step = step
                deadline = time.monotonic() + limits.timeout + 1.0
            result.messages.append(message)
        if too_much_output.is_set():
            result.killed = f"it printed more than {limits.output / MiB:g} MiB"
        elif too_many_messages.is_set():
            result.killed = "it sent more than 64 MiB of results"
        elif time.monotonic() > deadline:
            late = f"ran past its time limit ({limits.timeout:g} s) and was stopped"
            result.killed = "it did not start" if last_step < 0 else late
        if result.killed:
            _kill(process)
            break
        if process.poll() is not None and not any(r.is_alive() for r in readers):
            with lock:
                if not lines:
                    break
            continue
        with lock:
            if not lines:
                lock.wait(0.05)
    process.wait()
    for reader in readers:
        reader.join(timeout=5)
    process.stdout.close()
    process.stderr.close()
    with lock:
        for line in lines:  # the last ones, after the process ended
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if isinstance(message, dict):
                result.messages.append(message)
    result.returncode = process.returncode
    result.last_step = last_step
    result.output_bytes = printed[0]
    result.seconds = time.monotonic() - started
    return result


def _kill(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
