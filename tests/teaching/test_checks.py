"""optimizers.teaching.checks: the right answer passes, every named mistake is named, and the
generic failures (None, wrong arity, wrong shape, in-place changes, exceptions, NaN)
get their own messages. The chapters' solutions are extracted and run through their checks.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import optimizers as opt
from optimizers.teaching import assign, checks
from optimizers.teaching.checks import CHECKS, MISTAKES, REFERENCES, REGISTRY, CheckFailed, engine

ROOT = Path(__file__).resolve().parents[2]

MISTAKE_CASES = [
    pytest.param(name, mistake, variant, id=f"{name}-{mistake.name}-{variant.__name__}")
    for name, mistakes in MISTAKES.items()
    for mistake in mistakes
    for variant in mistake.variants
]


def test_every_check_has_mistakes_and_is_exported():
    assert opt.checks is checks
    for name, check in CHECKS.items():
        assert check.__name__ == f"check_{name}" and check.__name__ in checks.__all__
        assert MISTAKES[name], f"{name}: no named mistakes"
        names = [m.name for m in MISTAKES[name]]
        assert len(set(names)) == len(names), f"{name}: a mistake name is used twice"


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_reference_passes(name: str, capsys: pytest.CaptureFixture[str]):
    CHECKS[name](REFERENCES[name])
    out = capsys.readouterr()
    assert out.out.startswith(f"✓ {name} is correct") and not out.err


@pytest.mark.parametrize("name, mistake, variant", MISTAKE_CASES)
def test_each_mistake_is_named(name: str, mistake: checks.Mistake, variant):
    with pytest.raises(CheckFailed) as failure:
        CHECKS[name](variant)
    message = str(failure.value)
    assert mistake.message in message, message
    others = [m.message for m in MISTAKES[name] if m is not mistake]
    assert not any(other in message for other in others), message


def test_check_failed_is_an_assertion_error():
    assert issubclass(CheckFailed, AssertionError)


def _adam_body(fn):
    def adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps):
        return fn(theta, grad, m, v, t, lr, beta1, beta2, eps)

    return adam_step


def _in_place(theta, grad, m, v, t, lr, beta1, beta2, eps):
    m *= beta1
    m += (1 - beta1) * grad
    v *= beta2
    v += (1 - beta2) * grad**2
    theta = theta - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
    return theta, m, v


def _combined(theta, grad, m, v, t, lr, beta1, beta2, eps):  # two mistakes at once
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    return theta - lr * m / np.sqrt(v + eps), m, v  # no bias correction, eps inside


GENERIC = [
    (lambda *a: None, "returned None"),
    (lambda theta, grad, m, v, *a: (theta, m), "must return 3 values (theta, m, v)"),
    (lambda theta, grad, m, v, *a: (theta.ravel(), m, v), "with shape"),
    (lambda theta, grad, m, v, *a: (theta, m, "v"), "not numbers"),
    (_in_place, "modified its input `m` in place"),
    (lambda *a: 1 / 0, "raised ZeroDivisionError"),
    (lambda theta, grad, m, v, *a: (theta * np.nan, m, v), "NaN or inf"),
    (_combined, "differs at index"),
    ("adam_step", "expected the function adam_step"),
]


@pytest.mark.parametrize("fn, message", GENERIC)
def test_generic_failures(fn, message: str):
    with pytest.raises(CheckFailed, match=None) as failure:
        checks.check_adam_step(fn)
    assert message in str(failure.value), str(failure.value)


def test_not_implemented_passes_through():
    def adam_step(*args):
        raise NotImplementedError("Exercise 1: One Adam step")

    with pytest.raises(NotImplementedError, match="Exercise 1"):
        checks.check_adam_step(adam_step)


def test_classify_rejects_other_strings():
    with pytest.raises(CheckFailed, match="must return one of the strings"):
        checks.check_classify_critical_point(lambda h: "saddle point")


def test_minibatch_structure_errors():
    with pytest.raises(CheckFailed, match="1-D array of integer indices"):
        checks.check_minibatch_indices(lambda n, b, rng: [np.arange(n, dtype=float)])
    with pytest.raises(CheckFailed, match="returned None"):
        checks.check_minibatch_indices(lambda n, b, rng: None)


def chapter_solutions() -> list:
    params = []
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        chapter = assign.parse_chapter(path)
        answers = [
            c.source for c, r in zip(chapter.nb.cells, chapter.roles, strict=True) if r == "answer"
        ]
        for ex in chapter.exercises:
            if ex.check:
                params.append(pytest.param(answers, ex.check, id=f"{path.stem}:{ex.label}"))
    return params


@pytest.mark.parametrize("answers, check", chapter_solutions())
def test_every_solution_in_the_chapters_passes(answers, check, capsys):
    namespace: dict = {"np": np, "opt": opt}
    for source in answers:
        exec(compile(source, "<solution>", "exec"), namespace)
    exec(compile(check, "<check>", "exec"), namespace)
    assert capsys.readouterr().out.startswith("✓ ")


# ------------------------------------------------- the references of the newer checks


def test_variance_path_reference_matches_simulated_runs():
    """The recursion is what opt.run's noisy SGD does, under a schedule, from var0."""
    rates = np.array([opt.schedules.InverseTimeDecay(0.5, 0.1)(t) for t in range(60)])
    line = opt.Quadratic(np.array([[2.0]]))
    predicted = REFERENCES["variance_path"](rates, 2.0, 1.5, 0.0)
    runs = opt.run(opt.SGD(lambda t: rates[t]), line, np.ones((4000, 1)), 60, noise=1.5, seed=0)
    simulated = runs[:, :, 0].var(axis=1)
    assert predicted.shape == (61,) and predicted[0] == 0.0
    np.testing.assert_allclose(simulated[1:], predicted[1:], rtol=0.08)


