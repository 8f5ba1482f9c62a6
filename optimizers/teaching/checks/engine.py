r"""The engine of the exercise checks: cases, reference, named mistakes, judging, messages.

An exercise check is three steps, and only the middle one runs the student's code:

1. **make the cases** (:meth:`ExerciseCheck.make_cases`): plain inputs *as data* (numbers,
   strings, numpy arrays, tuples and lists of them, and :class:`Build` recipes for the few
   inputs that are objects: a gradient function, a rule factory, a landscape, a random
   generator);
2. **evaluate** the student's function on them (:meth:`ExerciseCheck.evaluate`): each
   case's output comes back as data (a :class:`Result`: the value, or the exception it
   raised, or the input it modified in place);
3. **judge** (:meth:`ExerciseCheck.judge`): compare with the reference, try the named
   mistakes on the same inputs, write the message (a :class:`Verdict`).

In a chapter, ``opt.checks.check_adam_step(adam_step)`` does the three in the student's
process: it prints ``✓ adam_step is correct on all 4 test cases.`` or raises
:class:`CheckFailed` with the message. The grader (:mod:`optimizers.teaching.assign`) does
steps 1 and 3 in its own process and only step 2 in the submission's sandbox, with the
cases and results sent as JSON + ``.npz`` (:func:`dump` and :func:`load`, never pickle),
so nothing the student's code does can change a verdict, only its own outputs.

How to add an exercise check to a chapter
-----------------------------------------

Add it to the chapter's module (``checks/adam.py`` for ``chapters/adam.ipynb``; a new
chapter gets a new module beside them, which is picked up too). Declare it ONCE with
:func:`exercise`; nothing else needs editing: ``opt.checks.check_NAME`` and the
registry (``CHECKS``, ``MISTAKES``, ``REFERENCES``), the grader and the tests (the
reference must pass, each named mistake must be named) all read it from there::

    import numpy as np
    from .engine import SHAPES, exercise, mistake, rng

    def _cases():  # plain data only: seeded, several shapes and settings
        r = rng()
        return [(r.normal(size=s), r.normal(size=s), lr)
                for s, lr in zip(SHAPES, (0.1, 0.5, 0.01, 0.3))]

    HALF_STEP = exercise(
        "half_step",  # the student's function; the check is opt.checks.check_half_step
        params=("theta", "grad", "lr"),  # its parameters, in order
        outputs=(),  # () for one returned value, else the names: ("theta", "v")
        doc="``half_step(theta, grad, lr) -> theta``: θ − ηg/2",
        reference=lambda theta, grad, lr: theta - lr * grad / 2,  # or the package's rule
        cases=_cases,
        mistakes=(
            mistake("full_step", "it takes the whole step θ − ηg; halve it.",
                    lambda theta, grad, lr: theta - lr * grad),
        ),
        uses=("SGD",),  # package names an answer must not just call (flagged when graded)
    )

Then in the notebook the check cell is ``opt.checks.check_half_step(half_step)``.
Rules: each mistake's message must not contain another's, and each variant (a wrong
function with the student's signature) must agree with the student's wrong answer on
every case and differ from the reference on at least one. A string-valued exercise
passes ``kind="str", choices=(...)``. Inputs that are objects are :class:`Build` recipes
(``Build("numpy.random:default_rng", (0,), text="np.random.default_rng(0)")``) made
anew for every call. An exercise that must call the function in a special way (several
calls sharing one generator, say) passes ``call=f(fn, args, case)`` (runs where the
student's function runs; returns what to send back, as data) and
``judge=g(check, cases, results)`` (runs in the grader; returns the failure message, or
None when right); see ``sgd.py``. Never let ``judge`` trust the results' structure:
they come from the student's side.
"""

from __future__ import annotations

import ast
import importlib
import io
import json
import sys
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "ATOL",
    "REGISTRY",
    "RTOL",
    "SHAPES",
    "Build",
    "CheckFailed",
    "ExerciseCheck",
    "Mistake",
    "Opaque",
    "Result",
    "RuleFactory",
    "Verdict",
    "calls_the_package",
    "dump",
    "exercise",
    "load",
    "materialise",
    "mistake",
    "rng",
    "to_data",
]

RTOL, ATOL = 1e-6, 1e-10  # how close counts as equal (the order of float operations varies)
SHAPES: tuple[tuple[int, ...], ...] = ((1,), (3,), (2, 4), (3, 2, 2))


