r"""Update rules: one class per optimizer, all with the same two methods.

.. code-block:: python

    import optimizers as opt
    adam = opt.Adam(lr=0.1)
    state = adam.init(x0)                   # explicit, inspectable state
    x1, state = adam.step(x0, grad, state)  # returns new parameters

Notation (the book's notation page uses the same symbols):

=========  ===============================================
symbol     meaning
=========  ===============================================
θ          parameters (``params``), an array of any shape
g          gradient of the loss at θ (``grads``)
η, η_t     learning rate (``lr``), a number or a schedule
β          decay rate of an average (``beta``)
m, v       first and second moment estimates
t          step count, 1 at the first step
ε          small constant that keeps a division finite (``eps``)
=========  ===============================================

Contract shared by every rule:

* ``step`` never writes into the ``params`` or ``grads`` you pass; it returns a
  new parameter array.
* ``step`` is pure, like the equations: it returns a **new** state and never writes
  into the state it was given, so a list of states is a history. (The speed path,
  ``fused=True`` where a rule offers it, updates its state in place and says so.)
* ``step`` checks that the state came from the same kind of rule (``init`` of this
  class) and has the parameters' shape, and says what is wrong otherwise.
* ``lr`` may be a number or a schedule ``t -> lr`` (see :mod:`optimizers.schedules`);
  the schedule is called with ``t = 0`` for the first step.
* Gradients must have the shape of the parameters and be finite; otherwise a
  ``ValueError`` says what is wrong (a NaN path is never produced silently).
* Every rule equals a ``torch.optim`` configuration exactly in float64; each class
  names it, and ``tests/test_reference.py`` checks it against stored torch outputs.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, Literal, Protocol, get_args

import numpy as np

from . import fused
from ._validate import (
    LearningRate,
    as_float_array,
    check_beta,
    check_choice,
    check_lr,
    check_positive,
    check_range,
    learning_rate_at,
)

# --------------------------------------------------------------------------- state


@dataclass
class State:
    """Base of every optimizer state: ``t`` counts the steps taken so far."""

    t: int = 0

    def copy(self) -> State:
        """A deep copy (arrays copied), for states a fused step will update in place."""
        return copy.deepcopy(self)

    def arrays(self) -> dict[str, np.ndarray]:
        """The per-parameter arrays of this state by name (``m``, ``v`` ...)."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if isinstance(getattr(self, f.name), np.ndarray)
        }

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(
            np.array_equal(getattr(self, f.name), getattr(other, f.name)) for f in fields(self)
        )


@dataclass(eq=False)
class SGDState(State):
    """Plain gradient descent keeps only the step count."""


@dataclass(eq=False)
class MomentumState(State):
    """``v``: the velocity, one entry per parameter."""

    v: np.ndarray = field(default_factory=lambda: np.zeros(0))


@dataclass(eq=False)
class AdaGradState(State):
    """``s``: the running sum of squared gradients."""

    s: np.ndarray = field(default_factory=lambda: np.zeros(0))


@dataclass(eq=False)
class RMSpropState(State):
    """``v``: the exponentially weighted average of squared gradients."""

    v: np.ndarray = field(default_factory=lambda: np.zeros(0))


@dataclass(eq=False)
class AdamState(State):
    """``m``, ``v``: first and second moment averages; ``v_max`` only with AMSGrad."""

    m: np.ndarray = field(default_factory=lambda: np.zeros(0))
    v: np.ndarray = field(default_factory=lambda: np.zeros(0))
    v_max: np.ndarray | None = None


@dataclass(eq=False)
class NAdamState(State):
    """Adam's ``m`` and ``v`` plus ``mu_product``, the product of the momentum factors."""

    m: np.ndarray = field(default_factory=lambda: np.zeros(0))
    v: np.ndarray = field(default_factory=lambda: np.zeros(0))
    mu_product: float = 1.0


