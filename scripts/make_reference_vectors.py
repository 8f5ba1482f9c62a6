"""Generate the reference vectors that tests/test_reference.py compares against.

Run by hand, once, when the equations or the cases change (the test suite itself
never needs torch, jax or optax):

    pip install torch==2.13.0 optax jax
    python scripts/make_reference_vectors.py

It writes tests/reference/{optimizers,schedules,ema}.npz. Everything runs in
float64 with fixed seeds, so the files are reproducible.

Optimizers: for each case (rule, hyperparameters, shape) torch.optim takes STEPS
steps on the loss whose gradient is ``A * (p - c) + 0.3 * sin(p)`` (elementwise,
seeded A > 0 and c), and we store A, c and the parameters it produced. The tests
recompute each gradient at torch's parameters, feed it to our rule and compare
the parameters it returns with torch's next ones.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import jax
import numpy as np
import optax
import torch

jax.config.update("jax_enable_x64", True)
torch.set_default_dtype(torch.float64)  # torch NAdam is exact in float64 only with this
torch.set_num_threads(1)

OUT = Path(__file__).resolve().parent.parent / "tests" / "reference"
STEPS = 150
SHAPES = [(7,), (3, 4), (2, 3, 2)]

# (name in our package, our keyword arguments, torch class, torch keyword arguments)
OPTIMIZER_CASES = [
    ("SGD", {"lr": 0.1}, "SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.03}, "SGD", {"lr": 0.03}),
    ("Momentum", {"lr": 0.05, "beta": 0.9}, "SGD", {"lr": 0.05, "momentum": 0.9}),
    ("Momentum", {"lr": 0.02, "beta": 0.5}, "SGD", {"lr": 0.02, "momentum": 0.5}),
    # the lecture form v = βv + (1 − β)g with lr 0.2 is torch's form with lr 0.2·(1 − 0.9)
    (
        "Momentum",
        {"lr": 0.2, "beta": 0.9, "form": "ema"},
        "SGD",
        {"lr": 0.2 * (1 - 0.9), "momentum": 0.9},
    ),
    # the velocity form v = βv − ηg; θ += v is torch's form (constant lr)
    (
        "Momentum",
        {"lr": 0.05, "beta": 0.9, "form": "velocity"},
        "SGD",
        {"lr": 0.05, "momentum": 0.9},
    ),
    ("Nesterov", {"lr": 0.05, "beta": 0.9}, "SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("Nesterov", {"lr": 0.02, "beta": 0.7}, "SGD", {"lr": 0.02, "momentum": 0.7, "nesterov": True}),
    ("AdaGrad", {"lr": 0.1}, "Adagrad", {"lr": 0.1}),
    ("AdaGrad", {"lr": 0.5, "eps": 1e-3}, "Adagrad", {"lr": 0.5, "eps": 1e-3}),
    ("RMSprop", {"lr": 0.01}, "RMSprop", {"lr": 0.01}),
    (
        "RMSprop",
        {"lr": 0.005, "beta": 0.9, "eps": 1e-6},
        "RMSprop",
        {"lr": 0.005, "alpha": 0.9, "eps": 1e-6},
    ),
    ("Adam", {}, "Adam", {}),
    (
        "Adam",
        {"lr": 0.05, "beta1": 0.8, "beta2": 0.99, "eps": 1e-6},
        "Adam",
        {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-6},
    ),
    ("Adam", {"lr": 0.05, "amsgrad": True}, "Adam", {"lr": 0.05, "amsgrad": True}),
    ("AdamW", {}, "AdamW", {}),
    (
        "AdamW",
        {"lr": 0.05, "beta1": 0.8, "beta2": 0.99, "eps": 1e-6, "weight_decay": 0.1},
        "AdamW",
        {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1},
    ),
    (
        "AdamW",
        {"lr": 0.05, "amsgrad": True},
        "AdamW",
        {"lr": 0.05, "amsgrad": True},
    ),
    ("NAdam", {}, "NAdam", {}),
    (
        "NAdam",
        {"lr": 0.01, "beta1": 0.8, "beta2": 0.99, "eps": 1e-6, "momentum_decay": 1e-2},
        "NAdam",
        {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6, "momentum_decay": 1e-2},
    ),
    ("Adadelta", {}, "Adadelta", {}),
    (
        "Adadelta",
        {"lr": 0.5, "rho": 0.95, "eps": 1e-5},
        "Adadelta",
        {"lr": 0.5, "rho": 0.95, "eps": 1e-5},
    ),
]

# (our schedule class and arguments, a function building the torch scheduler, steps)
SCHEDULE_CASES = [
    (
        "InverseTimeDecay",
        {"lr0": 0.1, "decay_rate": 0.5},
        lambda o: torch.optim.lr_scheduler.LambdaLR(o, lambda t: 1 / (1 + 0.5 * t)),
        STEPS,
    ),
    (
        "ExponentialDecay",
        {"lr0": 0.1, "gamma": 0.95},
        lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.95),
        STEPS,
    ),
    (
        "StepDecay",
        {"lr0": 0.1, "step_size": 10, "gamma": 0.5},
        lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=10, gamma=0.5),
        STEPS,
    ),
    (
        "InverseSqrtDecay",
        {"k": 0.1},
        lambda o: torch.optim.lr_scheduler.LambdaLR(o, lambda t: 1 / math.sqrt(t + 1)),
        STEPS,
    ),
    (
        "CosineDecay",
        {"lr0": 0.1, "T": 100, "lr_min": 0.001},
        lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=100, eta_min=0.001),
        101,  # torch's recursive form rises again after T_max; ours stays at lr_min
    ),
    (
        "LinearWarmup",
        {"lr0": 0.1, "warmup_steps": 10, "start_factor": 0.1},
        lambda o: torch.optim.lr_scheduler.LinearLR(o, start_factor=0.1, total_iters=10),
        STEPS,
    ),
]


def problem(shape: tuple[int, ...], seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Seeded curvatures A, centres c and start point p0 of the test loss."""
    rng = np.random.default_rng(seed)
    A = rng.uniform(0.5, 3.0, shape)
    c = rng.normal(size=shape)
    p0 = 2.0 * rng.normal(size=shape)
    return A, c, p0