def rng() -> np.random.Generator:
    """The checks' random generator (the same seed everywhere: the cases are fixed)."""
    return np.random.default_rng(20240917)


class CheckFailed(AssertionError):
    """The student's function is not right yet; the message says what to change."""


@dataclass(frozen=True)
class Mistake:
    """A common mistake: its name, what to tell the student, and the wrong function(s).

    Each variant has the signature of the student's function and computes what a
    function with this mistake computes.
    """

    name: str
    message: str
    variants: tuple[Callable[..., Any], ...]


def mistake(name: str, message: str, *variants: Callable[..., Any]) -> Mistake:
    """A named mistake with its message and one or more wrong functions."""
    return Mistake(name, message, variants)


# ------------------------------------------------------------------- inputs as data


@dataclass(frozen=True)
class Build:
    """An input that is an object, as data: ``target(*args, **kwargs)``, shown as ``text``.

    ``target`` is ``"module:name"`` in ``optimizers`` or ``numpy``; the object is made in the
    process that calls the function (the grader's, or the submission's), anew per call.
    """

    target: str
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()
    text: str = ""

    def __repr__(self) -> str:
        return self.text or f"<{self.target}>"


@dataclass(frozen=True)
class Opaque:
    """A returned value that is not data (an object of type ``type_name``)."""

    type_name: str


class RuleFactory:
    """A function lr -> update rule (``opt.<rule>(lr, **kwargs)``), shown as its source."""

    def __init__(self, rule: str, text: str, **kwargs: Any) -> None:
        self.rule, self.text, self.kwargs = rule, text, kwargs

    def __call__(self, lr: float) -> Any:
        import optimizers

        return getattr(optimizers, self.rule)(lr, **self.kwargs)

    def __repr__(self) -> str:
        return self.text


_BUILD_MODULES = ("optimizers", "numpy")


def materialise(value: Any) -> Any:
    """The value with every :class:`Build` made into its object (arrays copied)."""
    if isinstance(value, Build):
        module, _, name = value.target.partition(":")
        if module.split(".")[0] not in _BUILD_MODULES:
            raise ValueError(f"cannot build {value.target!r}: not in {_BUILD_MODULES}")
        target: Any = importlib.import_module(module)
        for part in name.split("."):
            target = getattr(target, part)
        args = [materialise(a) for a in value.args]
        return target(*args, **{k: materialise(v) for k, v in value.kwargs})
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, tuple):
        return tuple(materialise(v) for v in value)
    if isinstance(value, list):
        return [materialise(v) for v in value]
    return value


_MAX_DEPTH, _MAX_ITEMS = 6, 100_000


def to_data(value: Any, depth: int = 0) -> Any:
    """A returned value as plain data: None, bool, int, float, str, arrays, tuples, lists.

    Anything else becomes :class:`Opaque` (its type name); numpy scalars become 0-d arrays.
    """
    if value is None:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, np.generic | np.ndarray):
        array = np.array(value)
        if array.dtype.kind not in "biufcU" or array.size > 10_000_000:
            return Opaque(f"array of dtype {array.dtype}")
        return array
    if isinstance(value, tuple | list) and depth < _MAX_DEPTH and len(value) <= _MAX_ITEMS:
        items = [to_data(v, depth + 1) for v in value]
        return tuple(items) if isinstance(value, tuple) else items
    return Opaque(type(value).__name__)


# -------------------------------------------------- transport: JSON + npz, no pickle


def _encode(value: Any, arrays: dict[str, np.ndarray], builds: bool) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, np.ndarray):
        key = f"a{len(arrays)}"
        arrays[key] = value
        return {"$a": key}
    if isinstance(value, tuple):
        return {"$t": [_encode(v, arrays, builds) for v in value]}
    if isinstance(value, list):
        return [_encode(v, arrays, builds) for v in value]
    if isinstance(value, Opaque):
        return {"$o": value.type_name}
    if isinstance(value, Build) and builds:
        return {
            "$b": value.target,
            "args": [_encode(v, arrays, builds) for v in value.args],
            "kwargs": [[k, _encode(v, arrays, builds)] for k, v in value.kwargs],
            "text": value.text,
        }
    if isinstance(value, Result):
        return {
            "$r": value.kind,
            "value": _encode(value.value, arrays, builds),
            "error": value.error,
            "message": value.message,
        }
    raise TypeError(f"cannot send {type(value).__name__} as data")


