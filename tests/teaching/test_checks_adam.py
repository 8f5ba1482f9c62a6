"""The checks of the Adam chapter: the references agree with opt.Adam and opt.AdamW (step
ratios measured on a constant gradient, AdamW runs, the η_t form's step), the cases cover
every answer, and natural answers pass."""

from __future__ import annotations

import numpy as np
import pytest

import optimizers as opt
from optimizers.rules import AdamState
from optimizers.teaching.checks import REFERENCES, REGISTRY, CheckFailed


def test_the_chapter_exercises_are_registered_here():
    names = {name for name, ex in REGISTRY.items() if ex.chapter == "adam"}
    assert names == {"adam_step", "uncorrected_is_smaller", "adamw_step", "lr_t_equivalent_eps"}


# ------------------------------------------------------------ uncorrected_is_smaller


def measured_shorter(beta1, beta2, steps):
    """Is the uncorrected step shorter, measured with opt.Adam on a constant gradient?"""

    def lengths(correction):
        rule = opt.Adam(1e-3, beta1, beta2, eps=1e-300, bias_correction=correction)
        return np.abs(np.diff(opt.run(rule, lambda x: np.ones_like(x), [0.0], steps)[:, 0]))

    return lengths(False) < lengths(True)


@pytest.mark.parametrize(
    "beta1, beta2", [(0.9, 0.999), (0.99, 0.999), (0.9, 0.5), (0.9, 0.9), (0.95, 0.99), (0.5, 0.8)]
)
def test_smaller_reference_matches_the_package(beta1, beta2):
    t = np.arange(1, 301)
    ratio = (1 - beta1**t) / np.sqrt(1 - beta2**t)
    clear = np.abs(ratio - 1) > 1e-9  # leave rounding's coin flips out
    expected = REFERENCES["uncorrected_is_smaller"](beta1, beta2, t)
    np.testing.assert_array_equal(expected[clear], measured_shorter(beta1, beta2, 300)[clear])


def test_smaller_cases_cover_always_never_and_mixed():
    kinds = set()
    for beta1, beta2, t in REGISTRY["uncorrected_is_smaller"].make_cases():
        answer = REFERENCES["uncorrected_is_smaller"](beta1, beta2, t)
        kinds.add("always" if answer.all() else "never" if not answer.any() else "mixed")
        ratio = (1 - beta1 ** np.asarray(t, float)) / np.sqrt(1 - beta2 ** np.asarray(t, float))
        assert np.all(np.abs(ratio - 1) > 1e-6)  # no case on the edge
    assert kinds == {"always", "never", "mixed"}


def test_smaller_every_step_exactly_when_beta2_at_most_beta1():
    t = np.arange(1, 200_001)
    for beta1 in (0.5, 0.9, 0.99):
        for beta2 in (0.3, 0.5, 0.9, 0.99, 0.999):
            shorter = REFERENCES["uncorrected_is_smaller"](beta1, beta2, t)
            ratio = (1 - beta1**t) / np.sqrt(1 - beta2**t)
            equal = np.abs(ratio - 1) < 1e-12  # where β**t has rounded away: r_t = 1
            every = np.all(shorter | equal)
            assert every == (beta2 <= beta1), (beta1, beta2)


@pytest.mark.parametrize(
    "answer",
    [
        lambda beta1, beta2, t: (1 - beta1**t) / np.sqrt(1 - beta2**t) < 1,
        lambda beta1, beta2, t: np.array(
            [(1 - beta1**s) < (1 - beta2**s) ** 0.5 for s in np.ravel(t)]
        ).reshape(np.shape(t)),
    ],
)
def test_smaller_accepts_other_right_answers(answer, capsys):
    opt.checks.check_uncorrected_is_smaller(answer)
    assert capsys.readouterr().out.startswith("✓ uncorrected_is_smaller is correct")


def test_smaller_names_the_equal_betas_myth():
    with pytest.raises(CheckFailed, match="not only when β1 = β2"):
        opt.checks.check_uncorrected_is_smaller(
            lambda beta1, beta2, t: np.full(np.shape(t), beta1 == beta2)
        )


# ----------------------------------------------------------------------- adamw_step


