"""The checks of ``chapters/sgd.ipynb``.

Stochastic gradient descent: the mini-batches of an epoch, the noise of a mini-batch gradient,
the largest learning rate that is stable in mean square.

Each exercise is declared once with :func:`~optimizers.teaching.checks.engine.exercise`
(see :mod:`optimizers.teaching.checks.engine` for how to add one).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ...minibatch import sampling_variance
from ...training import minibatches
from .engine import (
    Build,
    ExerciseCheck,
    Opaque,
    Result,
    exercise,
    materialise,
    mistake,
)
from .engine import rng as _rng


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


def _one_epoch(fn: Callable[..., Any], n: int, batch_size: int, rng: np.random.Generator) -> Any:
    """One call of the student's function, as data: None, an Opaque, or a list of arrays."""
    result = fn(n, batch_size, rng)
    if result is None:
        return None
    try:
        batches = list(result)
    except TypeError:
        return Opaque(type(result).__name__)
    return [np.asarray(b) if isinstance(b, list | tuple | np.ndarray) else b for b in batches]


def _three_epochs(fn: Callable[..., Any], args: list[Any], case: tuple[Any, ...]) -> list[Any]:
    """Two epochs drawn from one generator, and one from a fresh generator of the same seed.

    Runs where the student's function runs: the judge below sees only the index arrays.
    """
    n, batch_size, generator = args
    first = _one_epoch(fn, n, batch_size, generator)
    second = _one_epoch(fn, n, batch_size, generator)
    again = _one_epoch(fn, n, batch_size, materialise(case[2]))
    return [first, second, again]


def _form_problem(epoch: Any, call: str) -> str | None:
    """What is wrong with the form of one epoch's batches (data from the student), or None."""
    if epoch is None:
        return (
            "minibatch_indices returned None: return (or yield) the index arrays.\n"
            f"  when called as {call}"
        )
    if not isinstance(epoch, list):
        name = epoch.type_name if isinstance(epoch, Opaque) else type(epoch).__name__
        return (
            "minibatch_indices must return an iterable of index arrays; it returned "
            f"{name}.\n  when called as {call}"
        )
    for b in epoch:
        if not isinstance(b, np.ndarray):
            got = b.type_name if isinstance(b, Opaque) else type(b).__name__
            return (
                f"each batch must be a 1-D array of integer indices; got {got}.\n"
                f"  when called as {call}"
            )
        if b.ndim != 1 or (b.size and not np.issubdtype(b.dtype, np.integer)):
            return (
                "each batch must be a 1-D array of integer indices; got an array of "
                f"shape {b.shape} and dtype {b.dtype}.\n  when called as {call}"
            )
    return None


def _minibatch_problem(n: int, batch_size: int, epochs: list[Any]) -> str | None:
    """The first problem with the batches of one (n, batch_size), or None."""
    first, second, again = epochs
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
    if len(second) == len(first) and all(
        np.array_equal(a, b) for a, b in zip(first, second, strict=False)
    ):
        return _MB["fixed_seed"][0]
    return None


def _judge_minibatches(
    check: ExerciseCheck, cases: list[tuple[Any, ...]], results: list[Result]
) -> str | None:
    for (n, batch_size, generator), result in zip(cases, results, strict=True):
        call = f"minibatch_indices(n={n}, batch_size={batch_size}, rng={generator.text})"
        epochs = result.value
        if not isinstance(epochs, list) or len(epochs) != 3:
            return f"minibatch_indices could not be evaluated.\n  when called as {call}"
        for epoch in epochs:
            if problem := _form_problem(epoch, call):
                return problem
        if problem := _minibatch_problem(n, batch_size, epochs):
            return f"minibatch_indices is not right yet: {problem}\n  seen when called as {call}"
    return None