def test_escape_steps_reference_matches_gradient_descent_on_the_saddle():
    for y0 in (1e-6, -1e-4):
        path = opt.run(opt.SGD(0.1), opt.Saddle(), [1.0, y0], 120)
        measured = int(np.argmax(np.abs(path[:, 1]) > 1.0))
        assert REFERENCES["escape_steps"](0.1, -2.0, y0, 1.0) == measured
    assert REFERENCES["escape_steps"](0.1, -2.0, 0.0, 1.0) == np.inf


def test_batch_noise_reference_is_the_finite_population_formula():
    grads = np.random.default_rng(0).normal(size=(20, 3)) + 1.0
    sigma2 = ((grads - grads.mean(axis=0)) ** 2).sum(axis=1).mean()
    assert np.isclose(REFERENCES["batch_noise"](grads, 1), sigma2)
    assert REFERENCES["batch_noise"](grads, 20) == 0.0


def test_best_rate_messages_name_the_rule_and_the_landscape():
    with pytest.raises(CheckFailed) as failure:
        checks.check_best_rate(lambda make_rule, landscape, start, rates, steps: rates[0])
    message = str(failure.value)
    assert "make_rule=lambda lr: opt.SGD(lr)" in message
    assert "landscape=<landscape 'elongated bowl'>" in message


def test_escape_steps_zero_start_must_be_infinite():
    def escape_steps(lr, curvature, y0, threshold):
        return 1e9 if y0 == 0 else REFERENCES["escape_steps"](lr, curvature, y0, threshold)

    with pytest.raises(CheckFailed, match="expected inf"):
        checks.check_escape_steps(escape_steps)


# ------------------------------------------- judged outside the student's process


def judged_outside(name: str, fn) -> engine.Verdict:
    """What the grader does: inputs as data in, outputs as data out, judged here."""
    check = REGISTRY[name]
    cases = check.make_cases()
    sent = engine.load(engine.dump(cases), builds=True)  # what the sandbox receives
    outputs = engine.dump(check.evaluate(fn, [tuple(c) for c in sent]), builds=False)
    return check.judge(cases, engine.load(outputs))  # builds=False: no objects back


@pytest.mark.parametrize("name, mistake, variant", MISTAKE_CASES)
def test_judged_outside_the_messages_are_the_same(name: str, mistake: checks.Mistake, variant):
    with pytest.raises(CheckFailed) as failure:
        CHECKS[name](variant)
    verdict = judged_outside(name, variant)
    assert not verdict.passed and verdict.message == str(failure.value)


@pytest.mark.parametrize("fn, message", GENERIC[:-1])
def test_judged_outside_the_generic_messages_are_the_same(fn, message: str):
    with pytest.raises(CheckFailed) as failure:
        checks.check_adam_step(fn)
    assert judged_outside("adam_step", fn).message == str(failure.value)


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_judged_outside_the_reference_passes(name: str, capsys: pytest.CaptureFixture[str]):
    CHECKS[name](REFERENCES[name])
    verdict = judged_outside(name, REFERENCES[name])
    assert verdict.passed and verdict.message == capsys.readouterr().out.strip()


def test_not_attempted_judged_outside():
    def adam_step(*args):
        raise NotImplementedError("Exercise 1: One Adam step")

    verdict = judged_outside("adam_step", adam_step)
    assert verdict.not_attempted and "Exercise 1: One Adam step" in verdict.message


def test_outputs_never_unpickle_or_build_objects():
    data = engine.dump([engine.Build("os:system", ("true",), text="x")])
    with pytest.raises(ValueError):
        engine.load(data)  # builds=False: a recipe from the student side is refused
    with pytest.raises(ValueError):
        engine.materialise(engine.Build("os:system", ("true",)))
    assert engine.to_data(object()) == engine.Opaque("object")


def test_every_check_lives_in_its_chapters_module():
    chapters = {p.stem.replace("-", "_") for p in (ROOT / "chapters").glob("*.ipynb")}
    for name, check in REGISTRY.items():
        assert check.chapter in chapters, f"{name} is declared in {check.module}"
        assert check.module == f"optimizers.teaching.checks.{check.chapter}"


def test_calls_the_package_looks_at_names_attributes_and_strings():
    uses = ("Adam",)
    assert engine.calls_the_package("def f():\n    return opt.Adam(0.1)", uses) == ["Adam"]
    assert engine.calls_the_package("from optimizers import Adam as A", uses) == ["Adam"]
    assert engine.calls_the_package("r = getattr(opt, 'Adam')", uses) == ["Adam"]
    assert sorted(engine.calls_the_package("x = opt.checks.REFERENCES", uses)) == [
        "REFERENCES",
        "checks",
    ]
    assert engine.calls_the_package("m = beta1 * m  # Adam's first moment", uses) == []


def test_no_chapter_solution_is_flagged():
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        chapter = assign.parse_chapter(path)
        answers = "\n".join(
            c.source for c, r in zip(chapter.nb.cells, chapter.roles, strict=True) if r == "answer"
        )
        for ex in chapter.exercises:
            name = ex.check.split("check_")[1].split("(")[0] if ex.check else None
            if name in REGISTRY:
                assert engine.calls_the_package(answers, REGISTRY[name].uses) == [], ex.label