@dataclass(eq=False)
class AdadeltaState(State):
    """``v``: average of squared gradients; ``u``: average of squared updates."""

    v: np.ndarray = field(default_factory=lambda: np.zeros(0))
    u: np.ndarray = field(default_factory=lambda: np.zeros(0))


# ----------------------------------------------------------------------- the base


def _non_finite_grads(count: int, t: int, fused: bool = False) -> ValueError:
    message = (
        f"grads contains {count} non-finite value(s) (NaN or inf) at step t={t}; "
        "the parameters have probably diverged: lower the learning rate"
    )
    if fused:  # found during the fused pass, which had already written the state
        message += "; the fused step updated the state in place: start again from init(params)"
    return ValueError(message)


def _check_fused(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"fused must be True or False, got {value!r}")
    if value:
        fused.require_numba()  # fail at construction, with the install command
    return value


class UpdateRule(Protocol):
    """What :func:`~optimizers.trajectories.run` and :func:`~optimizers.training.train`
    need from an optimizer; every rule of this module has it."""

    def init(self, params: Any) -> Any:
        """The state before the first step."""
        ...

    def step(self, params: Any, grads: Any, state: Any) -> tuple[np.ndarray, Any]:
        """One update: returns ``(new_params, new_state)``; never writes into its inputs."""
        ...


class Optimizer:
    """What every update rule shares: input checks and the learning rate at step t."""

    name = "Optimizer"
    state_type: ClassVar[type[State]] = State
    lr: LearningRate
    fused = False  # True: the step is one compiled pass (optimizers.fused); set by the rule

    def init(self, params: Any) -> State:
        """The state before the first step."""
        raise NotImplementedError

    def step(self, params: Any, grads: Any, state: Any) -> tuple[np.ndarray, Any]:
        """One update: returns ``(new_params, state)``."""
        raise NotImplementedError

    def lr_at(self, t: int) -> float:
        """The learning rate used by step ``t`` (``t = 0`` for the first step)."""
        return learning_rate_at(self.lr, t)

    def _inputs(self, params: Any, grads: Any, state: State) -> tuple[np.ndarray, np.ndarray]:
        """Check and convert the arguments of ``step``; never copies needlessly."""
        if type(state) is not self.state_type:
            raise TypeError(
                f"state must come from {type(self).__name__}.init(params) "
                f"(a {self.state_type.__name__}), got {type(state).__name__}"
            )
        params = as_float_array("params", params)
        for name, array in state.arrays().items():
            if array.shape != params.shape:
                raise ValueError(
                    f"state.{name} has shape {array.shape} but params have shape "
                    f"{params.shape}: make the state with {type(self).__name__}.init(params)"
                )
        grads = as_float_array("grads", grads)
        if grads.shape != params.shape:
            raise ValueError(
                f"grads must have the shape of params {params.shape}, got {grads.shape}"
            )
        # the fused pass counts the non-finite gradients itself, saving a pass over them
        if not self.fused and not np.isfinite(grads).all():
            bad = int(np.size(grads) - np.count_nonzero(np.isfinite(grads)))
            raise _non_finite_grads(bad, state.t + 1)
        return params, grads

    def _zeros(self, params: Any) -> np.ndarray:
        params = as_float_array("params", params)
        return np.zeros(params.shape)  # C-contiguous, as the fused path needs

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


# ----------------------------------------------------------------- the rules


class SGD(Optimizer):
    r"""Gradient descent: step against the gradient.

    .. math:: θ ← θ − η_t\,g

    Equals ``torch.optim.SGD(params, lr=lr)``.
    """

    name = "SGD"
    state_type = SGDState

    def __init__(self, lr: LearningRate) -> None:
        self.lr = check_lr(lr)

    def init(self, params: Any) -> SGDState:
        as_float_array("params", params)
        return SGDState()

    def step(self, params: Any, grads: Any, state: SGDState) -> tuple[np.ndarray, SGDState]:
        params, g = self._inputs(params, grads, state)
        lr = self.lr_at(state.t)
        return params - lr * g, SGDState(t=state.t + 1)