def _minibatch_reference(n: int, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    return list(minibatches(n, batch_size, rng))


def _generator(seed: int) -> Build:
    return Build("numpy.random:default_rng", (seed,), text=f"np.random.default_rng({seed})")


MINIBATCH_INDICES = exercise(
    "minibatch_indices",
    params=("n", "batch_size", "rng"),
    doc=(
        "``minibatch_indices(n, batch_size, rng)``: one epoch of shuffled index arrays. "
        "Every index 0 .. n−1 appears exactly once per epoch; batches have ``batch_size`` "
        "indices except the last (``n % batch_size``); the shuffle comes from ``rng`` (the "
        "same seed gives the same batches) and differs from one epoch to the next"
    ),
    reference=_minibatch_reference,
    cases=lambda: [
        (n, batch_size, _generator(seed))
        for n, batch_size, seed in ((10, 3, 0), (12, 4, 1), (7, 7, 2), (100, 32, 3))
    ],
    mistakes=tuple(mistake(name, message, variant) for name, (message, variant) in _MB.items()),
    uses=("minibatches",),
    call=_three_epochs,
    judge=_judge_minibatches,
)


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


BATCH_NOISE = exercise(
    "batch_noise",
    params=("grads", "batch_size"),
    doc="``batch_noise(grads, batch_size) -> float``: (N − B)/(N − 1) · σ²/B",
    reference=_noise_reference,
    cases=_noise_cases,
    uses=("sampling_variance",),
    mistakes=(
        mistake(
            "with_replacement",
            "this is σ²/B, the noise of B examples drawn with replacement. A shuffled "
            "epoch draws without replacement: multiply by (N − B)/(N − 1), which makes the "
            "noise 0 at B = N.",
            _noise_with_replacement,
        ),
        mistake(
            "n_instead_of_n_minus_1",
            "the correction is (N − B)/N; the finite-population factor is (N − B)/(N − 1) "
            "(it makes B = 1 give exactly σ²).",
            _noise_over_n,
        ),
        mistake(
            "not_centred",
            "σ² is the spread around the mean gradient, (1/N) Σ ||g_i − ḡ||²; it uses "
            "(1/N) Σ ||g_i||², which adds ||ḡ||². Subtract grads.mean(axis=0) first.",
            _noise_not_centred,
        ),
        mistake(
            "per_coordinate",
            "σ² is averaged over the coordinates (np.var(grads, axis=0).mean()); it is the "
            "squared norm, summed over the d coordinates: np.var(grads, axis=0).sum().",
            _noise_per_coordinate,
        ),
    ),
)


# ------------------------------------------------ the mean-square limit of one parameter


def _ms_parts(curvatures: Any) -> tuple[int, float, float]:
    """N, the mean curvature h̄ and the spread σ_h² = (1/N) Σ (h_i − h̄)²."""
    h = np.asarray(curvatures, dtype=float)
    return len(h), float(h.mean()), float(h.var())


def _ms_reference(curvatures: Any, batch_size: int) -> float:
    n, mean, spread = _ms_parts(curvatures)
    c = (n - batch_size) / ((n - 1) * batch_size)  # Var h_B = c σ_h², without replacement
    return 2 * mean / (mean**2 + c * spread)


def _ms_full_batch(curvatures: Any, batch_size: int) -> float:
    return 2 / float(np.mean(curvatures))


def _ms_with_replacement(curvatures: Any, batch_size: int) -> float:
    _, mean, spread = _ms_parts(curvatures)
    return 2 * mean / (mean**2 + spread / batch_size)


def _ms_one_example(curvatures: Any, batch_size: int) -> float:
    h = np.asarray(curvatures, dtype=float)
    return 2 * float(h.mean()) / float(np.mean(h**2))


def _ms_std(curvatures: Any, batch_size: int) -> float:
    n, mean, spread = _ms_parts(curvatures)
    c = (n - batch_size) / ((n - 1) * batch_size)
    return 2 * mean / (mean**2 + c * np.sqrt(spread))


def _ms_no_two(curvatures: Any, batch_size: int) -> float:
    return _ms_reference(curvatures, batch_size) / 2


def _ms_sample_variance(curvatures: Any, batch_size: int) -> float:
    n, mean, spread = _ms_parts(curvatures)
    c = (n - batch_size) / ((n - 1) * batch_size)
    return 2 * mean / (mean**2 + c * spread * n / (n - 1))


def _ms_mean_of_limits(curvatures: Any, batch_size: int) -> float:
    return float(np.mean(2 / np.asarray(curvatures, dtype=float)))


def _ms_cases() -> list[tuple[Any, ...]]:
    rng = _rng()
    cases: list[tuple[Any, ...]] = []
    for n, batch_size in ((8, 1), (8, 3), (25, 5), (40, 40), (300, 16), (1000, 1)):
        x = rng.normal(1.0, 0.8, size=n)  # inputs of a one-parameter least-squares model
        cases.append((x**2 + 0.05, batch_size))  # its examples' curvatures h_i = x_i² (+ ridge)
    return cases


MS_STABLE_LR = exercise(
    "ms_stable_lr",
    params=("curvatures", "batch_size"),
    doc=(
        "``ms_stable_lr(curvatures, batch_size) -> float``: the largest learning rate at "
        "which SGD on one parameter is stable in mean square, 2h̄/(h̄² + c_B σ_h²) with "
        "c_B = (N − B)/((N − 1)B) and σ_h² = (1/N) Σ (h_i − h̄)²"
    ),
    reference=_ms_reference,
    cases=_ms_cases,
    mistakes=(
        mistake(
            "full_batch_limit",
            "this is 2/h̄, the limit of full-batch descent: it ignores the noise. In mean "
            "square the factor is E(1 − ηh_B)² = (1 − ηh̄)² + η² Var(h_B), and the variance "
            "term lowers the limit for every B < N.",
            _ms_full_batch,
        ),
        mistake(
            "with_replacement",
            "it uses Var(h_B) = σ_h²/B, the variance for examples drawn with replacement. "
            "A shuffled epoch draws without replacement: Var(h_B) = (N − B)/((N − 1)B) · σ_h², "
            "which is 0 at B = N (the limit is then 2/h̄).",
            _ms_with_replacement,
        ),
        mistake(
            "ignores_batch_size",
            "it gives 2h̄/mean(h²), the limit for one example per step, whatever the batch "
            "size: the variance of the batch's mean curvature shrinks with B, by "
            "(N − B)/((N − 1)B).",
            _ms_one_example,
        ),
        mistake(
            "standard_deviation",
            "it adds the standard deviation σ_h where the variance σ_h² belongs: "
            "E(1 − ηh_B)² = (1 − ηh̄)² + η² c_B σ_h².",
            _ms_std,
        ),
        mistake(
            "missing_factor_two",
            "it is half the limit. Expanding (1 − ηh̄)² + η² c_B σ_h² < 1 gives "
            "η (h̄² + c_B σ_h²) < 2h̄: the 2 comes from the cross term −2ηh̄.",
            _ms_no_two,
        ),
        mistake(
            "sample_variance",
            "σ_h² here is the spread of the N examples, (1/N) Σ (h_i − h̄)² (np.var with the "
            "default ddof=0); with ddof=1 the factor (N − B)/((N − 1)B) corrects twice.",
            _ms_sample_variance,
        ),
        mistake(
            "mean_of_limits",
            "it averages the examples' own limits 2/h_i. Mean-square stability is about the "
            "average of the squared factor E(1 − ηh_B)², not about the limits one by one.",
            _ms_mean_of_limits,
        ),
    ),
)
