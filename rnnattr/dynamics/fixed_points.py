"""Fixed points of a step function, found by minimising q(x) = ½‖f(x) − x‖² (Sussillo & Barak,
2013) from many starting states at once, and classified by their Jacobian eigenvalues."""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import torch

from rnnattr.dynamics.jacobian import jacobian, sample_box
from rnnattr.validation import check_non_negative_int, check_positive_int, check_tensor

#: The stability labels, from the moduli |λ| of the Jacobian eigenvalues at a fixed point.
STABILITY_LABELS = ("stable", "unstable", "saddle", "marginal")


@dataclass(frozen=True)
class FixedPoints:
    """Distinct fixed points x* = f(x*, u), ordered by their first coordinate.

    Attributes:
        points: (P, d) the fixed points.
        eigenvalues: (P, d) complex, the eigenvalues of ∂f/∂x at each point, largest modulus first.
        stability: P labels: ``"stable"`` (every |λ| < 1: an attractor), ``"unstable"`` (every
            |λ| > 1: a repeller), ``"saddle"`` (some of each) or ``"marginal"`` (some |λ| = 1
            within ``margin``: linearisation cannot decide).
        residuals: (P,) q(x*) = ½‖f(x*) − x*‖².
        inputs: (P, m) the constant input of each point, or ``None`` for an autonomous map.
    """

    points: torch.Tensor
    eigenvalues: torch.Tensor
    stability: tuple[str, ...]
    residuals: torch.Tensor
    inputs: torch.Tensor | None = None

    def __len__(self) -> int:
        return self.points.shape[0]


def kinetic_energy(step, x: torch.Tensor, u: torch.Tensor | None = None) -> torch.Tensor:
    """q(x) = ½‖f(x, u) − x‖² of every member, shape (B,): zero exactly at fixed points.

    Sussillo & Barak (2013) call q the kinetic energy; its local minima with q > 0 are
    "slow points", where the state moves little per step without being fixed.
    """
    return 0.5 * (step(x, u) - x).pow(2).sum(dim=-1)


def classify_stability(eigenvalues: torch.Tensor, margin: float = 1e-6) -> tuple[str, ...]:
    """One of :data:`STABILITY_LABELS` per row of eigenvalues (P, d): |λ| compared with 1 ± margin."""
    moduli = eigenvalues.abs()  # (P, d)
    labels = []
    for row in moduli:
        if ((row - 1).abs() <= margin).any():
            labels.append("marginal")
        elif (row < 1).all():
            labels.append("stable")
        elif (row > 1).all():
            labels.append("unstable")
        else:
            labels.append("saddle")
    return tuple(labels)


