r"""Checks for the book's exercises: run a student's function, explain what is wrong.

Each exercise asks for one small numpy function; the cell after it calls a check,
for example ``opt.checks.check_adam_step(adam_step)``. A check

1. calls the function on seeded random inputs (several shapes, steps and settings);
2. verifies that it returns what the signature promises (not ``None``, the right
   number of values, finite numbers of the right shape) and that it does not modify
   the arrays it was given;
3. compares the result with the package's own rule (``adam_step`` with
   :class:`optimizers.rules.Adam`, ``ema_bias_corrected`` with
   :func:`optimizers.averages.ema` ...);
4. on a mismatch, runs the common mistakes of that exercise (small named functions,
   ``MISTAKES``) on the same inputs and names the one the student's function
   agrees with; if none agrees, it shows the first number that differs.

A check prints a one-line confirmation when the function is right and raises
:class:`CheckFailed` (an ``AssertionError``) with the explanation when it is not, so
the cell fails visibly in Jupyter and a grader can read the message. A function that
still raises ``NotImplementedError`` (an exercise not attempted) lets that error through.

The functions the exercises ask for (plain numpy, explicit state, new arrays returned,
inputs never modified; ``t`` counts steps from 1, schedules count ``step`` from 0):

* ``gd_step(theta, grad, lr) -> theta``; reference :class:`optimizers.rules.SGD`
* ``max_stable_lr(hessian) -> float``, 2/λ_max; reference ``numpy.linalg.eigvalsh``
* ``minibatch_indices(n, batch_size, rng) -> iterable of arrays``; reference
  :func:`optimizers.data.minibatches`
* ``batch_noise(grads, batch_size) -> float``, the noise (N − B)/(N − 1) · σ²/B of a
  mini-batch gradient; reference :func:`optimizers.minibatch.sampling_variance`
* ``ema_bias_corrected(values, beta) -> array``; reference :func:`optimizers.averages.ema`
* ``ema_weight(beta, k) -> float``, the weight of x_{t−k} in v_t; reference
  :func:`optimizers.averages.ema_weights`
* ``momentum_step(theta, v, grad, lr, beta) -> (theta, v)``; reference
  :class:`optimizers.rules.Momentum`
* ``momentum_velocity_step(theta, u, grad, lr, beta) -> (theta, u)``; reference
  ``Momentum(form="velocity")``
* ``nesterov_step(theta, v, grad_fn, lr, beta) -> (theta, v)``; reference
  :func:`optimizers.trajectories.nesterov_lookahead_path`
* ``nesterov_library_step(theta, v, grad, lr, beta) -> (theta, v)``; reference
  :class:`optimizers.rules.Nesterov`
* ``adagrad_step(theta, grad, s, lr, eps) -> (theta, s)``; reference
  :class:`optimizers.rules.AdaGrad`
* ``rmsprop_step(theta, grad, v, lr, beta, eps) -> (theta, v)``; reference
  :class:`optimizers.rules.RMSprop`
* ``rmsprop_first_step(grad, lr, beta, eps) -> array``, the first Δθ; reference
  :class:`optimizers.rules.RMSprop`
* ``adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps) -> (theta, m, v)``;
  reference :class:`optimizers.rules.Adam`
* ``inverse_time_decay(lr0, decay_rate, step, steps_per_epoch) -> float``,
  lr0 / (1 + decay_rate · ⌊step/steps_per_epoch⌋); reference
  ``schedules.per_epoch(schedules.InverseTimeDecay(...))``
* ``variance_path(rates, lam, sigma, var0) -> array``, Var θ_t of noisy gradient descent
  on ½λθ² under a schedule, t = 0 .. T; reference: the recursion
  Var θ_{t+1} = (1 − η_t λ)² Var θ_t + η_t² σ²
* ``classify_critical_point(hessian) -> str``; reference ``numpy.linalg.eigvalsh``
* ``escape_steps(lr, curvature, y0, threshold) -> float``, the steps gradient descent
  needs to carry ``|y|`` past ``threshold`` along a direction of negative curvature
  (``inf`` from ``y0 = 0``); reference: the steps counted one by one
* ``best_rate(make_rule, landscape, start, rates, steps) -> float``, the rate of the grid
  with the lowest f after ``steps`` steps (diverged runs excluded); reference
  :func:`optimizers.trajectories.run`

* ``nesterov_step`` is the look-ahead form ``v ← βv − η∇f(θ + βv)``, ``θ ← θ + v``;
  it takes the gradient *function* so the check sees where the gradient is taken.
  ``nesterov_library_step`` is the torch form ``v ← βv + g``, ``θ ← θ − η(g + βv)``.
* ``momentum_step`` is the torch form ``v ← βv + g``, ``θ ← θ − ηv``;
  ``momentum_velocity_step`` the Keras form ``u ← βu − ηg``, ``θ ← θ + u``.
* ``minibatch_indices`` returns the index arrays of one epoch: a fresh shuffle drawn
  from ``rng`` cut into chunks of ``batch_size`` (the last one shorter). Any shuffle
  drawn from ``rng`` is accepted, not only :func:`optimizers.data.minibatches`'s.
* ``classify_critical_point`` returns ``"minimum"`` (all eigenvalues > 0),
  ``"maximum"`` (all < 0), ``"saddle"`` (some > 0 and some < 0, whatever the others)
  or ``"degenerate"`` (the rest: a zero eigenvalue and no sign change). An eigenvalue
  counts as zero when ``|λ| <= 1e-9 · max(1, max |λ|)``.
* ``batch_noise`` takes the per-example gradients as an ``(N, d)`` array and uses
  σ² = (1/N) Σ ||g_i − ḡ||², the squared norm summed over the d coordinates.
* ``variance_path`` returns T + 1 values for T rates, the first one ``var0``, like the
  paths of :func:`optimizers.trajectories.run`, which include the start.

``CHECKS`` maps each function name to its check; ``MISTAKES`` maps it to its named
mistakes (the tests run every one of them through its check).
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...averages import ema, ema_weights
from ...landscapes import Landscape, Quadratic, elongated_bowl
from ...minibatch import sampling_variance
from ...rules import SGD, AdaGrad, Adam, Momentum, Nesterov, Optimizer, RMSprop
from ...schedules import InverseTimeDecay, per_epoch
from ...training import minibatches
from ...trajectories import run

__all__ = [
    "CHECKS",
    "MISTAKES",
    "CheckFailed",
    "Mistake",
    "check_adagrad_step",
    "check_adam_step",
    "check_batch_noise",
    "check_best_rate",
    "check_classify_critical_point",
    "check_ema_bias_corrected",
    "check_ema_weight",
    "check_escape_steps",
    "check_gd_step",
    "check_inverse_time_decay",
    "check_max_stable_lr",
    "check_minibatch_indices",
    "check_momentum_step",
    "check_momentum_velocity_step",
    "check_nesterov_library_step",
    "check_nesterov_step",
    "check_rmsprop_first_step",
    "check_rmsprop_step",
    "check_variance_path",
]

RTOL, ATOL = 1e-6, 1e-10  # how close counts as equal (the order of float operations varies)
ZERO_TOL = 1e-9  # relative: an eigenvalue this small counts as zero


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


def _mistake(name: str, message: str, *variants: Callable[..., Any]) -> Mistake:
    return Mistake(name, message, variants)


# ----------------------------------------------------------------------- machinery


@dataclass(frozen=True)
class _Spec:
    """What a step-like check needs: names, reference, inputs and mistakes."""

    name: str
    params: tuple[str, ...]
    outputs: tuple[str, ...]  # () for a single returned value
    kind: str  # "array" (float arrays), "scalar" (one float) or "str"
    reference: Callable[..., Any]
    cases: Callable[[], list[tuple[Any, ...]]]
    mistakes: tuple[Mistake, ...]


class _RuleFactory:
    """A function lr -> update rule that shows its source in the check's messages."""

    def __init__(self, text: str, make: Callable[[float], Optimizer]) -> None:
        self.text, self.make = text, make

    def __call__(self, lr: float) -> Optimizer:
        return self.make(lr)

    def __repr__(self) -> str:
        return self.text


def _describe(value: Any) -> str:
    if isinstance(value, np.ndarray):
        if value.size <= 4:
            return np.array2string(value, precision=4, separator=", ")
        return f"<array of shape {value.shape}>"
    if isinstance(value, Landscape):
        return f"<landscape {value.name!r}>"
    if isinstance(value, _RuleFactory):
        return value.text
    if callable(value):
        return "<gradient function>"
    if isinstance(value, np.random.Generator):
        return "np.random.default_rng(...)"
    return repr(value)


def _call_text(spec_name: str, params: Sequence[str], args: Sequence[Any]) -> str:
    return (
        f"{spec_name}("
        + ", ".join(f"{p}={_describe(a)}" for p, a in zip(params, args, strict=False))
        + ")"
    )


def _quietly(fn: Callable[..., Any], args: Sequence[Any]) -> Any:
    """Call with numpy's floating-point warnings silenced (NaN is judged afterwards)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return fn(*args)


def _copy_args(args: Sequence[Any]) -> list[Any]:
    # gradient functions and random generators are passed as they are (a generator
    # must advance from one call to the next)
    return [
        a if callable(a) or isinstance(a, np.random.Generator) else copy.deepcopy(a) for a in args
    ]


def _run_student(
    name: str, params: Sequence[str], fn: Callable[..., Any], args: Sequence[Any]
) -> Any:
    """Call the student's function on copies; complain about exceptions and modified inputs."""
    given = _copy_args(args)
    try:
        result = _quietly(fn, given)
    except NotImplementedError:
        raise  # not attempted yet: let the exercise's own message through
    except Exception as error:
        raise CheckFailed(
            f"{name} raised {type(error).__name__}: {error}\n"
            f"  when called as {_call_text(name, params, args)}"
        ) from error
    for p, before, after in zip(params, args, given, strict=False):
        if isinstance(before, np.ndarray) and not (
            isinstance(after, np.ndarray)
            and after.shape == before.shape
            and np.array_equal(after, before, equal_nan=True)
        ):
            raise CheckFailed(
                f"{name} modified its input `{p}` in place. Return new arrays instead: "
                f"write `{p} = ... {p} ...` (a new array), not `{p} -= ...`, `{p} *= ...` "
                f"or `{p}[...] = ...`, which change the caller's array.\n"
                f"  when called as {_call_text(name, params, args)}"
            )
    return result


