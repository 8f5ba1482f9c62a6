r"""Convergence of momentum methods on quadratics: exact rates and measured ones.

On a quadratic f(θ) = ½ θᵀAθ every eigen-direction of A (curvature λ) evolves on its
own, and one step of heavy-ball momentum or Nesterov's method maps the pair
(θ_k, θ_{k−1}) of that coordinate linearly to (θ_{k+1}, θ_k):

.. math::

    \begin{pmatrix} θ_{k+1} \\ θ_k \end{pmatrix} = T \begin{pmatrix} θ_k \\ θ_{k−1}
    \end{pmatrix}, \qquad
    T_\text{heavy ball} = \begin{pmatrix} 1 + β − ηλ & −β \\ 1 & 0 \end{pmatrix}, \qquad
    T_\text{Nesterov} = \begin{pmatrix} (1 + β)(1 − ηλ) & −β(1 − ηλ) \\ 1 & 0
    \end{pmatrix}.

The error then shrinks by the spectral radius ρ(T) per step (in the long run), and the
slowest direction sets the pace: :func:`convergence_rate` is max over λ of ρ(T).
β = 0 gives gradient descent, :math:`ρ = |1 − ηλ|`. :func:`measured_rate` reads the same
number off a path, so the two can be compared.

.. code-block:: python

    from optimizers import analysis
    lr, beta, rate = analysis.optimal_heavy_ball([0.2, 4.0])
    analysis.convergence_rate(lr, beta, [0.2, 4.0])     # == rate
    analysis.convergence_rate(lrs[:, None], betas[None, :], [0.2, 4.0])  # a whole map

``lr``, ``beta`` and ``curvature`` broadcast against each other like numpy arrays.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

import numpy as np

from ._validate import as_float_array, check_array_range, check_choice, check_positive, check_range
from .trajectories import steps_to_stay_below

Method = Literal["heavy_ball", "nesterov"]
METHODS: tuple[str, ...] = get_args(Method)

__all__ = [
    "convergence_rate",
    "damping",
    "iteration_matrix",
    "measured_rate",
    "optimal_heavy_ball",
    "spectral_radius",
    "stationary_variance",
    "steps_to_tolerance",
]


# ----------------------------------------------------------------------- checks


def _array(name: str, value: Any, low: float, high: float = np.inf, *, closed: bool) -> np.ndarray:
    return check_array_range(name, value, low, high, low_inclusive=closed)


def _method(method: Any) -> str:
    return check_choice("method", method, METHODS)


def _coefficients(lr: Any, beta: Any, curvature: Any, method: Any) -> tuple[np.ndarray, np.ndarray]:
    """(a, b) of T = [[a, b], [1, 0]] for each broadcast combination of the inputs."""
    method = _method(method)
    lr = _array("lr", lr, 0.0, closed=False)
    beta = _array("beta", beta, 0.0, 1.0, closed=True)
    lam = _array("curvature", curvature, 0.0, closed=True)
    if method == "heavy_ball":
        return 1 + beta - lr * lam, -beta * np.ones_like(lam)
    shrink = 1 - lr * lam  # Nesterov damps the momentum term by the same factor
    return (1 + beta) * shrink, -beta * shrink


# ------------------------------------------------------------------ exact rates


def iteration_matrix(lr: Any, beta: Any, curvature: Any, method: Method = "heavy_ball") -> Any:
    r"""The 2 × 2 matrix T with (θ_{k+1}, θ_k) = T (θ_k, θ_{k−1}) along curvature λ.

    Heavy ball (``method="heavy_ball"``, :class:`~optimizers.rules.Momentum`):
    :math:`θ_{k+1} = θ_k − ηλθ_k + β(θ_k − θ_{k−1})`, so
    :math:`T = [[1 + β − ηλ, −β], [1, 0]]`.

    Nesterov (``method="nesterov"``, the look-ahead points of
    :class:`~optimizers.rules.Nesterov`): the gradient is taken at θ_k + β(θ_k − θ_{k−1}),
    :math:`θ_{k+1} = (1 − ηλ)(θ_k + β(θ_k − θ_{k−1}))`, so
    :math:`T = [[(1 + β)(1 − ηλ), −β(1 − ηλ)], [1, 0]]`.

    Shape: the broadcast shape of the inputs, then (2, 2).
    """
    a, b = _coefficients(lr, beta, curvature, method)
    a, b = np.broadcast_arrays(a, b)
    T = np.zeros((*a.shape, 2, 2))
    T[..., 0, 0], T[..., 0, 1], T[..., 1, 0] = a, b, 1.0
    return T


def stationary_variance(
    lr: Any, beta: Any, curvature: Any, noise: Any, method: Method = "heavy_ball"
) -> Any:
    r"""The variance the package's θ settles to when each gradient carries noise.

    Along one curvature λ the gradient is :math:`g_k = λθ_k + ξ_k` with independent
    :math:`ξ_k \sim N(0, σ^2)` (``noise`` = σ). Heavy ball (:class:`~optimizers.rules.Momentum`):
    :math:`θ_{k+1} = aθ_k + bθ_{k−1} − ηξ_k`. Nesterov (:class:`~optimizers.rules.Nesterov`,
    whose θ are the look-ahead points): the same ``a``, ``b`` as :func:`iteration_matrix`,
    and the noise enters twice, :math:`−(1 + β)ηξ_k + βηξ_{k−1}`. With the state
    :math:`z_k = (θ_k, θ_{k−1}, ξ_{k−1})`, :math:`z_{k+1} = A z_k + B ξ_k`, the stationary
    covariance solves the discrete Lyapunov equation :math:`P = A P A^⊤ + σ^2 B B^⊤`;
    this returns ``P[0, 0]`` (``inf`` where the iteration is not stable).

    Gradient descent (``beta = 0``) gives :math:`ησ^2 / (λ(2 − ηλ))`. For the
    ``"ema"`` form of :class:`~optimizers.rules.Momentum` pass ``lr * (1 - beta)``
    (the same path). Broadcasts over its inputs.
    """
    kind = _method(method)
    sigma = _array("noise", noise, 0.0, closed=True)
    T = iteration_matrix(lr, beta, curvature, method)
    shape = T.shape[:-2]
    eta = np.broadcast_to(_array("lr", lr, 0.0, closed=False), shape)
    b_ = np.broadcast_to(_array("beta", beta, 0.0, 1.0, closed=True), shape)
    A = np.zeros((*shape, 3, 3))
    A[..., :2, :2] = T
    B = np.zeros((*shape, 3))
    B[..., 2] = 1.0  # ξ_k becomes the next state's ξ_{k−1}
    if kind == "nesterov":
        A[..., 0, 2] = b_ * eta
        B[..., 0] = -(1 + b_) * eta
    else:
        B[..., 0] = -eta
    # vec(P) = (I − A ⊗ A)⁻¹ vec(σ² B Bᵀ), one 9 × 9 solve per setting
    kron = np.einsum("...ij,...kl->...ikjl", A, A).reshape(*shape, 9, 9)
    q = (sigma[..., None, None] ** 2 * B[..., :, None] * B[..., None, :]).reshape(*shape, 9)
    variance = np.linalg.solve(np.eye(9) - kron, q[..., None])[..., 0, 0]
    out = np.where(spectral_radius(lr, beta, curvature, method) < 1, variance, np.inf)
    return float(out) if out.ndim == 0 else out


def _roots(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues of [[a, b], [1, 0]]: the roots of z² − a z − b = 0."""
    root = np.sqrt((a * a + 4 * b).astype(complex))
    return (a + root) / 2, (a - root) / 2


