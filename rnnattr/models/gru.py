"""The gated recurrent unit (Cho et al., 2014), in PyTorch's gate order (r, z, n)::

    r = σ(W_r h + U_r u + b_r)        z = σ(W_z h + U_z u + b_z)
    n = tanh(U_n u + b_in + r ⊙ (W_n h + b_hn))
    h' = (1 − z) ⊙ n + z ⊙ h

The flat state is h. The reset gate multiplies the recurrent part of n only, after its bias
b_hn: that is ``nn.GRU``'s convention (the original paper's puts r before W_n).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from rnnattr.models.base import RecurrentModel, input_affine


def gru_gates(input_part: torch.Tensor | None, recurrent_part: torch.Tensor):
    """The gates ``(r, z, n)``, each (B, H), from their two affine parts.

    Args:
        input_part: ``U u + b_i`` for the gates (r, z, n), (B, 3H), or ``None`` for zero (no input, no bias).
        recurrent_part: ``W h + b_h`` for the gates (r, z, n), (B, 3H).
    """
    recurrent_r, recurrent_z, recurrent_n = recurrent_part.chunk(3, dim=-1)  # (B, H) each
    input_r, input_z, input_n = (0, 0, 0) if input_part is None else input_part.chunk(3, dim=-1)
    r = torch.sigmoid(input_r + recurrent_r)
    z = torch.sigmoid(input_z + recurrent_z)
    return r, z, torch.tanh(input_n + r * recurrent_n)


def gru_update(h: torch.Tensor, input_part: torch.Tensor | None, recurrent_part: torch.Tensor) -> torch.Tensor:
    """One GRU state update h (B, H) -> h' (B, H); the affine parts as :func:`gru_gates`."""
    _, z, n = gru_gates(input_part, recurrent_part)
    return n + z * (h - n)  # (1 − z) n + z h, as ATen's GRU cell writes it


class GRU(RecurrentModel):
    """A one-layer GRU with a linear readout from h; the flat state is h.

    ``forward`` runs ``nn.GRU`` (cuDNN on a GPU); ``step`` recomputes the same cell with
    ``F.linear`` on the same weights, so that ``torch.func`` can transform it;
    ``tangent_step`` applies its Jacobian in closed form (used by every dynamics tool).

    Args: as :class:`rnnattr.LSTM` (``input_size`` m, ``hidden_size`` H, ``output_size`` o, ``bias``).

    Example:
        >>> model = GRU(1, 8, 1)
        >>> y, x_last = model(torch.zeros(3, 10, 1))   # y: (3, 10, 1), x_last: (3, 8)
    """

    def __init__(self, input_size: int, hidden_size: int, output_size: int, *, bias: bool = True):
        super().__init__(input_size, hidden_size, output_size)
        self.cell = nn.GRU(input_size, hidden_size, batch_first=True, bias=bias)

    def hidden_sequence(self, u, x0=None):
        x0 = self.check_sequence(u, x0)
        hs, h_last = self.cell(u, x0.unsqueeze(0).contiguous())
        return hs, h_last[0]

    def affine_parts(self, x, u=None):
        """``(U u + b_i or None, W h + b_h)``, each (B, 3H), from states x (B, H) and inputs u (B, m) or None."""
        self.check_step(x, u)
        cell = self.cell
        bias_ih, bias_hh = (cell.bias_ih_l0, cell.bias_hh_l0) if cell.bias else (None, None)
        return input_affine(u, cell.weight_ih_l0, bias_ih), F.linear(x, cell.weight_hh_l0, bias_hh)

    def step(self, x, u=None):
        return gru_update(x, *self.affine_parts(x, u))

    def tangent_step(self, x, u, tangents):
        """``(step(x, u), D tangents)`` with the state Jacobian applied in closed form: with
        δa = W δh the recurrent parts' changes and a_n = W_n h + b_hn,

            δr = r(1 − r) δa_r,   δz = z(1 − z) δa_z,   δn = (1 − n²) (δr ⊙ a_n + r ⊙ δa_n),
            δh' = δz ⊙ (h − n) + (1 − z) ⊙ δn + z ⊙ δh.

        One batched matrix product per step instead of k forward-mode passes. tangents: (B, H, k)."""
        input_part, recurrent_part = self.affine_parts(x, u)
        r, z, n = gru_gates(input_part, recurrent_part)  # (B, H) each
        recurrent_n = recurrent_part.chunk(3, dim=-1)[2]
        da_r, da_z, da_n = torch.matmul(self.cell.weight_hh_l0, tangents).chunk(3, dim=1)  # (B, H, k) each
        dn = (1 - n * n).unsqueeze(-1) * ((r * (1 - r) * recurrent_n).unsqueeze(-1) * da_r + r.unsqueeze(-1) * da_n)
        dh = ((z * (1 - z) * (x - n)).unsqueeze(-1) * da_z + (1 - z).unsqueeze(-1) * dn
              + z.unsqueeze(-1) * tangents)
        return n + z * (x - n), dh