def _normalize(spec: _Spec, result: Any, expected: Any, call: str) -> tuple[Any, ...]:
    """The student's result as a tuple of float arrays (or strings), checked for form."""
    n = max(len(spec.outputs), 1)
    what = ", ".join(spec.outputs) if spec.outputs else "a value"
    if result is None:
        hint = f"return {what}" if spec.outputs else "return the result"
        raise CheckFailed(
            f"{spec.name} returned None: is the `return` line missing? It should {hint}.\n"
            f"  when called as {call}"
        )
    if spec.outputs:
        if not isinstance(result, tuple | list) or len(result) != n:
            got = f"{len(result)} values" if isinstance(result, tuple | list) else "one value"
            raise CheckFailed(
                f"{spec.name} must return {n} values ({what}), in that order; it returned "
                f"{got}.\n  when called as {call}"
            )
        values, refs, names = tuple(result), tuple(expected), spec.outputs
    else:
        values, refs, names = (result,), (expected,), (spec.name + "'s result",)
    out: list[Any] = []
    for value, ref, label in zip(values, refs, names, strict=False):
        if spec.kind == "str":
            if value not in ("minimum", "maximum", "saddle", "degenerate"):
                raise CheckFailed(
                    f"{spec.name} returned {value!r}; it must return one of the strings "
                    f"'minimum', 'maximum', 'saddle', 'degenerate'.\n  when called as {call}"
                )
            out.append(value)
            continue
        try:
            array = np.asarray(value, dtype=float)
        except (TypeError, ValueError) as error:
            raise CheckFailed(
                f"{spec.name} returned {type(value).__name__} for {label}, not numbers.\n"
                f"  when called as {call}"
            ) from error
        if array.shape != np.shape(ref):
            raise CheckFailed(
                f"{spec.name} returned {label} with shape {array.shape}; expected shape "
                f"{np.shape(ref)}.\n  when called as {call}"
            )
        out.append(array)
    return tuple(out)


def _close(a: tuple[Any, ...], b: tuple[Any, ...], equal_nan: bool = False) -> bool:
    for x, y in zip(a, b, strict=False):
        if isinstance(x, str) or isinstance(y, str):
            if x != y:
                return False
        elif not np.allclose(x, np.asarray(y, dtype=float), RTOL, ATOL, equal_nan=equal_nan):
            return False
    return True


def _as_tuple(spec: _Spec, value: Any) -> tuple[Any, ...]:
    return tuple(value) if spec.outputs else (value,)


def _first_difference(spec: _Spec, got: tuple[Any, ...], expected: tuple[Any, ...]) -> str:
    names = spec.outputs or (spec.name + "'s result",)
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


def _check(spec: _Spec, fn: Any) -> None:
    if not callable(fn):
        raise CheckFailed(f"expected the function {spec.name}, got {type(fn).__name__}")
    cases = spec.cases()
    results: list[tuple[Any, ...]] = []
    expected: list[tuple[Any, ...]] = []
    for args in cases:
        call = _call_text(spec.name, spec.params, args)
        ref = _as_tuple(spec, _quietly(spec.reference, _copy_args(args)))
        raw = _run_student(spec.name, spec.params, fn, args)
        results.append(_normalize(spec, raw, ref if spec.outputs else ref[0], call))
        expected.append(ref)
    failing = [
        i for i, (r, e) in enumerate(zip(results, expected, strict=False)) if not _close(r, e)
    ]
    if not failing:
        print(f"✓ {spec.name} is correct on all {len(cases)} test cases.")
        return
    first = failing[0]
    call = _call_text(spec.name, spec.params, cases[first])
    for mistake in spec.mistakes:
        for variant in mistake.variants:
            if _matches(spec, variant, cases, results):
                raise CheckFailed(
                    f"{spec.name} is not right yet: {mistake.message}\n  seen when called as {call}"
                )
    got = results[first]
    if any(not isinstance(x, str) and not np.isfinite(x).all() for x in got):
        raise CheckFailed(
            f"{spec.name} returned NaN or inf where the correct result is finite (a square "
            f"root of a negative number? a division by zero?).\n  when called as {call}"
        )
    raise CheckFailed(
        f"{spec.name} is not right yet: {_first_difference(spec, got, expected[first])}.\n"
        f"  when called as {call}\n"
        f"  ({len(failing)} of {len(cases)} test cases differ; compare your code with the "
        "equations line by line.)"
    )


def _matches(
    spec: _Spec, variant: Callable[..., Any], cases: list[tuple[Any, ...]], results: list[Any]
) -> bool:
    """Does the student's function agree with this wrong variant on every case?"""
    for args, got in zip(cases, results, strict=False):
        try:
            wrong = _as_tuple(spec, _quietly(variant, _copy_args(args)))
        except Exception:
            return False
        if not _close(got, wrong, equal_nan=True):
            return False
    return True


def _rng() -> np.random.Generator:
    return np.random.default_rng(20240917)


SHAPES: tuple[tuple[int, ...], ...] = ((1,), (3,), (2, 4), (3, 2, 2))


# ----------------------------------------------------------------- gradient descent


def _gd_reference(theta: Any, grad: Any, lr: float) -> np.ndarray:
    sgd = SGD(lr)
    return sgd.step(theta, grad, sgd.init(theta))[0]


def _gd_sign_flipped(theta: Any, grad: Any, lr: float) -> Any:
    return theta + lr * grad


def _gd_no_lr(theta: Any, grad: Any, lr: float) -> Any:
    return theta - grad


def _gd_lr_divides(theta: Any, grad: Any, lr: float) -> Any:
    return theta - grad / lr


def _gd_cases() -> list[tuple[Any, ...]]:
    rng = _rng()
    return [
        (rng.normal(size=s), rng.normal(size=s), lr)
        for s, lr in zip(SHAPES, (0.1, 0.5, 0.01, 0.3), strict=False)
    ]


GD_STEP = _Spec(
    "gd_step",
    ("theta", "grad", "lr"),
    (),
    "array",
    _gd_reference,
    _gd_cases,
    (
        _mistake(
            "sign_flipped",
            "it steps uphill (θ + ηg). Gradient descent moves against the gradient: θ − η·g.",
            _gd_sign_flipped,
        ),
        _mistake(
            "no_learning_rate",
            "the learning rate is missing (θ − g): scale the gradient by lr, θ − lr·g.",
            _gd_no_lr,
        ),
        _mistake(
            "lr_divides",
            "it divides the gradient by the learning rate (θ − g/η); multiply instead: θ − η·g.",
            _gd_lr_divides,
        ),
    ),
)


def check_gd_step(gd_step: Callable[..., Any]) -> None:
    """Check ``gd_step(theta, grad, lr) -> theta``: one step θ − ηg."""
    _check(GD_STEP, gd_step)


def _hessians(rng: np.random.Generator, eigenvalue_sets: Sequence[Sequence[float]]) -> list:
    """Symmetric matrices Q diag(λ) Qᵀ with random rotations Q."""
    matrices = []
    for lams in eigenvalue_sets:
        q, _ = np.linalg.qr(rng.normal(size=(len(lams), len(lams))))
        h = q @ np.diag(lams) @ q.T
        matrices.append(((h + h.T) / 2,))
    return matrices


def _max_lr_reference(hessian: Any) -> float:
    return float(2 / np.linalg.eigvalsh(np.asarray(hessian, dtype=float)).max())


def _max_lr_half(hessian: Any) -> float:
    return float(1 / np.linalg.eigvalsh(hessian).max())


def _max_lr_smallest(hessian: Any) -> float:
    return float(2 / np.linalg.eigvalsh(hessian).min())


def _max_lr_diagonal(hessian: Any) -> float:
    return float(2 / np.max(np.diag(hessian)))


MAX_STABLE_LR = _Spec(
    "max_stable_lr",
    ("hessian",),
    (),
    "scalar",
    _max_lr_reference,
    lambda: _hessians(_rng(), [[3.0], [0.5, 4.0], [0.2, 1.0, 9.0], [1.0, 2.0, 2.5, 7.0]]),
    (
        _mistake(
            "one_over_lambda",
            "1/λ_max is where the zigzag starts; the steps grow (diverge) only beyond "
            "2/λ_max, where |1 − ηλ_max| > 1.",
            _max_lr_half,
        ),
        _mistake(
            "smallest_eigenvalue",
            "it uses the smallest eigenvalue. The steepest direction (the largest "
            "eigenvalue λ_max) is the first to diverge: η < 2/λ_max.",
            _max_lr_smallest,
        ),
        _mistake(
            "diagonal",
            "it uses the diagonal of the Hessian. The diagonal entries are the curvatures "
            "along the axes, not the eigenvalues (unless the Hessian is diagonal): use "
            "np.linalg.eigvalsh(hessian).max().",
            _max_lr_diagonal,
        ),
    ),
)


def check_max_stable_lr(max_stable_lr: Callable[..., Any]) -> None:
    """Check ``max_stable_lr(hessian) -> float``: 2/λ_max, the largest stable rate."""
    _check(MAX_STABLE_LR, max_stable_lr)


# ------------------------------------------------------------------ mini-batches


def _mb_no_shuffle(n: int, batch_size: int, rng: np.random.Generator) -> list:
    order = np.arange(n)
    return [order[k : k + batch_size] for k in range(0, n, batch_size)]


def _mb_drop_last(n: int, batch_size: int, rng: np.random.Generator) -> list:
    order = rng.permutation(n)
    return [order[k : k + batch_size] for k in range(0, n - batch_size + 1, batch_size)]


def _mb_with_replacement(n: int, batch_size: int, rng: np.random.Generator) -> list:
    order = rng.integers(0, n, size=n)
    return [order[k : k + batch_size] for k in range(0, n, batch_size)]


def _mb_independent_batches(n: int, batch_size: int, rng: np.random.Generator) -> list:
    return [
        rng.choice(n, size=min(batch_size, n - k), replace=False) for k in range(0, n, batch_size)
    ]


def _mb_global_rng(n: int, batch_size: int, rng: np.random.Generator) -> list:
    order = np.random.permutation(n)  # noqa: NPY002 (the mistake this variant shows)
    return [order[k : k + batch_size] for k in range(0, n, batch_size)]


