"""Your own ``torch.nn.RNN``, ``nn.LSTM`` or ``nn.GRU`` as an rnnattr model.

The paper's Eq. 1, ``x_{t+1} = f(x_t, u_t)``, covers "vanilla RNNs, LSTM, GRU, and stacked
layers of these units": a stack of L layers is one dynamical system whose state is every
layer's state at once. :func:`from_torch` wraps a module in that view, so that every tool of
the book (orbits, Jacobians, fixed points, Lyapunov spectra, flossing) runs on it, on the
module's own parameters.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import PackedSequence

from rnnattr.models.base import RecurrentModel, input_affine
from rnnattr.models.gru import gru_update
from rnnattr.models.lstm import lstm_cell
from rnnattr.validation import check_positive_int

#: The modules :func:`from_torch` reads; their cells are re-written with ``F.linear`` in ``step``.
SUPPORTED = (nn.RNN, nn.LSTM, nn.GRU)


def check_module(module) -> None:
    """Raise unless ``module`` is an ``nn.RNN``, ``nn.LSTM`` or ``nn.GRU`` whose map is causal and known."""
    name = type(module).__name__
    if isinstance(module, nn.RNNCellBase):
        raise TypeError(f"module: got {name}, one cell: the loop that calls it is your own code, which rnnattr "
                        f"cannot see; build the matching nn.{name.removesuffix('Cell')} (copy weight_ih, weight_hh, "
                        "bias_ih, bias_hh into weight_ih_l0, …) or subclass rnnattr.RecurrentModel with its step")
    base = next((kind for kind in SUPPORTED if isinstance(module, kind)), None)
    if base is None:
        raise TypeError(f"module: expected torch.nn.RNN, nn.LSTM or nn.GRU, got {name}: rnnattr knows the cell "
                        "maths of these three only; for another recurrent module (a loop over a cell you wrote, "
                        "say) subclass rnnattr.RecurrentModel with its step")
    if type(module).forward is not base.forward:
        raise TypeError(f"module: {name} overrides {base.__name__}.forward, so its map may not be the "
                        f"{base.__name__} cell that step computes")
    if module.bidirectional:
        raise ValueError(f"module: got a bidirectional {name}: its backward direction reads the inputs after t, "
                         "so it is not a causal map x_t+1 = f(x_t, u_t); wrap a unidirectional module")


class TorchRecurrentView(RecurrentModel):
    """A ``RecurrentModel`` view of an ``nn.RNN`` (tanh or relu), ``nn.LSTM`` or ``nn.GRU``; see :func:`from_torch`.

    Attributes:
        module: the wrapped module itself (its parameters are the view's).
        decoder: the readout module, or ``None``.
        num_layers: L.
        hidden_size: H, of every layer.
        output_width: P, the width of each layer's output h: ``proj_size`` for a projected
            LSTM, else H.
    """

    def __init__(self, module: nn.Module, readout: nn.Module | None = None):
        check_module(module)
        if readout is not None and not isinstance(readout, nn.Module):
            raise TypeError(f"readout: expected an nn.Module or None, got {type(readout).__name__}")
        # not RecurrentModel.__init__: it builds (and draws from the global RNG) a linear decoder of its own
        nn.Module.__init__(self)
        self.module, self.decoder = module, readout
        self.input_size, self.hidden_size, self.num_layers = module.input_size, module.hidden_size, module.num_layers
        self.output_width = module.proj_size or module.hidden_size
        self.output_size = self.output_width if readout is None else getattr(readout, "out_features", None)
        self.is_lstm = module.mode == "LSTM"

    @property
    def state_dim(self) -> int:
        """L·P (+ L·H for an LSTM's cell states)."""
        return self.num_layers * (self.output_width + (self.hidden_size if self.is_lstm else 0))

    def initial_state(self, batch_size: int) -> torch.Tensor:
        """Zero flat states (batch_size, state_dim) on the module's device and dtype."""
        check_positive_int("batch_size", batch_size)
        return self.module.weight_hh_l0.new_zeros(batch_size, self.state_dim)

    def layer_states(self, x: torch.Tensor) -> list[tuple[torch.Tensor, torch.Tensor | None]]:
        """Each layer's ``(h (B, P), c (B, H) or None)`` from flat states x (B, state_dim), first layer first."""
        L = self.num_layers
        if self.is_lstm:
            parts = x.split([self.output_width] * L + [self.hidden_size] * L, dim=-1)
            return list(zip(parts[:L], parts[L:]))
        return [(h, None) for h in x.split(self.hidden_size, dim=-1)]

    def flat_state(self, module_state) -> torch.Tensor:
        """The flat states (B, state_dim) of the module's own ``h_n`` (L, B, P) or ``(h_n, c_n)``."""
        layers = list(module_state[0]) + list(module_state[1]) if self.is_lstm else list(module_state)
        return torch.cat(layers, dim=-1)

    def module_state(self, x: torch.Tensor):
        """The module's own ``h_0`` (L, B, P), or ``(h_0, c_0 (L, B, H))`` for an LSTM, from flat states x."""
        layers = self.layer_states(x)
        h0 = torch.stack([h for h, _ in layers])
        return (h0, torch.stack([c for _, c in layers])) if self.is_lstm else h0

    def layer_step(self, layer: int, h: torch.Tensor, c: torch.Tensor | None, layer_input: torch.Tensor | None):
        """One layer's ``(h', c' or None)`` from its state and its input (u for the first layer, else the
        new h of the layer below; ``None`` for zero), on the module's own ``weight_ih_l{layer}``, …"""
        def parameter(name):  # None where the module has no such parameter (bias=False, proj_size=0)
            return getattr(self.module, f"{name}_l{layer}", None)

        input_part = input_affine(layer_input, parameter("weight_ih"), parameter("bias_ih"))  # (B, gates · H) or None
        recurrent_part = F.linear(h, parameter("weight_hh"), parameter("bias_hh"))  # (B, gates · H)
        if self.module.mode == "GRU":
            return gru_update(h, input_part, recurrent_part), None
        gates = recurrent_part if input_part is None else recurrent_part + input_part
        input_part = recurrent_part = None  # freed before the cell allocates: fewer large blocks live at once
        if self.is_lstm:
            h_next, c_next = lstm_cell(c, gates)
            projection = parameter("weight_hr")
            return (h_next if projection is None else F.linear(h_next, projection)), c_next
        return (torch.tanh(gates) if self.module.mode == "RNN_TANH" else torch.relu(gates)), None

    def step(self, x, u=None):
        """The map of the whole stack: x (B, state_dim), u (B, m) or None (zero input) -> x_next."""
        self.check_step(x, u)
        hs, cs, layer_input = [], [], u
        for layer, (h, c) in enumerate(self.layer_states(x)):
            layer_input, c_next = self.layer_step(layer, h, c, layer_input)
            hs.append(layer_input)
            cs.append(c_next)
        return torch.cat(hs + cs if self.is_lstm else hs, dim=-1)

    def decode(self, outputs: torch.Tensor) -> torch.Tensor:
        """The readout module on the last layer's outputs (..., P); the outputs themselves without one."""
        return outputs if self.decoder is None else self.decoder(outputs)

    def readout(self, x):
        """The output map g: flat states (..., state_dim) -> ``decode`` of the last layer's h."""
        last = (self.num_layers - 1) * self.output_width
        return self.decode(x[..., last : last + self.output_width])

    def hidden_sequence(self, u, x0=None):
        """The module's own forward: u (B, T, m) -> (last layer's outputs (B, T, P), x_last (B, state_dim))."""
        if isinstance(u, PackedSequence):
            raise TypeError("u: got a PackedSequence: its members run for different numbers of steps, and the "
                            "view's map runs a batch in lock step; pad the sequences to (B, T, m) and read each "
                            "member's output at its own length")
        x0 = self.check_sequence(u, x0)
        batch_first = self.module.batch_first
        outputs, last = self.module(u if batch_first else u.transpose(0, 1), self.module_state(x0))
        return (outputs if batch_first else outputs.transpose(0, 1)), self.flat_state(last)

    def forward(self, u, x0=None):
        """u (B, T, m) -> (``decode`` of the last layer's outputs (B, T, ·), x_last (B, state_dim)); cuDNN on a GPU."""
        outputs, x_last = self.hidden_sequence(u, x0)
        return self.decode(outputs), x_last


def from_torch(module: nn.Module, readout: nn.Module | None = None) -> TorchRecurrentView:
    """A ``RecurrentModel`` view of your own ``nn.RNN`` (tanh or relu), ``nn.LSTM`` or ``nn.GRU``.

    Returns:
        A :class:`TorchRecurrentView` that reads the module's own parameters and copies
        nothing: gradients through it (a task loss, :func:`rnnattr.floss`) reach the module,
        so ``floss(from_torch(my_gru), config)`` trains ``my_gru`` in place.

    Args:
        module: any ``num_layers``, ``batch_first`` either way, with or without biases, and
            ``proj_size`` for an LSTM. Inter-layer ``dropout`` acts only in training mode, in
            ``forward``, exactly as in the module; ``step`` is the map of the module in eval
            mode (no dropout), the map the analysis tools study.
        readout: an ``nn.Module`` applied to the last layer's output h (..., P), e.g. your
            ``nn.Linear``; ``None``: the outputs are that h itself.

    Flat state: with L layers, hidden size H and output width P (``proj_size`` for a projected
    LSTM, else H), ``x = cat([h_1, …, h_L], -1)`` of L·H entries for an RNN or GRU, and
    ``x = cat([h_1, …, h_L, c_1, …, c_L], -1)`` of L·(P + H) for an LSTM, layer 1 the first
    (nearest the input): the module's own ``h_n`` (and ``c_n``) laid side by side, and for one
    layer exactly the flat state of :class:`rnnattr.LSTM` (``cat([h, c])``), :class:`rnnattr.GRU`
    and :class:`rnnattr.TanhRNN` (h). ``readout(x)`` reads h_L, entries (L−1)·P to L·P.

    Paths: ``forward(u (B, T, m), x0)`` calls the module itself (cuDNN on a GPU; inputs are
    batch-first whatever ``module.batch_first`` says, as everywhere in rnnattr); ``step(x, u)``
    recomputes the stack layer by layer with ``F.linear`` on the module's ``weight_ih_l{k}``,
    ``weight_hh_l{k}``, ``bias_ih_l{k}``, ``bias_hh_l{k}``, ``weight_hr_l{k}``, a pure function
    that ``torch.func`` can transform (``nn.LSTM`` itself cannot be vmapped). The two agree.

    Raises:
        TypeError: a cell (``nn.LSTMCell`` …: the loop around it is the user's code), any other
            module type, or a subclass that overrides ``forward``; ``readout`` not a module; a
            ``PackedSequence`` given to ``forward`` (its members run for different lengths).
        ValueError: a bidirectional module (its backward half reads future inputs: not causal).

    Example:
        >>> gru = nn.GRU(3, 32, num_layers=2)
        >>> model = from_torch(gru, readout=nn.Linear(32, 1))   # state_dim 64: cat([h_1, h_2])
        >>> lyapunov_spectrum(model.step, torch.zeros(1, 64), torch.zeros(1, 3), n_steps=500)
    """
    return TorchRecurrentView(module, readout)
