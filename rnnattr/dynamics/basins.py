"""Basins of attraction: which attractor each initial state ends up on."""
from __future__ import annotations

from collections.abc import Sequence

import torch

from rnnattr.dynamics.orbit import orbit
from rnnattr.validation import check_positive_int, check_tensor


def basin_labels(step, x0: torch.Tensor, attractors: Sequence[torch.Tensor], n_steps: int,
                 inputs: torch.Tensor | None = None, max_distance: float | None = None) -> torch.Tensor:
    """The index of the attractor each initial state converges to, shape (B,); −1 for none.

    Args:
        step: the map ``step(x (B, d), u) -> (B, d)``.
        x0: initial states, (B, d) — typically a grid of a plane, all simulated in one batch.
        attractors: A point sets (K_a, d), each sampling one attractor: a stable fixed point
            as (1, d), a periodic orbit by its points, a limit cycle or a chaotic attractor
            by a long post-burn-in orbit on it.
        n_steps: steps simulated before the final state is compared with the attractors.
        inputs: as for :func:`rnnattr.orbit`: ``None``, constant (B, m) or a sequence (B, T, m).
        max_distance: label −1 where the final state is farther than this from every
            attractor (not converged yet, or an attractor missing from the list).

    Returns:
        Labels (B,), ``torch.long``: a in 0..A−1 for the attractor whose sample lies nearest
        to x_{n_steps}; −1 for a diverged member or one beyond ``max_distance``.

    Method: an attractor's basin is the set of initial states whose orbit approaches it,
    dist(x_t, A) → 0 (e.g. Strogatz, *Nonlinear Dynamics and Chaos*, 2015). After
    ``n_steps`` the distance to each sampled attractor decides.

    Example:
        >>> x0 = torch.linspace(-1, 1, 101, dtype=torch.float64)[:, None]
        >>> stable = torch.tensor([[-0.9575], [0.9575]], dtype=torch.float64)   # x = tanh(2x)
        >>> basin_labels(lambda x, u=None: torch.tanh(2 * x), x0, stable, 100)   # 0 for x0 < 0, 1 for x0 > 0
    """
    check_tensor("x0", x0, (None, "d"))
    check_positive_int("n_steps", n_steps)
    if isinstance(attractors, torch.Tensor) or len(attractors) == 0:
        raise ValueError("attractors: expected a non-empty sequence of tensors of shape (K, d)")
    for index, points in enumerate(attractors):
        check_tensor(f"attractors[{index}]", points, (None, x0.shape[1]))
    if max_distance is not None and (isinstance(max_distance, bool) or not isinstance(max_distance, (int, float))
                                     or not max_distance > 0):
        raise ValueError(f"max_distance: expected None or a positive number, got {max_distance!r}")
    with torch.no_grad():
        final = orbit(step, x0, n_steps, inputs=inputs, burn_in=n_steps - 1)[:, -1]  # (B, d)
        distances = torch.stack([torch.cdist(final, points.to(final.dtype)).amin(dim=1)
                                 for points in attractors], dim=1)  # (B, A)
        nearest, labels = distances.min(dim=1)
        lost = ~torch.isfinite(nearest)
        if max_distance is not None:
            lost |= nearest > max_distance
    return labels.masked_fill(lost, -1)
