"""optimizers: readable numpy implementations of the optimizers in the course book
*Optimizers: from gradient descent to Adam*, each verified against torch.optim.

.. code-block:: python

    import optimizers as opt
    adam = opt.Adam(lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8)
    state = adam.init(x0)
    x1, state = adam.step(x0, grad, state)
    path = opt.run(adam, opt.elongated_bowl(), x0, steps=30)

Three layers, each in its own place:

* this package, the core: numpy only (rules, schedules, averages, landscapes,
  trajectories, analysis, models, training, gradient-noise formulas, data loaders);
* :mod:`optimizers.book`: the book's figures and explorables (extra ``[book]``);
* :mod:`optimizers.teaching`: exercise checks and grading (extra ``[teaching]``).

``opt.checks`` is :mod:`optimizers.teaching.checks`, imported on first use, so the
chapters' ``opt.checks.check_adam_step(...)`` works without the core importing it.
"""

from typing import Any

from . import analysis, averages, data, minibatch, models, schedules, training, trajectories
from .averages import effective_window, ema, ema_weights
from .data import load_digits, load_seattle_temperatures
from .errors import DivergenceWarning
from .landscapes import (
    Landscape,
    MonkeySaddle,
    Plateau,
    Quadratic,
    Rosenbrock,
    Saddle,
    Slope,
    ThreePieceQuadratic,
    TwoMinima,
    elongated_bowl,
    ill_conditioned_quadratic,
)
from .models import MLP, L2Regularized, LeastSquares, LogisticRegression, largest_curvature
from .rules import (
    ALL_OPTIMIZERS,
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
    State,
    UpdateRule,
)
from .training import Checkpoints, TrainResult, minibatches, train, train_test_split
from .trajectories import (
    divergence_step,
    nesterov_lookahead_path,
    run,
    run_with_states,
    steps_to_stay_below,
)

__version__ = "0.2.0"


def __getattr__(name: str) -> Any:
    # opt.checks: the teaching layer, loaded only when a chapter's check cell asks for it
    if name == "checks":
        from .teaching import checks

        return checks
    raise AttributeError(f"module 'optimizers' has no attribute {name!r}")


__all__ = [
    "ALL_OPTIMIZERS",
    "MLP",
    "SGD",
    "AdaGrad",
    "Adadelta",
    "Adam",
    "AdamW",
    "Checkpoints",
    "DivergenceWarning",
    "L2Regularized",
    "Landscape",
    "LeastSquares",
    "LogisticRegression",
    "Momentum",
    "MonkeySaddle",
    "NAdam",
    "Nesterov",
    "Optimizer",
    "Plateau",
    "Quadratic",
    "RMSprop",
    "Rosenbrock",
    "Saddle",
    "Slope",
    "State",
    "ThreePieceQuadratic",
    "TrainResult",
    "TwoMinima",
    "UpdateRule",
    "analysis",
    "averages",
    "data",
    "divergence_step",
    "effective_window",
    "elongated_bowl",
    "ema",
    "ema_weights",
    "ill_conditioned_quadratic",
    "largest_curvature",
    "load_digits",
    "load_seattle_temperatures",
    "minibatch",
    "minibatches",
    "models",
    "nesterov_lookahead_path",
    "run",
    "run_with_states",
    "schedules",
    "steps_to_stay_below",
    "train",
    "train_test_split",
    "training",
    "trajectories",
]
