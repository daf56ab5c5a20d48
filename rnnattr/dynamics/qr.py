"""A QR decomposition whose gradient stays finite when the matrix loses rank.

Lyapunov spectra re-orthonormalise the tangent vectors with ``Q, R = qr(D_t Q)`` at every
step, and gradient flossing back-propagates through every one of them. PyTorch's QR
backward multiplies by R⁻ᵀ: when the step collapses a direction — a modReLU or ReLU unit
switched off gives the Jacobian an exactly zero row, and k tangent vectors in fewer than k
live dimensions give a zero (or rounding-level) R_jj — that product is infinite and the
whole gradient NaN, whatever clamping is applied to log|R_jj| downstream.
"""
from __future__ import annotations

import torch


def _collapsed(r: torch.Tensor, rows: int) -> torch.Tensor:
    """Which diagonal entries of R (B, k, k) are zero to working precision, (B, k) bool: |R_jj| at most
    max(d, k) · eps · max|R| of its member, NumPy's ``matrix_rank`` tolerance."""
    scale = r.abs().amax(dim=(-2, -1), keepdim=True).squeeze(-1)  # (B, 1)
    tolerance = max(rows, r.shape[-1]) * torch.finfo(r.dtype).eps * scale
    return r.diagonal(dim1=-2, dim2=-1).abs() <= tolerance


class _RankSafeQR(torch.autograd.Function):
    @staticmethod
    def forward(a):
        return torch.linalg.qr(a)

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(*output)

    @staticmethod
    def backward(ctx, grad_q, grad_r):
        q, r = ctx.saved_tensors  # (B, d, k), (B, k, k)
        grad_q = torch.zeros_like(q) if grad_q is None else grad_q
        grad_r = torch.zeros_like(r) if grad_r is None else grad_r
        m = r @ grad_r.mT - grad_q.mT @ q  # (B, k, k)
        lower = m.tril(-1)
        b = grad_q + q @ (lower + lower.mT + torch.diag_embed(m.diagonal(dim1=-2, dim2=-1)))  # (B, d, k)
        # grad_a = b R⁻ᵀ, i.e. R grad_aᵀ = bᵀ, by back substitution; a collapsed j gets R's row j set
        # to e_j and b's column j to 0, so grad_a_j = 0 and nothing is divided by R_jj
        collapsed = _collapsed(r, q.shape[-2])  # (B, k)
        eye = torch.eye(r.shape[-1], dtype=r.dtype, device=r.device)
        safe_r = torch.where(collapsed.unsqueeze(-1), eye, r)
        b = b.masked_fill(collapsed.unsqueeze(-2), 0)
        return torch.linalg.solve_triangular(safe_r, b.mT, upper=True).mT


def rank_safe_qr(a: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``torch.linalg.qr(a)`` (reduced) of real matrices, with a backward that is finite at rank deficiency.

    Returns:
        ``(Q (..., d, k), R (..., k, k))``, the same tensors as ``torch.linalg.qr``.

    Args:
        a: real matrices (..., d, k) with k ≤ d; here the stretched tangent vectors D_t Q.

    Method: the backward is PyTorch's (Walter & Lehmann, 2018; Liao et al., 2019),
    ``grad_A = (grad_Q + Q copyltu(M)) R⁻ᵀ`` with ``M = R grad_Rᵀ − grad_Qᵀ Q``, except where
    R_jj is zero to working precision (|R_jj| ≤ max(d, k) · eps · max|R|, NumPy's rank
    tolerance): there column j of A lies in the span of the columns before it, QR is not
    differentiable (its forward completes Q's column j arbitrarily, and the exact derivative
    is 1/R_jj), and the backward takes the pseudo-inverse's convention 1/R_jj → 0: column j
    of A receives no gradient, and nothing flows on through it. The gradient of log|R_jj| of
    such a direction is zero — at first order nothing restores a direction the step has
    annihilated — and every other column's gradient is the usual one. Where every R_jj is
    above the tolerance, the result is PyTorch's backward (to rounding).

    Example:
        >>> q, r = rank_safe_qr(torch.tensor([[1.0, 2.0], [0.0, 0.0]], requires_grad=True))
        >>> r.diagonal().abs().clamp_min(1e-20).log().sum().backward()   # grad [[1, 0], [0, 0]]; torch.linalg.qr's: NaN
    """
    if torch.is_grad_enabled() and a.requires_grad:
        return _RankSafeQR.apply(a)
    return torch.linalg.qr(a)
