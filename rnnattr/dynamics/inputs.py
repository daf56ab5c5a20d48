"""How the dynamics tools read their ``inputs`` argument (shared by orbit and Lyapunov)."""
from __future__ import annotations

from collections.abc import Callable

import torch

from rnnattr.validation import check_positive_int, check_tensor


def input_schedule(inputs: torch.Tensor | None, batch_size: int,
                   n_steps: int | None) -> tuple[int, Callable[[int], torch.Tensor | None]]:
    """Validate ``inputs`` and ``n_steps``; return ``(n_steps, input_at)``.

    ``inputs`` may be ``None`` (an autonomous map: ``n_steps`` required), a constant input
    per member of shape (B, m) (``n_steps`` required), or a sequence (B, T, m) (``n_steps``
    defaults to T and may not exceed it). ``input_at(t)`` returns the (B, m) input of step t.
    """
    if inputs is not None and (not isinstance(inputs, torch.Tensor) or inputs.ndim not in (2, 3)):
        got = tuple(inputs.shape) if isinstance(inputs, torch.Tensor) else type(inputs).__name__
        raise ValueError(f"inputs: expected None, shape (B, m) or shape (B, T, m), got {got}")
    if inputs is None or inputs.ndim == 2:
        if inputs is not None:
            check_tensor("inputs", inputs, (batch_size, "m"))
        if n_steps is None:
            raise ValueError("n_steps: expected a positive integer when inputs is None or constant (B, m), got None")
        check_positive_int("n_steps", n_steps)
        return n_steps, (lambda t: inputs)
    check_tensor("inputs", inputs, (batch_size, "T", "m"))
    length = inputs.shape[1]
    n_steps = length if n_steps is None else check_positive_int("n_steps", n_steps)
    if n_steps > length:
        raise ValueError(f"n_steps: expected at most the input length T={length}, got {n_steps}")
    return n_steps, (lambda t: inputs[:, t])
