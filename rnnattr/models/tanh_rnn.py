"""The vanilla (Elman) tanh RNN: h' = tanh(W h + U u + b)."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from rnnattr.models.base import RecurrentModel


class TanhRNN(RecurrentModel):
    """A one-layer tanh RNN with a linear readout; the flat state is h.

    Args:
        input_size: m.
        hidden_size: N.
        output_size: o.
        gain: if given, draw the recurrent weights i.i.d. from N(0, gain²/N), the
            random-network initialisation of Sompolinsky, Crisanti & Sommers (1988): for
            large N the autonomous network is chaotic when gain > 1. ``None`` keeps
            PyTorch's default initialisation.

    ``forward`` runs ``nn.RNN``; ``step`` recomputes the cell with ``F.linear``;
    ``tangent_step`` applies its Jacobian in closed form, diag(1 − h'²) W.

    Example:
        >>> model = TanhRNN(1, 80, 1, gain=3.0)
    """

    def __init__(self, input_size: int, hidden_size: int, output_size: int, *, gain: float | None = None):
        super().__init__(input_size, hidden_size, output_size)
        self.cell = nn.RNN(input_size, hidden_size, nonlinearity="tanh", batch_first=True)
        if gain is not None:
            if not isinstance(gain, (int, float)) or gain <= 0:
                raise ValueError(f"gain: expected a positive number, got {gain!r}")
            with torch.no_grad():
                self.cell.weight_hh_l0.normal_(0.0, gain / math.sqrt(hidden_size))

    def hidden_sequence(self, u, x0=None):
        x0 = self.check_sequence(u, x0)
        hs, h_last = self.cell(u, x0.unsqueeze(0).contiguous())
        return hs, h_last[0]

    def step(self, x, u=None):
        self.check_step(x, u)
        cell = self.cell
        pre = F.linear(x, cell.weight_hh_l0, cell.bias_hh_l0) + cell.bias_ih_l0
        if u is not None:
            pre = pre + F.linear(u, cell.weight_ih_l0)
        return torch.tanh(pre)

    def tangent_step(self, x, u, tangents):
        """``(step(x, u), D tangents)`` with the state Jacobian D = diag(1 − h'²) W in closed form:
        one batched matrix product instead of k forward-mode passes. tangents: (B, N, k)."""
        h_next = self.step(x, u)
        stretched = torch.matmul(self.cell.weight_hh_l0, tangents)  # (B, N, k)
        return h_next, (1 - h_next.pow(2)).unsqueeze(-1) * stretched
