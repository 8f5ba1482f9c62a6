"""The checks of ``chapters/adam.ipynb``.

Adam: one step; when the step without bias correction is the shorter one; one AdamW step
(against an L2 step); the ε of the η_t form.

Each exercise is declared once with :func:`~optimizers.teaching.checks.engine.exercise`
(see :mod:`optimizers.teaching.checks.engine` for how to add one).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ...rules import Adam, AdamState, AdamW
from .adagrad import _adaptive_cases
from .engine import exercise, mistake


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


ADAM_STEP = exercise(
    "adam_step",
    params=("theta", "grad", "m", "v", "t", "lr", "beta1", "beta2", "eps"),
    outputs=("theta", "m", "v"),
    doc="``adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps) -> (theta, m, v)``",
    reference=_adam_reference,
    uses=("Adam", "AdamW", "NAdam"),
    cases=_adam_cases,
    mistakes=(
        mistake(
            "no_bias_correction",
            "bias correction is missing: divide m by (1 − β1**t) and v by (1 − β2**t) "
            "before the step (m̂ and v̂); without it the first steps are far too small or large.",
            _adam_no_bias_correction,
        ),
        mistake(
            "t_off_by_one",
            "t is off by one in the bias correction: t is the number of this step, 1 at "
            "the first step, so use β1**t and β2**t as given (do not add or subtract 1).",
            _adam_t_plus_one,
            _adam_t_minus_one,
        ),
        mistake(
            "eps_inside_sqrt",
            "ε is inside the square root (√(v̂ + ε)); Adam puts it outside, √v̂ + ε. With "
            "ε = 1e-8 the two barely differ, which is why the check also uses a large ε.",
            _adam_eps_inside,
        ),
        mistake(
            "g_not_squared",
            "v averages g instead of g**2: v = β2·v + (1 − β2)·g**2.",
            _adam_g_not_squared,
        ),
        mistake(
            "m_instead_of_m_hat",
            "the step uses m instead of m̂: divide m by (1 − β1**t) before stepping.",
            _adam_m_not_hat,
        ),
        mistake(
            "v_instead_of_v_hat",
            "the step uses v instead of v̂: divide v by (1 − β2**t) before the square root.",
            _adam_v_not_hat,
        ),
        mistake(
            "returns_corrected_moments",
            "it returns m̂ and v̂ as the new state. Keep the running averages m and v "
            "uncorrected (the next step builds on them) and use m̂, v̂ only for the step.",
            _adam_returns_hats,
        ),
        mistake(
            "lr_t_form",
            "this is the 'η_t = η·√(1 − β2**t)/(1 − β1**t)' form, which adds ε to the "
            "uncorrected √v. It equals Adam only when ε = 0; here apply ε after bias "
            "correction: θ − η·m̂/(√v̂ + ε).",
            _adam_lr_t_form,
        ),
    ),
)


# ------------------------------------------- when is the uncorrected step smaller?


def _smaller_cases() -> list[tuple[Any, ...]]:
    # (beta1, beta2, t); no case sits on r_t = 1, where rounding would decide
    return [
        (0.9, 0.999, np.array([1, 2, 5, 12, 100, 1000, 5000])),  # the defaults: never
        (0.99, 0.999, np.arange(1, 21)),  # shorter for t <= 10, longer after
        (0.9, 0.5, np.array([1, 2, 3, 10, 50])),  # β2 < β1: always
        (0.9, 0.9, np.array([1, 5, 20])),  # β1 = β2: always
        (0.95, 0.99, np.array([[1, 2, 3], [10, 30, 100]])),  # shorter, then longer
    ]


def _smaller_reference(beta1: float, beta2: float, t: Any) -> np.ndarray:
    """r_t = (1 − β1^t)/√(1 − β2^t) < 1, squared: (1 − β1^t)² < 1 − β2^t."""
    t = np.asarray(t, dtype=float)
    return (1 - beta1**t) ** 2 < 1 - beta2**t


def _smaller_equal_betas(beta1: float, beta2: float, t: Any) -> np.ndarray:
    return np.full(np.shape(t), beta1 == beta2)


def _smaller_no_root(beta1: float, beta2: float, t: Any) -> np.ndarray:
    t = np.asarray(t, dtype=float)
    return 1 - beta1**t < 1 - beta2**t


def _smaller_inverted(beta1: float, beta2: float, t: Any) -> np.ndarray:
    t = np.asarray(t, dtype=float)
    return (1 - beta1**t) ** 2 > 1 - beta2**t


def _smaller_first_step(beta1: float, beta2: float, t: Any) -> np.ndarray:
    return np.full(np.shape(t), (1 - beta1) ** 2 < 1 - beta2)


def _smaller_betas(beta1: float, beta2: float, t: Any) -> np.ndarray:
    return np.full(np.shape(t), beta2 <= beta1)


def _smaller_t_from_zero(beta1: float, beta2: float, t: Any) -> np.ndarray:
    t = np.asarray(t, dtype=float) - 1
    return (1 - beta1**t) ** 2 < 1 - beta2**t


UNCORRECTED_IS_SMALLER = exercise(
    "uncorrected_is_smaller",
    params=("beta1", "beta2", "t"),
    doc="``uncorrected_is_smaller(beta1, beta2, t) -> bool array``: whether Adam's step "
    "without bias correction is shorter than the corrected one at the steps t, "
    "(1 − β1^t)/√(1 − β2^t) < 1",
    reference=_smaller_reference,
    uses=("Adam",),
    cases=_smaller_cases,
    mistakes=(
        mistake(
            "equal_betas_only",
            "it is not only when β1 = β2: compare r_t = (1 − β1**t)/√(1 − β2**t) with 1 at "
            "each step. β1 = 0.9 with β2 = 0.5 gives r_1 = 0.14.",
            _smaller_equal_betas,
        ),
        mistake(
            "no_square_root",
            "the square root is missing: the step divides m by √v, so the bias of v enters "
            "as √(1 − β2**t), not as 1 − β2**t.",
            _smaller_no_root,
        ),
        mistake(
            "inverted",
            "True and False are swapped: this marks the steps where the uncorrected step is "
            "the longer one (r_t > 1).",
            _smaller_inverted,
        ),
        mistake(
            "first_step_only",
            "this is the answer for t = 1 at every step. r_t changes with t: with β1 = 0.99 "
            "and β2 = 0.999 the first ten steps are shorter, the later ones longer.",
            _smaller_first_step,
        ),
        mistake(
            "betas_only",
            "β2 <= β1 decides whether EVERY step is shorter; for β2 > β1 some early steps "
            "can still be shorter. Compute r_t at each step.",
            _smaller_betas,
        ),
        mistake(
            "t_from_zero",
            "t counts the steps from 1 (β**1 at the first step), not from 0.",
            _smaller_t_from_zero,
        ),
    ),
)


# ------------------------------------------------------------------ AdamW


def _adamw_cases() -> list[tuple[Any, ...]]:
    settings = iter(
        [
            (1, 0.1, 0.9, 0.999, 1e-8, 0.0, 0.1),
            (2, 0.01, 0.9, 0.999, 0.1, 1.0, 1.0),
            (5, 0.3, 0.8, 0.99, 1e-3, 1.0, 0.5),
            (30, 0.05, 0.9, 0.999, 0.5, 0.5, 2.0),
        ]
    )

    def extra(rng: np.random.Generator, shape: tuple[int, ...]) -> tuple:
        t, lr, b1, b2, eps, scale, wd = next(settings)
        m = scale * rng.normal(size=shape)
        v = scale * rng.uniform(0.0, 2.0, size=shape)
        return (m, v, t, lr, b1, b2, eps, wd)

    return _adaptive_cases(extra)


def _adamw_reference(
    theta: np.ndarray, grad: np.ndarray, m: np.ndarray, v: np.ndarray, t: int,
    lr: float, beta1: float, beta2: float, eps: float, weight_decay: float,
) -> _Triple:  # fmt: skip
    rule = AdamW(lr, beta1, beta2, eps, weight_decay=weight_decay)
    state = AdamState(t=t - 1, m=np.array(m, dtype=float), v=np.array(v, dtype=float))
    theta, state = rule.step(theta, grad, state)
    return theta, state.m, state.v


def _adamw_variant(name: str, decay: str) -> Callable[..., _Triple]:
    """A wrong AdamW step: the decay applied the way ``decay`` says."""

    def step(
        theta: np.ndarray, grad: np.ndarray, m: np.ndarray, v: np.ndarray, t: int,
        lr: float, beta1: float, beta2: float, eps: float, weight_decay: float,
    ) -> _Triple:  # fmt: skip
        if decay == "l2":
            return _adam(theta, grad + weight_decay * theta, m, v, t, lr, beta1, beta2, eps)
        if decay == "after":
            new, m, v = _adam(theta, grad, m, v, t, lr, beta1, beta2, eps)
            return new * (1 - lr * weight_decay), m, v
        factor = {"no_lr": 1 - weight_decay, "sign": 1 + lr * weight_decay}.get(
            decay, 1 - lr * weight_decay
        )
        switches = {"use_m_hat": False, "use_v_hat": False} if decay == "uncorrected" else {}
        return _adam(theta * factor, grad, m, v, t, lr, beta1, beta2, eps, **switches)

    step.__name__ = step.__qualname__ = name
    return step


ADAMW_STEP = exercise(
    "adamw_step",
    params=("theta", "grad", "m", "v", "t", "lr", "beta1", "beta2", "eps", "weight_decay"),
    outputs=("theta", "m", "v"),
    doc="``adamw_step(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay) -> "
    "(theta, m, v)``: θ(1 − ηλ), then the Adam step (torch's AdamW)",
    reference=_adamw_reference,
    uses=("Adam", "AdamW", "NAdam"),
    cases=_adamw_cases,
    mistakes=(
        mistake(
            "l2_regularisation",
            "this is Adam with L2 regularisation: λθ added to the gradient, so it is averaged "
            "into m and divided by √v̂ + ε. AdamW leaves the gradient alone and shrinks θ "
            "directly: θ(1 − ηλ), then the Adam step.",
            _adamw_variant("_adamw_l2", "l2"),
        ),
        mistake(
            "decay_without_lr",
            "the decay factor is 1 − λ; torch's AdamW (and opt.AdamW) multiply λ by the "
            "learning rate: θ(1 − ηλ).",
            _adamw_variant("_adamw_no_lr", "no_lr"),
        ),
        mistake(
            "decay_after_the_step",
            "the decay is applied after the Adam step, so it shrinks the step too. Shrink θ "
            "first, θ(1 − ηλ), then subtract η·m̂/(√v̂ + ε).",
            _adamw_variant("_adamw_after", "after"),
        ),
        mistake(
            "decay_sign",
            "the decay grows θ: the factor is 1 − ηλ, not 1 + ηλ.",
            _adamw_variant("_adamw_sign", "sign"),
        ),
        mistake(
            "adamw_without_bias_correction",
            "the decay is right, but the Adam step lacks its bias correction: divide m by "
            "(1 − β1**t) and v by (1 − β2**t).",
            _adamw_variant("_adamw_uncorrected", "uncorrected"),
        ),
    ),
)


# ------------------------------------------------------ the ε of the η_t form


def _lr_t_cases() -> list[tuple[Any, ...]]:
    # (eps_hat, beta1, beta2, t): numbers and arrays of step numbers
    return [
        (1e-7, 0.9, 0.999, 1),
        (1e-8, 0.9, 0.999, np.array([1, 2, 10, 100, 1000, 10_000])),
        (0.1, 0.8, 0.99, np.array([[1, 2], [3, 50]])),
        (1e-3, 0.0, 0.9, 7),
    ]


def _lr_t_reference(eps_hat: float, beta1: float, beta2: float, t: Any) -> Any:
    """ε = ε̂/√(1 − β2^t): substitute m = (1 − β1^t)m̂ and √v = √(1 − β2^t)√v̂."""
    return eps_hat / np.sqrt(1 - beta2 ** np.asarray(t, dtype=float))


def _lr_t_multiplied(eps_hat: float, beta1: float, beta2: float, t: Any) -> Any:
    return eps_hat * np.sqrt(1 - beta2 ** np.asarray(t, dtype=float))


def _lr_t_no_root(eps_hat: float, beta1: float, beta2: float, t: Any) -> Any:
    return eps_hat / (1 - beta2 ** np.asarray(t, dtype=float))


def _lr_t_with_beta1(eps_hat: float, beta1: float, beta2: float, t: Any) -> Any:
    t = np.asarray(t, dtype=float)
    return eps_hat * (1 - beta1**t) / np.sqrt(1 - beta2**t)


def _lr_t_beta1_root(eps_hat: float, beta1: float, beta2: float, t: Any) -> Any:
    return eps_hat / np.sqrt(1 - beta1 ** np.asarray(t, dtype=float))


def _lr_t_unchanged(eps_hat: float, beta1: float, beta2: float, t: Any) -> Any:
    return np.full(np.shape(t), float(eps_hat))


def _lr_t_t_plus_one(eps_hat: float, beta1: float, beta2: float, t: Any) -> Any:
    return eps_hat / np.sqrt(1 - beta2 ** (np.asarray(t, dtype=float) + 1))


def _lr_t_t_minus_one(eps_hat: float, beta1: float, beta2: float, t: Any) -> Any:
    with np.errstate(divide="ignore"):
        return eps_hat / np.sqrt(1 - beta2 ** (np.asarray(t, dtype=float) - 1))


LR_T_EQUIVALENT_EPS = exercise(
    "lr_t_equivalent_eps",
    params=("eps_hat", "beta1", "beta2", "t"),
    doc="``lr_t_equivalent_eps(eps_hat, beta1, beta2, t) -> float or array``: the ε of "
    "the standard form that gives the η_t form's step at step t, ε̂/√(1 − β2^t)",
    reference=_lr_t_reference,
    uses=("Adam",),
    cases=_lr_t_cases,
    mistakes=(
        mistake(
            "multiplied",
            "the factor is upside down: ε̂·√(1 − β2**t) turns the standard form's ε into "
            "the η_t form's ε̂. Going the other way, divide: ε = ε̂/√(1 − β2**t), larger "
            "than ε̂.",
            _lr_t_multiplied,
        ),
        mistake(
            "no_root",
            "the square root is missing: ε̂ is added to √v = √(1 − β2**t)·√v̂, so it is "
            "divided by √(1 − β2**t).",
            _lr_t_no_root,
        ),
        mistake(
            "with_beta1",
            "β1 does not enter: the (1 − β1**t) in η_t cancels against m = (1 − β1**t)·m̂. "
            "Only the correction of v is left on ε̂.",
            _lr_t_with_beta1,
        ),
        mistake(
            "beta1_in_the_root",
            "the root holds the correction of v, 1 − β2**t, not 1 − β1**t.",
            _lr_t_beta1_root,
        ),
        mistake(
            "unchanged",
            "the two forms are not the same for ε̂ > 0: ε̂ is added to the UNcorrected √v, "
            "which is √(1 − β2**t) times √v̂. Substitute and compare.",
            _lr_t_unchanged,
        ),
        mistake(
            "t_off_by_one",
            "t is off by one: at step t the corrections use β**t, with t = 1 at the first step.",
            _lr_t_t_plus_one,
            _lr_t_t_minus_one,
        ),
    ),
)