def _decode(value: Any, arrays: Any, builds: bool, depth: int = 0) -> Any:
    if depth > 2 * _MAX_DEPTH + 4:
        raise ValueError("data nested too deeply")
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list):
        if len(value) > _MAX_ITEMS:
            raise ValueError("too many items")
        return [_decode(v, arrays, builds, depth + 1) for v in value]
    if not isinstance(value, dict):
        raise ValueError(f"unexpected {type(value).__name__} in the data")
    if set(value) == {"$a"}:
        array = arrays[str(value["$a"])]
        if array.dtype.kind not in "biufcU":
            raise ValueError(f"array of dtype {array.dtype}")
        return np.array(array)
    if set(value) == {"$t"} and isinstance(value["$t"], list):
        return tuple(_decode(v, arrays, builds, depth + 1) for v in value["$t"])
    if set(value) == {"$o"}:
        return Opaque(str(value["$o"]))
    if "$b" in value and builds:
        return Build(
            str(value["$b"]),
            tuple(_decode(v, arrays, builds, depth + 1) for v in value["args"]),
            tuple((str(k), _decode(v, arrays, builds, depth + 1)) for k, v in value["kwargs"]),
            str(value["text"]),
        )
    if "$r" in value:
        return Result(
            str(value["$r"]),
            _decode(value.get("value"), arrays, builds, depth + 1),
            str(value.get("error", "")),
            str(value.get("message", ""))[:2000],
        )
    raise ValueError("unexpected object in the data")


def dump(value: Any, *, builds: bool = True) -> bytes:
    """``value`` (data, :class:`Build`, :class:`Result`) as one ``.npz`` file's bytes.

    The structure is JSON (the array ``__json__``), the arrays are the other entries;
    read it with :func:`load`, which never unpickles.
    """
    arrays: dict[str, np.ndarray] = {}
    tree = _encode(value, arrays, builds)
    arrays["__json__"] = np.array(json.dumps(tree))
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)  # type: ignore[arg-type]
    return buffer.getvalue()


def load(data: bytes, *, builds: bool = False) -> Any:
    """Read what :func:`dump` wrote (``builds=False``: refuse :class:`Build` recipes)."""
    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files}
    tree = json.loads(str(arrays.pop("__json__")))
    return _decode(tree, arrays, builds)


# ------------------------------------------------------------- results and verdicts


@dataclass(frozen=True)
class Result:
    """What one call of the student's function gave, as data.

    ``kind`` is ``"ok"`` (``value`` holds the output), ``"raised"`` (``error`` is the
    exception's type, ``message`` its text), ``"not_implemented"`` or ``"modified"``
    (``message`` names the input changed in place).
    """

    kind: str
    value: Any = None
    error: str = ""
    message: str = ""


@dataclass(frozen=True)
class Verdict:
    """The judgement of one exercise: passed or not, the message, the mistake named."""

    passed: bool
    message: str
    mistake: str | None = None
    not_attempted: bool = False