MomentumForm = Literal["standard", "ema", "velocity"]


class Momentum(Optimizer):
    r"""Gradient descent with momentum (Polyak's heavy ball).

    The velocity ``v`` remembers past gradients; ``beta`` is the friction
    (``beta = 0`` is plain gradient descent). Three forms are in use, all with v = 0 at
    the start, and ``form`` chooses which one this object computes:

    ``"standard"`` (torch.optim, this book)
        .. math:: v ← β v + g, \qquad θ ← θ − η_t v

        Equals ``torch.optim.SGD(params, lr=lr, momentum=beta)``.
    ``"ema"`` (Andrew Ng's lectures: v is an average of gradients)
        .. math:: v ← β v + (1 − β) g, \qquad θ ← θ − η_t v

        The same path as ``"standard"`` with learning rate ``(1 − β) η_t``. It is *not*
        torch's ``dampening=beta``, whose first step is undampened.
    ``"velocity"`` (Keras, Sutskever et al. 2013, CS231n, Deep Learning from Scratch)
        .. math:: v ← β v − η_t g, \qquad θ ← θ + v

        With a constant learning rate, the same path as ``"standard"``
        (v here is −η v there). With a schedule the two differ: here η_t
        scales only the newest gradient, there it scales the whole velocity.

    ``fused=True`` computes the step in one compiled pass per element and updates
    ``state.v`` **in place** (see :mod:`optimizers.fused`; needs numba).
    """

    name = "Momentum"
    state_type = MomentumState

    def __init__(
        self,
        lr: LearningRate,
        beta: float = 0.9,
        form: MomentumForm = "standard",
        *,
        fused: bool = False,
    ) -> None:
        self.lr = check_lr(lr)
        self.beta = check_beta("beta", beta)
        self.form = check_choice("form", form, get_args(MomentumForm))
        self.fused = _check_fused(fused)

    def init(self, params: Any) -> MomentumState:
        return MomentumState(v=self._zeros(params))

    def step(
        self, params: Any, grads: Any, state: MomentumState
    ) -> tuple[np.ndarray, MomentumState]:
        params, g = self._inputs(params, grads, state)
        lr, beta, t = self.lr_at(state.t), self.beta, state.t + 1
        if self.fused:  # one compiled pass; updates state.v in place
            new_params, non_finite = fused.momentum_step(
                params,
                g,
                state.v,
                lr=lr,
                beta=beta,
                gradient_weight=1 - beta if self.form == "ema" else 1.0,
                velocity_form=self.form == "velocity",
            )
            if non_finite:
                raise _non_finite_grads(non_finite, t, fused=True)
            state.t = t
            return new_params, state
        if self.form == "standard":
            v = beta * state.v + g  # v ← βv + g
            return params - lr * v, MomentumState(t=t, v=v)
        if self.form == "ema":
            v = beta * state.v + (1 - beta) * g  # v ← βv + (1 − β)g
            return params - lr * v, MomentumState(t=t, v=v)
        v = beta * state.v - lr * g  # v ← βv − ηg
        return params + v, MomentumState(t=t, v=v)


class Nesterov(Optimizer):
    r"""Nesterov's accelerated gradient, in the form deep-learning libraries use.

    .. math:: v ← β v + g, \qquad θ ← θ − η_t (g + β v)

    Equals ``torch.optim.SGD(params, lr=lr, momentum=beta, nesterov=True)``.

    The textbook "look-ahead" form evaluates the gradient at a point ahead of x,

    .. math:: v ← β v − η\,∇f(x + β v), \qquad x ← x + v

    and with a constant learning rate it is the same algorithm written for the
    look-ahead point θ = x + βv: the θ this class returns are those look-ahead
    points, equal up to rounding (about 1e-15);
    :func:`~optimizers.trajectories.nesterov_lookahead_path` computes both forms and
    the tests check it.
    """

    name = "Nesterov"
    state_type = MomentumState

    def __init__(self, lr: LearningRate, beta: float = 0.9) -> None:
        self.lr = check_lr(lr)
        self.beta = check_beta("beta", beta)

    def init(self, params: Any) -> MomentumState:
        return MomentumState(v=self._zeros(params))

    def step(
        self, params: Any, grads: Any, state: MomentumState
    ) -> tuple[np.ndarray, MomentumState]:
        params, g = self._inputs(params, grads, state)
        lr, beta = self.lr_at(state.t), self.beta
        v = beta * state.v + g  # v ← βv + g
        return params - lr * (g + beta * v), MomentumState(t=state.t + 1, v=v)


