"""Gradient flossing (Engelken, NeurIPS 2023): push the Lyapunov exponents of a network's
forward dynamics towards zero, so that gradients neither explode nor vanish over long horizons.

Back-propagation through T steps multiplies T state Jacobians; their product stretches by
about e^{T λ_1} and shrinks by about e^{T λ_k} along the Lyapunov directions. Exponents near
zero keep the long-term Jacobian well conditioned. Flossing minimises

    L_floss = (1/k) Σ_{i ≤ k} λ_i²,

with λ_i computed along the model's own trajectory by repeated QR (the exponents are
differentiable: :func:`rnnattr.lyapunov_spectrum`), in a separate optimisation phase with
its own optimiser, before training and optionally at chosen epochs during it: it is not a
term of the task loss.

    phase = FlossingConfig(k=75, n_updates=500)
    floss(model, phase, sample_inputs)                                  # now
    Trainer(..., callbacks=[flossing_callback(phase, sample_inputs, epochs={0, 10, 20})])   # before and during training
"""
from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

import torch
from torch import nn

from rnnattr.dynamics.lyapunov import lyapunov_spectrum
from rnnattr.validation import check_non_negative_int, check_positive_int

InputSampler = Callable[[torch.Generator], torch.Tensor]


def flossing_loss(step, x0: torch.Tensor, inputs: torch.Tensor | None = None, n_steps: int | None = None,
                  k: int | None = None, transient: int = 0, *, log_floor: float = -50.0,
                  through_states: bool = False) -> torch.Tensor:
    """The flossing loss: the mean of λ_i² over the first ``k`` Lyapunov exponents and over members.

    Returns:
        A scalar, differentiable in everything ``step`` depends on (the model's parameters)
        and in ``x0`` and ``inputs``; gradients flow through every QR decomposition.

    Args: as :func:`rnnattr.lyapunov_spectrum` (``log_floor`` clamps log|R_ii| from below;
    a step that annihilates directions still gives finite gradients), and ``through_states``:
    False differentiates the exponents along the trajectory held fixed, through the Jacobians and every QR; True gives
    the exact gradient of this finite-T loss (the reference code's, and :class:`FlossingConfig`'s
    default), which also follows the trajectory and grows like e^{λ_1 T} on a chaotic network:
    fine over the reference code's 55 steps near λ_1 = 0, useless over hundreds of chaotic steps.

    Example:
        >>> flossing_loss(model.step, x0, inputs, k=75)   # x0 (B, d), inputs (B, T, m)
    """
    exponents = lyapunov_spectrum(step, x0, inputs, n_steps, k, transient, log_floor=log_floor,
                                  detach_states=not through_states)  # (B, k)
    return exponents.pow(2).mean()


@dataclass(frozen=True)
class FlossingConfig:
    """One flossing phase; the defaults are those of the reference implementation
    (Engelken, 2023, github.com/RainerEngelken/GradientFlossing): k = 75 exponents of an
    N = 80 network, 500 Adam updates at 1e-3, each on one trajectory of 55 steps whose first
    16 only align the tangent vectors, differentiated through the states as well."""

    k: int = 75  # exponents flossed (of N = 80 in the reference code's tanh RNN)
    n_updates: int = 500  # optimiser steps of one phase
    learning_rate: float = 1e-3  # Adam, its own optimiser (not the training one)
    n_steps: int = 55  # trajectory length per update, transient included: short, so the exact gradient stays finite
    transient: int = 16  # leading steps not averaged (they still align the tangent vectors)
    batch_size: int = 1  # trajectories per update, batched in one pass (the reference: one)
    initial_scale: float = 0.5  # x0 ~ N(0, initial_scale²) per coordinate
    through_states: bool = True  # the exact gradient (the reference); False: trajectory held fixed

    def __post_init__(self):
        for name in ("k", "n_updates", "n_steps", "batch_size"):
            check_positive_int(name, getattr(self, name))
        check_non_negative_int("transient", self.transient)
        if self.transient >= self.n_steps:
            raise ValueError(f"transient: expected fewer than n_steps={self.n_steps} steps, got {self.transient}")
        for name in ("learning_rate", "initial_scale"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name}: expected a positive number, got {getattr(self, name)}")


