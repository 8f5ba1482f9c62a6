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

The functions the exercises ask for are plain numpy, with explicit state, new arrays
returned and inputs never modified; ``t`` counts steps from 1, schedules count ``step``
from 0. Each chapter's checks live in their own module (``checks/adam.py``,
``checks/lr_decay.py`` ...), declared once with
:func:`~optimizers.teaching.checks.engine.exercise`; the engine
(:mod:`optimizers.teaching.checks.engine`) says how to add one. Every module of this
package is imported here, so ``check_<name>``, ``CHECKS``, ``MISTAKES``, ``REFERENCES``
and the grader see a new exercise without any other file being edited.

``CHECKS`` maps each function name to its check; ``MISTAKES`` maps it to its named
mistakes (the tests run every one of them through its check); ``REFERENCES`` to a right
function; ``REGISTRY`` to the whole :class:`~optimizers.teaching.checks.engine.ExerciseCheck`.

The exercises:
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import Any

from .engine import REGISTRY, CheckFailed, ExerciseCheck, Mistake

for _module in pkgutil.iter_modules(__path__):
    if _module.name != "engine" and not _module.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_module.name}")

CHECKS: dict[str, Callable[[Callable[..., Any]], None]] = {
    name: ex.check for name, ex in REGISTRY.items()
}
MISTAKES: dict[str, tuple[Mistake, ...]] = {name: ex.mistakes for name, ex in REGISTRY.items()}
REFERENCES: dict[str, Callable[..., Any]] = {name: ex.reference for name, ex in REGISTRY.items()}

globals().update({check.__name__: check for check in CHECKS.values()})

__all__ = [
    "CHECKS",
    "MISTAKES",
    "REFERENCES",
    "REGISTRY",
    "CheckFailed",
    "ExerciseCheck",
    "Mistake",
    *sorted(check.__name__ for check in CHECKS.values()),
]

if __doc__ is not None:  # the list of exercises, from the registry (python -OO drops docs)
    __doc__ += "\n" + "\n".join(
        f"* ``{ex.chapter}``: {ex.doc}; :func:`check_{name}`" for name, ex in REGISTRY.items()
    )


def __getattr__(name: str) -> Callable[[Callable[..., Any]], None]:
    """``check_<name>`` of an exercise registered after this module was imported."""
    if name.startswith("check_") and name[len("check_") :] in REGISTRY:
        return REGISTRY[name[len("check_") :]].check
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
