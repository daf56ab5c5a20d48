"""The chaotic 2-unit LSTM of the paper's Figure 1, and LSTM families with one weight set
per batch member, so that a whole parameter sweep is one batched dynamical system."""
from __future__ import annotations

import torch
from torch import nn

from rnnattr.models.lstm import lstm_update
from rnnattr.validation import check_positive_int, check_tensor

#: Recurrent weights θ_true of the chaotic LSTM (Ribeiro et al., 2020, Figure 1), one (out, in)
#: block per gate in PyTorch order (i, f, g, o); the input weights are all zero.
THETA_TRUE = {
    "i": [[-1.0, -4.0], [-3.0, -2.0]],
    "f": [[-2.0, 6.0], [0.0, -6.0]],
    "g": [[-1.0, -6.0], [6.0, -9.0]],
    "o": [[4.0, 1.0], [-9.0, -7.0]],
}

#: Initial state of Figure 1: h0 = c0 = 0.5.
CHAOTIC_INITIAL_VALUE = 0.5


def theta_true(dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """θ_true stacked as PyTorch's ``weight_hh_l0``, shape (8, 2)."""
    return torch.tensor([row for gate in "ifgo" for row in THETA_TRUE[gate]], dtype=dtype)


def _batched_matrix_vector(weights: torch.Tensor, vectors: torch.Tensor) -> torch.Tensor:
    """(S, n, k) weights times (B, k) vectors -> (B, n), with S = B or S = 1."""
    if weights.shape[-1] > 8:
        return torch.matmul(weights, vectors.unsqueeze(-1)).squeeze(-1)
    # For the few-unit systems families are built for, k multiply-adds of (B, n) blocks run
    # about twice as fast on a CPU as S tiny matrix products.
    result = weights[..., 0] * vectors[:, :1]
    for j in range(1, weights.shape[-1]):
        result = torch.addcmul(result, weights[..., j], vectors[:, j : j + 1])
    return result


def lstm_family_step(x: torch.Tensor, u: torch.Tensor | None, recurrent_weights: torch.Tensor,
                     input_weights: torch.Tensor | None = None) -> torch.Tensor:
    """One step of S bias-free LSTMs with the weights passed in (the functional form of
    :meth:`LSTMFamily.step`, for costs that must be pure functions of the weights).

    Args:
        x: flat states ``cat([h, c])``, (B, 2H).
        u: inputs (B, m) or ``None`` (zero input).
        recurrent_weights: (S, 4H, H) with S = B or S = 1; member b uses weight set b.
        input_weights: (S, 4H, m); needed only when ``u`` is given.

    Returns:
        The next flat states, (B, 2H).
    """
    hidden = recurrent_weights.shape[-1]
    gates = _batched_matrix_vector(recurrent_weights, x[..., :hidden])  # (B, 4H)
    if u is not None:
        gates = gates + _batched_matrix_vector(input_weights, u)
    return lstm_update(x, gates)


class LSTMFamily(nn.Module):
    """S bias-free LSTMs with the same architecture and their own weights, as one system.

    Member ``s`` of a batch of states is advanced with weight set ``s``, so a sweep over S
    parameter values is one batched ``step`` on (S, 2H) states. With S = 1 the single
    weight set is shared by every batch member. The readout is the hidden vector itself.

    Args:
        recurrent_weights: (S, 4H, H), gate blocks in PyTorch order (i, f, g, o).
        input_weights: (S, 4H, m), or ``None`` for zero input weights with m = 1.
        initial_value: the constant entry of ``initial_state`` (h0 = c0 = value).
    """

    def __init__(self, recurrent_weights: torch.Tensor, input_weights: torch.Tensor | None = None,
                 *, initial_value: float = 0.0):
        super().__init__()
        check_tensor("recurrent_weights", recurrent_weights, (None, "4H", "H"))
        n_members, four_h, hidden = recurrent_weights.shape
        if four_h != 4 * hidden:
            raise ValueError(f"recurrent_weights: expected shape (S, 4H, H), got {tuple(recurrent_weights.shape)}")
        if input_weights is None:
            input_weights = recurrent_weights.new_zeros(n_members, four_h, 1)
        check_tensor("input_weights", input_weights, (n_members, four_h, "m"))
        self.weight_hh = nn.Parameter(recurrent_weights.clone())
        self.weight_ih = nn.Parameter(input_weights.clone())
        self.n_members = n_members
        self.hidden_size = hidden
        self.input_size = input_weights.shape[-1]
        self.output_size = hidden
        self.initial_value = float(initial_value)

    @property
    def state_dim(self) -> int:
        return 2 * self.hidden_size

    def initial_state(self, batch_size: int | None = None) -> torch.Tensor:
        """Constant flat states ``initial_value``, shape (batch_size, 2H); default S members."""
        batch_size = self.n_members if batch_size is None else check_positive_int("batch_size", batch_size)
        return self.weight_hh.new_full((batch_size, self.state_dim), self.initial_value)

    def readout(self, x: torch.Tensor) -> torch.Tensor:
        """The output is the hidden vector h: (..., 2H) -> (..., H)."""
        return x[..., : self.hidden_size]

    def step(self, x: torch.Tensor, u: torch.Tensor | None = None) -> torch.Tensor:
        """x (B, 2H), u (B, m) or None -> x_next (B, 2H); B must equal S unless S = 1."""
        check_tensor("x", x, (None, self.state_dim))
        if self.n_members != 1 and x.shape[0] != self.n_members:
            raise ValueError(f"x: expected shape ({self.n_members}, {self.state_dim}) (one state per weight set), "
                             f"got {tuple(x.shape)}")
        if u is not None:
            check_tensor("u", u, (x.shape[0], self.input_size))
        return lstm_family_step(x, u, self.weight_hh, self.weight_ih)

    def forward(self, u: torch.Tensor, x0: torch.Tensor | None = None):
        """Roll ``step`` over u (B, T, m): returns (y (B, T, H), x_last (B, 2H))."""
        check_tensor("u", u, (None, "T", self.input_size))
        x = self.initial_state(u.shape[0]) if x0 is None else check_tensor("x0", x0, (u.shape[0], self.state_dim))
        states = []
        for t in range(u.shape[1]):
            x = self.step(x, u[:, t])
            states.append(x)
        return self.readout(torch.stack(states, dim=1)), x


def chaotic_lstm(s: float | torch.Tensor = 1.0, *, dtype: torch.dtype = torch.float32) -> LSTMFamily:
    """The 2-unit bias-free LSTM of the paper's Figure 1 with weights θ(s) = s·θ_true.

    Args:
        s: a float, or a 1-D tensor of S values; the model then holds one weight set per
            value and its ``step`` maps (S, 4) -> (S, 4), one batched system for a sweep.
        dtype: dtype of the weights (use ``torch.float64`` for precise analysis).

    Returns:
        An :class:`LSTMFamily` with ``initial_state()`` equal to h0 = c0 = 0.5 and zero
        input weights (m = 1). The autonomous system is chaotic for roughly
        0.9 ≲ s ≲ 1.45.

    Example:
        >>> model = chaotic_lstm(torch.linspace(0.5, 2.0, 5000))
        >>> x = orbit(model.step, model.initial_state(), n_steps=200, burn_in=100)  # (5000, 100, 4)
    """
    if isinstance(s, torch.Tensor):
        if s.ndim != 1 or s.numel() == 0:
            raise ValueError(f"s: expected a float or a non-empty 1-D tensor of shape (S,), got shape {tuple(s.shape)}")
        if not s.is_floating_point():
            raise ValueError(f"s: expected a floating-point tensor, got dtype {s.dtype}")
        scales = s.detach().to(dtype)
    elif isinstance(s, (int, float)) and not isinstance(s, bool):
        scales = torch.tensor([float(s)], dtype=dtype)
    else:
        raise ValueError(f"s: expected a float or a non-empty 1-D tensor of shape (S,), got {type(s).__name__}")
    weights = scales[:, None, None] * theta_true(dtype)  # (S, 8, 2)
    return LSTMFamily(weights, initial_value=CHAOTIC_INITIAL_VALUE)
