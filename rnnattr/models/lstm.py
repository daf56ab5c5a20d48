"""Long short-term memory networks: the plain LSTM and the stable LSTM of Miller & Hardt.

Gate order follows PyTorch, (i, f, g, o)::

    i = σ(W_i h + U_i u + b_i)     f = σ(W_f h + U_f u + b_f)
    g = tanh(W_g h + U_g u + b_g)  o = σ(W_o h + U_o u + b_o)
    c' = f ⊙ c + i ⊙ g             h' = o ⊙ tanh(c')

The flat state is ``x = cat([h, c], -1)``.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from rnnattr.models.base import RecurrentModel


def lstm_cell(c: torch.Tensor, gates: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """One LSTM cell update from pre-activations: ``(o ⊙ tanh(c'), c')``.

    Args:
        c: cell states, (B, H).
        gates: gate pre-activations in PyTorch order (i, f, g, o), shape (B, 4H).

    Returns:
        ``(h', c')``, each (B, H); h' before any projection.
    """
    batch, hidden = c.shape
    # gate-major layout: each gate becomes one contiguous block, which matters for small H
    gates = gates.view(batch, 4, hidden).transpose(0, 1).contiguous()  # (4, B, H)
    i, f, _, o = torch.sigmoid(gates)  # (B, H) each; one call on the whole block is cheapest
    c_next = torch.addcmul(f * c, i, torch.tanh(gates[2]))
    return o * torch.tanh(c_next), c_next


def lstm_update(x: torch.Tensor, gates: torch.Tensor) -> torch.Tensor:
    """One LSTM state update from pre-activations.

    Args:
        x: flat states ``cat([h, c], -1)``, shape (B, 2H).
        gates: gate pre-activations in PyTorch order (i, f, g, o), shape (B, 4H).

    Returns:
        The next flat state ``cat([h', c'], -1)``, shape (B, 2H).
    """
    return torch.cat(lstm_cell(x[..., x.shape[-1] // 2 :], gates), dim=-1)


class LSTM(RecurrentModel):
    """A one-layer LSTM with a linear readout from h.

    ``forward`` runs ``nn.LSTM`` (cuDNN on a GPU); ``step`` recomputes the same cell with
    ``F.linear`` on the same weights, so that ``torch.func`` can transform it;
    ``tangent_step`` applies its Jacobian in closed form (used by every dynamics tool).

    Args:
        input_size: m, the input dimension.
        hidden_size: H; the flat state has 2H entries, ``cat([h, c])``.
        output_size: o, the readout dimension.
        bias: whether the cell has biases.

    Example:
        >>> model = LSTM(1, 8, 1)
        >>> y, x_last = model(torch.zeros(3, 10, 1))   # y: (3, 10, 1), x_last: (3, 16)
    """

    def __init__(self, input_size: int, hidden_size: int, output_size: int, *, bias: bool = True):
        super().__init__(input_size, hidden_size, output_size)
        self.cell = nn.LSTM(input_size, hidden_size, batch_first=True, bias=bias)

    @property
    def state_dim(self) -> int:
        return 2 * self.hidden_size

    def hidden_sequence(self, u, x0=None):
        x0 = self.check_sequence(u, x0)
        h0, c0 = x0.chunk(2, dim=-1)
        hs, (h_last, c_last) = self.cell(u, (h0.unsqueeze(0).contiguous(), c0.unsqueeze(0).contiguous()))
        return hs, torch.cat([h_last[0], c_last[0]], dim=-1)

    def gate_preactivations(self, x, u=None):
        """W h + U u + b for the four gates, (B, 4H), from flat states x (B, 2H) and inputs u (B, m) or None."""
        self.check_step(x, u)
        cell = self.cell
        h = x[..., : self.hidden_size]
        gates = F.linear(h, cell.weight_hh_l0, cell.bias_hh_l0 if cell.bias else None)
        if u is not None:
            gates = gates + F.linear(u, cell.weight_ih_l0)
        if cell.bias:
            gates = gates + cell.bias_ih_l0
        return gates

    def step(self, x, u=None):
        return lstm_update(x, self.gate_preactivations(x, u))

    def tangent_step(self, x, u, tangents):
        """``(step(x, u), D tangents)`` with the state Jacobian applied in closed form: with
        (δh, δc) the tangent's halves and δa = W δh the gates' pre-activation changes,

            δc' = σ'(a_f) δa_f ⊙ c + f ⊙ δc + σ'(a_i) δa_i ⊙ g + i ⊙ tanh'(a_g) δa_g,
            δh' = σ'(a_o) δa_o ⊙ tanh(c') + o ⊙ tanh'(c') δc'.

        One batched matrix product per step instead of k forward-mode passes. tangents: (B, 2H, k)."""
        hidden = self.hidden_size
        gates = self.gate_preactivations(x, u).view(-1, 4, hidden).transpose(0, 1)  # (4, B, H)
        i, f, o = torch.sigmoid(gates[[0, 1, 3]])  # (B, H) each
        g = torch.tanh(gates[2])
        c = x[..., hidden:]
        c_next = f * c + i * g
        tanh_c = torch.tanh(c_next)
        h_next = o * tanh_c
        da_i, da_f, da_g, da_o = torch.matmul(self.cell.weight_hh_l0, tangents[:, :hidden]).split(hidden, dim=1)
        dc = ((f * (1 - f) * c).unsqueeze(-1) * da_f + f.unsqueeze(-1) * tangents[:, hidden:]
              + (i * (1 - i) * g).unsqueeze(-1) * da_i + (i * (1 - g * g)).unsqueeze(-1) * da_g)  # (B, H, k)
        dh = (o * (1 - o) * tanh_c).unsqueeze(-1) * da_o + (o * (1 - tanh_c * tanh_c)).unsqueeze(-1) * dc
        return torch.cat([h_next, c_next], dim=-1), torch.cat([dh, dc], dim=1)


class StableLSTM(LSTM):
    """An LSTM kept contractive by projection after every optimiser step (Miller & Hardt, 2019).

    ``project_()`` bounds the ℓ∞ operator norm (the largest row sum of |w|; PyTorch
    stores weights as (out, in)) of each recurrent gate block, ``‖W_i‖∞ ≤ 0.395``,
    ``‖W_f‖∞ ≤ 0.155``, ``‖W_g‖∞ ≤ 0.099``, ``‖W_o‖∞ ≤ 0.395``, and of the forget gate's input
    weights, ``‖U_f‖∞ ≤ 0.25``. These make the state map a contraction in the ∞-norm for
    inputs with |u| ≤ 1 and small biases (Miller & Hardt, *Stable recurrent models*,
    ICLR 2019).

    The projection scales down exactly the rows whose ℓ1 norm exceeds the bound and leaves
    every other row untouched (the public reference code rescales columns, the wrong axis,
    and also inflates small ones). It edits the ``nn.LSTM`` weights in place under
    ``no_grad``, so cuDNN keeps using them. The model is projected once at construction.
    """

    RECURRENT_BOUNDS = {"i": 0.395, "f": 0.155, "g": 0.099, "o": 0.395}
    FORGET_INPUT_BOUND = 0.25

    def __init__(self, input_size: int, hidden_size: int, output_size: int, *, bias: bool = True):
        super().__init__(input_size, hidden_size, output_size, bias=bias)
        self.project_()

    @staticmethod
    def _project_rows_(weight: torch.Tensor, bound: float) -> None:
        row_sums = weight.abs().sum(dim=1, keepdim=True)  # (rows, 1)
        weight.mul_(torch.clamp(bound / row_sums.clamp_min(torch.finfo(weight.dtype).tiny), max=1.0))

    @torch.no_grad()
    def project_(self) -> "StableLSTM":
        """Project the weights onto the stability set in place; returns ``self``."""
        H = self.hidden_size
        recurrent = self.cell.weight_hh_l0  # (4H, H), blocks i, f, g, o
        for block, bound in enumerate(self.RECURRENT_BOUNDS.values()):
            self._project_rows_(recurrent[block * H : (block + 1) * H], bound)
        self._project_rows_(self.cell.weight_ih_l0[H : 2 * H], self.FORGET_INPUT_BOUND)
        return self