def _quietly(fn: Callable[..., Any], args: Sequence[Any]) -> Any:
    """Call with numpy's floating-point warnings silenced (NaN is judged afterwards)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return fn(*args)


def _describe(value: Any) -> str:
    if isinstance(value, np.ndarray):
        if value.size <= 4:
            return np.array2string(value, precision=4, separator=", ")
        return f"<array of shape {value.shape}>"
    return repr(value)


def call_text(name: str, params: Sequence[str], args: Sequence[Any]) -> str:
    """``name(p=value, ...)`` for the messages (small arrays in full, others by shape)."""
    return (
        f"{name}("
        + ", ".join(f"{p}={_describe(a)}" for p, a in zip(params, args, strict=False))
        + ")"
    )


def _plain_call(fn: Callable[..., Any], args: list[Any], case: tuple[Any, ...]) -> Any:
    """Call the student's function on one case's arguments (the default protocol)."""
    return fn(*args)


# ------------------------------------------------------------------ the exercises


@dataclass(frozen=True)
class ExerciseCheck:
    """One exercise's check: see the module's docstring.

    Made by :func:`~optimizers.teaching.checks.engine.exercise`.
    """

    name: str
    params: tuple[str, ...]
    outputs: tuple[str, ...]
    doc: str
    reference: Callable[..., Any]
    cases: Callable[[], list[tuple[Any, ...]]]
    mistakes: tuple[Mistake, ...]
    module: str
    kind: str = "array"
    choices: tuple[str, ...] = ()
    uses: tuple[str, ...] = ()
    call: Callable[[Callable[..., Any], list[Any], tuple[Any, ...]], Any] = _plain_call
    custom_judge: (
        Callable[[ExerciseCheck, list[tuple[Any, ...]], list[Result]], str | None] | None
    ) = None
    check: Callable[[Callable[..., Any]], None] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        def check(fn: Callable[..., Any]) -> None:
            self.run_check(fn)

        check.__name__ = check.__qualname__ = f"check_{self.name}"
        check.__module__ = "optimizers.teaching.checks"
        check.__doc__ = f"Check {self.doc}."
        object.__setattr__(self, "check", check)

    @property
    def chapter(self) -> str:
        """The chapter module's short name (``adam``, ``lr_decay`` ...)."""
        return self.module.rsplit(".", 1)[-1]

    # step 1 ------------------------------------------------------------------
    def make_cases(self) -> list[tuple[Any, ...]]:
        """The inputs, as data (made afresh: the same every time)."""
        return [tuple(case) for case in self.cases()]

    # step 2 (the student's process) -----------------------------------------
    def evaluate_one(
        self, fn: Callable[..., Any], case: tuple[Any, ...], local: bool = False
    ) -> Result:
        """Call ``fn`` on one case; ``local``: let NotImplementedError through."""
        args = [materialise(a) for a in case]
        given = [materialise(a) for a in case]
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                raw = self.call(fn, given, case)
            value = to_data(raw)
        except NotImplementedError as error:
            if local:
                raise
            return Result("not_implemented", error=type(error).__name__, message=str(error))
        except Exception as error:
            return Result("raised", error=type(error).__name__, message=str(error))
        for p, before, after in zip(self.params, args, given, strict=False):
            if isinstance(before, np.ndarray) and not (
                isinstance(after, np.ndarray)
                and after.shape == before.shape
                and np.array_equal(after, before, equal_nan=True)
            ):
                return Result("modified", message=p)
        return Result("ok", value)

    def evaluate(
        self, fn: Callable[..., Any], cases: list[tuple[Any, ...]], local: bool = False
    ) -> list[Result]:
        """Call ``fn`` on every case (stops after a NotImplementedError)."""
        results = []
        for case in cases:
            results.append(self.evaluate_one(fn, case, local))
            if results[-1].kind == "not_implemented":
                break
        return results

    # step 3 (the grader's process) -------------------------------------------
    def judge(self, cases: list[tuple[Any, ...]], results: list[Result]) -> Verdict:
        """The verdict on the results of the cases (the student's code does not run here)."""
        try:
            return self._judge(cases, results)
        except _NotAttempted as failure:
            return Verdict(False, f"not attempted (NotImplementedError: {failure})", None, True)
        except CheckFailed as failure:
            return Verdict(False, str(failure))

    def run_check(self, fn: Any) -> None:
        """The check cell: print a confirmation or raise :class:`CheckFailed`."""
        if not callable(fn):
            raise CheckFailed(f"expected the function {self.name}, got {type(fn).__name__}")
        cases = self.make_cases()
        verdict = self.judge(cases, self.evaluate(fn, cases, local=True))
        if not verdict.passed:
            raise CheckFailed(verdict.message)
        print(verdict.message)

    # ------------------------------------------------------------- judging
    def _call(self, case: tuple[Any, ...]) -> str:
        return call_text(self.name, self.params, case)

    def _expected(self, fn: Callable[..., Any], case: tuple[Any, ...]) -> tuple[Any, ...]:
        value = _quietly(fn, [materialise(a) for a in case])
        return tuple(value) if self.outputs else (value,)

    def _judge(self, cases: list[tuple[Any, ...]], results: list[Result]) -> Verdict:
        if len(results) < len(cases) and not (results and results[-1].kind == "not_implemented"):
            raise CheckFailed(f"{self.name}: only {len(results)} of {len(cases)} cases ran")
        for case, result in zip(cases, results, strict=False):
            self._raise_for_problem(case, result)
        if self.custom_judge is not None:
            problem = self.custom_judge(self, cases, results)
            if problem:
                raise CheckFailed(problem)
            return Verdict(True, f"✓ {self.name} is correct on all {len(cases)} test cases.")
        expected = [self._expected(self.reference, case) for case in cases]
        got = [
            self._normalize(r.value, e, self._call(c))
            for c, r, e in zip(cases, results, expected, strict=True)
        ]
        failing = [
            i for i, (g, e) in enumerate(zip(got, expected, strict=True)) if not _close(g, e)
        ]
        if not failing:
            return Verdict(True, f"✓ {self.name} is correct on all {len(cases)} test cases.")
        first = failing[0]
        call = self._call(cases[first])
        for named in self.mistakes:
            for variant in named.variants:
                if self._matches(variant, cases, got):
                    return Verdict(
                        False,
                        f"{self.name} is not right yet: {named.message}\n"
                        f"  seen when called as {call}",
                        named.name,
                    )
        if any(not isinstance(x, str) and not np.isfinite(x).all() for x in got[first]):
            return Verdict(
                False,
                f"{self.name} returned NaN or inf where the correct result is finite (a "
                f"square root of a negative number? a division by zero?).\n"
                f"  when called as {call}",
            )
        return Verdict(
            False,
            f"{self.name} is not right yet: {self._first_difference(got[first], expected[first])}"
            f".\n  when called as {call}\n"
            f"  ({len(failing)} of {len(cases)} test cases differ; compare your code with the "
            "equations line by line.)",
        )

    def _raise_for_problem(self, case: tuple[Any, ...], result: Result) -> None:
        if result.kind == "ok":
            return
        if result.kind == "not_implemented":
            raise _NotAttempted(result.message)
        if result.kind == "modified":
            p = result.message
            raise CheckFailed(
                f"{self.name} modified its input `{p}` in place. Return new arrays instead: "
                f"write `{p} = ... {p} ...` (a new array), not `{p} -= ...`, `{p} *= ...` "
                f"or `{p}[...] = ...`, which change the caller's array.\n"
                f"  when called as {self._call(case)}"
            )
        raise CheckFailed(
            f"{self.name} raised {result.error}: {result.message}\n"
            f"  when called as {self._call(case)}"
        )

    def _normalize(self, result: Any, expected: tuple[Any, ...], call: str) -> tuple[Any, ...]:
        """The student's result as a tuple of float arrays (or strings), checked for form."""
        n = max(len(self.outputs), 1)
        what = ", ".join(self.outputs) if self.outputs else "a value"
        if result is None:
            hint = f"return {what}" if self.outputs else "return the result"
            raise CheckFailed(
                f"{self.name} returned None: is the `return` line missing? It should {hint}.\n"
                f"  when called as {call}"
            )
        if self.outputs:
            if not isinstance(result, tuple | list) or len(result) != n:
                got = f"{len(result)} values" if isinstance(result, tuple | list) else "one value"
                raise CheckFailed(
                    f"{self.name} must return {n} values ({what}), in that order; it returned "
                    f"{got}.\n  when called as {call}"
                )
            values, names = tuple(result), self.outputs
        else:
            values, names = (result,), (self.name + "'s result",)
        out: list[Any] = []
        for value, ref, label in zip(values, expected, names, strict=False):
            if self.kind == "str":
                if value not in self.choices:
                    shown = repr(value) if isinstance(value, str) else _type_name(value)
                    raise CheckFailed(
                        f"{self.name} returned {shown}; it must return one of the strings "
                        + ", ".join(repr(c) for c in self.choices)
                        + f".\n  when called as {call}"
                    )
                out.append(value)
                continue
            try:
                if isinstance(value, Opaque):
                    raise TypeError(value.type_name)
                array = np.asarray(value, dtype=float)
            except (TypeError, ValueError) as error:
                raise CheckFailed(
                    f"{self.name} returned {_type_name(value)} for {label}, not numbers.\n"
                    f"  when called as {call}"
                ) from error
            if array.shape != np.shape(ref):
                raise CheckFailed(
                    f"{self.name} returned {label} with shape {array.shape}; expected shape "
                    f"{np.shape(ref)}.\n  when called as {call}"
                )
            out.append(array)
        return tuple(out)

    def _first_difference(self, got: tuple[Any, ...], expected: tuple[Any, ...]) -> str:
        names = self.outputs or (self.name + "'s result",)
        for name, x, y in zip(names, got, expected, strict=False):
            if isinstance(x, str):
                if x != y:
                    return f"it returned {x!r}; expected {y!r}"
                continue
            y = np.asarray(y, dtype=float)
            bad = ~np.isclose(x, y, RTOL, ATOL)
            if bad.any():
                index = tuple(int(i) for i in np.argwhere(bad)[0])
                where = f" at index {index}" if x.ndim else ""
                return (
                    f"{name} differs{where}: got {x[index]:.10g}, expected {y[index]:.10g} "
                    f"({int(bad.sum())} of {bad.size} entries differ)"
                )
        return "the results differ"

    def _matches(
        self, variant: Callable[..., Any], cases: list[tuple[Any, ...]], got: list[Any]
    ) -> bool:
        """Does the student's function agree with this wrong variant on every case?"""
        for case, value in zip(cases, got, strict=False):
            try:
                wrong = self._expected(variant, case)
            except Exception:
                return False
            if not _close(value, wrong, equal_nan=True):
                return False
        return True


