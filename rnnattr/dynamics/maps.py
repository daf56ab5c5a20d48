"""Classic maps with published Lyapunov exponents, as step functions on batched states.

They are the known cases the dynamics tools are tested against, and the simplest
examples in the chapters.
"""
from __future__ import annotations

import torch

from rnnattr.validation import check_tensor


def logistic_map(r: float = 4.0):
    """x' = r x (1 − x) on states (B, 1). At r = 4 the Lyapunov exponent is ln 2."""
    def step(x, u=None):
        return r * x * (1 - x)
    return step


def henon_map(a: float = 1.4, b: float = 0.3):
    """(x, y)' = (1 − a x² + y, b x) on states (B, 2) (Hénon, 1976).

    At (1.4, 0.3) the exponents are ≈ 0.419 and ≈ −1.623; their sum is exactly ln b,
    since the Jacobian determinant is −b everywhere.
    """
    def step(state, u=None):
        x, y = state[..., 0], state[..., 1]
        return torch.stack([1 - a * x**2 + y, b * x], dim=-1)
    return step


def linear_map(matrix: torch.Tensor):
    """x' = A x on states (B, d). Its Lyapunov exponents are the logs of the moduli of A's
    eigenvalues (for diagonal A, ``log |diag A|``)."""
    check_tensor("matrix", matrix, ("d", matrix.shape[0] if matrix.ndim == 2 else "d"))
    def step(x, u=None):
        return x @ matrix.transpose(0, 1).to(x.dtype)
    return step
