r"""Loss landscapes with analytic gradients, vectorised over many points.

A point is an array whose last axis holds its coordinates: ``(2,)`` for one point
in the plane, ``(1000, 2)`` for a thousand. ``value`` drops that axis, ``grad``
keeps it and ``hessian`` adds one more:

.. code-block:: python

    bowl = elongated_bowl()
    bowl.value(np.array([-7.0, 2.0]))   # 6.45
    bowl.grad(np.zeros((1000, 2)))      # shape (1000, 2)

Each landscape also suggests a plotting window (``xlim``, ``ylim``) and lists its
critical points, so chapters and tests can refer to them by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._validate import as_float_array, check_positive


class Landscape:
    """A function of ``dim`` variables with its gradient (and Hessian where cheap)."""

    name = "landscape"
    dim = 2
    xlim: tuple[float, float] = (-3.0, 3.0)
    ylim: tuple[float, float] = (-3.0, 3.0)

    def value(self, points: Any) -> np.ndarray:
        """f at each point: shape ``points.shape[:-1]``."""
        raise NotImplementedError

    def grad(self, points: Any) -> np.ndarray:
        """∇f at each point: shape ``points.shape``."""
        raise NotImplementedError

    def hessian(self, points: Any) -> np.ndarray:
        """∇²f at each point: shape ``points.shape + (dim,)``."""
        raise NotImplementedError(f"{self.name} has no analytic Hessian")

    def __call__(self, points: Any) -> np.ndarray:
        return self.value(points)

    def _points(self, points: Any) -> np.ndarray:
        p = as_float_array("points", points)
        if p.ndim == 0 or p.shape[-1] != self.dim:
            raise ValueError(
                f"points must have shape (..., {self.dim}) for {self.name}, got {p.shape}"
            )
        return p


@dataclass(eq=False)
class Quadratic(Landscape):
    r"""f(x) = ½ xᵀ A x with A symmetric positive (semi)definite, in any dimension.

    ∇f = A x and ∇²f = A. Gradient descent converges for every start exactly
    when 0 < η < 2 / λ_max(A).
    """

    A: np.ndarray
    name: str = "quadratic"
    xlim: tuple[float, float] = (-3.0, 3.0)
    ylim: tuple[float, float] = (-3.0, 3.0)
    dim: int = field(init=False)

    def __post_init__(self) -> None:
        A = as_float_array("A", self.A)
        if A.ndim != 2 or A.shape[0] != A.shape[1]:
            raise ValueError(f"A must be a square matrix, got shape {A.shape}")
        if not np.allclose(A, A.T):
            raise ValueError("A must be symmetric")
        self.A = A
        self.dim = A.shape[0]

    @property
    def eigenvalues(self) -> np.ndarray:
        """The eigenvalues of A in ascending order, the curvatures along the principal axes."""
        return np.linalg.eigvalsh(self.A)

    @property
    def condition_number(self) -> float:
        """κ = λ_max / λ_min."""
        lam = self.eigenvalues
        return float(lam[-1] / lam[0])

    @property
    def lr_threshold(self) -> float:
        """The threshold 2 / λ_max; gradient descent diverges from almost every start above it."""
        return float(2 / self.eigenvalues[-1])

    @property
    def best_lr(self) -> float:
        """The η = 2 / (λ_min + λ_max) that makes gradient descent's slowest direction fastest."""
        lam = self.eigenvalues
        return float(2 / (lam[0] + lam[-1]))

    @property
    def best_rate(self) -> float:
        """The rate (κ − 1) / (κ + 1); the error shrinks at least this fast at ``best_lr``."""
        kappa = self.condition_number
        return (kappa - 1) / (kappa + 1)

    def contraction_factors(self, lr: float) -> np.ndarray:
        """1 − ηλ_i for each eigenvalue: gradient descent multiplies the i-th component of
        x (in the eigenbasis) by this factor every step. A factor of size > 1 diverges, a
        negative factor flips sign each step (oscillation)."""
        return 1 - lr * self.eigenvalues

    def value(self, points: Any) -> np.ndarray:
        p = self._points(points)
        return 0.5 * np.einsum("...i,ij,...j->...", p, self.A, p)

    def grad(self, points: Any) -> np.ndarray:
        return self._points(points) @ self.A  # A is symmetric: x A = A x

    def hessian(self, points: Any) -> np.ndarray:
        p = self._points(points)
        return np.broadcast_to(self.A, (*p.shape, self.dim)).copy()


def elongated_bowl() -> Quadratic:
    """f(x, y) = x²/20 + y²: the bowl of "Deep Learning from Scratch" (κ = 20)."""
    return Quadratic(np.diag([1 / 10, 2.0]), name="elongated bowl", xlim=(-10, 10), ylim=(-5, 5))


def ill_conditioned_quadratic() -> Quadratic:
    """f(x, y) = 0.1x² + 2y² (κ = 20, steeper than the bowl)."""
    return Quadratic(
        np.diag([0.2, 4.0]), name="ill-conditioned quadratic", xlim=(-8, 8), ylim=(-4, 4)
    )