def floss(model: nn.Module, config: FlossingConfig, sample_inputs: InputSampler | None = None,
          generator: torch.Generator | None = None, after_step: Callable[[nn.Module], object] | None = None
          ) -> list[dict[str, float]]:
    """Run one flossing phase on ``model`` in place; returns its history, one row per update.

    Args:
        model: any rnnattr model (``step``, ``state_dim``); all its parameters are updated.
        config: the phase's sizes and optimiser.
        sample_inputs: ``sample_inputs(generator) -> (batch_size, n_steps, m)``, fresh task-like
            input streams per update (the dynamics flossed are those the task drives); None
            for the autonomous map.
        generator: draws the initial states and is passed to ``sample_inputs``.
        after_step: e.g. ``StableLSTM.project_``, called after every update.

    Returns:
        ``[{"update": i, "loss": L_floss, "lambda_max": λ_1 (largest over the batch)}, ...]``.

    Raises:
        ValueError: ``config.k`` exceeds the model's state dimension (before any update).
        FloatingPointError: an update's loss or gradient is not finite; the model keeps the
            parameters of the update before.
    """
    if config.k > model.state_dim:
        raise ValueError(f"config.k: expected at most the state dimension {model.state_dim}, got {config.k}")
    generator = torch.Generator().manual_seed(0) if generator is None else generator
    parameter = next(model.parameters())
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    was_training = model.training
    model.train()
    history = []
    for update in range(1, config.n_updates + 1):
        x0 = torch.randn(config.batch_size, model.state_dim, generator=generator) * config.initial_scale
        inputs = None if sample_inputs is None else sample_inputs(generator).to(parameter)
        optimizer.zero_grad(set_to_none=True)
        exponents = lyapunov_spectrum(model.step, x0.to(parameter), inputs, config.n_steps, config.k,
                                      config.transient, detach_states=not config.through_states)  # (B, k)
        loss = exponents.pow(2).mean()
        loss.backward()
        gradients = [p.grad for p in model.parameters() if p.grad is not None]
        if not torch.isfinite(torch.stack([g.abs().sum() for g in gradients]).sum() + loss.detach()):
            raise FloatingPointError(
                f"flossing update {update}: the loss or its gradient is not finite (loss {loss.item():.4g}); the "
                f"model keeps the parameters of update {update - 1}. With through_states=True the exact "
                f"gradient grows like e^(λ1 T) on a chaotic network: shorten n_steps or set through_states=False")
        optimizer.step()
        if after_step is not None:
            after_step(model)
        history.append({"update": update, "loss": loss.item(), "lambda_max": exponents[:, 0].max().item()})
    model.train(was_training)
    return history


def flossing_callback(config: FlossingConfig, sample_inputs: InputSampler | None, epochs: Collection[int],
                      seed: int = 0, after_step: Callable[[nn.Module], object] | None = None):
    """A :class:`rnnattr.training.engine.Trainer` callback that runs :func:`floss` after each epoch
    in ``epochs`` (1-based; 0 is before the first epoch: flossing before training). Each phase's
    generator is seeded with ``(seed, epoch)``, so a resumed run flosses exactly as an
    uninterrupted one. No phase runs after an epoch that reached the trainer's early-stopping
    target: that epoch ends the run, and the stored model must be the one whose metrics were
    measured. The phase histories are kept in ``callback.phases``
    as ``{epoch: history}``."""
    epochs = frozenset(check_non_negative_int("epochs", epoch) for epoch in epochs)

    def callback(trainer, metrics: dict) -> None:
        epoch = int(metrics["epoch"])
        ending = epoch > 0 and trainer.early_stopping is not None and trainer.early_stopping.reached(metrics)
        if epoch in epochs and not ending:
            generator = torch.Generator().manual_seed(seed * 1_000_003 + epoch)
            callback.phases[epoch] = floss(trainer.model, config, sample_inputs, generator, after_step)

    callback.phases = {}
    return callback
