"""The orthogonal RNN of expRNN (Lezcano-Casado & Martínez-Rubio, ICML 2019).

    h' = modReLU(U u + B h),   B = expm(A),   A = -Aᵀ,
    modReLU(z) = sign(z) · relu(|z| + b).

The exponential of a skew-symmetric matrix is orthogonal, so B stays exactly on the
orthogonal group whatever the optimiser does to A.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from rnnattr.models.base import RecurrentModel


def modrelu(z: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """modReLU(z) = sign(z) · relu(|z| + bias) (Arjovsky, Shah & Bengio, 2016)."""
    return torch.sign(z) * F.relu(z.abs() + bias)


def henaff_skew(hidden_size: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """Henaff et al. (2016) initialisation: a block-diagonal skew matrix of 2×2 blocks
    [[0, θ], [-θ, 0]] with θ ~ U(-π, π), so that expm of it is a block rotation.
    Returns its strictly upper-triangular part, shape (N, N)."""
    upper = torch.zeros(hidden_size, hidden_size)
    angles = (torch.rand(hidden_size // 2, generator=generator) * 2 - 1) * math.pi
    idx = torch.arange(0, 2 * (hidden_size // 2), 2)
    upper[idx, idx + 1] = angles
    return upper


class OrthogonalRNN(RecurrentModel):
    """expRNN: an RNN whose recurrent matrix is orthogonal, with modReLU and a linear readout.

    The recurrent matrix ``B = expm(A)`` is computed once per ``forward`` call (never once
    per time step). Under ``torch.no_grad()`` it is also cached between calls until the
    parameter changes, so that analysis loops over ``step`` do not pay a matrix exponential
    per step.

    Args:
        input_size: m.
        hidden_size: N; the flat state is h.
        output_size: o.

    Example:
        >>> model = OrthogonalRNN(1, 16, 1)
        >>> B = model.recurrent_weight()   # BᵀB = I
    """

    def __init__(self, input_size: int, hidden_size: int, output_size: int):
        super().__init__(input_size, hidden_size, output_size)
        self.input_weight = nn.Linear(input_size, hidden_size, bias=False)
        # A is the skew-symmetric part of this parameter's strict upper triangle.
        self.skew_upper = nn.Parameter(henaff_skew(hidden_size))
        self.modrelu_bias = nn.Parameter(torch.empty(hidden_size).uniform_(-0.01, 0.01))
        self._cache_key = None
        self._cached_weight = None

    def _exponential(self, upper: torch.Tensor) -> torch.Tensor:
        strict = upper.triu(1)
        return torch.matrix_exp(strict - strict.transpose(-2, -1))

    def recurrent_weight(self) -> torch.Tensor:
        """The orthogonal recurrent matrix B = expm(A), shape (N, N)."""
        upper = self.skew_upper
        if torch.is_grad_enabled() or type(upper) is not nn.Parameter:
            return self._exponential(upper)
        key = (upper.data_ptr(), upper._version, upper.dtype, upper.device)
        if key != self._cache_key:
            self._cached_weight, self._cache_key = self._exponential(upper), key
        return self._cached_weight

    def hidden_sequence(self, u, x0=None):
        h = self.check_sequence(u, x0)
        recurrent = self.recurrent_weight()  # once per call
        hs = []
        # unbind, not drive[:, t]: the backward of each index would zero-fill and add a whole
        # (B, T, N) gradient, T times over (quadratic in T); unbind's backward stacks once
        for drive in self.input_weight(u).unbind(1):  # T tensors (B, N)
            h = modrelu(drive + F.linear(h, recurrent), self.modrelu_bias)
            hs.append(h)
        hs = torch.stack(hs, dim=1)  # (B, T, N)
        return hs, h

    def step(self, x, u=None):
        self.check_step(x, u)
        pre = F.linear(x, self.recurrent_weight())
        if u is not None:
            pre = pre + self.input_weight(u)
        return modrelu(pre, self.modrelu_bias)
