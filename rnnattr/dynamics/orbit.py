"""Orbits of a dynamical system: what the paper calls a bifurcation diagram is a plot of
the post-burn-in orbit (an orbit diagram) against a parameter."""
from __future__ import annotations

import warnings
from collections.abc import Callable

import torch

from rnnattr.dynamics.inputs import input_schedule
from rnnattr.validation import check_non_negative_int, check_tensor

StepFunction = Callable[[torch.Tensor, "torch.Tensor | None"], torch.Tensor]


def orbit(step: StepFunction, x0: torch.Tensor, n_steps: int | None = None,
          inputs: torch.Tensor | None = None, burn_in: int = 0) -> torch.Tensor:
    """Simulate ``x_{t+1} = step(x_t, u_t)`` and return the states after the burn-in.

    Returns:
        The states x_{burn_in+1}, …, x_{n_steps}, shape (B, n_steps − burn_in, d). Row b
        is the orbit of member b; plotted against a parameter swept over the batch it is
        the paper's "bifurcation diagram" (an orbit diagram). A member that diverges is
        returned as NaN, with a warning, instead of aborting the whole sweep.

    Args:
        step: the map, ``step(x (B, d), u (B, m) or None) -> (B, d)``.
        x0: initial states, (B, d).
        n_steps: number of steps; defaults to T when ``inputs`` is a sequence.
        inputs: ``None`` (autonomous), a constant input per member (B, m), or a
            sequence (B, T, m).
        burn_in: number of leading states dropped (the transient); must be < n_steps.

    The simulation is differentiable: gradients flow to x0, the inputs, and any
    parameters the step function closes over.

    Example:
        >>> model = chaotic_lstm(torch.linspace(0.5, 2.0, 5000))
        >>> h1 = orbit(model.step, model.initial_state(), 200, burn_in=100)[..., 0]  # (5000, 100)
    """
    check_tensor("x0", x0, (None, "d"))
    n_steps, input_at = input_schedule(inputs, x0.shape[0], n_steps)
    check_non_negative_int("burn_in", burn_in)
    if burn_in >= n_steps:
        raise ValueError(f"burn_in: expected fewer than n_steps={n_steps} steps, got {burn_in}")
    x, kept = x0, []
    for t in range(n_steps):
        x = step(x, input_at(t))
        if t >= burn_in:
            kept.append(x)
    states = torch.stack(kept, dim=1)  # (B, n_steps - burn_in, d)
    diverged = ~torch.isfinite(states.abs().amax(dim=(1, 2)))  # (B,); amax propagates NaN
    if diverged.any():
        warnings.warn(f"orbit: {int(diverged.sum())} of {len(diverged)} members diverged; "
                      "their states are returned as NaN", RuntimeWarning, stacklevel=2)
        states = states.masked_fill(diverged[:, None, None], float("nan"))
    return states