class _NotAttempted(CheckFailed):
    pass


def _type_name(value: Any) -> str:
    return value.type_name if isinstance(value, Opaque) else type(value).__name__


def _close(a: tuple[Any, ...], b: tuple[Any, ...], equal_nan: bool = False) -> bool:
    for x, y in zip(a, b, strict=False):
        if isinstance(x, str) or isinstance(y, str):
            if x != y:
                return False
        elif not np.allclose(x, np.asarray(y, dtype=float), RTOL, ATOL, equal_nan=equal_nan):
            return False
    return True


REGISTRY: dict[str, ExerciseCheck] = {}
"""Every exercise check, by the name of the student's function, in declaration order."""


def exercise(
    name: str,
    *,
    params: tuple[str, ...],
    doc: str,
    reference: Callable[..., Any],
    cases: Callable[[], list[tuple[Any, ...]]],
    mistakes: tuple[Mistake, ...],
    outputs: tuple[str, ...] = (),
    kind: str = "array",
    choices: tuple[str, ...] = (),
    uses: tuple[str, ...] = (),
    call: Callable[[Callable[..., Any], list[Any], tuple[Any, ...]], Any] | None = None,
    judge: Callable[[ExerciseCheck, list[tuple[Any, ...]], list[Result]], str | None] | None = None,
) -> ExerciseCheck:
    """Declare an exercise check and register it (see the module docstring).

    ``name`` is the student's function; ``params`` its parameters; ``outputs`` the names
    of its returned values (``()`` for one value); ``doc`` its signature and meaning;
    ``reference`` a right function with the same signature; ``cases`` makes the inputs
    (data); ``mistakes`` the named wrong answers; ``kind`` ``"array"`` (floats of the
    reference's shape) or ``"str"`` (one of ``choices``); ``uses`` the names in the
    package that compute the answer (an answer that calls one is flagged by the grader);
    ``call``/``judge`` replace the plain call ``fn(*args)`` and the comparison with the
    reference for exercises that need it.
    """
    if name in REGISTRY:
        raise ValueError(f"the exercise {name!r} is declared twice")
    module = sys._getframe(1).f_globals.get("__name__", "?")
    names = [m.name for m in mistakes]
    if not mistakes or len(set(names)) != len(names):
        raise ValueError(f"{name}: give at least one mistake, each with its own name")
    check = ExerciseCheck(
        name=name,
        params=params,
        outputs=outputs,
        doc=doc,
        reference=reference,
        cases=cases,
        mistakes=mistakes,
        module=module,
        kind=kind,
        choices=choices,
        uses=uses,
        call=call or _plain_call,
        custom_judge=judge,
    )
    REGISTRY[name] = check
    return check


# ------------------------------------------------------ answers that call the package

_BOOK_NAMES = ("checks", "teaching", "REFERENCES", "REGISTRY")


def calls_the_package(source: str, uses: Sequence[str]) -> list[str]:
    """The names of ``uses`` (and of the book's checks) that ``source`` mentions.

    A best-effort, static look at the answer's code: ``opt.Adam``, ``from optimizers
    import Adam``, ``getattr(opt, "Adam")``; an empty list when it mentions none (or does
    not parse).
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    wanted = set(uses) | set(_BOOK_NAMES)
    found: list[str] = []
    for node in ast.walk(tree):
        name = None
        if isinstance(node, ast.Attribute):
            name = node.attr
        elif isinstance(node, ast.Name):
            name = node.id
        elif isinstance(node, ast.alias):
            name = node.name.rsplit(".", 1)[-1]
            if node.name.split(".")[0] == "optimizers" and "teaching" in node.name:
                name = "teaching"
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            name = node.value
        if name in wanted and name not in found:
            found.append(name)
    return found
