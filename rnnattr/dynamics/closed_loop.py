"""Free-running (closed-loop) systems: a model whose own outputs are fed back as its inputs.

Trained with teacher forcing, a model is the driven system x_{t+1} = f(x_t, z_t) whose
inputs z_t come from the data. When it generates (free-running simulation, text
generation), each input is made from the model's previous output, z_t = φ(ŷ_{t-1}), and
the same weights define a different, autonomous system with its own attractors and
Lyapunov spectrum.
"""
from __future__ import annotations

from collections.abc import Callable

import torch

from rnnattr.validation import check_positive_int, check_tensor


def closed_loop(model, feedback: Callable[[torch.Tensor], torch.Tensor]):
    """The free-running system of ``model`` under ``feedback``, as a step function.

    Returns:
        ``step(x, u=None) -> x_next`` on flat states x (B, d), d = ``model.state_dim``,

            x_{t+1} = F(x_t) = f(x_t, φ(g(x_t))),

        with f = ``model.step``, g = ``model.readout`` and φ = ``feedback``. The system is
        autonomous: ``u`` must be ``None``. It works with every tool of
        :mod:`rnnattr.dynamics` (``orbit``, ``jacobian``, ``lyapunov_spectrum``, ...).

    Args:
        model: anything with ``step(x (B, d), u (B, m)) -> (B, d)``, ``readout(x) -> (B, o)``,
            ``state_dim`` (d) and ``input_size`` (m): every rnnattr model.
        feedback: φ, any callable from outputs (B, o) to inputs (B, m). The identity
            for a signal predicted one step ahead; the embedding of the most likely word,
            ``lambda logits: embedding[logits.argmax(-1)]``, for a language model that
            generates text. A piecewise-constant φ such as that one contributes nothing
            to the Jacobian.

    State layout: x alone, the model's own flat state (``cat([h, c])`` for an LSTM).
    The free-running system is often written on the extended state (x_t, ŷ_{t-1}), but
    in rnnattr a model's output is a function of its state, ŷ_{t-1} = g(x_t): the
    extended orbit lies on the graph of g and carries nothing beyond x. Its Jacobian
    factors as [I; C][A, BΦ], whose nonzero eigenvalues are those of
    DF = A + BΦC (A = ∂f/∂x, B = ∂f/∂z, Φ = Dφ, C = Dg); the extended map has the same
    Lyapunov exponents as F plus o exponents equal to −∞. Working on x keeps the dimension
    at d, which matters when the outputs are a language model's vocabulary-sized logits.

    Method: the output the model emitted on reaching state x is g(x) (its prediction of
    the next sample), so feeding it back gives the next state f(x, φ(g(x))). Teacher
    forcing (Williams & Zipser, 1989) trains f(·, z_t) with z_t from the data; nothing in
    its loss constrains the Jacobian A + BΦC of the free-running map (exposure bias).

    Example:
        >>> model = TanhRNN(1, 16, 1)
        >>> _, x = model(prime)                       # teacher-forced warm-up on (B, T, 1)
        >>> free = closed_loop(model, lambda y: y)   # identity feedback
        >>> generated = model.readout(orbit(free, x, n_steps=400))  # (B, 400, 1)
    """
    for name in ("step", "readout"):
        if not callable(getattr(model, name, None)):
            raise ValueError(f"model: expected a model with callable step and readout, "
                             f"got {type(model).__name__} without a callable {name}")
    state_dim = check_positive_int("model.state_dim", getattr(model, "state_dim", None))
    input_size = check_positive_int("model.input_size", getattr(model, "input_size", None))
    if not callable(feedback):
        raise ValueError(f"feedback: expected a callable from outputs (B, o) to inputs (B, {input_size}), "
                         f"got {type(feedback).__name__}")

    def step(x: torch.Tensor, u: torch.Tensor | None = None) -> torch.Tensor:
        if u is not None:
            got = f"shape {tuple(u.shape)}" if isinstance(u, torch.Tensor) else type(u).__name__
            raise ValueError(f"u: expected None (the closed-loop system's input is its own fed-back output), got {got}")
        check_tensor("x", x, (None, state_dim))
        fed_back = feedback(model.readout(x))  # (B, m)
        check_tensor("feedback(y)", fed_back, (x.shape[0], input_size))
        return model.step(x, fed_back)

    return step
