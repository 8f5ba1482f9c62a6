"""The checks of ``chapters/lr-decay.ipynb``.

Learning-rate decay: inverse time decay per epoch, the variance under a schedule, the
spread of the averaged iterates.

Each exercise is declared once with :func:`~optimizers.teaching.checks.engine.exercise`
(see :mod:`optimizers.teaching.checks.engine` for how to add one).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...schedules import InverseTimeDecay, per_epoch
from .engine import exercise, mistake


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


INVERSE_TIME_DECAY = exercise(
    "inverse_time_decay",
    params=("lr0", "decay_rate", "step", "steps_per_epoch"),
    doc="``inverse_time_decay(lr0, decay_rate, step, steps_per_epoch) -> float``",
    reference=_decay_reference,
    uses=("InverseTimeDecay", "per_epoch", "PerEpoch"),
    cases=lambda: [
        (0.1, 1.0, 0, 10),
        (0.1, 1.0, 9, 10),
        (0.1, 1.0, 10, 10),
        (0.5, 0.3, 47, 7),
        (0.05, 2.0, 130, 25),
    ],
    mistakes=(
        mistake(
            "per_step",
            "the decay is applied per step instead of per epoch, so the rate falls "
            "steps_per_epoch times too fast. Count epochs, epoch = step // steps_per_epoch, "
            "and decay with the epoch.",
            _decay_per_step,
        ),
        mistake(
            "fractional_epoch",
            "the epoch is fractional (step / steps_per_epoch): the rate should stay fixed "
            "within an epoch; use integer division, step // steps_per_epoch.",
            _decay_fractional,
        ),
        mistake(
            "epoch_from_one",
            "the epochs are counted from 1: the first epoch (steps 0 .. steps_per_epoch − 1) "
            "is epoch 0 and uses lr0 itself.",
            _decay_epoch_from_one,
        ),
        mistake(
            "multiplies",
            "the rate grows: divide lr0 by 1 + decay_rate·epoch, do not multiply.",
            _decay_multiplies,
        ),
    ),
)


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


VARIANCE_PATH = exercise(
    "variance_path",
    params=("rates", "lam", "sigma", "var0"),
    doc="``variance_path(rates, lam, sigma, var0) -> array``: Var θ_0 .. Var θ_T",
    reference=_variance_reference,
    cases=_variance_cases,
    mistakes=(
        mistake(
            "factor_not_squared",
            "the factor (1 − ηλ) is not squared. θ is multiplied by (1 − ηλ), so its "
            "variance by (1 − ηλ)**2.",
            _variance_factor_not_squared,
        ),
        mistake(
            "lr_not_squared",
            "the noise adds η·σ**2; the kick is η·σ·ξ, whose variance is η**2·σ**2.",
            _variance_lr_not_squared,
        ),
        mistake(
            "sigma_not_squared",
            "the noise adds η**2·σ; σ is a standard deviation, the variance of the kick "
            "η·σ·ξ is η**2·σ**2.",
            _variance_sigma_not_squared,
        ),
        mistake(
            "stationary_formula",
            "it returns the stationary variance ησ²/(λ(2 − ηλ)) of each step's rate. That "
            "is where the variance would settle if the rate stayed fixed for long; under a "
            "schedule it lags behind. Iterate Var θ_{t+1} = (1 − η_t λ)**2 Var θ_t + "
            "η_t**2 σ**2 from var0.",
            _variance_stationary,
        ),
    ),
)


def _stationary(lr: float, lam: float, sigma: float) -> float:
    return lr * sigma**2 / (lam * (2 - lr * lam))


def _averaged(
    lr: float, lam: float, sigma: float, beta: float, *, rho: float | None = None,
    var_theta: float | None = None, correlation: bool = True,
) -> float:  # fmt: skip
    """Var m for m_t = β m_{t−1} + (1 − β) θ_t; the wrong variants change one ingredient."""
    rho = 1 - lr * lam if rho is None else rho
    s = _stationary(lr, lam, sigma) if var_theta is None else var_theta
    factor = (1 + beta * rho) / (1 - beta * rho) if correlation else 1.0
    return (1 - beta) / (1 + beta) * factor * s


def _averaged_reference(lr: float, lam: float, sigma: float, beta: float) -> float:
    return _averaged(lr, lam, sigma, beta)


def _averaged_independent(lr: float, lam: float, sigma: float, beta: float) -> float:
    return _averaged(lr, lam, sigma, beta, correlation=False)


def _averaged_flat_window(lr: float, lam: float, sigma: float, beta: float) -> float:
    return (1 - beta) * _stationary(lr, lam, sigma)


def _averaged_rho_eta_lambda(lr: float, lam: float, sigma: float, beta: float) -> float:
    return _averaged(lr, lam, sigma, beta, rho=lr * lam)


def _averaged_factor_inverted(lr: float, lam: float, sigma: float, beta: float) -> float:
    rho = 1 - lr * lam
    return (
        (1 - beta) / (1 + beta) * (1 - beta * rho) / (1 + beta * rho) * _stationary(lr, lam, sigma)
    )


def _averaged_small_rate(lr: float, lam: float, sigma: float, beta: float) -> float:
    return _averaged(lr, lam, sigma, beta, var_theta=lr * sigma**2 / (2 * lam))


def _averaged_factor_only(lr: float, lam: float, sigma: float, beta: float) -> float:
    return _averaged(lr, lam, sigma, beta, var_theta=1.0)


AVERAGED_VARIANCE = exercise(
    "averaged_variance",
    params=("lr", "lam", "sigma", "beta"),
    doc="``averaged_variance(lr, lam, sigma, beta) -> float``: the stationary variance of "
    "the EMA (decay β) of the iterates of noisy gradient descent on ½λθ²",
    reference=_averaged_reference,
    cases=lambda: [
        (0.5, 1.0, 1.0, 0.98),
        (0.1, 2.0, 0.5, 0.9),
        (0.05, 1.0, 3.0, 0.99),
        (1.2, 1.0, 1.0, 0.9),
        (0.3, 0.5, 2.0, 0.5),
    ],
    mistakes=(
        mistake(
            "independent_values",
            "it uses (1 − β)/(1 + β)·Var θ, the formula for averaging independent values. "
            "Successive iterates are correlated (θ_t = ρθ_{t−1} + kick, ρ = 1 − ηλ), which "
            "multiplies it by (1 + βρ)/(1 − βρ): solve for Cov(m_t, θ_t) first.",
            _averaged_independent,
        ),
        mistake(
            "flat_window",
            "it treats the average as a flat mean of 1/(1 − β) independent values, "
            "(1 − β)·Var θ. An EMA's weights are unequal and the iterates are correlated; "
            "write the stationary equations for Var θ, Cov(m, θ) and Var m.",
            _averaged_flat_window,
        ),
        mistake(
            "rho_is_eta_lambda",
            "it takes ρ = ηλ. One step multiplies θ by ρ = 1 − ηλ (the pull toward the "
            "minimum leaves that fraction of θ in place).",
            _averaged_rho_eta_lambda,
        ),
        mistake(
            "correlation_factor_inverted",
            "the correlation factor is upside down: positively correlated iterates "
            "(ρ > 0) make the average noisier than for independent values, so the factor "
            "is (1 + βρ)/(1 − βρ), not its inverse.",
            _averaged_factor_inverted,
        ),
        mistake(
            "small_rate_variance",
            "it uses Var θ ≈ ησ²/(2λ), which holds only for ηλ ≪ 1. Use the exact "
            "stationary variance ησ²/(λ(2 − ηλ)).",
            _averaged_small_rate,
        ),
        mistake(
            "ratio_only",
            "it returns Var m / Var θ, the factor alone. Multiply by the stationary "
            "variance of θ, ησ²/(λ(2 − ηλ)).",
            _averaged_factor_only,
        ),
    ),
)