@dataclass(eq=False)
class Rosenbrock(Landscape):
    """f(x, y) = (a − x)² + b (y − x²)²: a curved, flat-bottomed valley; minimum at (a, a²)."""

    a: float = 1.0
    b: float = 100.0
    name: str = "Rosenbrock"
    xlim: tuple[float, float] = (-2.0, 2.0)
    ylim: tuple[float, float] = (-1.0, 3.0)

    def value(self, points: Any) -> np.ndarray:
        p = self._points(points)
        x, y = p[..., 0], p[..., 1]
        return (self.a - x) ** 2 + self.b * (y - x**2) ** 2

    def grad(self, points: Any) -> np.ndarray:
        p = self._points(points)
        x, y = p[..., 0], p[..., 1]
        dx = -2 * (self.a - x) - 4 * self.b * x * (y - x**2)
        dy = 2 * self.b * (y - x**2)
        return np.stack([dx, dy], axis=-1)

    def hessian(self, points: Any) -> np.ndarray:
        p = self._points(points)
        x, y = p[..., 0], p[..., 1]
        dxx = 2 - 4 * self.b * (y - 3 * x**2)
        dxy = -4 * self.b * x
        dyy = np.full_like(x, 2 * self.b)
        return np.stack([np.stack([dxx, dxy], -1), np.stack([dxy, dyy], -1)], -2)

    @property
    def minimum(self) -> np.ndarray:
        """The minimum (a, a²), where f = 0."""
        return np.array([self.a, self.a**2])


@dataclass(eq=False)
class TwoMinima(Landscape):
    r"""f(x, y) = (x² − 1)² + tilt·x + y²: a global minimum near x = −1, a local one near +1.

    Gradient descent started at x > 0 ends in the local minimum; noisy steps may
    escape it over the barrier near x = 0.
    """

    tilt: float = 0.3
    name: str = "two minima"
    xlim: tuple[float, float] = (-2.0, 2.0)
    ylim: tuple[float, float] = (-1.5, 1.5)

    def value(self, points: Any) -> np.ndarray:
        p = self._points(points)
        x, y = p[..., 0], p[..., 1]
        return (x**2 - 1) ** 2 + self.tilt * x + y**2

    def grad(self, points: Any) -> np.ndarray:
        p = self._points(points)
        x, y = p[..., 0], p[..., 1]
        return np.stack([4 * x * (x**2 - 1) + self.tilt, 2 * y], axis=-1)

    def hessian(self, points: Any) -> np.ndarray:
        p = self._points(points)
        x = p[..., 0]
        dxx = 12 * x**2 - 4
        zero = np.zeros_like(x)
        return np.stack([np.stack([dxx, zero], -1), np.stack([zero, zero + 2], -1)], -2)

    @property
    def critical_xs(self) -> np.ndarray:
        """The x of the critical points on y = 0, ascending (global min, barrier top, local min)."""
        roots = np.roots([4.0, 0.0, -4.0, self.tilt])
        return np.sort(roots[np.abs(roots.imag) < 1e-12].real)

    @property
    def global_minimum(self) -> np.ndarray:
        """The global minimum (x, 0), near x = −1."""
        return np.array([self.critical_xs[0], 0.0])

    @property
    def local_minimum(self) -> np.ndarray:
        """The local minimum (x, 0), near x = +1."""
        return np.array([self.critical_xs[-1], 0.0])


@dataclass(eq=False)
class Saddle(Landscape):
    """f(x, y) = x² − y²: a minimum along x, a maximum along y; the origin is a saddle."""

    name: str = "saddle"
    xlim: tuple[float, float] = (-2.0, 2.0)
    ylim: tuple[float, float] = (-2.0, 2.0)

    def value(self, points: Any) -> np.ndarray:
        p = self._points(points)
        return p[..., 0] ** 2 - p[..., 1] ** 2

    def grad(self, points: Any) -> np.ndarray:
        p = self._points(points)
        return np.stack([2 * p[..., 0], -2 * p[..., 1]], axis=-1)

    def hessian(self, points: Any) -> np.ndarray:
        p = self._points(points)
        return np.broadcast_to(np.diag([2.0, -2.0]), (*p.shape, 2)).copy()


@dataclass(eq=False)
class MonkeySaddle(Landscape):
    """f(x, y) = x³ − 3xy²: three valleys meet at the origin, where the Hessian is zero."""

    name: str = "monkey saddle"
    xlim: tuple[float, float] = (-1.5, 1.5)
    ylim: tuple[float, float] = (-1.5, 1.5)

    def value(self, points: Any) -> np.ndarray:
        p = self._points(points)
        x, y = p[..., 0], p[..., 1]
        return x**3 - 3 * x * y**2

    def grad(self, points: Any) -> np.ndarray:
        p = self._points(points)
        x, y = p[..., 0], p[..., 1]
        return np.stack([3 * x**2 - 3 * y**2, -6 * x * y], axis=-1)

    def hessian(self, points: Any) -> np.ndarray:
        p = self._points(points)
        x, y = p[..., 0], p[..., 1]
        return np.stack([np.stack([6 * x, -6 * y], -1), np.stack([-6 * y, -6 * x], -1)], -2)