def _mb_fixed_seed(n: int, batch_size: int, rng: np.random.Generator) -> list:
    order = np.random.default_rng(0).permutation(n)
    return [order[k : k + batch_size] for k in range(0, n, batch_size)]


_MB = {
    "no_shuffle": (
        "the indices come out in order 0, 1, 2, ...: shuffle them first "
        "(order = rng.permutation(n)), or every epoch sees the same batches.",
        _mb_no_shuffle,
    ),
    "drops_last": (
        "the last, shorter batch is missing, so n % batch_size examples are never used; "
        "keep it (slice up to n).",
        _mb_drop_last,
    ),
    "with_replacement": (
        "some indices appear twice in one epoch and others not at all: draw the order "
        "without replacement (rng.permutation(n)), not with rng.integers or "
        "rng.choice(..., replace=True).",
        _mb_with_replacement,
    ),
    "independent_batches": (
        "the batches overlap: each batch is drawn separately. Shuffle once per epoch and "
        "cut the shuffled order into consecutive chunks, so every index is used exactly once.",
        _mb_independent_batches,
    ),
    "global_rng": (
        "the batches do not follow the `rng` argument (two generators with the same seed "
        "give different batches): draw the shuffle from rng (rng.permutation(n)), "
        "not from np.random.",
        _mb_global_rng,
    ),
    "fixed_seed": (
        "two epochs drawn from the same rng give the same order: a generator created "
        "inside the function? Use the rng passed in, so each call draws a fresh shuffle.",
        _mb_fixed_seed,
    ),
}


def _minibatch_problem(fn: Callable[..., Any], n: int, batch_size: int, seed: int) -> str | None:
    """The first problem with fn's batches for one (n, batch_size), or None."""
    name, params = "minibatch_indices", ("n", "batch_size", "rng")
    call = f"minibatch_indices(n={n}, batch_size={batch_size}, rng=np.random.default_rng({seed}))"

    def epoch(rng: np.random.Generator) -> list[np.ndarray]:
        result = _run_student(name, params, fn, (n, batch_size, rng))
        if result is None:
            raise CheckFailed(
                f"minibatch_indices returned None: return (or yield) the index arrays.\n"
                f"  when called as {call}"
            )
        try:
            batches = [np.asarray(b) for b in _quietly(list, (result,))]
        except TypeError as error:
            raise CheckFailed(
                f"minibatch_indices must return an iterable of index arrays; it returned "
                f"{type(result).__name__}.\n  when called as {call}"
            ) from error
        for b in batches:
            if b.ndim != 1 or (b.size and not np.issubdtype(b.dtype, np.integer)):
                raise CheckFailed(
                    "each batch must be a 1-D array of integer indices; got an array of "
                    f"shape {b.shape} and dtype {b.dtype}.\n  when called as {call}"
                )
        return batches

    rng = np.random.default_rng(seed)
    first, second = epoch(rng), epoch(rng)
    again = epoch(np.random.default_rng(seed))
    flat = np.concatenate(first) if first else np.zeros(0, dtype=int)
    if flat.size and (flat.min() < 0 or flat.max() >= n):
        return f"indices must lie in 0 .. n−1 = {n - 1}; got {flat.min()} .. {flat.max()}"
    unique_per_batch = all(len(np.unique(b)) == len(b) for b in first)
    if len(np.unique(flat)) != flat.size:
        return _MB["independent_batches" if unique_per_batch else "with_replacement"][0]
    if flat.size < n:
        if flat.size == n - n % batch_size and n % batch_size:
            return _MB["drops_last"][0]
        return f"only {flat.size} of the {n} indices appear in the epoch: every index must be used"
    if np.array_equal(flat, np.arange(n)):
        return _MB["no_shuffle"][0]
    sizes = [len(b) for b in first]
    want = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    if sizes != want:
        return f"the batch sizes are {sizes}; expected {want} (full batches, then the rest)"
    if len(again) != len(first) or not all(
        np.array_equal(a, b) for a, b in zip(first, again, strict=False)
    ):
        return _MB["global_rng"][0]
    if all(np.array_equal(a, b) for a, b in zip(first, second, strict=False)):
        return _MB["fixed_seed"][0]
    return None


def check_minibatch_indices(minibatch_indices: Callable[..., Any]) -> None:
    """Check ``minibatch_indices(n, batch_size, rng)``: one epoch of shuffled index arrays.

    Every index 0 .. n−1 appears exactly once per epoch; batches have ``batch_size``
    indices except the last (``n % batch_size``); the shuffle comes from ``rng`` (the
    same seed gives the same batches) and differs from one epoch to the next.
    """
    if not callable(minibatch_indices):
        raise CheckFailed(f"expected a function, got {type(minibatch_indices).__name__}")
    cases = ((10, 3, 0), (12, 4, 1), (7, 7, 2), (100, 32, 3))
    for n, batch_size, seed in cases:
        problem = _minibatch_problem(minibatch_indices, n, batch_size, seed)
        if problem:
            raise CheckFailed(
                f"minibatch_indices is not right yet: {problem}\n  seen when called as "
                f"minibatch_indices(n={n}, batch_size={batch_size}, "
                f"rng=np.random.default_rng({seed}))"
            )
    print(f"✓ minibatch_indices is correct on all {len(cases)} test cases.")


def _noise_reference(grads: Any, batch_size: int) -> float:
    return sampling_variance(grads, batch_size)


def _noise_parts(grads: Any) -> tuple[int, float, float]:
    """N, σ² (centred) and the mean squared norm (not centred) of the rows."""
    g = np.asarray(grads, dtype=float)
    centred = float(((g - g.mean(axis=0)) ** 2).sum(axis=1).mean())
    return len(g), centred, float((g**2).sum(axis=1).mean())


def _noise_with_replacement(grads: Any, batch_size: int) -> float:
    return _noise_parts(grads)[1] / batch_size


def _noise_over_n(grads: Any, batch_size: int) -> float:
    n, sigma2, _ = _noise_parts(grads)
    return (n - batch_size) / n * sigma2 / batch_size


def _noise_not_centred(grads: Any, batch_size: int) -> float:
    n, _, raw = _noise_parts(grads)
    return (n - batch_size) / (n - 1) * raw / batch_size


def _noise_per_coordinate(grads: Any, batch_size: int) -> float:
    g = np.asarray(grads, dtype=float)
    n = len(g)
    return (n - batch_size) / (n - 1) * float(g.var(axis=0).mean()) / batch_size


def _noise_cases() -> list[tuple[Any, ...]]:
    rng = _rng()
    cases: list[tuple[Any, ...]] = []
    for n, d, batch_size in ((10, 3, 1), (10, 3, 4), (37, 2, 8), (50, 5, 50), (200, 4, 32)):
        grads = rng.normal(size=(n, d)) * rng.uniform(0.5, 3.0, size=d) + rng.normal(size=d)
        cases.append((grads, batch_size))
    return cases


BATCH_NOISE = _Spec(
    "batch_noise",
    ("grads", "batch_size"),
    (),
    "scalar",
    _noise_reference,
    _noise_cases,
    (
        _mistake(
            "with_replacement",
            "this is σ²/B, the noise of B examples drawn with replacement. A shuffled "
            "epoch draws without replacement: multiply by (N − B)/(N − 1), which makes the "
            "noise 0 at B = N.",
            _noise_with_replacement,
        ),
        _mistake(
            "n_instead_of_n_minus_1",
            "the correction is (N − B)/N; the finite-population factor is (N − B)/(N − 1) "
            "(it makes B = 1 give exactly σ²).",
            _noise_over_n,
        ),
        _mistake(
            "not_centred",
            "σ² is the spread around the mean gradient, (1/N) Σ ||g_i − ḡ||²; it uses "
            "(1/N) Σ ||g_i||², which adds ||ḡ||². Subtract grads.mean(axis=0) first.",
            _noise_not_centred,
        ),
        _mistake(
            "per_coordinate",
            "σ² is averaged over the coordinates (np.var(grads, axis=0).mean()); it is the "
            "squared norm, summed over the d coordinates: np.var(grads, axis=0).sum().",
            _noise_per_coordinate,
        ),
    ),
)


def check_batch_noise(batch_noise: Callable[..., Any]) -> None:
    """Check ``batch_noise(grads, batch_size) -> float``: (N − B)/(N − 1) · σ²/B."""
    _check(BATCH_NOISE, batch_noise)


# -------------------------------------------------------------------------- EMA


def _ema_reference(values: Any, beta: float) -> np.ndarray:
    return ema(values, beta, bias_correction=True)


def _ema_loop(values: Any, beta: float, update: Callable, correct: Callable) -> np.ndarray:
    x = np.asarray(values, dtype=float)
    out, v = np.empty_like(x), np.zeros_like(x[0])
    for t in range(1, len(x) + 1):
        v = update(v, x[t - 1], beta)
        out[t - 1] = correct(v, beta, t)
    return out


def _ema_no_bias_correction(values: Any, beta: float) -> np.ndarray:
    return ema(values, beta)


def _ema_missing_one_minus_beta(values: Any, beta: float) -> np.ndarray:
    return _ema_loop(values, beta, lambda v, x, b: b * v + x, lambda v, b, t: v / (1 - b**t))


def _ema_missing_one_minus_beta_uncorrected(values: Any, beta: float) -> np.ndarray:
    return _ema_loop(values, beta, lambda v, x, b: b * v + x, lambda v, b, t: v)


def _ema_t_plus_one(values: Any, beta: float) -> np.ndarray:
    return _ema_loop(
        values, beta, lambda v, x, b: b * v + (1 - b) * x, lambda v, b, t: v / (1 - b ** (t + 1))
    )


def _ema_t_minus_one(values: Any, beta: float) -> np.ndarray:
    return _ema_loop(
        values, beta, lambda v, x, b: b * v + (1 - b) * x, lambda v, b, t: v / (1 - b ** (t - 1))
    )


def _ema_swapped(values: Any, beta: float) -> np.ndarray:
    return _ema_loop(
        values, beta, lambda v, x, b: (1 - b) * v + b * x, lambda v, b, t: v / (1 - b**t)
    )


def _ema_swapped_uncorrected(values: Any, beta: float) -> np.ndarray:
    return _ema_loop(values, beta, lambda v, x, b: (1 - b) * v + b * x, lambda v, b, t: v)