def torch_path(
    torch_name: str, kwargs: dict, shape: tuple[int, ...], seed: int, scheduler=None
) -> dict[str, np.ndarray]:
    A_np, c_np, p0_np = problem(shape, seed)
    A, c, p0 = torch.tensor(A_np), torch.tensor(c_np), torch.tensor(p0_np)
    p = torch.nn.Parameter(p0.clone())
    opt = getattr(torch.optim, torch_name)([p], foreach=False, **kwargs)
    sched = scheduler(opt) if scheduler else None
    params = [p.detach().numpy().copy()]
    for _ in range(STEPS):
        with torch.no_grad():
            p.grad = A * (p - c) + 0.3 * torch.sin(p)
        opt.step()
        if sched:
            sched.step()
        params.append(p.detach().numpy().copy())
    return {"A": A_np, "c": c_np, "params": np.array(params)}


def make_optimizers() -> None:
    arrays: dict[str, np.ndarray] = {}
    cases = []
    for i, (name, ours, torch_name, theirs) in enumerate(OPTIMIZER_CASES):
        for j, shape in enumerate(SHAPES):
            key = f"case{i}_shape{j}"
            result = torch_path(torch_name, theirs, shape, seed=100 * i + j)
            arrays.update({f"{key}_{k}": v for k, v in result.items()})
            cases.append(
                {
                    "key": key,
                    "name": name,
                    "kwargs": ours,
                    "shape": shape,
                    "torch": f"torch.optim.{torch_name}({theirs})",
                }
            )
    # an optimizer driven by a schedule: t = 0 at the first step
    result = torch_path(
        "Adam",
        {"lr": 0.1},
        (3, 4),
        seed=999,
        scheduler=lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.97),
    )
    arrays.update({f"scheduled_{k}": v for k, v in result.items()})
    arrays["cases"] = np.array(json.dumps(cases))
    np.savez_compressed(OUT / "optimizers.npz", **arrays)


def make_schedules() -> None:
    arrays: dict[str, np.ndarray] = {}
    cases = []
    for i, (name, kwargs, build, steps) in enumerate(SCHEDULE_CASES):
        p = torch.nn.Parameter(torch.zeros(1))
        lr0 = kwargs.get("lr0", kwargs.get("k"))
        opt = torch.optim.SGD([p], lr=lr0)
        sched = build(opt)
        lrs = []
        for _ in range(steps):
            lrs.append(opt.param_groups[0]["lr"])  # the rate the coming step uses
            opt.step()
            sched.step()
        arrays[f"case{i}"] = np.array(lrs)
        cases.append({"key": f"case{i}", "name": name, "kwargs": kwargs})
    arrays["cases"] = np.array(json.dumps(cases))
    np.savez_compressed(OUT / "schedules.npz", **arrays)


def make_ema() -> None:
    rng = np.random.default_rng(7)
    series = rng.normal(10.0, 3.0, size=(200, 3))
    arrays = {"series": series}
    for beta in (0.5, 0.9, 0.98):
        transform = optax.ema(decay=beta, debias=True)
        state = transform.init(jax.numpy.zeros(3))
        out = []
        for x in series:
            avg, state = transform.update(jax.numpy.asarray(x), state)
            out.append(np.asarray(avg))
        arrays[f"beta{beta}"] = np.array(out)
    np.savez_compressed(OUT / "ema.npz", **arrays)


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    make_optimizers()
    make_schedules()
    make_ema()
    print(f"wrote {sorted(p.name for p in OUT.glob('*.npz'))} to {OUT}")
    print(f"torch {torch.__version__}, optax {optax.__version__}, jax {jax.__version__}")