@dataclass(eq=False)
class Plateau(Landscape):
    r"""f(x, y) = 1 − exp(−(x² + y²) / w²): a well of width w in a flat plain.

    Far from the well the gradient is nearly zero, so gradient descent crawls.
    """

    width: float = 1.0
    name: str = "plateau"
    xlim: tuple[float, float] = (-4.0, 4.0)
    ylim: tuple[float, float] = (-4.0, 4.0)

    def __post_init__(self) -> None:
        check_positive("width", self.width)

    def _bump(self, p: np.ndarray) -> np.ndarray:
        return np.exp(-(p[..., 0] ** 2 + p[..., 1] ** 2) / self.width**2)

    def value(self, points: Any) -> np.ndarray:
        return 1 - self._bump(self._points(points))

    def grad(self, points: Any) -> np.ndarray:
        p = self._points(points)
        return (2 / self.width**2) * self._bump(p)[..., None] * p

    def hessian(self, points: Any) -> np.ndarray:
        p = self._points(points)
        w2 = self.width**2
        outer = p[..., :, None] * p[..., None, :]
        eye = np.eye(2)
        return (2 / w2) * self._bump(p)[..., None, None] * (eye - (2 / w2) * outer)


@dataclass(eq=False)
class Slope(Landscape):
    """f(θ) = a·θ: a plane with the same gradient ``a`` everywhere, and no minimum.

    The simplest test of how an optimizer scales its steps: plain gradient descent
    steps η·a every time, momentum speeds up to η·a/(1 − β), AdaGrad slows down
    like η/√t. ``Slope([1.0])`` is the one-dimensional L(θ) = θ.
    """

    a: Any = (1.0, 1.0)
    name: str = "slope"
    dim: int = field(init=False)

    def __post_init__(self) -> None:
        a = as_float_array("a", self.a)
        if a.ndim != 1 or a.size == 0:
            raise ValueError(f"a must be a non-empty 1-D array of slopes, got shape {a.shape}")
        self.a = a
        self.dim = a.size

    def value(self, points: Any) -> np.ndarray:
        return self._points(points) @ self.a

    def grad(self, points: Any) -> np.ndarray:
        return np.broadcast_to(self.a, self._points(points).shape).copy()

    def hessian(self, points: Any) -> np.ndarray:
        p = self._points(points)
        return np.zeros((*p.shape, self.dim))


@dataclass(eq=False)
class ThreePieceQuadratic(Landscape):
    r"""Lessard, Recht and Packard's (2016) counterexample for the heavy ball, in one variable.

    A smooth, strongly convex function made of three quadratics whose curvature is
    ``L`` (= 25), then ``m`` (= 1), then ``L`` again:

    .. math::

        f(x) = \begin{cases}
        \tfrac{L}{2} x^2 & x < 1 \\
        \tfrac{m}{2} x^2 + (L − m)x − \tfrac{L − m}{2} & 1 ≤ x < 2 \\
        \tfrac{L}{2} x^2 − (L − m)x + \tfrac{3(L − m)}{2} & x ≥ 2
        \end{cases}

    (value and gradient continuous at 1 and 2; the minimum is at 0). With Polyak's
    tuning for the curvatures m and L, the heavy ball falls into a cycle from some
    starts, while Nesterov's method converges at its guaranteed rate from every start.
    """

    L: float = 25.0
    m: float = 1.0
    name: str = "three-piece quadratic"
    dim: int = 1

    def __post_init__(self) -> None:
        self.m = check_positive("m", self.m)
        self.L = check_positive("L", self.L)
        if self.L < self.m:
            raise ValueError(f"L must be >= m = {self.m}, got {self.L}")

    def value(self, points: Any) -> np.ndarray:
        x = self._points(points)[..., 0]
        L, m, d = self.L, self.m, self.L - self.m
        return np.where(
            x < 1,
            L / 2 * x**2,
            np.where(x < 2, m / 2 * x**2 + d * x - d / 2, L / 2 * x**2 - d * x + 3 * d / 2),
        )

    def grad(self, points: Any) -> np.ndarray:
        x = self._points(points)
        L, m, d = self.L, self.m, self.L - self.m
        return np.where(x < 1, L * x, np.where(x < 2, m * x + d, L * x - d))

    def hessian(self, points: Any) -> np.ndarray:
        x = self._points(points)
        return np.where((x >= 1) & (x < 2), self.m, self.L)[..., None]


ALL_LANDSCAPES = (
    elongated_bowl,
    ill_conditioned_quadratic,
    Rosenbrock,
    TwoMinima,
    Saddle,
    MonkeySaddle,
    Plateau,
    Slope,
    ThreePieceQuadratic,
)