def test_adamw_reference_iterated_is_the_package_run():
    bowl = opt.elongated_bowl()
    rule = opt.AdamW(0.1, weight_decay=0.5)
    path = opt.run(rule, bowl, [-7.0, 2.0], 20)
    theta, m, v = np.array([-7.0, 2.0]), np.zeros(2), np.zeros(2)
    for t in range(1, 21):
        theta, m, v = REFERENCES["adamw_step"](
            theta, bowl.grad(theta), m, v, t, 0.1, 0.9, 0.999, 1e-8, 0.5
        )
        np.testing.assert_allclose(theta, path[t], rtol=1e-12)


def test_adamw_differs_from_the_l2_step_and_equals_adam_without_decay():
    rng = np.random.default_rng(0)
    theta, grad = rng.normal(size=5), rng.normal(size=5)
    m, v = rng.normal(size=5), rng.uniform(0, 1, size=5)
    adamw = REFERENCES["adamw_step"](theta, grad, m, v, 3, 0.1, 0.9, 0.999, 1e-8, 0.5)
    l2 = REFERENCES["adam_step"](theta, grad + 0.5 * theta, m, v, 3, 0.1, 0.9, 0.999, 1e-8)
    assert np.abs(adamw[0] - l2[0]).max() > 1e-3
    plain = REFERENCES["adamw_step"](theta, grad, m, v, 3, 0.1, 0.9, 0.999, 1e-8, 0.0)
    for a, b in zip(
        plain, REFERENCES["adam_step"](theta, grad, m, v, 3, 0.1, 0.9, 0.999, 1e-8), strict=True
    ):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_adamw_first_step_on_a_silent_weight():
    """The exercise's question: g = 0 at t = 1. AdamW moves θ by ηλ|θ|, L2 by about η."""
    theta, zero = np.array([0.01, -0.02]), np.zeros(2)
    adamw, _, _ = REFERENCES["adamw_step"](theta, zero, zero, zero, 1, 1e-2, 0.9, 0.999, 1e-8, 1e-2)
    np.testing.assert_allclose(theta - adamw, 1e-4 * theta, rtol=1e-12)
    l2, _, _ = REFERENCES["adam_step"](theta, 1e-2 * theta, zero, zero, 1, 1e-2, 0.9, 0.999, 1e-8)
    np.testing.assert_allclose(np.abs(theta - l2), 1e-2, rtol=1e-3)


def test_adamw_names_l2():
    def l2(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
        return REFERENCES["adam_step"](
            theta, grad + weight_decay * theta, m, v, t, lr, beta1, beta2, eps
        )

    with pytest.raises(CheckFailed, match="Adam with L2 regularisation"):
        opt.checks.check_adamw_step(l2)


# -------------------------------------------------------------- lr_t_equivalent_eps


@pytest.mark.parametrize("eps_hat", [1e-7, 1e-3, 0.1])
@pytest.mark.parametrize("t", [1, 2, 10, 300])
def test_lr_t_reference_reproduces_the_lr_t_step(eps_hat, t):
    rng = np.random.default_rng(t)
    theta, grad = rng.normal(size=6), 1e-3 * rng.normal(size=6)
    m, v = 1e-3 * rng.normal(size=6), 1e-6 * rng.uniform(0, 1, size=6)
    lr_t_rule = opt.Adam(0.1, 0.8, 0.99, eps=eps_hat, form="lr_t")
    eps = REFERENCES["lr_t_equivalent_eps"](eps_hat, 0.8, 0.99, t)
    standard_rule = opt.Adam(0.1, 0.8, 0.99, eps=float(eps))
    lr_t_step, _ = lr_t_rule.step(theta, grad, AdamState(t=t - 1, m=m, v=v))
    standard_step, _ = standard_rule.step(theta, grad, AdamState(t=t - 1, m=m, v=v))
    np.testing.assert_allclose(lr_t_step, standard_step, rtol=1e-12)
    assert eps > eps_hat


def test_lr_t_answer_as_a_power_passes(capsys):
    opt.checks.check_lr_t_equivalent_eps(lambda e, b1, b2, t: e * (1 - b2**t) ** -0.5)
    assert capsys.readouterr().out.startswith("✓ lr_t_equivalent_eps is correct")


def test_lr_t_names_the_upside_down_factor():
    with pytest.raises(CheckFailed, match="factor is upside down"):
        opt.checks.check_lr_t_equivalent_eps(lambda e, b1, b2, t: e * np.sqrt(1 - b2**t))
