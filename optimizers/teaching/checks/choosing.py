"""The checks of ``chapters/choosing.ipynb``.

One update, many optimizers: the step each rule settles to on a constant gradient (the
basis of comparisons at matched effective step sizes), and the memory a rule's state
takes.

Each exercise is declared once with :func:`~optimizers.teaching.checks.engine.exercise`
(see :mod:`optimizers.teaching.checks.engine` for how to add one).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ...cost import state_floats_per_parameter
from ...rules import (
    SGD,
    Adadelta,
    AdaGrad,
    Adam,
    AdamW,
    Momentum,
    NAdam,
    Nesterov,
    Optimizer,
    RMSprop,
)
from .engine import SHAPES, exercise, mistake
from .engine import rng as _rng

# ------------------------------------------------------------------ steady_step

STEADY_RULES = ("SGD", "Momentum", "Nesterov", "AdaGrad", "RMSprop", "Adam")


def _steady_reference(name: str, lr: float, beta: float, grad: Any) -> np.ndarray:
    """The move θ_{t+1} − θ_t as t → ∞ on a constant gradient, ε = 0."""
    g = np.asarray(grad, dtype=float)
    if name == "SGD":
        return -lr * g
    if name in ("Momentum", "Nesterov"):  # v → g/(1 − β); Nesterov: g + βv → g/(1 − β)
        return -lr * g / (1 - beta)
    if name == "AdaGrad":  # s = t·g² grows: the step −ηg/√(t g²) tends to 0
        return np.zeros_like(g)
    if name in ("RMSprop", "Adam"):  # v → g² (and m → g): −η g/|g|
        return -lr * np.sign(g)
    raise ValueError(f"steady_step: unknown rule {name!r}; one of {STEADY_RULES}")


def _steady_with(
    changes: dict[str, Callable[[float, float, np.ndarray], np.ndarray]],
) -> Callable[[str, float, float, Any], np.ndarray]:
    """The reference, with the answers for some rules replaced (a mistake's variant)."""

    def variant(name: str, lr: float, beta: float, grad: Any) -> np.ndarray:
        if name in changes:
            return changes[name](lr, beta, np.asarray(grad, dtype=float))
        return _steady_reference(name, lr, beta, grad)

    return variant


_steady_first_momentum_step = _steady_with(
    {
        "Momentum": lambda lr, beta, g: -lr * g,
        "Nesterov": lambda lr, beta, g: -lr * (1 + beta) * g,
    }
)
_steady_nesterov_double = _steady_with(
    {"Nesterov": lambda lr, beta, g: -lr * (1 + beta) * g / (1 - beta)}
)
_steady_not_normalised = _steady_with(
    {"RMSprop": lambda lr, beta, g: -lr * g, "Adam": lambda lr, beta, g: -lr * g}
)
_steady_rmsprop_burst = _steady_with(
    {"RMSprop": lambda lr, beta, g: -lr * np.sign(g) / np.sqrt(1 - beta)}
)
_steady_adagrad_settles = _steady_with({"AdaGrad": lambda lr, beta, g: -lr * np.sign(g)})


def _steady_wrong_sign(name: str, lr: float, beta: float, grad: Any) -> np.ndarray:
    return -_steady_reference(name, lr, beta, grad)


def _steady_cases() -> list[tuple[Any, ...]]:
    r = _rng()
    cases = []
    settings = [(0.1, 0.9), (0.01, 0.5), (0.3, 0.99), (0.05, 0.8)]
    for i, name in enumerate(STEADY_RULES):
        for j in range(2):
            shape = SHAPES[(i + j) % len(SHAPES)]
            lr, beta = settings[(i + 2 * j) % len(settings)]
            # gradients of mixed signs and sizes, none near zero
            grad = r.choice([-1.0, 1.0], size=shape) * 10.0 ** r.uniform(-2, 1, size=shape)
            cases.append((name, lr, beta, grad))
    return cases


STEADY_STEP = exercise(
    "steady_step",
    params=("name", "lr", "beta", "grad"),
    doc="``steady_step(name, lr, beta, grad) -> array``, the step θ_{t+1} − θ_t that the "
    "rule ``name`` settles to on a constant gradient (ε = 0)",
    reference=_steady_reference,
    cases=_steady_cases,
    uses=("run", "run_with_states"),
    mistakes=(
        mistake(
            "first_momentum_step",
            "for Momentum and Nesterov it returns their first step (−ηg, and −η(1 + β)g). "
            "On a constant gradient the velocity v ← βv + g grows until it stops changing, "
            "at v = g/(1 − β), so the step settles at −ηg/(1 − β): ten times −ηg for "
            "β = 0.9.",
            _steady_first_momentum_step,
        ),
        mistake(
            "nesterov_double_counted",
            "for Nesterov it takes the direction as (1 + β)·v. The direction is g + βv; with "
            "the settled v = g/(1 − β) that is g + βg/(1 − β) = g/(1 − β), the same step as "
            "Momentum's.",
            _steady_nesterov_double,
        ),
        mistake(
            "not_normalised",
            "for RMSprop and Adam it returns −ηg, as if there were no division. On a constant "
            "gradient v settles at g² (and Adam's m at g), so each coordinate moves by "
            "−η·g/|g| = −η·sign(g), whatever the size of g.",
            _steady_not_normalised,
        ),
        mistake(
            "rmsprop_first_step",
            "for RMSprop it returns the first step, −η·sign(g)/√(1 − β), taken while "
            "v = (1 − β)g² is still mostly the zero it started from. v fills up to g², and "
            "the step settles at −η·sign(g).",
            _steady_rmsprop_burst,
        ),
        mistake(
            "adagrad_settles",
            "for AdaGrad it returns −η·sign(g), RMSprop's answer. AdaGrad's s is a sum: "
            "after t steps it is t·g², so the step −ηg/√(t·g²) = −η·sign(g)/√t shrinks "
            "towards 0.",
            _steady_adagrad_settles,
        ),
        mistake(
            "wrong_sign",
            "the signs are flipped: it returns a step along the gradient. The parameters move "
            "against the gradient, so each entry has the sign of −g (or is 0).",
            _steady_wrong_sign,
        ),
    ),
)

# ------------------------------------------------------------------ state_bytes

STATE_RULES: dict[str, Callable[[], Optimizer]] = {
    "SGD": lambda: SGD(0.1),
    "Momentum": lambda: Momentum(0.1),
    "Nesterov": lambda: Nesterov(0.1),
    "AdaGrad": lambda: AdaGrad(),
    "RMSprop": lambda: RMSprop(),
    "Adam": lambda: Adam(),
    "AMSGrad": lambda: Adam(amsgrad=True),
    "AdamW": lambda: AdamW(),
    "NAdam": lambda: NAdam(),
    "Adadelta": lambda: Adadelta(),
}
"""The rules of the exercise, by name, with their default options (AMSGrad: Adam's option)."""


def _floats(name: str) -> int:
    if name not in STATE_RULES:
        raise ValueError(f"state_bytes: unknown rule {name!r}; one of {tuple(STATE_RULES)}")
    return state_floats_per_parameter(STATE_RULES[name]())


def _state_reference(name: str, n_params: int, itemsize: int) -> float:
    """Bytes of the per-parameter state arrays, read from the package's ``init``."""
    return float(_floats(name) * n_params * itemsize)


def _state_with(changes: dict[str, int], extra: int = 0, factor: int = 1) -> Callable[..., float]:
    """The reference with other float counts for some rules (a mistake's variant)."""

    def variant(name: str, n_params: int, itemsize: int) -> float:
        floats = changes.get(name, _floats(name)) + extra
        return float(floats * n_params * itemsize * factor)

    return variant


_state_one_moment = _state_with({"Adam": 1, "AdamW": 1, "NAdam": 1, "AMSGrad": 2})
_state_no_v_max = _state_with({"AMSGrad": 2})
_state_adadelta_one = _state_with({"Adadelta": 1})
_state_nesterov_two = _state_with({"Nesterov": 2})
_state_nadam_three = _state_with({"NAdam": 3})
_state_sgd_one = _state_with({"SGD": 1})
_state_with_params = _state_with({}, extra=1)
_state_bits = _state_with({}, factor=8)


def _state_cases() -> list[tuple[Any, ...]]:
    sizes = (1_000, 1_000_000, 7_000_000_000, 25_557_032, 124_439_808)
    itemsizes = (4, 8, 2, 4, 4)
    return [
        (name, sizes[i % len(sizes)], itemsizes[(i + 1) % len(itemsizes)])
        for i, name in enumerate(STATE_RULES)
    ] + [("Adam", 7_000_000_000, 4), ("SGD", 10, 8)]


STATE_BYTES = exercise(
    "state_bytes",
    params=("name", "n_params", "itemsize"),
    doc="``state_bytes(name, n_params, itemsize) -> float``, the bytes of the per-parameter "
    "state of rule ``name`` for ``n_params`` parameters of ``itemsize`` bytes",
    reference=_state_reference,
    cases=_state_cases,
    uses=("state_floats_per_parameter", "bytes_per_step"),
    mistakes=(
        mistake(
            "adam_one_moment",
            "it counts one array too few for Adam and its descendants: Adam keeps two averages "
            "per parameter, m of the gradients and v of their squares.",
            _state_one_moment,
        ),
        mistake(
            "amsgrad_without_v_max",
            "for AMSGrad it counts Adam's two arrays; AMSGrad also keeps v_max, the largest v "
            "so far, one more number per parameter.",
            _state_no_v_max,
        ),
        mistake(
            "adadelta_one_average",
            "for Adadelta it counts one array; Adadelta keeps two averages per parameter, v of "
            "the squared gradients and u of the squared updates.",
            _state_adadelta_one,
        ),
        mistake(
            "nesterov_lookahead_stored",
            "for Nesterov it counts two arrays; the library form keeps only the velocity v "
            "(the parameters it holds are the look-ahead point itself).",
            _state_nesterov_two,
        ),
        mistake(
            "nadam_product_per_parameter",
            "for NAdam it counts three arrays; its third quantity, the product of the "
            "momentum factors μ_1⋯μ_t, is one number for the whole model.",
            _state_nadam_three,
        ),
        mistake(
            "sgd_has_state",
            "for SGD it counts one array; plain gradient descent keeps no number per "
            "parameter (only the step count).",
            _state_sgd_one,
        ),
        mistake(
            "parameters_counted",
            "it counts the parameters themselves as well (one more number per parameter for "
            "every rule); count only the optimizer's state, which is zero for SGD.",
            _state_with_params,
        ),
        mistake(
            "bits_not_bytes",
            "it counts bits, 8 per byte; itemsize is already the bytes of one number.",
            _state_bits,
        ),
    ),
)