class AdaGrad(Optimizer):
    r"""AdaGrad: each parameter's step is divided by the root of its summed squared gradients.

    .. math:: s ← s + g^2, \qquad θ ← θ − η_t\, \frac{g}{\sqrt{s} + ε}

    ``s`` starts at 0 and ε sits outside the square root. Equals
    ``torch.optim.Adagrad(params, lr=lr, eps=eps)`` (``lr_decay=0``,
    ``initial_accumulator_value=0``).
    """

    name = "AdaGrad"
    state_type = AdaGradState

    def __init__(self, lr: LearningRate = 0.01, eps: float = 1e-10) -> None:
        self.lr = check_lr(lr)
        self.eps = check_positive("eps", eps)

    def init(self, params: Any) -> AdaGradState:
        return AdaGradState(s=self._zeros(params))

    def step(self, params: Any, grads: Any, state: AdaGradState) -> tuple[np.ndarray, AdaGradState]:
        params, g = self._inputs(params, grads, state)
        lr = self.lr_at(state.t)
        s = state.s + g**2  # s ← s + g²
        return params - lr * g / (np.sqrt(s) + self.eps), AdaGradState(t=state.t + 1, s=s)


class RMSprop(Optimizer):
    r"""RMSprop: AdaGrad with a moving average of squared gradients instead of the sum.

    .. math:: v ← β v + (1 − β) g^2, \qquad θ ← θ − η_t\, \frac{g}{\sqrt{v} + ε}

    ``v`` starts at 0 (no bias correction) and ε sits outside the square root.
    Equals ``torch.optim.RMSprop(params, lr=lr, alpha=beta, eps=eps)``
    (torch calls β ``alpha``; Keras calls it ``rho`` and defaults to 0.9).

    ``fused=True`` computes the step in one compiled pass per element and updates
    ``state.v`` **in place** (see :mod:`optimizers.fused`; needs numba).
    """

    name = "RMSprop"
    state_type = RMSpropState

    def __init__(
        self,
        lr: LearningRate = 0.01,
        beta: float = 0.99,
        eps: float = 1e-8,
        *,
        fused: bool = False,
    ) -> None:
        self.lr = check_lr(lr)
        self.beta = check_beta("beta", beta)
        self.eps = check_positive("eps", eps)
        self.fused = _check_fused(fused)

    def init(self, params: Any) -> RMSpropState:
        return RMSpropState(v=self._zeros(params))

    def step(self, params: Any, grads: Any, state: RMSpropState) -> tuple[np.ndarray, RMSpropState]:
        params, g = self._inputs(params, grads, state)
        lr, beta = self.lr_at(state.t), self.beta
        if self.fused:  # one compiled pass; updates state.v in place
            new_params, non_finite = fused.rmsprop_step(
                params, g, state.v, lr=lr, beta=beta, eps=self.eps
            )
            if non_finite:
                raise _non_finite_grads(non_finite, state.t + 1, fused=True)
            state.t += 1
            return new_params, state
        v = beta * state.v + (1 - beta) * g**2  # v ← βv + (1 − β)g²
        return params - lr * g / (np.sqrt(v) + self.eps), RMSpropState(t=state.t + 1, v=v)


AdamForm = Literal["standard", "lr_t"]