def _ema_corrects_running_average(values: Any, beta: float) -> np.ndarray:
    x = np.asarray(values, dtype=float)
    out, v = np.empty_like(x), np.zeros_like(x[0])
    for t in range(1, len(x) + 1):
        v = (beta * v + (1 - beta) * x[t - 1]) / (1 - beta**t)  # stored back: compounds
        out[t - 1] = v
    return out


def _ema_cases() -> list[tuple[Any, ...]]:
    rng = _rng()
    return [
        (rng.normal(5.0, 2.0, size=(12,)), 0.9),
        (rng.normal(-3.0, 1.0, size=(8, 3)), 0.5),
        (rng.normal(20.0, 5.0, size=(30,)), 0.98),
        (rng.normal(1.0, 1.0, size=(5, 2, 2)), 0.7),
    ]


EMA_BIAS_CORRECTED = _Spec(
    "ema_bias_corrected",
    ("values", "beta"),
    (),
    "array",
    _ema_reference,
    _ema_cases,
    (
        _mistake(
            "no_bias_correction",
            "bias correction is missing: the first averages are too small (they start "
            "from v₀ = 0). Return v̂_t = v_t / (1 − β**t).",
            _ema_no_bias_correction,
        ),
        _mistake(
            "missing_one_minus_beta",
            "the EMA is missing its (1 − β): v_t = β·v_{t−1} + x_t adds up the values "
            "instead of averaging them. Use v_t = β·v_{t−1} + (1 − β)·x_t.",
            _ema_missing_one_minus_beta,
            _ema_missing_one_minus_beta_uncorrected,
        ),
        _mistake(
            "t_off_by_one",
            "t is off by one in the bias correction: with t counted from 1 (the first "
            "value is t = 1), divide v_t by 1 − β**t.",
            _ema_t_plus_one,
            _ema_t_minus_one,
        ),
        _mistake(
            "beta_swapped",
            "β and 1 − β are swapped: the old average keeps the weight β and the new "
            "value gets 1 − β, v_t = β·v_{t−1} + (1 − β)·x_t.",
            _ema_swapped,
            _ema_swapped_uncorrected,
        ),
        _mistake(
            "corrects_running_average",
            "the correction is stored back into the running average, so it compounds "
            "from step to step. Keep v_t uncorrected and divide only the value you "
            "return: out[t−1] = v / (1 − β**t).",
            _ema_corrects_running_average,
        ),
    ),
)


def check_ema_bias_corrected(ema_bias_corrected: Callable[..., Any]) -> None:
    """Check ``ema_bias_corrected(values, beta)``: v̂_1 .. v̂_T along axis 0."""
    _check(EMA_BIAS_CORRECTED, ema_bias_corrected)


def _ema_weight_reference(beta: float, k: int) -> float:
    return float(ema_weights(beta, k + 1)[k])


def _ema_weight_missing(beta: float, k: int) -> float:
    return beta**k


def _ema_weight_off_by_one(beta: float, k: int) -> float:
    return (1 - beta) * beta ** (k + 1)


def _ema_weight_swapped(beta: float, k: int) -> float:
    return beta * (1 - beta) ** k


EMA_WEIGHT = _Spec(
    "ema_weight",
    ("beta", "k"),
    (),
    "scalar",
    _ema_weight_reference,
    lambda: [(0.9, 0), (0.9, 3), (0.5, 1), (0.98, 30), (0.7, 5)],
    (
        _mistake(
            "missing_one_minus_beta",
            "the weight is missing its (1 − β): each new value enters v_t with the factor "
            "(1 − β), then shrinks by β per step, so the weight is (1 − β)·β**k.",
            _ema_weight_missing,
        ),
        _mistake(
            "k_off_by_one",
            "k is off by one: today's value (k = 0) has the weight 1 − β, so the value k "
            "steps back has (1 − β)·β**k.",
            _ema_weight_off_by_one,
        ),
        _mistake(
            "beta_swapped",
            "β and 1 − β are swapped: the weight is (1 − β)·β**k.",
            _ema_weight_swapped,
        ),
    ),
)


def check_ema_weight(ema_weight: Callable[..., Any]) -> None:
    """Check ``ema_weight(beta, k)``: the weight (1 − β)β^k of the value k steps back."""
    _check(EMA_WEIGHT, ema_weight)


# --------------------------------------------------------------------- momentum


def _momentum_cases() -> list[tuple[Any, ...]]:
    rng = _rng()
    return [
        (rng.normal(size=s), rng.normal(size=s), rng.normal(size=s), lr, beta)
        for s, lr, beta in zip(SHAPES, (0.1, 0.05, 0.3, 0.01), (0.9, 0.5, 0.99, 0.8), strict=False)
    ]


def _momentum_reference(theta: Any, v: Any, grad: Any, lr: float, beta: float) -> tuple:
    rule = Momentum(lr, beta)
    state = rule.init(theta)
    state.v = np.array(v, dtype=float)
    theta, state = rule.step(theta, grad, state)
    return theta, state.v


def _momentum_sign_in_velocity(theta: Any, v: Any, grad: Any, lr: float, beta: float) -> tuple:
    v = beta * v - grad
    return theta - lr * v, v


def _momentum_sign_in_step(theta: Any, v: Any, grad: Any, lr: float, beta: float) -> tuple:
    v = beta * v + grad
    return theta + lr * v, v


def _momentum_ema_form(theta: Any, v: Any, grad: Any, lr: float, beta: float) -> tuple:
    v = beta * v + (1 - beta) * grad
    return theta - lr * v, v


def _momentum_old_velocity(theta: Any, v: Any, grad: Any, lr: float, beta: float) -> tuple:
    return theta - lr * v, beta * v + grad


MOMENTUM_STEP = _Spec(
    "momentum_step",
    ("theta", "v", "grad", "lr", "beta"),
    ("theta", "v"),
    "array",
    _momentum_reference,
    _momentum_cases,
    (
        _mistake(
            "sign_flipped",
            "the momentum sign is flipped: the step goes uphill. With v = β·v + g the "
            "parameters move against the velocity, θ − η·v.",
            _momentum_sign_in_velocity,
            _momentum_sign_in_step,
        ),
        _mistake(
            "ema_form",
            "this is the EMA (lecture) form v = β·v + (1 − β)·g, whose steps are (1 − β) "
            "times shorter. This exercise (like torch) uses v = β·v + g.",
            _momentum_ema_form,
        ),
        _mistake(
            "old_velocity",
            "θ moves with the old velocity. Update v first, then step with the new one: "
            "v = β·v + g, θ = θ − η·v.",
            _momentum_old_velocity,
        ),
    ),
)


def check_momentum_step(momentum_step: Callable[..., Any]) -> None:
    """Check ``momentum_step(theta, v, grad, lr, beta) -> (theta, v)`` (torch form)."""
    _check(MOMENTUM_STEP, momentum_step)


def _velocity_reference(theta: Any, u: Any, grad: Any, lr: float, beta: float) -> tuple:
    rule = Momentum(lr, beta, form="velocity")
    state = rule.init(theta)
    state.v = np.array(u, dtype=float)
    theta, state = rule.step(theta, grad, state)
    return theta, state.v


def _velocity_sign_in_velocity(theta: Any, u: Any, grad: Any, lr: float, beta: float) -> tuple:
    u = beta * u + lr * grad
    return theta + u, u


def _velocity_sign_in_step(theta: Any, u: Any, grad: Any, lr: float, beta: float) -> tuple:
    u = beta * u - lr * grad
    return theta - u, u


def _velocity_standard_form(theta: Any, u: Any, grad: Any, lr: float, beta: float) -> tuple:
    u = beta * u + grad
    return theta - lr * u, u


def _velocity_old_velocity(theta: Any, u: Any, grad: Any, lr: float, beta: float) -> tuple:
    return theta + u, beta * u - lr * grad


MOMENTUM_VELOCITY_STEP = _Spec(
    "momentum_velocity_step",
    ("theta", "u", "grad", "lr", "beta"),
    ("theta", "u"),
    "array",
    _velocity_reference,
    _momentum_cases,
    (
        _mistake(
            "sign_flipped",
            "the momentum sign is flipped: the step goes uphill. In this form the velocity "
            "already points downhill, u = β·u − η·g, and θ = θ + u.",
            _velocity_sign_in_velocity,
            _velocity_sign_in_step,
        ),
        _mistake(
            "standard_form",
            "this is the torch form (v = β·v + g, θ − η·v). In the velocity form the "
            "learning rate goes into the velocity: u = β·u − η·g, θ = θ + u.",
            _velocity_standard_form,
        ),
        _mistake(
            "old_velocity",
            "θ moves with the old velocity. Update u first, then θ = θ + u.",
            _velocity_old_velocity,
        ),
    ),
)


def check_momentum_velocity_step(momentum_velocity_step: Callable[..., Any]) -> None:
    """Check ``momentum_velocity_step(theta, u, grad, lr, beta) -> (theta, u)`` (Keras form)."""
    _check(MOMENTUM_VELOCITY_STEP, momentum_velocity_step)


# --------------------------------------------------------------------- Nesterov


class _QuadraticGradient:
    """∇f for f(θ) = ½ Σ c (θ − θ*)², elementwise: a gradient function for the checks."""

    def __init__(self, c: np.ndarray, center: np.ndarray) -> None:
        self.c, self.center = c, center

    def __call__(self, theta: Any) -> np.ndarray:
        return self.c * (np.asarray(theta, dtype=float) - self.center)

    def __repr__(self) -> str:
        return "<gradient function>"


def _nesterov_cases() -> list[tuple[Any, ...]]:
    rng = _rng()
    cases = []
    for s, lr, beta in zip(SHAPES, (0.1, 0.05, 0.3, 0.01), (0.9, 0.5, 0.99, 0.8), strict=False):
        grad_fn = _QuadraticGradient(rng.uniform(0.5, 3.0, size=s), rng.normal(size=s))
        cases.append((rng.normal(size=s), rng.normal(size=s), grad_fn, lr, beta))
    return cases