def _check_arguments(u, starts, low, high, n_starts, n_iterations, n_newton, learning_rate,
                     tolerance, distance, margin):
    if (starts is None) == (low is None or high is None):
        raise ValueError("starts: expected either starts (N, d) or both low (d,) and high (d,), not both or neither")
    if starts is not None:
        check_tensor("starts", starts, (None, "d"))
        n, dim = starts.shape
    else:
        check_positive_int("n_starts", n_starts)
        check_tensor("low", low, ("d",))
        check_tensor("high", high, (low.shape[0],))
        n, dim = n_starts, low.shape[0]
    if u is not None:
        if not isinstance(u, torch.Tensor) or u.ndim not in (1, 2):
            got = tuple(u.shape) if isinstance(u, torch.Tensor) else type(u).__name__
            raise ValueError(f"u: expected None, shape (m,) or shape ({n}, m), got {got}")
        check_tensor("u", u, ("m",) if u.ndim == 1 else (n, "m"))
    check_non_negative_int("n_iterations", n_iterations)
    check_non_negative_int("n_newton", n_newton)
    for name, value in (("learning_rate", learning_rate), ("tolerance", tolerance), ("distance", distance)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise ValueError(f"{name}: expected a positive number, got {value!r}")
    if isinstance(margin, bool) or not isinstance(margin, (int, float)) or not margin >= 0:
        raise ValueError(f"margin: expected a non-negative number, got {margin!r}")
    return n, dim


def _newton_refine(step, x: torch.Tensor, u: torch.Tensor | None, n_newton: int) -> torch.Tensor:
    """Newton's method on F(x) = f(x) − x, each member accepting a step only if it lowers q."""
    identity = torch.eye(x.shape[1], dtype=x.dtype, device=x.device)
    energy = kinetic_energy(step, x, u)
    for _ in range(n_newton):
        residual = step(x, u) - x  # (N, d)
        # a singular f' − I (info ≠ 0) or a non-finite step leaves that member where it is
        delta, info = torch.linalg.solve_ex(jacobian(step, x, u) - identity, residual)  # (N, d)
        candidate = x - delta
        candidate_energy = kinetic_energy(step, candidate, u)
        better = (info == 0) & (candidate_energy < energy)  # NaN compares False
        if not better.any():  # every member converged or stuck: further steps change nothing
            break
        x = torch.where(better[:, None], candidate, x)
        energy = torch.where(better, candidate_energy, energy)
    return x


def _distinct(x: torch.Tensor, energy: torch.Tensor, group: torch.Tensor, distance: float) -> torch.Tensor:
    """Indices of one representative (the lowest q) per cluster of points closer than ``distance``
    that share an input ``group``."""
    order = torch.argsort(energy)
    x, group = x[order], group[order]
    remaining = torch.ones(len(order), dtype=torch.bool, device=x.device)
    kept = []
    while remaining.any():
        first = int(remaining.nonzero()[0])  # the lowest q not yet covered
        kept.append(first)
        close = (x - x[first]).norm(dim=-1) < distance
        remaining &= ~(close & (group == group[first]))
    return order[torch.tensor(kept, dtype=torch.long, device=x.device)]


def fixed_points(step, u: torch.Tensor | None = None, *, starts: torch.Tensor | None = None,
                 low: torch.Tensor | None = None, high: torch.Tensor | None = None, n_starts: int = 256,
                 generator: torch.Generator | None = None, n_iterations: int = 300, learning_rate: float = 1e-2,
                 n_newton: int = 20, tolerance: float = 1e-12, distance: float = 1e-4,
                 margin: float = 1e-6) -> FixedPoints:
    """The distinct fixed points x* = f(x*, u) reached from many starting states, with their stability.

    Args:
        step: the map ``step(x (B, d), u (B, m) or None) -> (B, d)``; members are independent.
        u: a constant input: ``None`` (autonomous), (m,) shared by every start, or (N, m) one
            per start — e.g. a sweep of inputs or of a parameter the step reads from u.
        starts: starting states, (N, d). Alternatively give ``low`` and ``high`` (d,) and
            ``n_starts`` states are drawn uniformly in that box (with ``generator``).
        n_iterations: Adam steps on q, with step size ``learning_rate`` (in state units).
        n_newton: at most this many Newton steps after Adam (fewer once no member improves).
        tolerance: keep only points with q(x*) below it (``1e-12``: ‖f(x*) − x*‖ < 1.4e-6).
        distance: points closer than this (and with the same input) are one fixed point.
        margin: |λ| within ``margin`` of 1 is labelled marginal.

    Returns:
        A :class:`FixedPoints`: points (P, d), eigenvalues (P, d) complex, stability labels,
        residuals q (P,), and inputs (P, m) or ``None``. A warning is issued when P = 0.

    Method (Sussillo & Barak, *Opening the black box*, Neural Computation 2013): minimise
    q(x) = ½‖f(x, u) − x‖², which is zero exactly at the fixed points, stable or not.
    Adam descends q from every start at once; Adam's update is elementwise, so the batched
    descent is the same as one descent per start. Newton's method on f(x) − x = 0, with
    the Jacobian from :func:`rnnattr.jacobian`, then converges quadratically from where Adam
    stops. Local minima with q > 0 ("slow points") are dropped by ``tolerance``; the
    survivors are deduplicated and classified from the eigenvalues of ∂f/∂x. Use float64
    where precision matters.

    Example:
        >>> found = fixed_points(henon_map(), low=torch.full((2,), -2.0, dtype=torch.float64),
        ...                      high=torch.full((2,), 2.0, dtype=torch.float64))
        >>> found.points, found.stability  # (≈0.631, 0.189) and (≈−1.131, −0.339), two saddles
    """
    n, dim = _check_arguments(u, starts, low, high, n_starts, n_iterations, n_newton, learning_rate,
                              tolerance, distance, margin)
    x = (starts if starts is not None else sample_box(n, low, high, generator)).detach().clone()
    inputs = None if u is None else u.detach().expand(n, -1)  # (N, m)
    x.requires_grad_(True)
    optimizer = torch.optim.Adam([x], lr=learning_rate)
    for _ in range(n_iterations):
        # autograd.grad, not backward: the step's own parameters must not accumulate .grad
        (x.grad,) = torch.autograd.grad(kinetic_energy(step, x, inputs).sum(), [x])
        optimizer.step()
    with torch.no_grad():
        x = _newton_refine(step, x.detach(), inputs, n_newton)
        energy = kinetic_energy(step, x, inputs)  # (N,)
        found = energy < tolerance  # NaN compares False
        if inputs is None:
            group = torch.zeros(n, dtype=torch.long, device=x.device)
        else:
            group = torch.unique(inputs, dim=0, return_inverse=True)[1]  # equal inputs, equal group
        if not found.any():
            warnings.warn(f"fixed_points: none of {n} starts reached q < {tolerance}", RuntimeWarning, stacklevel=2)
            return FixedPoints(x[:0], torch.zeros(0, dim, dtype=torch.complex128), (), energy[:0],
                               None if inputs is None else inputs[:0])
        index = found.nonzero()[:, 0]
        index = index[_distinct(x[index], energy[index], group[index], distance)]
        index = index[torch.argsort(x[index, 0], stable=True)]
        points = x[index]
        point_inputs = None if inputs is None else inputs[index]
        eigenvalues = torch.linalg.eigvals(jacobian(step, points, point_inputs))  # (P, d) complex
        eigenvalues = torch.gather(eigenvalues, 1, torch.argsort(eigenvalues.abs(), dim=1, descending=True))
    return FixedPoints(points, eigenvalues, classify_stability(eigenvalues, margin), energy[index], point_inputs)
