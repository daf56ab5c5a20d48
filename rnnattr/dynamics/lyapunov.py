"""Lyapunov spectra by repeated QR decomposition (Benettin et al., 1980; Shimada &
Nagashima, 1979), batched over trajectories and differentiable (Engelken, 2023)."""
from __future__ import annotations

import torch

from rnnattr.dynamics.inputs import input_schedule
from rnnattr.dynamics.jacobian import tangent_step
from rnnattr.dynamics.qr import rank_safe_qr
from rnnattr.validation import check_non_negative_int, check_positive_int, check_tensor


def lyapunov_spectrum(step, x0: torch.Tensor, inputs: torch.Tensor | None = None,
                      n_steps: int | None = None, k: int | None = None, transient: int = 0,
                      *, log_floor: float = -50.0, detach_states: bool = False) -> torch.Tensor:
    """The k largest Lyapunov exponents of every trajectory, per step, natural log.

    Returns:
        λ_1 ≥ … ≥ λ_k for each member, shape (B, k).

    Args:
        step: the map ``step(x (B, d), u) -> (B, d)``; members are independent.
        x0: initial states, (B, d).
        inputs: ``None`` (autonomous), constant (B, m), or a sequence (B, T, m).
        n_steps: total number of steps, transient included; defaults to T for a sequence.
        k: number of exponents, 1 ≤ k ≤ d; defaults to d (the full spectrum).
        transient: leading steps whose stretching is not averaged. They still advance
            both the state and the tangent vectors, so that the vectors have aligned with
            the Lyapunov directions by the time averaging starts.
        log_floor: ``log|R_ii|`` is clamped from below at this value, so that a direction the
            step annihilates exactly (R_ii = 0) counts as a finite exponent with zero gradient.
            The QR itself is :func:`rnnattr.dynamics.qr.rank_safe_qr`, whose backward stays
            finite where R is singular (PyTorch's divides by R_ii and gives NaN).
        detach_states: differentiate only through the Jacobians' explicit dependence on the
            parameters, along a trajectory treated as given. The exact gradient of a finite-T
            exponent also follows how the trajectory itself moves with the parameters, which
            for a chaotic system grows like e^{λ_1 T} (Lea, Allen & Haine, 2000); the frozen-
            trajectory gradient stays bounded. Values are the same either way.

    Method: with Q_0 the first k columns of the identity, each step computes
    ``Q, R = qr(D_t Q)`` with D_t the state Jacobian (applied by forward-mode
    Jacobian–vector products, never formed), and λ_i = mean over t of log|R_ii|.
    Everything is differentiable, with finite gradients even where a step loses rank, so
    the exponents can be used in a loss (gradient flossing). Use float64 states where
    precision matters.

    Example:
        >>> lyapunov_spectrum(henon_map(), torch.zeros(16, 2, dtype=torch.float64),
        ...                   n_steps=20_000, transient=100).mean(0)  # ≈ (0.419, −1.623)
    """
    check_tensor("x0", x0, (None, "d"))
    batch, dim = x0.shape
    n_steps, input_at = input_schedule(inputs, batch, n_steps)
    k = dim if k is None else check_positive_int("k", k)
    if k > dim:
        raise ValueError(f"k: expected at most the state dimension d={dim}, got {k}")
    check_non_negative_int("transient", transient)
    if transient >= n_steps:
        raise ValueError(f"transient: expected fewer than n_steps={n_steps} steps, got {transient}")
    x = x0
    basis = torch.eye(dim, k, dtype=x0.dtype, device=x0.device).expand(batch, dim, k)  # (B, d, k)
    log_stretch = x0.new_zeros(batch, k)
    for t in range(n_steps):
        x, stretched = tangent_step(step, x.detach() if detach_states else x, input_at(t), basis)
        basis, r = rank_safe_qr(stretched)  # (B, d, k), (B, k, k)
        if t >= transient:
            diagonal = r.diagonal(dim1=-2, dim2=-1).abs()  # (B, k)
            log_stretch = log_stretch + diagonal.clamp_min(torch.exp(torch.tensor(log_floor))).log()
    return log_stretch / (n_steps - transient)