def _nesterov_reference(theta: Any, v: Any, grad_fn: Callable, lr: float, beta: float) -> tuple:
    """The look-ahead form computed with opt.Nesterov, which stores the look-ahead point.

    With φ = θ + βv and u = −v/η, one torch-form step from (φ, u) gives (φ', u');
    then v' = −ηu' and θ' = φ' − βv'.
    """
    theta, v = np.asarray(theta, dtype=float), np.asarray(v, dtype=float)
    rule = Nesterov(lr, beta)
    state = rule.init(theta)
    state.v = -v / lr
    lookahead = theta + beta * v
    lookahead, state = rule.step(lookahead, grad_fn(lookahead), state)
    v_new = -lr * state.v
    return lookahead - beta * v_new, v_new


def _nesterov_at(point: Callable[[Any, Any, float], Any]) -> Callable[..., tuple]:
    def step(theta: Any, v: Any, grad_fn: Callable, lr: float, beta: float) -> tuple:
        v = beta * v - lr * grad_fn(point(theta, v, beta))
        return theta + v, v

    return step


_nesterov_at_theta = _nesterov_at(lambda theta, v, beta: theta)
_nesterov_at_theta_plus_v = _nesterov_at(lambda theta, v, beta: theta + v)
_nesterov_at_theta_minus_beta_v = _nesterov_at(lambda theta, v, beta: theta - beta * v)


def _nesterov_sign_flipped(
    theta: Any, v: Any, grad_fn: Callable[..., Any], lr: float, beta: float
) -> tuple:
    v = beta * v + lr * grad_fn(theta + beta * v)
    return theta + v, v


NESTEROV_STEP = _Spec(
    "nesterov_step",
    ("theta", "v", "grad_fn", "lr", "beta"),
    ("theta", "v"),
    "array",
    _nesterov_reference,
    _nesterov_cases,
    (
        _mistake(
            "gradient_at_theta",
            "the gradient is taken at the wrong point: at θ, which makes this plain "
            "momentum. Nesterov takes it at the look-ahead point: grad_fn(θ + β·v).",
            _nesterov_at_theta,
        ),
        _mistake(
            "gradient_at_theta_plus_v",
            "the gradient is taken at the wrong point: at θ + v. The look-ahead point is "
            "where the momentum alone would carry θ, θ + β·v.",
            _nesterov_at_theta_plus_v,
        ),
        _mistake(
            "gradient_behind",
            "the gradient is taken at the wrong point: at θ − β·v, behind θ. Look ahead, "
            "in the direction of the velocity: grad_fn(θ + β·v).",
            _nesterov_at_theta_minus_beta_v,
        ),
        _mistake(
            "sign_flipped",
            "the momentum sign is flipped: the step goes uphill. The velocity points "
            "downhill, v = β·v − η·∇f(θ + β·v), and θ = θ + v.",
            _nesterov_sign_flipped,
        ),
    ),
)


def check_nesterov_step(nesterov_step: Callable[..., Any]) -> None:
    """Check ``nesterov_step(theta, v, grad_fn, lr, beta) -> (theta, v)`` (look-ahead form)."""
    _check(NESTEROV_STEP, nesterov_step)


def _nesterov_library_reference(theta: Any, v: Any, grad: Any, lr: float, beta: float) -> tuple:
    rule = Nesterov(lr, beta)
    state = rule.init(theta)
    state.v = np.array(v, dtype=float)
    theta, state = rule.step(theta, grad, state)
    return theta, state.v


def _nesterov_library_plain(theta: Any, v: Any, grad: Any, lr: float, beta: float) -> tuple:
    v = beta * v + grad
    return theta - lr * v, v


def _nesterov_library_sign(theta: Any, v: Any, grad: Any, lr: float, beta: float) -> tuple:
    v = beta * v + grad
    return theta + lr * (grad + beta * v), v


NESTEROV_LIBRARY_STEP = _Spec(
    "nesterov_library_step",
    ("theta", "v", "grad", "lr", "beta"),
    ("theta", "v"),
    "array",
    _nesterov_library_reference,
    _momentum_cases,
    (
        _mistake(
            "plain_momentum",
            "this is plain momentum (θ − η·v, which is also θ − η·(g + β·v) with the old "
            "v). Nesterov's library form adds the gradient once more: update "
            "v = β·v + g first, then θ − η·(g + β·v) with the new v.",
            _nesterov_library_plain,
        ),
        _mistake(
            "sign_flipped",
            "the momentum sign is flipped: the step goes uphill; subtract, θ − η·(g + β·v).",
            _nesterov_library_sign,
        ),
    ),
)


def check_nesterov_library_step(nesterov_library_step: Callable[..., Any]) -> None:
    """Check ``nesterov_library_step(theta, v, grad, lr, beta) -> (theta, v)`` (torch form)."""
    _check(NESTEROV_LIBRARY_STEP, nesterov_library_step)


# ---------------------------------------------------------------------- AdaGrad


def _adaptive_cases(extra: Callable[[np.random.Generator, tuple[int, ...]], tuple]) -> list:
    """theta, grad, state arrays...: gradients of several scales, zero and nonzero states."""
    rng = _rng()
    cases = []
    for i, shape in enumerate(SHAPES):
        scale = (1.0, 1e-2, 3.0, 0.3)[i]
        cases.append((rng.normal(size=shape), scale * rng.normal(size=shape), *extra(rng, shape)))
    return cases


def _adagrad_cases() -> list[tuple[Any, ...]]:
    settings = iter([(0.1, 1e-10, 0.0), (0.5, 1e-2, 1.0), (0.01, 0.5, 2.0), (1.0, 1e-3, 0.1)])

    def extra(rng: np.random.Generator, shape: tuple[int, ...]) -> tuple:
        lr, eps, s_scale = next(settings)
        return (s_scale * rng.uniform(0.0, 2.0, size=shape), lr, eps)

    return _adaptive_cases(extra)


def _adagrad_reference(theta: Any, grad: Any, s: Any, lr: float, eps: float) -> tuple:
    rule = AdaGrad(lr, eps)
    state = rule.init(theta)
    state.s = np.array(s, dtype=float)
    theta, state = rule.step(theta, grad, state)
    return theta, state.s


def _adagrad_eps_inside(theta: Any, grad: Any, s: Any, lr: float, eps: float) -> tuple:
    s = s + grad**2
    return theta - lr * grad / np.sqrt(s + eps), s


def _adagrad_not_squared(theta: Any, grad: Any, s: Any, lr: float, eps: float) -> tuple:
    s = s + grad
    return theta - lr * grad / (np.sqrt(s) + eps), s


def _adagrad_abs(theta: Any, grad: Any, s: Any, lr: float, eps: float) -> tuple:
    s = s + np.abs(grad)
    return theta - lr * grad / (np.sqrt(s) + eps), s


def _adagrad_no_sqrt(theta: Any, grad: Any, s: Any, lr: float, eps: float) -> tuple:
    s = s + grad**2
    return theta - lr * grad / (s + eps), s


def _adagrad_not_accumulated(theta: Any, grad: Any, s: Any, lr: float, eps: float) -> tuple:
    s = grad**2
    return theta - lr * grad / (np.sqrt(s) + eps), s


def _adagrad_old_s(theta: Any, grad: Any, s: Any, lr: float, eps: float) -> tuple:
    return theta - lr * grad / (np.sqrt(s) + eps), s + grad**2


_EPS_INSIDE = (
    "ε is inside the square root (√(s + ε)); this rule puts it outside, √s + ε "
    "(as torch does). With a small ε the two barely differ, which is why the "
    "check also uses a large one."
)
_NOT_SQUARED = "it accumulates g instead of g**2: the denominator must grow with the squares."

ADAGRAD_STEP = _Spec(
    "adagrad_step",
    ("theta", "grad", "s", "lr", "eps"),
    ("theta", "s"),
    "array",
    _adagrad_reference,
    _adagrad_cases,
    (
        _mistake("eps_inside_sqrt", _EPS_INSIDE, _adagrad_eps_inside),
        _mistake("g_not_squared", _NOT_SQUARED, _adagrad_not_squared, _adagrad_abs),
        _mistake(
            "no_sqrt",
            "the square root is missing: divide by √s + ε, not by s + ε (s holds squared "
            "gradients; its root has the units of g).",
            _adagrad_no_sqrt,
        ),
        _mistake(
            "not_accumulated",
            "s is replaced by g**2 instead of accumulated: AdaGrad sums all squared "
            "gradients so far, s = s + g**2.",
            _adagrad_not_accumulated,
        ),
        _mistake(
            "old_s",
            "the step divides by the old s. Add this step's g**2 first, then divide by "
            "√s + ε (on the very first step the old s is 0).",
            _adagrad_old_s,
        ),
    ),
)


def check_adagrad_step(adagrad_step: Callable[..., Any]) -> None:
    """Check ``adagrad_step(theta, grad, s, lr, eps) -> (theta, s)``."""
    _check(ADAGRAD_STEP, adagrad_step)


# ---------------------------------------------------------------------- RMSprop


def _rmsprop_cases() -> list[tuple[Any, ...]]:
    settings = iter(
        [
            (0.1, 0.9, 1e-8, 0.0),
            (0.01, 0.99, 1e-2, 1.0),
            (0.05, 0.5, 0.5, 2.0),
            (1.0, 0.8, 1e-3, 0.1),
        ]
    )

    def extra(rng: np.random.Generator, shape: tuple[int, ...]) -> tuple:
        lr, beta, eps, v_scale = next(settings)
        return (v_scale * rng.uniform(0.0, 2.0, size=shape), lr, beta, eps)

    return _adaptive_cases(extra)


def _rmsprop_reference(theta: Any, grad: Any, v: Any, lr: float, beta: float, eps: float) -> tuple:
    rule = RMSprop(lr, beta, eps)
    state = rule.init(theta)
    state.v = np.array(v, dtype=float)
    theta, state = rule.step(theta, grad, state)
    return theta, state.v


def _rmsprop_eps_inside(theta: Any, grad: Any, v: Any, lr: float, beta: float, eps: float) -> tuple:
    v = beta * v + (1 - beta) * grad**2
    return theta - lr * grad / np.sqrt(v + eps), v


def _rmsprop_not_squared(
    theta: Any, grad: Any, v: Any, lr: float, beta: float, eps: float
) -> tuple:
    v = beta * v + (1 - beta) * grad
    return theta - lr * grad / (np.sqrt(v) + eps), v


