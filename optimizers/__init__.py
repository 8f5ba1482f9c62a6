"""optimizers: readable numpy implementations of the optimizers in the course book
*Optimizers: from gradient descent to Adam*, each verified against torch.optim.

.. code-block:: python

    import optimizers as opt
    adam = opt.Adam(lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8)
    state = adam.init(x0)
    x1, state = adam.step(x0, grad, state)
    path = opt.run(adam, opt.elongated_bowl(), x0, steps=30)
"""

from . import analysis, checks, data, minibatch, models, schedules
from .data import load_digits, load_seattle_temperatures, minibatches, train_test_split
from .ema import effective_window, ema, ema_weights
from .landscapes import (
    Landscape,
    MonkeySaddle,
    Plateau,
    Quadratic,
    Rosenbrock,
    Saddle,
    Slope,
    TwoMinima,
    elongated_bowl,
    ill_conditioned_quadratic,
)
from .models import MLP, Checkpoints, LeastSquares, LogisticRegression, TrainResult, train
from .rules import (
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
)
from .run import DivergenceWarning, divergence_step, nesterov_lookahead_path, run

__version__ = "0.1.0"

__all__ = [
    "MLP",
    "SGD",
    "AdaGrad",
    "Adadelta",
    "Adam",
    "AdamW",
    "Checkpoints",
    "DivergenceWarning",
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
    "TrainResult",
    "TwoMinima",
    "analysis",
    "checks",
    "data",
    "divergence_step",
    "effective_window",
    "elongated_bowl",
    "ema",
    "ema_weights",
    "ill_conditioned_quadratic",
    "load_digits",
    "load_seattle_temperatures",
    "minibatch",
    "minibatches",
    "models",
    "nesterov_lookahead_path",
    "run",
    "schedules",
    "train",
    "train_test_split",
]