class Adam(Optimizer):
    r"""Adam: momentum (m) plus RMSprop (v) plus bias correction.

    With ``t`` counting steps from 1:

    .. math::

        m &← β_1 m + (1 − β_1) g \\
        v &← β_2 v + (1 − β_2) g^2 \\
        \hat m &= m / (1 − β_1^t) \\
        \hat v &= v / (1 − β_2^t) \\
        θ &← θ − η_t\, \hat m / (\sqrt{\hat v} + ε)

    Equals ``torch.optim.Adam(params, lr=lr, betas=(beta1, beta2), eps=eps,
    amsgrad=amsgrad)``. ε sits outside the square root, after bias correction.

    Options that the book's Adam chapter compares:

    * ``amsgrad=True`` (Reddi et al. 2018): divide by the running maximum
      ``v_max ← max(v_max, v)`` of the raw ``v``, then bias-correct it, as torch
      does (optax keeps the maximum of the corrected ``v̂`` instead).
    * ``bias_correction=False``: use ``m`` and ``v`` directly; not a torch
      configuration. With the default betas the early steps are then *larger*, by
      (1 − β_1^t)/√(1 − β_2^t): 3.16 at t = 1, most (6.6) near t = 12.
    * ``form="lr_t"``: the "efficient" form of Kingma and Ba's section 2 used by
      Keras and many textbooks,
      :math:`η_t' = η_t \sqrt{1 − β_2^t} / (1 − β_1^t)`,
      :math:`θ ← θ − η_t' m / (\sqrt v + ε)`. It equals the standard form only when
      ε = 0: its ε acts like ε/√(1 − β_2^t) in the standard form, up to 31.6ε at
      t = 1 with β_2 = 0.999 (the standard form is the lr_t form with ε√(1 − β_2^t)).
    * ``fused=True``: the speed path, the whole step in one compiled pass per element
      (like torch's ``fused=True``), equal to this path to rounding for every option
      above; it updates ``state.m``, ``state.v`` (and ``state.v_max``) **in place**
      and returns the same state object (see :mod:`optimizers.fused`; needs numba).
    """

    name = "Adam"
    state_type = AdamState

    def __init__(
        self,
        lr: LearningRate = 1e-3,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        amsgrad: bool = False,
        *,
        bias_correction: bool = True,
        form: AdamForm = "standard",
        fused: bool = False,
    ) -> None:
        self.lr = check_lr(lr)
        self.beta1 = check_beta("beta1", beta1)
        self.beta2 = check_beta("beta2", beta2)
        self.eps = check_range("eps", eps, 0.0, low_inclusive=form == "lr_t")
        self.amsgrad = bool(amsgrad)
        self.bias_correction = bool(bias_correction)
        self.form = check_choice("form", form, get_args(AdamForm))
        self.fused = _check_fused(fused)
        if self.form == "lr_t" and not self.bias_correction:
            raise ValueError(
                "form='lr_t' is a way of writing bias correction; it needs bias_correction=True"
            )

    def init(self, params: Any) -> AdamState:
        zeros = self._zeros(params)
        return AdamState(m=zeros, v=zeros.copy(), v_max=zeros.copy() if self.amsgrad else None)

    def step(self, params: Any, grads: Any, state: AdamState) -> tuple[np.ndarray, AdamState]:
        params, g = self._inputs(params, grads, state)
        return self._adam_step(params, g, state, self.lr_at(state.t))

    def _adam_step(
        self, params: np.ndarray, g: np.ndarray, state: AdamState, lr: float, decay: float = 1.0
    ) -> tuple[np.ndarray, AdamState]:
        beta1, beta2, eps, t = self.beta1, self.beta2, self.eps, state.t + 1
        if self.fused:
            return self._fused_adam_step(params, g, state, lr, decay)
        params = params * decay if decay != 1.0 else params  # AdamW: θ ← θ(1 − ηλ)

        m = beta1 * state.m + (1 - beta1) * g  # m ← β1·m + (1 − β1)·g
        v = beta2 * state.v + (1 - beta2) * g**2  # v ← β2·v + (1 − β2)·g²
        v_max = None if state.v_max is None else np.maximum(state.v_max, v)  # AMSGrad
        new_state = AdamState(t=t, m=m, v=v, v_max=v_max)
        if v_max is not None:  # AMSGrad divides by the largest v so far
            v = v_max

        if self.form == "lr_t":  # η_t = η·√(1 − β2^t)/(1 − β1^t) on the raw m and v
            lr_t = lr * np.sqrt(1 - beta2**t) / (1 - beta1**t)
            return params - lr_t * m / (np.sqrt(v) + eps), new_state
        if not self.bias_correction:
            return params - lr * m / (np.sqrt(v) + eps), new_state
        # m̂ = m/(1 − β1^t) and √v̂ = √v/√(1 − β2^t); the corrections are scalars, so
        # they are applied to scalars, as torch does (same numbers to rounding)
        step_size, v_correction = lr / (1 - beta1**t), np.sqrt(1 - beta2**t)
        return params - step_size * m / (np.sqrt(v) / v_correction + eps), new_state

    def _fused_adam_step(
        self, params: np.ndarray, g: np.ndarray, state: AdamState, lr: float, decay: float
    ) -> tuple[np.ndarray, AdamState]:
        """The same step in one compiled pass; updates the state's arrays in place."""
        beta1, beta2, t = self.beta1, self.beta2, state.t + 1
        if self.form == "lr_t":
            step_size, v_correction = lr * math.sqrt(1 - beta2**t) / (1 - beta1**t), 1.0
        elif self.bias_correction:
            step_size, v_correction = lr / (1 - beta1**t), math.sqrt(1 - beta2**t)
        else:
            step_size, v_correction = lr, 1.0
        new_params, non_finite = fused.adam_step(
            params,
            g,
            state.m,
            state.v,
            state.v_max,
            decay=decay,
            beta1=beta1,
            beta2=beta2,
            eps=self.eps,
            step_size=step_size,
            v_correction=v_correction,
        )
        if non_finite:
            raise _non_finite_grads(non_finite, t, fused=True)
        state.t = t
        return new_params, state


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov and Hutter 2019).

    First shrink the parameters, then take an Adam step:

    .. math:: θ ← θ (1 − η_t λ), \qquad θ ← \text{Adam step}(θ, g)

    Equals ``torch.optim.AdamW(params, lr=lr, betas=(beta1, beta2), eps=eps,
    weight_decay=weight_decay, amsgrad=amsgrad)``. Unlike L2 regularisation
    (adding λθ to g), the decay is not divided by √v̂. ``fused=True`` as in :class:`Adam`.
    """

    name = "AdamW"

    def __init__(
        self,
        lr: LearningRate = 1e-3,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        fused: bool = False,
    ) -> None:
        super().__init__(lr, beta1, beta2, eps, amsgrad, fused=fused)
        self.weight_decay = check_range("weight_decay", weight_decay, 0.0)

    def step(self, params: Any, grads: Any, state: AdamState) -> tuple[np.ndarray, AdamState]:
        params, g = self._inputs(params, grads, state)
        lr = self.lr_at(state.t)
        return self._adam_step(params, g, state, lr, decay=1 - lr * self.weight_decay)


class NAdam(Optimizer):
    r"""NAdam (Dozat 2016): Adam whose momentum looks one step ahead, Nesterov-style.

    With the momentum schedule :math:`μ_t = β_1 (1 − \tfrac12 \cdot 0.96^{tψ})`
    (ψ = ``momentum_decay``) and :math:`Π_t = μ_1 μ_2 \cdots μ_t`:

    .. math::

        m &← β_1 m + (1 − β_1) g \\
        v &← β_2 v + (1 − β_2) g^2 \\
        \hat v &= v / (1 − β_2^t) \\
        θ &← θ − η_t \left( \frac{(1 − μ_t)\, g}{1 − Π_t}
              + \frac{μ_{t+1}\, m}{1 − Π_t μ_{t+1}} \right) \Big/ (\sqrt{\hat v} + ε)

    Equals ``torch.optim.NAdam(params, lr=lr, betas=(beta1, beta2), eps=eps,
    momentum_decay=momentum_decay)``.
    """

    name = "NAdam"
    state_type = NAdamState

    def __init__(
        self,
        lr: LearningRate = 2e-3,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        momentum_decay: float = 4e-3,
    ) -> None:
        self.lr = check_lr(lr)
        self.beta1 = check_beta("beta1", beta1)
        self.beta2 = check_beta("beta2", beta2)
        self.eps = check_positive("eps", eps)
        self.momentum_decay = check_range("momentum_decay", momentum_decay, 0.0)

    def init(self, params: Any) -> NAdamState:
        zeros = self._zeros(params)
        return NAdamState(m=zeros, v=zeros.copy())

    def momentum_factor(self, t: int) -> float:
        """μ_t = β1 (1 − 0.5·0.96^(t ψ)), the momentum weight of step t."""
        return self.beta1 * (1 - 0.5 * 0.96 ** (t * self.momentum_decay))

    def step(self, params: Any, grads: Any, state: NAdamState) -> tuple[np.ndarray, NAdamState]:
        params, g = self._inputs(params, grads, state)
        lr, beta1, beta2, t = self.lr_at(state.t), self.beta1, self.beta2, state.t + 1

        mu, mu_next = self.momentum_factor(t), self.momentum_factor(t + 1)
        mu_product = state.mu_product * mu  # Π_t
        m = beta1 * state.m + (1 - beta1) * g  # m ← β1·m + (1 − β1)·g
        v = beta2 * state.v + (1 - beta2) * g**2  # v ← β2·v + (1 − β2)·g²
        denominator = np.sqrt(v / (1 - beta2**t)) + self.eps  # √v̂ + ε

        gradient_part = (1 - mu) / (1 - mu_product) * g
        momentum_part = mu_next / (1 - mu_product * mu_next) * m
        new_params = params - lr * (gradient_part + momentum_part) / denominator
        return new_params, NAdamState(t=t, m=m, v=v, mu_product=mu_product)


class Adadelta(Optimizer):
    r"""Adadelta (Zeiler 2012): RMSprop whose step size is itself a running average.

    .. math::

        v &← ρ v + (1 − ρ) g^2 \\
        Δ &= \frac{\sqrt{u + ε}}{\sqrt{v + ε}}\, g \\
        u &← ρ u + (1 − ρ) Δ^2 \\
        θ &← θ − η_t Δ

    Here ε sits *inside* the square roots (as in the paper and in torch).
    Equals ``torch.optim.Adadelta(params, lr=lr, rho=rho, eps=eps)``.
    """

    name = "Adadelta"
    state_type = AdadeltaState

    def __init__(self, lr: LearningRate = 1.0, rho: float = 0.9, eps: float = 1e-6) -> None:
        self.lr = check_lr(lr)
        self.rho = check_beta("rho", rho)
        self.eps = check_positive("eps", eps)

    def init(self, params: Any) -> AdadeltaState:
        zeros = self._zeros(params)
        return AdadeltaState(v=zeros, u=zeros.copy())

    def step(
        self, params: Any, grads: Any, state: AdadeltaState
    ) -> tuple[np.ndarray, AdadeltaState]:
        params, g = self._inputs(params, grads, state)
        lr, rho, eps = self.lr_at(state.t), self.rho, self.eps

        v = rho * state.v + (1 - rho) * g**2  # v ← ρv + (1 − ρ)g²
        delta = np.sqrt(state.u + eps) / np.sqrt(v + eps) * g
        u = rho * state.u + (1 - rho) * delta**2  # u ← ρu + (1 − ρ)Δ²
        return params - lr * delta, AdadeltaState(t=state.t + 1, v=v, u=u)


ALL_OPTIMIZERS: tuple[type[Optimizer], ...] = (
    SGD,
    Momentum,
    Nesterov,
    AdaGrad,
    RMSprop,
    Adam,
    AdamW,
    NAdam,
    Adadelta,
)