def spectral_radius(lr: Any, beta: Any, curvature: Any, method: Method = "heavy_ball") -> Any:
    r"""The spectral radius :math:`ρ(T) = \max |z|`, z the eigenvalues of :func:`iteration_matrix`.

    The eigenvalues solve :math:`z^2 − a z − b = 0` with T = [[a, b], [1, 0]]. When
    they are complex, both have modulus √(−b): √β for the heavy ball, √(β(1 − ηλ)) for
    Nesterov. The direction converges exactly when ρ < 1. Shape: broadcast of the inputs.
    """
    z1, z2 = _roots(*_coefficients(lr, beta, curvature, method))
    return np.maximum(np.abs(z1), np.abs(z2))


def convergence_rate(lr: Any, beta: Any, curvatures: Any, method: Method = "heavy_ball") -> Any:
    r"""The per-step rate on a quadratic: max over its curvatures λ_i of ρ(T(η, β, λ_i)).

    ``curvatures`` is a sequence of eigenvalues λ_i ≥ 0 of the Hessian, or a
    :class:`~optimizers.landscapes.Quadratic` (its eigenvalues are used). ``lr`` and ``beta``
    broadcast, so a grid of them gives a map of rates; the result has their shape.
    The distance to the minimum shrinks like rate^k (times at most a polynomial in k).
    """
    lam = getattr(curvatures, "eigenvalues", curvatures)
    lam = np.atleast_1d(_array("curvatures", lam, 0.0, closed=True))
    if lam.ndim != 1 or lam.size == 0:
        raise ValueError(f"curvatures must be a non-empty 1-D sequence, got shape {lam.shape}")
    lr = as_float_array("lr", lr)
    beta = as_float_array("beta", beta)
    radii = spectral_radius(lr[..., None], beta[..., None], lam, method)
    return radii.max(axis=-1)