def _rmsprop_missing_one_minus_beta(
    theta: Any, grad: Any, v: Any, lr: float, beta: float, eps: float
) -> tuple:
    v = beta * v + grad**2
    return theta - lr * grad / (np.sqrt(v) + eps), v


def _rmsprop_old_v(theta: Any, grad: Any, v: Any, lr: float, beta: float, eps: float) -> tuple:
    return theta - lr * grad / (np.sqrt(v) + eps), beta * v + (1 - beta) * grad**2


def _rmsprop_no_sqrt(theta: Any, grad: Any, v: Any, lr: float, beta: float, eps: float) -> tuple:
    v = beta * v + (1 - beta) * grad**2
    return theta - lr * grad / (v + eps), v


RMSPROP_STEP = _Spec(
    "rmsprop_step",
    ("theta", "grad", "v", "lr", "beta", "eps"),
    ("theta", "v"),
    "array",
    _rmsprop_reference,
    _rmsprop_cases,
    (
        _mistake(
            "eps_inside_sqrt",
            _EPS_INSIDE.replace("√(s", "√(v").replace("√s", "√v"),
            _rmsprop_eps_inside,
        ),
        _mistake(
            "g_not_squared",
            "it averages g instead of g**2: v = β·v + (1 − β)·g**2.",
            _rmsprop_not_squared,
        ),
        _mistake(
            "missing_one_minus_beta",
            "the average is missing its (1 − β): v = β·v + (1 − β)·g**2, so v stays on "
            "the scale of g**2.",
            _rmsprop_missing_one_minus_beta,
        ),
        _mistake(
            "old_v",
            "the step divides by the old v. Update v with this step's g**2 first.",
            _rmsprop_old_v,
        ),
        _mistake(
            "no_sqrt",
            "the square root is missing: divide by √v + ε, not by v + ε.",
            _rmsprop_no_sqrt,
        ),
    ),
)


def check_rmsprop_step(rmsprop_step: Callable[..., Any]) -> None:
    """Check ``rmsprop_step(theta, grad, v, lr, beta, eps) -> (theta, v)``."""
    _check(RMSPROP_STEP, rmsprop_step)


def _first_step_reference(grad: Any, lr: float, beta: float, eps: float) -> np.ndarray:
    grad = np.asarray(grad, dtype=float)
    rule = RMSprop(lr, beta, eps)
    zero = np.zeros_like(grad)
    return rule.step(zero, grad, rule.init(zero))[0]


def _first_step_missing(grad: Any, lr: float, beta: float, eps: float) -> Any:
    return -lr * grad / (np.sqrt(grad**2) + eps)


def _first_step_eps_inside(grad: Any, lr: float, beta: float, eps: float) -> Any:
    return -lr * grad / np.sqrt((1 - beta) * grad**2 + eps)


def _first_step_sign(grad: Any, lr: float, beta: float, eps: float) -> Any:
    return lr * grad / (np.sqrt((1 - beta) * grad**2) + eps)


def _first_step_beta(grad: Any, lr: float, beta: float, eps: float) -> Any:
    return -lr * grad / (np.sqrt(beta * grad**2) + eps)


RMSPROP_FIRST_STEP = _Spec(
    "rmsprop_first_step",
    ("grad", "lr", "beta", "eps"),
    (),
    "array",
    _first_step_reference,
    lambda: [
        (g, lr, beta, eps)
        for g, (lr, beta, eps) in zip(
            (np.array([1.0, -0.01]), np.array([3.0]), np.array([[0.5, -2.0], [1e-3, 4.0]])),
            ((0.01, 0.99, 1e-8), (0.1, 0.9, 0.5), (0.001, 0.999, 1e-3)),
            strict=False,
        )
    ],
    (
        _mistake(
            "missing_one_minus_beta",
            "v₁ is (1 − β)·g**2, not g**2: the average starts at 0 and takes only the "
            "share 1 − β of the first squared gradient. That is why the first step is "
            "1/√(1 − β) times η.",
            _first_step_missing,
        ),
        _mistake(
            "beta_swapped",
            "β and 1 − β are swapped: v₁ = β·0 + (1 − β)·g**2.",
            _first_step_beta,
        ),
        _mistake(
            "eps_inside_sqrt",
            _EPS_INSIDE.replace("√(s", "√(v").replace("√s", "√v"),
            _first_step_eps_inside,
        ),
        _mistake(
            "sign_flipped",
            "the sign is flipped: the step Δθ = θ₁ − θ₀ goes against the gradient.",
            _first_step_sign,
        ),
    ),
)


def check_rmsprop_first_step(rmsprop_first_step: Callable[..., Any]) -> None:
    """Check ``rmsprop_first_step(grad, lr, beta, eps)``: Δθ of the first step from v = 0."""
    _check(RMSPROP_FIRST_STEP, rmsprop_first_step)


# ------------------------------------------------------------------------- Adam


def _adam_cases() -> list[tuple[Any, ...]]:
    settings = iter(
        [
            (1, 0.1, 0.9, 0.999, 1e-8, 0.0),
            (2, 0.01, 0.9, 0.999, 0.1, 1.0),
            (5, 0.3, 0.8, 0.99, 1e-3, 1.0),
            (30, 0.001, 0.9, 0.999, 0.5, 0.5),
        ]
    )

    def extra(rng: np.random.Generator, shape: tuple[int, ...]) -> tuple:
        t, lr, b1, b2, eps, scale = next(settings)
        m = scale * rng.normal(size=shape)
        v = scale * rng.uniform(0.0, 2.0, size=shape)
        return (m, v, t, lr, b1, b2, eps)

    return _adaptive_cases(extra)


_Triple = tuple[np.ndarray, np.ndarray, np.ndarray]


def _adam_reference(
    theta: np.ndarray,
    grad: np.ndarray,
    m: np.ndarray,
    v: np.ndarray,
    t: int,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
) -> _Triple:
    rule = Adam(lr, beta1, beta2, eps)
    state = rule.init(theta)
    state.m, state.v, state.t = np.array(m, dtype=float), np.array(v, dtype=float), t - 1
    theta, state = rule.step(theta, grad, state)
    return theta, state.m, state.v


def _adam(
    theta: np.ndarray, grad: np.ndarray, m: np.ndarray, v: np.ndarray, t: int,
    lr: float, beta1: float, beta2: float, eps: float, *, t_shift: int = 0,
    square: bool = True, use_m_hat: bool = True, use_v_hat: bool = True,
    eps_inside: bool = False, lr_t: bool = False, return_hats: bool = False,
) -> _Triple:  # fmt: skip
    """Adam with switches; each wrong variant below flips one of them."""
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * (grad**2 if square else grad)
    m_hat = m / (1 - beta1 ** (t + t_shift)) if use_m_hat else m
    v_hat = v / (1 - beta2 ** (t + t_shift)) if use_v_hat else v
    if lr_t:
        step = lr * np.sqrt(1 - beta2**t) / (1 - beta1**t) * m / (np.sqrt(v) + eps)
    elif eps_inside:
        step = lr * m_hat / np.sqrt(v_hat + eps)
    else:
        step = lr * m_hat / (np.sqrt(v_hat) + eps)
    if return_hats:
        return theta - step, m_hat, v_hat
    return theta - step, m, v


def _adam_variant(name: str, **switches: Any) -> Callable[..., _Triple]:
    """A wrong Adam step: :func:`_adam` with the given switches flipped."""

    def step(
        theta: np.ndarray,
        grad: np.ndarray,
        m: np.ndarray,
        v: np.ndarray,
        t: int,
        lr: float,
        beta1: float,
        beta2: float,
        eps: float,
    ) -> _Triple:
        return _adam(theta, grad, m, v, t, lr, beta1, beta2, eps, **switches)

    step.__name__ = step.__qualname__ = name
    return step


_adam_no_bias_correction = _adam_variant(
    "_adam_no_bias_correction", use_m_hat=False, use_v_hat=False
)
_adam_t_plus_one = _adam_variant("_adam_t_plus_one", t_shift=1)
_adam_t_minus_one = _adam_variant("_adam_t_minus_one", t_shift=-1)
_adam_eps_inside = _adam_variant("_adam_eps_inside", eps_inside=True)
_adam_g_not_squared = _adam_variant("_adam_g_not_squared", square=False)
_adam_m_not_hat = _adam_variant("_adam_m_not_hat", use_m_hat=False)
_adam_v_not_hat = _adam_variant("_adam_v_not_hat", use_v_hat=False)
_adam_returns_hats = _adam_variant("_adam_returns_hats", return_hats=True)
_adam_lr_t_form = _adam_variant("_adam_lr_t_form", lr_t=True)


ADAM_STEP = _Spec(
    "adam_step",
    ("theta", "grad", "m", "v", "t", "lr", "beta1", "beta2", "eps"),
    ("theta", "m", "v"),
    "array",
    _adam_reference,
    _adam_cases,
    (
        _mistake(
            "no_bias_correction",
            "bias correction is missing: divide m by (1 − β1**t) and v by (1 − β2**t) "
            "before the step (m̂ and v̂); without it the first steps are far too small or large.",
            _adam_no_bias_correction,
        ),
        _mistake(
            "t_off_by_one",
            "t is off by one in the bias correction: t is the number of this step, 1 at "
            "the first step, so use β1**t and β2**t as given (do not add or subtract 1).",
            _adam_t_plus_one,
            _adam_t_minus_one,
        ),
        _mistake(
            "eps_inside_sqrt",
            "ε is inside the square root (√(v̂ + ε)); Adam puts it outside, √v̂ + ε. With "
            "ε = 1e-8 the two barely differ, which is why the check also uses a large ε.",
            _adam_eps_inside,
        ),
        _mistake(
            "g_not_squared",
            "v averages g instead of g**2: v = β2·v + (1 − β2)·g**2.",
            _adam_g_not_squared,
        ),
        _mistake(
            "m_instead_of_m_hat",
            "the step uses m instead of m̂: divide m by (1 − β1**t) before stepping.",
            _adam_m_not_hat,
        ),
        _mistake(
            "v_instead_of_v_hat",
            "the step uses v instead of v̂: divide v by (1 − β2**t) before the square root.",
            _adam_v_not_hat,
        ),
        _mistake(
            "returns_corrected_moments",
            "it returns m̂ and v̂ as the new state. Keep the running averages m and v "
            "uncorrected (the next step builds on them) and use m̂, v̂ only for the step.",
            _adam_returns_hats,
        ),
        _mistake(
            "lr_t_form",
            "this is the 'η_t = η·√(1 − β2**t)/(1 − β1**t)' form, which adds ε to the "
            "uncorrected √v. It equals Adam only when ε = 0; here apply ε after bias "
            "correction: θ − η·m̂/(√v̂ + ε).",
            _adam_lr_t_form,
        ),
    ),
)


