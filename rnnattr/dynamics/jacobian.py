"""Jacobians of a step function and Lipschitz estimates, through ``torch.func``."""
from __future__ import annotations

import torch
from torch.func import jvp, vmap

from rnnattr.validation import check_positive_int, check_tensor


def tangent_step(step, x: torch.Tensor, u: torch.Tensor | None, tangents: torch.Tensor):
    """Advance states and tangent vectors one step: ``(step(x, u), D_x step · tangents)``.

    Args:
        step: the map, batched over independent members.
        x: states, (B, d).
        u: inputs (B, m) or ``None``.
        tangents: tangent vectors, (B, d, k).

    Returns:
        ``(x_next (B, d), D tangents (B, d, k))``. The k Jacobian–vector products are one
        forward-mode pass (``torch.func.jvp``) vectorised over k with ``vmap``; the
        Jacobian itself is never formed. Differentiable with respect to everything the
        step depends on. When ``step`` is the bound ``step`` of a model that also defines
        ``tangent_step(x, u, tangents)`` (its Jacobian in closed form, e.g.
        :class:`rnnattr.models.TanhRNN`), that method is used instead; the two agree.
    """
    model = getattr(step, "__self__", None)
    if getattr(step, "__func__", None) is getattr(type(model), "step", None) and hasattr(model, "tangent_step"):
        return model.tangent_step(x, u, tangents)
    def push(v):  # v: (B, d), one tangent per member
        return jvp(lambda state: step(state, u), (x,), (v,))
    return vmap(push, in_dims=-1, out_dims=(None, -1))(tangents)


def jacobian(step, x: torch.Tensor, u: torch.Tensor | None = None) -> torch.Tensor:
    """The state Jacobians ∂step(x, u)/∂x of every member, shape (B, d, d).

    Args:
        step: the map ``step(x (B, d), u) -> (B, d)`` whose members are independent.
        x: states, (B, d).
        u: inputs, (B, m) or ``None``.

    Example:
        >>> jacobian(henon_map(), torch.zeros(1, 2))  # [[[0., 1.], [0.3, 0.]]]
    """
    check_tensor("x", x, (None, "d"))
    batch, dim = x.shape
    identity = torch.eye(dim, dtype=x.dtype, device=x.device).expand(batch, dim, dim)
    return tangent_step(step, x, u, identity)[1]


def sample_box(n_samples: int, low: torch.Tensor, high: torch.Tensor,
               generator: torch.Generator | None = None) -> torch.Tensor:
    """``n_samples`` points uniform in the box [low, high] (both (d,)), shape (n_samples, d)."""
    check_positive_int("n_samples", n_samples)
    check_tensor("low", low, ("d",))
    check_tensor("high", high, (low.shape[0],))
    if (high < low).any():
        raise ValueError("high: expected high >= low in every coordinate")
    fraction = torch.rand(n_samples, low.shape[0], generator=generator, dtype=low.dtype)
    return low + (high - low) * fraction.to(low.device)


def lipschitz_estimate(step, x: torch.Tensor, u: torch.Tensor | None = None, *, norm=2) -> torch.Tensor:
    """A lower estimate of the Lipschitz constant L_f: the largest ‖∂f/∂x‖ over states x.

    By the mean-value theorem L_f = sup ‖∂f/∂x‖ over the (convex) state region, so the
    maximum over sampled or visited states estimates it from below.

    Args:
        step: the map.
        x: states at which to evaluate the Jacobian, (B, d) — given (e.g. visited by an
            orbit) or sampled (e.g. with :func:`sample_box`).
        u: inputs, (B, m) or ``None``.
        norm: the matrix norm, as ``torch.linalg.matrix_norm``'s ``ord``: 2 (largest
            singular value), ``float('inf')`` (largest absolute row sum), 1, or ``'fro'``.

    Returns:
        A 0-d tensor.
    """
    return torch.linalg.matrix_norm(jacobian(step, x, u), ord=norm).max()