def optimal_heavy_ball(curvatures: Any) -> tuple[float, float, float]:
    r"""Polyak's best constant (η*, β*) for the heavy ball, and the rate it reaches.

    With μ = λ_min > 0, L = λ_max and κ = L/μ:

    .. math::

        η^* = \Bigl(\frac{2}{\sqrt L + \sqrt μ}\Bigr)^2, \qquad
        β^* = \Bigl(\frac{\sqrt κ − 1}{\sqrt κ + 1}\Bigr)^2, \qquad
        ρ^* = \frac{\sqrt κ − 1}{\sqrt κ + 1} = \sqrt{β^*}.

    Both extreme directions are then critically damped (double eigenvalue ±√β*).
    ``curvatures`` as in :func:`convergence_rate`; returns floats (η*, β*, ρ*).
    """
    lam = getattr(curvatures, "eigenvalues", curvatures)
    lam = np.atleast_1d(_array("curvatures", lam, 0.0, closed=False))
    if lam.ndim != 1:
        raise ValueError(f"curvatures must be a 1-D sequence, got shape {lam.shape}")
    mu, big = float(lam.min()), float(lam.max())
    root_kappa = np.sqrt(big / mu)
    rate = float((root_kappa - 1) / (root_kappa + 1))
    return float((2 / (np.sqrt(big) + np.sqrt(mu))) ** 2), rate**2, rate


def damping(
    lr: Any, beta: Any, curvature: Any, method: Method = "heavy_ball", tol: float = 1e-9
) -> Any:
    r"""How one direction moves: ``"overdamped"``, ``"critically damped"`` or ``"underdamped"``.

    The sign of the discriminant a² + 4b of z² − a z − b = 0 decides, as for a
    damped spring: two real eigenvalues (over-damped: no ringing; if one is negative,
    the sign flips each step as in gradient descent's zigzag), a double one
    (:math:`|a^2 + 4b| ≤` ``tol``: critically damped), or a complex pair (under-damped: the
    coordinate rings around 0 with modulus √(−b) per step). Returns a str, or an
    array of str for array input.
    """
    tol = check_range("tol", tol, 0.0)
    a, b = _coefficients(lr, beta, curvature, method)
    disc = a * a + 4 * b
    labels = np.where(
        disc > tol, "overdamped", np.where(disc < -tol, "underdamped", "critically damped")
    )
    return str(labels) if labels.ndim == 0 else labels


# -------------------------------------------------------------- measured rates


def _errors(path: Any, minimum: Any) -> np.ndarray:
    """Distance of each iterate to ``minimum``: shape path.shape[:-1]."""
    p = as_float_array("path", path)
    if p.ndim < 2 or p.shape[0] < 2:
        raise ValueError(
            f"path must have shape (steps + 1, ..., dim) with steps >= 1, got {p.shape}"
        )
    d = np.abs(p - as_float_array("minimum", minimum))
    with np.errstate(invalid="ignore"):  # scale first: squares of 1e-200 would underflow
        scale = d.max(axis=-1, keepdims=True)
        norm = np.linalg.norm(d / np.where(scale > 0, scale, 1.0), axis=-1)
    return scale[..., 0] * norm


def measured_rate(path: Any, minimum: Any = 0.0, start: int | None = None) -> Any:
    r"""The average contraction per step of a path, from step ``start`` to its end.

    With :math:`e_k = \sqrt{\lVert θ_k − θ^*\rVert^2 + \lVert θ_{k−1} − θ^*\rVert^2}`
    (the size of the state (θ_k, θ_{k−1}), which, unlike ‖θ_k − θ^*‖ alone, does not
    dip to 0 when a ringing coordinate crosses the minimum),

    .. math:: \hat ρ = (e_K / e_s)^{1/(K − s)} .

    On a quadratic this tends to :func:`convergence_rate` as the window grows (it is
    a little above it for short windows when eigenvalues are double or complex).
    ``path`` has shape (K + 1, ..., dim), e.g. from :func:`~optimizers.trajectories.run`; the result
    has shape ``path.shape[1:-1]``. ``start`` defaults to K // 2, which skips the start-up.
    A path that reaches the minimum exactly gives 0. Raises ValueError for a path
    with non-finite values (it diverged: the rate is above 1).
    """
    errors = _errors(path, minimum)
    if not np.isfinite(errors).all():
        raise ValueError("path contains non-finite values (the run diverged); rate is > 1")
    K = errors.shape[0] - 1
    s = K // 2 if start is None else start
    if isinstance(s, bool) or not isinstance(s, int | np.integer) or not 1 <= s < K:
        raise ValueError(f"start must be an integer in [1, {K - 1}] for a {K}-step path, got {s!r}")
    state = np.hypot(errors[1:], errors[:-1])  # state[k - 1] = e_k
    first, last = state[s - 1], state[K - 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(first > 0, (last / np.where(first > 0, first, 1.0)) ** (1 / (K - s)), 0.0)
    return float(rate) if rate.ndim == 0 else rate


def steps_to_tolerance(path: Any, tol: float, minimum: Any = 0.0) -> Any:
    """The step after which the distance ‖θ_k − θ*‖ stays below ``tol`` to the end of ``path``.

    Momentum paths can pass close to the minimum and swing out again, so this is
    the first k with ‖θ_j − θ*‖ < tol for every j ≥ k, not the first dip below ``tol``.
    −1 where the path does not end below ``tol`` (too short, or diverged: NaN counts
    as far). Shape ``path.shape[1:-1]``.
    """
    tol = check_positive("tol", tol)
    return steps_to_stay_below(_errors(path, minimum), tol)
