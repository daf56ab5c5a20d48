"""The long-term Jacobian ∂x_T/∂x_0 over growing horizons T: its condition number and the
norm of the gradient it carries back, the two quantities that decide whether gradients
explode or vanish (Bengio, Simard & Frasconi, 1994; Engelken, NeurIPS 2023)."""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from rnnattr.dynamics.inputs import input_schedule
from rnnattr.dynamics.jacobian import tangent_step
from rnnattr.validation import check_positive_int, check_tensor


@dataclass(frozen=True)
class HorizonStatistics:
    """What :func:`long_term_jacobian` returns: per member (B) and horizon (H), base-10 logs.

    Attributes:
        horizons: (H,) the horizons T, ascending.
        log10_condition: (B, H) log10 of σ_1 / σ_k of ∂x_T/∂x_0 (σ_max / σ_min by default). float64 resolves
            ratios up to about 1e15; above that the product is numerically singular and the
            value is a lower bound (or inf).
        log10_gradient_norm: (B, H) log10 ‖∂L_T/∂x_0‖ for the loss L_T = ⟨v, x_T⟩ with the
            unit vector ``direction`` v: the size of a gradient sent back T steps.
    """

    horizons: torch.Tensor
    log10_condition: torch.Tensor
    log10_gradient_norm: torch.Tensor


def long_term_jacobian(step, x0: torch.Tensor, horizons: Sequence[int], inputs: torch.Tensor | None = None,
                       direction: torch.Tensor | None = None, k: int | None = None) -> HorizonStatistics:
    """Condition number and back-propagated gradient norm of ∂x_T/∂x_0 at every horizon T.

    Args:
        step: the map ``step(x (B, d), u) -> (B, d)``, members independent.
        x0: initial states, (B, d). Use float64: the product's singular values spread as
            exp(T (λ_1 − λ_d)).
        horizons: the horizons T to report, positive integers.
        inputs: ``None``, constant (B, m) or a sequence (B, T_max, m) (see :func:`rnnattr.orbit`).
        direction: v (d,), the loss's direction; default the normalised all-ones vector.
        k: the condition number is σ_1 / σ_k, over the k largest singular values (the
            directions gradient flossing acts on when it flosses k exponents); default d,
            the whole matrix's σ_max / σ_min.

    Returns:
        :class:`HorizonStatistics`.

    Method: the product M_T = D_T ⋯ D_1 of state Jacobians is advanced with forward-mode
    products (``tangent_step`` on d tangent vectors) and renormalised every step, its log
    scale kept apart: the condition number does not depend on the scale, and
    ‖M_T^⊤ v‖ = scale · ‖M̂_T^⊤ v‖. For large T, log10 κ ≈ T (λ_1 − λ_d) / ln 10 with λ the
    Lyapunov exponents, which is why gradient flossing (pushing them to 0) keeps the
    long-term Jacobian well conditioned.

    Example:
        >>> x0 = torch.zeros(1, 2, dtype=torch.float64)
        >>> long_term_jacobian(linear_map(torch.tensor([1.1, 0.8])), x0, [10]).log10_condition  # 10 log10(1.1/0.8)
    """
    check_tensor("x0", x0, (None, "d"))
    batch, dim = x0.shape
    horizons = sorted({check_positive_int("horizons", horizon) for horizon in horizons})
    if not horizons:
        raise ValueError("horizons: expected at least one positive integer, got none")
    n_steps, input_at = input_schedule(inputs, batch, horizons[-1])
    if direction is None:
        direction = torch.ones(dim, dtype=x0.dtype, device=x0.device)
    check_tensor("direction", direction, (dim,))
    direction = direction / direction.norm()
    k = dim if k is None else check_positive_int("k", k)
    if k > dim:
        raise ValueError(f"k: expected at most the state dimension d={dim}, got {k}")
    with torch.no_grad():  # a diagnostic: nothing here needs a graph
        x = x0
        product = torch.eye(dim, dtype=x0.dtype, device=x0.device).expand(batch, dim, dim)  # (B, d, d), normalised
        log_scale = x0.new_zeros(batch)
        conditions, gradients = [], []
        for t in range(1, n_steps + 1):
            x, product = tangent_step(step, x, input_at(t - 1), product)
            scale = torch.linalg.matrix_norm(product)  # (B,) Frobenius
            product = product / scale[:, None, None]
            log_scale = log_scale + scale.log()
            if t in horizons:
                singular = torch.linalg.svdvals(product)  # (B, d), descending
                conditions.append(torch.log10(singular[:, 0] / singular[:, k - 1]))
                back = (product.transpose(-2, -1) @ direction).norm(dim=-1)  # (B,): ‖M̂^T v‖
                gradients.append(torch.log10(back) + log_scale / math.log(10))
    return HorizonStatistics(torch.tensor(horizons), torch.stack(conditions, dim=1), torch.stack(gradients, dim=1))
