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


class _RankSafeQR(torch.autograd.Function):
    @staticmethod
    def forward(a):
        return torch.linalg.qr(a)

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(*output)

    @staticmethod
    def backward(ctx, grad_q, grad_r):  # undefined gradients arrive as zeros
        q, r = ctx.saved_tensors  # (..., d, k), (..., k, k)
        m = r @ grad_r.mT - grad_q.mT @ q  # (..., k, k)
        b = grad_q + q @ (m.tril() + m.tril(-1).mT)  # (..., d, k)
        # collapsed: |R_jj| ≤ max(d, k) · eps · max|R| of its matrix, NumPy's matrix_rank tolerance
        tolerance = max(q.shape[-2:]) * torch.finfo(r.dtype).eps * r.abs().amax(dim=(-2, -1))  # (...)
        collapsed = r.diagonal(dim1=-2, dim2=-1).abs() <= tolerance.unsqueeze(-1)  # (..., k)
        # grad_a = b R⁻ᵀ; for a collapsed j, R's row j becomes e_j and b's column j zero, so that
        # grad_a_j = 0 and nothing is divided by R_jj
        eye = torch.eye(r.shape[-1], dtype=r.dtype, device=r.device)
        safe_r = torch.where(collapsed.unsqueeze(-1), eye, r)
        return torch.linalg.solve_triangular(safe_r.mT, b.masked_fill(collapsed.unsqueeze(-2), 0),
                                             upper=False, left=False)


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
    of A receives no gradient and passes none on to the columns before it; every other term
    is PyTorch's. The gradient of log|R_jj| of such a direction is zero: at first order
    nothing restores a direction the step has annihilated. Where every R_jj is
    above the tolerance, the result is PyTorch's backward (to rounding). First-order reverse
    mode only (no double backward, no forward mode); without a gradient to record it is
    ``torch.linalg.qr`` itself.

    Example:
        >>> q, r = rank_safe_qr(torch.tensor([[1.0, 2.0], [0.0, 0.0]], requires_grad=True))
        >>> r.diagonal().abs().clamp_min(1e-20).log().sum().backward()   # grad [[1, 0], [0, 0]]; torch.linalg.qr's: NaN
    """
    if torch.is_grad_enabled() and a.requires_grad:
        return _RankSafeQR.apply(a)
    return torch.linalg.qr(a)
