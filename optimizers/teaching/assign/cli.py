"""The command line ``python -m optimizers.assign``: student, solutions, grade, merge."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .grading import (
    collect_submissions,
    grade_all,
    infer_assignment,
    merge_grades,
    shard,
    tasks_of,
    write_grades,
)
from .notebooks import FormatError, UsageError, load_chapter, write_notebooks
from .sandbox import GiB, Limits, MiB, SandboxUnavailable, probe


def chapters_folder(given: Path | None) -> Path:
    """``--chapters``, or ``./chapters`` of the current folder; UsageError if there is none."""
    folder = given if given is not None else Path.cwd() / "chapters"
    if not folder.is_dir():
        if given is None:
            raise UsageError(
                f"no chapters folder here ({folder}): run this from the book's repository, "
                "or pass --chapters DIR, the folder of the chapter notebooks"
            )
        raise UsageError(f"--chapters {folder} is not a folder")
    return folder


def _shard(text: str) -> tuple[int, int]:
    try:
        k, n = (int(x) for x in text.split("/"))
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r}: write K/N, for example 2/8") from error
    if n < 1 or not 1 <= k <= n:
        raise argparse.ArgumentTypeError(f"{text!r}: K must be between 1 and N")
    return k, n


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m optimizers.assign",
        description="Student and solution notebooks from the book's chapters, and grading.",
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--chapters",
        type=Path,
        default=None,
        help="folder of the chapter notebooks (default: ./chapters)",
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
    text = "run and grade submissions, each in a sandbox, and write a CSV"
    p = sub.add_parser("grade", help=text, description=text, parents=[common])
    p.add_argument("submissions", nargs="+", metavar="SUBMISSION", help=".ipynb files or folders")
    p.add_argument("--out", type=Path, required=True, help="the CSV file to write")
    p.add_argument("--assignment", help="the chapter graded (default: the submissions' stamp)")
    p.add_argument("--jobs", type=int, default=1, help="submissions graded at once (default 1)")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds per cell (default 30)")
    p.add_argument("--all-cells", action="store_true", help="also run the chapter's own cells")
    p.add_argument("--force", action="store_true", help="overwrite an existing CSV")
    p.add_argument(
        "--shard", type=_shard, metavar="K/N", help="grade only the K-th of N slices (by file name)"
    )
    p.add_argument(
        "--no-sandbox",
        action="store_true",
        help="run the submissions without bubblewrap (only code you trust)",
    )
    p.add_argument("--memory", type=float, default=2.0, help="GiB per submission (default 2)")
    p.add_argument("--max-output", type=float, default=8.0, help="MiB of printing (default 8)")
    p.add_argument("--processes", type=int, default=64, help="processes and threads (default 64)")
    text = "join the CSV files of `grade --shard K/N` runs into one"
    p = sub.add_parser("merge", help=text, description=text)
    p.add_argument("parts", nargs="+", type=Path, metavar="CSV", help="the partial grade files")
    p.add_argument("--out", type=Path, required=True, help="the CSV file to write")
    p.add_argument("--force", action="store_true", help="overwrite an existing CSV")
    return parser


def _output_file(out: Path, force: bool) -> Path:
    out = out.expanduser().resolve()
    if not out.parent.is_dir():
        raise UsageError(f"--out {out}: its folder {out.parent} does not exist")
    if out.exists() and not force:
        raise UsageError(f"--out {out} exists; pass --force to overwrite")
    return out


def main(argv: list[str] | None = None) -> int:
    """The command line ``python -m optimizers.assign``; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "merge":
            out = _output_file(args.out, args.force)
            n = merge_grades(args.parts, out)
            print(f"merged {len(args.parts)} file(s), {n} submission(s): {out}", file=sys.stderr)
            return 0
        chapters = chapters_folder(args.chapters)
        if args.command in ("student", "solutions"):
            written = write_notebooks(args.command, args.chapters_, args.out, chapters, args.force)
            for path in written:
                print(f"wrote {path}")
            return 0
        if args.jobs < 1:
            raise UsageError("--jobs must be at least 1")
        if args.timeout <= 0:
            raise UsageError("--timeout must be positive")
        if args.memory <= 0 or args.max_output <= 0 or args.processes < 8:
            raise UsageError("--memory and --max-output must be positive, --processes >= 8")
        out = _output_file(args.out, args.force)
        paths = collect_submissions(args.submissions)
        assignment = args.assignment or infer_assignment(paths)  # the same for every shard
        if args.shard:
            paths = shard(paths, *args.shard)
        tasks = tasks_of(load_chapter(assignment, chapters).exercises)
        if not tasks:
            raise UsageError(f"chapter {assignment!r} has no checked exercises to grade")
        limits = Limits(
            memory=int(args.memory * GiB),
            output=int(args.max_output * MiB),
            processes=args.processes,
            timeout=args.timeout,
        )
        if not args.no_sandbox:
            probe(limits)
        started = time.monotonic()
        grades = grade_all(
            paths, assignment, tasks, args.jobs, limits, args.all_cells, not args.no_sandbox
        )
        write_grades(grades, tasks, out)
        print(
            f"graded {len(grades)} submission(s) in {time.monotonic() - started:.1f} s: {out}",
            file=sys.stderr,
        )
        return 0
    except (UsageError, FormatError, SandboxUnavailable) as error:
        parser.error(str(error))
    return 2  # not reached: parser.error exits