def check_adam_step(adam_step: Callable[..., Any]) -> None:
    """Check ``adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps) -> (theta, m, v)``."""
    _check(ADAM_STEP, adam_step)


# -------------------------------------------------------------------- schedules


def _decay_reference(lr0: float, decay_rate: float, step: int, steps_per_epoch: int) -> float:
    return per_epoch(InverseTimeDecay(lr0, decay_rate), steps_per_epoch)(step)


def _decay_per_step(lr0: float, decay_rate: float, step: int, steps_per_epoch: int) -> float:
    return lr0 / (1 + decay_rate * step)


def _decay_fractional(lr0: float, decay_rate: float, step: int, steps_per_epoch: int) -> float:
    return lr0 / (1 + decay_rate * step / steps_per_epoch)


def _decay_epoch_from_one(lr0: float, decay_rate: float, step: int, steps_per_epoch: int) -> float:
    return lr0 / (1 + decay_rate * (step // steps_per_epoch + 1))


def _decay_multiplies(lr0: float, decay_rate: float, step: int, steps_per_epoch: int) -> float:
    return lr0 * (1 + decay_rate * (step // steps_per_epoch))


INVERSE_TIME_DECAY = _Spec(
    "inverse_time_decay",
    ("lr0", "decay_rate", "step", "steps_per_epoch"),
    (),
    "scalar",
    _decay_reference,
    lambda: [
        (0.1, 1.0, 0, 10),
        (0.1, 1.0, 9, 10),
        (0.1, 1.0, 10, 10),
        (0.5, 0.3, 47, 7),
        (0.05, 2.0, 130, 25),
    ],
    (
        _mistake(
            "per_step",
            "the decay is applied per step instead of per epoch, so the rate falls "
            "steps_per_epoch times too fast. Count epochs, epoch = step // steps_per_epoch, "
            "and decay with the epoch.",
            _decay_per_step,
        ),
        _mistake(
            "fractional_epoch",
            "the epoch is fractional (step / steps_per_epoch): the rate should stay fixed "
            "within an epoch; use integer division, step // steps_per_epoch.",
            _decay_fractional,
        ),
        _mistake(
            "epoch_from_one",
            "the epochs are counted from 1: the first epoch (steps 0 .. steps_per_epoch − 1) "
            "is epoch 0 and uses lr0 itself.",
            _decay_epoch_from_one,
        ),
        _mistake(
            "multiplies",
            "the rate grows: divide lr0 by 1 + decay_rate·epoch, do not multiply.",
            _decay_multiplies,
        ),
    ),
)


def check_inverse_time_decay(inverse_time_decay: Callable[..., Any]) -> None:
    """Check ``inverse_time_decay(lr0, decay_rate, step, steps_per_epoch) -> float``."""
    _check(INVERSE_TIME_DECAY, inverse_time_decay)


def _variance_recursion(
    rates: Any, lam: float, sigma: float, var0: float, *, power: int = 2, lr_power: int = 2,
    sigma_power: int = 2,
) -> np.ndarray:  # fmt: skip
    """Var θ_t for t = 0 .. T; the wrong variants change one exponent."""
    out = [float(var0)]
    for lr in np.asarray(rates, dtype=float):
        out.append((1 - lr * lam) ** power * out[-1] + lr**lr_power * sigma**sigma_power)
    return np.array(out)


def _variance_reference(rates: Any, lam: float, sigma: float, var0: float) -> np.ndarray:
    return _variance_recursion(rates, lam, sigma, var0)


def _variance_factor_not_squared(rates: Any, lam: float, sigma: float, var0: float) -> np.ndarray:
    return _variance_recursion(rates, lam, sigma, var0, power=1)


def _variance_lr_not_squared(rates: Any, lam: float, sigma: float, var0: float) -> np.ndarray:
    return _variance_recursion(rates, lam, sigma, var0, lr_power=1)


def _variance_sigma_not_squared(rates: Any, lam: float, sigma: float, var0: float) -> np.ndarray:
    return _variance_recursion(rates, lam, sigma, var0, sigma_power=1)


def _variance_stationary(rates: Any, lam: float, sigma: float, var0: float) -> np.ndarray:
    lr = np.asarray(rates, dtype=float)
    return np.concatenate([[var0], lr * sigma**2 / (lam * (2 - lr * lam))])


def _variance_cases() -> list[tuple[Any, ...]]:
    t = np.arange(120)
    return [
        (np.full(50, 0.1), 1.0, 1.0, 0.0),
        (0.5 / (1 + 0.1 * t), 1.0, 2.0, 4.0),
        (0.3 * 0.95 ** t[:40], 3.0, 0.5, 1.0),
        (np.full(30, 0.05), 0.1, 3.0, 0.0),
        (np.repeat([0.8, 0.4, 0.1], 10), 2.0, 1.5, 0.5),
    ]


VARIANCE_PATH = _Spec(
    "variance_path",
    ("rates", "lam", "sigma", "var0"),
    (),
    "array",
    _variance_reference,
    _variance_cases,
    (
        _mistake(
            "factor_not_squared",
            "the factor (1 − ηλ) is not squared. θ is multiplied by (1 − ηλ), so its "
            "variance by (1 − ηλ)**2.",
            _variance_factor_not_squared,
        ),
        _mistake(
            "lr_not_squared",
            "the noise adds η·σ**2; the kick is η·σ·ξ, whose variance is η**2·σ**2.",
            _variance_lr_not_squared,
        ),
        _mistake(
            "sigma_not_squared",
            "the noise adds η**2·σ; σ is a standard deviation, the variance of the kick "
            "η·σ·ξ is η**2·σ**2.",
            _variance_sigma_not_squared,
        ),
        _mistake(
            "stationary_formula",
            "it returns the stationary variance ησ²/(λ(2 − ηλ)) of each step's rate. That "
            "is where the variance would settle if the rate stayed fixed for long; under a "
            "schedule it lags behind. Iterate Var θ_{t+1} = (1 − η_t λ)**2 Var θ_t + "
            "η_t**2 σ**2 from var0.",
            _variance_stationary,
        ),
    ),
)


def check_variance_path(variance_path: Callable[..., Any]) -> None:
    """Check ``variance_path(rates, lam, sigma, var0) -> array``: Var θ_0 .. Var θ_T."""
    _check(VARIANCE_PATH, variance_path)


# --------------------------------------------------------------- critical points


def _classify(eigenvalues: np.ndarray, tol: float) -> str:
    positive, negative = bool((eigenvalues > tol).any()), bool((eigenvalues < -tol).any())
    if positive and negative:
        return "saddle"
    if (eigenvalues > tol).all():
        return "minimum"
    if (eigenvalues < -tol).all():
        return "maximum"
    return "degenerate"


def _classify_reference(hessian: Any) -> str:
    lams = np.linalg.eigvalsh(np.asarray(hessian, dtype=float))
    return _classify(lams, ZERO_TOL * max(1.0, float(np.abs(lams).max())))


def _classify_exact_zero(hessian: Any) -> str:
    return _classify(np.linalg.eigvalsh(hessian), 0.0)


def _classify_diagonal(hessian: Any) -> str:
    diag = np.diag(np.asarray(hessian, dtype=float))
    return _classify(diag, ZERO_TOL * max(1.0, float(np.abs(diag).max())))


def _classify_zero_first(hessian: Any) -> str:
    lams = np.linalg.eigvalsh(hessian)
    if (np.abs(lams) <= ZERO_TOL * max(1.0, float(np.abs(lams).max()))).any():
        return "degenerate"
    return _classify_reference(hessian)


def _classify_determinant(hessian: Any) -> str:
    h = np.asarray(hessian, dtype=float)
    det = np.linalg.det(h)
    if abs(det) <= ZERO_TOL:
        return "degenerate"
    if det < 0:
        return "saddle"
    return "minimum" if h[0, 0] > 0 else "maximum"


CLASSIFY_CRITICAL_POINT = _Spec(
    "classify_critical_point",
    ("hessian",),
    (),
    "str",
    _classify_reference,
    lambda: _hessians(
        _rng(),
        [
            [2.0, 0.5],
            [-1.0, -3.0],
            [1.0, -2.0],
            [1.0, 0.0],
            [-1.0, 0.0, 2.0],
            [1.0, 2.0, -3.0],
            [-1.0, -1.0, -2.0],
            [0.5, 1.0, 4.0, 2.0],
            [3.0, 1.0, 0.0],
        ],
    ),
    (
        _mistake(
            "determinant_only",
            "the sign of the determinant decides only for 2 × 2 Hessians; in more "
            "dimensions (here 3 × 3) use the signs of all eigenvalues "
            "(np.linalg.eigvalsh).",
            _classify_determinant,
        ),
        _mistake(
            "diagonal",
            "it looks at the diagonal entries. They are the eigenvalues only when the "
            "Hessian is diagonal; use np.linalg.eigvalsh(hessian).",
            _classify_diagonal,
        ),
        _mistake(
            "exact_zero",
            "it compares eigenvalues with exactly 0. A singular Hessian's eigenvalues come "
            "out as ±1e-16 after rounding; count |λ| <= 1e-9·max(1, max|λ|) as zero.",
            _classify_exact_zero,
        ),
        _mistake(
            "zero_before_sign_change",
            "a positive and a negative eigenvalue make a saddle even if another eigenvalue "
            "is zero: there are directions down and up. 'degenerate' is only for a zero "
            "eigenvalue without a sign change.",
            _classify_zero_first,
        ),
    ),
)


def check_classify_critical_point(classify_critical_point: Callable[..., Any]) -> None:
    """Check ``classify_critical_point(hessian) -> 'minimum'|'maximum'|'saddle'|'degenerate'``."""
    _check(CLASSIFY_CRITICAL_POINT, classify_critical_point)


def _escape_reference(lr: float, curvature: float, y0: float, threshold: float) -> float:
    """Count the steps of gradient descent along y, y ← y − η·λ·y, until ``|y| > threshold``."""
    y, steps = abs(float(y0)), 0
    if y == 0:
        return np.inf  # the gradient along y stays 0: gradient descent never leaves
    while y <= threshold:
        y = y - lr * curvature * y
        steps += 1
    return float(steps)


def _escape_formula(
    lr: float, curvature: float, y0: float, threshold: float, growth: float | None = None,
    plus: int = 1,
) -> float:  # fmt: skip
    growth_log = np.log(1 - lr * curvature) if growth is None else growth
    with np.errstate(all="ignore"):
        return float(np.floor(np.log(threshold / np.abs(y0)) / growth_log) + plus)


def _escape_linearised(lr: float, curvature: float, y0: float, threshold: float) -> float:
    return _escape_formula(lr, curvature, y0, threshold, growth=-lr * curvature)


def _escape_wrong_sign(lr: float, curvature: float, y0: float, threshold: float) -> float:
    return _escape_formula(lr, curvature, y0, threshold, growth=np.log(1 + lr * curvature))


def _escape_no_curvature(lr: float, curvature: float, y0: float, threshold: float) -> float:
    return _escape_formula(lr, curvature, y0, threshold, growth=np.log(1 + lr))


def _escape_last_inside(lr: float, curvature: float, y0: float, threshold: float) -> float:
    return _escape_formula(lr, curvature, y0, threshold, plus=0)


def _escape_no_abs(lr: float, curvature: float, y0: float, threshold: float) -> float:
    with np.errstate(all="ignore"):
        return float(np.floor(np.log(np.divide(threshold, y0)) / np.log(1 - lr * curvature)) + 1)


ESCAPE_STEPS = _Spec(
    "escape_steps",
    ("lr", "curvature", "y0", "threshold"),
    (),
    "scalar",
    _escape_reference,
    lambda: [
        (0.1, -2.0, 1e-6, 1.0),
        (0.1, -2.0, 1e-8, 1.0),
        (0.05, -1.0, -3e-4, 0.5),
        (0.01, -0.5, 2e-3, 1.0),
        (0.3, -4.0, 1e-10, 2.0),
        (0.1, -2.0, 0.0, 1.0),
    ],
    (
        _mistake(
            "linearised",
            "it counts with ln(1 + η|λ|) ≈ η|λ|, which is good only for small steps. The "
            "distance grows by the factor 1 − ηλ per step exactly: divide by ln(1 − ηλ).",
            _escape_linearised,
        ),
        _mistake(
            "wrong_sign",
            "the factor is 1 + ηλ. Along a direction of curvature λ the gradient is λy, so "
            "a step gives y − ηλy = (1 − ηλ)y, which grows because λ < 0.",
            _escape_wrong_sign,
        ),
        _mistake(
            "curvature_missing",
            "the growth factor 1 + η leaves out the curvature: one step multiplies y by "
            "1 − ηλ (1 + 2η on x² − y², where λ = −2).",
            _escape_no_curvature,
        ),
        _mistake(
            "last_step_inside",
            "it is one step short: it gives the last step with |y| ≤ threshold. The answer "
            "is the first step with |y| > threshold: ⌊ln(threshold/|y0|)/ln(1 − ηλ)⌋ + 1.",
            _escape_last_inside,
        ),
        _mistake(
            "negative_start",
            "a negative y0 gives NaN: the distance from the saddle is |y0| (the path "
            "leaves downward, just as fast).",
            _escape_no_abs,
        ),
    ),
)


def check_escape_steps(escape_steps: Callable[..., Any]) -> None:
    """Check ``escape_steps(lr, curvature, y0, threshold)``: steps until ``|y| > threshold``."""
    _check(ESCAPE_STEPS, escape_steps)


# -------------------------------------------------------------------- comparing


def _final_values(
    make_rule: Callable[[float], Any], landscape: Any, start: Any, rates: Any, steps: int
) -> np.ndarray:
    """f after ``steps`` steps for each rate (NaN where the run diverged)."""
    return np.array(
        [
            float(landscape.value(run(make_rule(lr), landscape, start, steps, warn=False)[-1]))
            for lr in rates
        ]
    )


def _best_reference(
    make_rule: Callable[[float], Any], landscape: Any, start: Any, rates: Any, steps: int
) -> float:
    values = _final_values(make_rule, landscape, start, rates, steps)
    return float(rates[int(np.nanargmin(values))])


def _best_nan_not_ignored(
    make_rule: Callable[[float], Any], landscape: Any, start: Any, rates: Any, steps: int
) -> float:
    values = _final_values(make_rule, landscape, start, rates, steps)
    return float(rates[int(np.argmin(values))])


def _best_returns_value(
    make_rule: Callable[[float], Any], landscape: Any, start: Any, rates: Any, steps: int
) -> float:
    return float(np.nanmin(_final_values(make_rule, landscape, start, rates, steps)))


def _best_returns_index(
    make_rule: Callable[[float], Any], landscape: Any, start: Any, rates: Any, steps: int
) -> float:
    return float(np.nanargmin(_final_values(make_rule, landscape, start, rates, steps)))


def _best_mean_along_path(
    make_rule: Callable[[float], Any], landscape: Any, start: Any, rates: Any, steps: int
) -> float:
    means = [
        float(landscape.value(run(make_rule(lr), landscape, start, steps, warn=False)).mean())
        for lr in rates
    ]
    return float(rates[int(np.nanargmin(means))])


def _best_cases() -> list[tuple[Any, ...]]:
    bowl = _bowl(0.0)
    turned = _bowl(np.pi / 4)
    start = np.array([-7.0, 2.0])
    turned_start = _turn(np.pi / 4) @ start
    return [
        (
            _RuleFactory("lambda lr: opt.SGD(lr)", SGD),
            bowl, start, np.array([0.1, 0.3, 0.95, 1.5]), 30,
        ),
        (
            _RuleFactory("lambda lr: opt.Momentum(lr, beta=0.9)", lambda lr: Momentum(lr, 0.9)),
            bowl, start, np.array([0.01, 0.03, 0.1, 0.3]), 30,
        ),
        (
            _RuleFactory("lambda lr: opt.Adam(lr)", Adam),
            turned, turned_start, np.array([0.03, 0.1, 0.3, 1.0, 3.0]), 30,
        ),
        (
            _RuleFactory("lambda lr: opt.SGD(lr)", SGD),
            turned, turned_start, np.array([0.3, 0.6, 0.9, 1.2]), 20,
        ),
    ]  # fmt: skip


def _turn(angle: float) -> np.ndarray:
    return np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])


def _bowl(angle: float) -> Any:
    """The elongated bowl x²/20 + y², turned by ``angle``."""
    if angle == 0:
        return elongated_bowl()
    turn = _turn(angle)
    return Quadratic(turn @ elongated_bowl().A @ turn.T, name="elongated bowl, turned")


BEST_RATE = _Spec(
    "best_rate",
    ("make_rule", "landscape", "start", "rates", "steps"),
    (),
    "scalar",
    _best_reference,
    _best_cases,
    (
        _mistake(
            "nan_not_ignored",
            "it picked a rate whose run diverged. A diverged run ends at NaN, and "
            "np.argmin returns the position of the first NaN; use np.nanargmin, which "
            "skips them.",
            _best_nan_not_ignored,
        ),
        _mistake(
            "returns_value",
            "it returns the lowest f; return the learning rate that reached it, "
            "rates[np.nanargmin(values)].",
            _best_returns_value,
        ),
        _mistake(
            "returns_index",
            "it returns the position of the best rate in the grid; return the rate itself, "
            "rates[i].",
            _best_returns_index,
        ),
        _mistake(
            "mean_along_path",
            "it ranks the rates by the mean f along the path; rank them by f after the "
            "last step, landscape.value(path[-1]).",
            _best_mean_along_path,
        ),
    ),
)


def check_best_rate(best_rate: Callable[..., Any]) -> None:
    """Check ``best_rate(make_rule, landscape, start, rates, steps) -> float``."""
    _check(BEST_RATE, best_rate)


# ----------------------------------------------------------------- the registry

_SPECS = (
    GD_STEP,
    MAX_STABLE_LR,
    EMA_BIAS_CORRECTED,
    EMA_WEIGHT,
    MOMENTUM_STEP,
    MOMENTUM_VELOCITY_STEP,
    NESTEROV_STEP,
    NESTEROV_LIBRARY_STEP,
    ADAGRAD_STEP,
    RMSPROP_STEP,
    RMSPROP_FIRST_STEP,
    ADAM_STEP,
    BATCH_NOISE,
    INVERSE_TIME_DECAY,
    VARIANCE_PATH,
    CLASSIFY_CRITICAL_POINT,
    ESCAPE_STEPS,
    BEST_RATE,
)

CHECKS: dict[str, Callable[[Callable[..., Any]], None]] = {
    "gd_step": check_gd_step,
    "max_stable_lr": check_max_stable_lr,
    "minibatch_indices": check_minibatch_indices,
    "batch_noise": check_batch_noise,
    "ema_bias_corrected": check_ema_bias_corrected,
    "ema_weight": check_ema_weight,
    "momentum_step": check_momentum_step,
    "momentum_velocity_step": check_momentum_velocity_step,
    "nesterov_step": check_nesterov_step,
    "nesterov_library_step": check_nesterov_library_step,
    "adagrad_step": check_adagrad_step,
    "rmsprop_step": check_rmsprop_step,
    "rmsprop_first_step": check_rmsprop_first_step,
    "adam_step": check_adam_step,
    "inverse_time_decay": check_inverse_time_decay,
    "variance_path": check_variance_path,
    "classify_critical_point": check_classify_critical_point,
    "escape_steps": check_escape_steps,
    "best_rate": check_best_rate,
}

MISTAKES: dict[str, tuple[Mistake, ...]] = {spec.name: spec.mistakes for spec in _SPECS}
MISTAKES["minibatch_indices"] = tuple(
    _mistake(name, message, variant) for name, (message, variant) in _MB.items()
)

REFERENCES: dict[str, Callable[..., Any]] = {spec.name: spec.reference for spec in _SPECS}
REFERENCES["minibatch_indices"] = lambda n, batch_size, rng: list(minibatches(n, batch_size, rng))

assert set(CHECKS) == set(MISTAKES), "every check has its list of mistakes"
