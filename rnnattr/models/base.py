"""The interface every recurrent model in rnnattr shares.

A model is the discrete-time dynamical system of the paper's Eq. 1,

    x_{t+1} = f(x_t, u_t; θ),        ŷ_t = g(x_t; θ),

seen through two paths that must agree:

* ``forward(u, x0)`` — the fast path used for training (cuDNN where possible), the
  readout of ``hidden_sequence(u, x0)``, which a language model reads instead to put
  dropout and a tied decoder between the recurrent unit and its outputs;
* ``step(x, u)`` and ``readout(x)`` — the analysis path, a pure function of flat batched
  states that ``torch.func`` (``vmap``, ``jvp``, ``jacrev``) can transform, and that every
  tool in :mod:`rnnattr.dynamics` takes.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from rnnattr.validation import check_positive_int, check_tensor


def input_affine(u: torch.Tensor | None, weight: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor | None:
    """``U u + b`` of a cell's input, (B, out) from u (B, m); ``b`` for u = None (zero input), None if neither.

    The bias is added after the product: ``F.linear`` with a bias is an ``addmm`` that is several
    times slower than ``mm`` plus an addition on CPU for narrow inputs (m = 1)."""
    product = None if u is None else F.linear(u, weight)
    if bias is None:
        return product
    return bias if product is None else product + bias


class RecurrentModel(nn.Module):
    """Base class: a recurrent cell with a linear readout from its hidden vector.

    Subclasses set ``state_dim`` and implement ``hidden_sequence`` and ``step``. The hidden vector
    ``h`` is the first ``hidden_size`` entries of the flat state, so ``readout`` is shared:
    ``readout(x) = decoder(x[..., :hidden_size])`` (the one exception,
    :class:`rnnattr.models.TorchRecurrentView` of a stack of layers, overrides it).
    """

    def __init__(self, input_size: int, hidden_size: int, output_size: int):
        super().__init__()
        self.input_size = check_positive_int("input_size", input_size)
        self.hidden_size = check_positive_int("hidden_size", hidden_size)
        self.output_size = check_positive_int("output_size", output_size)
        self.decoder = nn.Linear(hidden_size, output_size)

    @property
    def state_dim(self) -> int:
        """Length of the flat state vector x."""
        return self.hidden_size

    def initial_state(self, batch_size: int) -> torch.Tensor:
        """Zero flat states, shape (batch_size, state_dim), on the model's device and dtype."""
        check_positive_int("batch_size", batch_size)
        weight = self.decoder.weight
        return weight.new_zeros(batch_size, self.state_dim)

    def readout(self, x: torch.Tensor) -> torch.Tensor:
        """The output map g: flat states (..., state_dim) -> outputs (..., output_size)."""
        return self.decoder(x[..., : self.hidden_size])

    def check_sequence(self, u: torch.Tensor, x0: torch.Tensor | None) -> torch.Tensor:
        """Validate a batch-first input sequence and initial state; return x0 (zeros if None)."""
        check_tensor("u", u, (None, "T", self.input_size))
        if x0 is None:
            return self.initial_state(u.shape[0]).to(u.dtype)
        check_tensor("x0", x0, (u.shape[0], self.state_dim))
        return x0

    def check_step(self, x: torch.Tensor, u: torch.Tensor | None) -> None:
        """Validate the arguments of ``step``: x (B, state_dim), u (B, input_size) or None."""
        check_tensor("x", x, (None, self.state_dim))
        if u is not None:
            check_tensor("u", u, (x.shape[0], self.input_size))

    def hidden_sequence(self, u: torch.Tensor, x0: torch.Tensor | None = None):
        """The fast path: u (B, T, m) -> (hidden vectors h_1..h_T (B, T, H), x_last (B, state_dim))."""
        raise NotImplementedError

    def forward(self, u: torch.Tensor, x0: torch.Tensor | None = None):
        """Run the model on a sequence: u (B, T, m) -> (y (B, T, o), x_last (B, state_dim))."""
        hs, x_last = self.hidden_sequence(u, x0)
        return self.readout(hs), x_last

    def step(self, x: torch.Tensor, u: torch.Tensor | None = None) -> torch.Tensor:
        """The state map f: x (B, state_dim), u (B, m) or None (zero input) -> x_next."""
        raise NotImplementedError
