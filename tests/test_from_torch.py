"""from_torch: the view's step is the module's own map, its tools agree with rnnattr's models, and
gradients through it reach the module."""
import copy

import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from rnnattr import GRU, LSTM, TanhRNN, from_torch, jacobian, lyapunov_spectrum, orbit
from rnnattr.flossing import FlossingConfig, floss

f64 = torch.float64
KINDS = {
    "rnn_tanh": lambda **kw: nn.RNN(4, 5, nonlinearity="tanh", **kw),
    "rnn_relu": lambda **kw: nn.RNN(4, 5, nonlinearity="relu", **kw),
    "lstm": lambda **kw: nn.LSTM(4, 5, **kw),
    "lstm_proj": lambda **kw: nn.LSTM(4, 5, proj_size=3, **kw),
    "gru": lambda **kw: nn.GRU(4, 5, **kw),
}


def module_state(module, batch, generator, dtype):
    """Random h_0 (L, B, P) (and c_0 (L, B, H)) for the module's own forward, and the documented flat
    state ``cat([h_1, …, h_L(, c_1, …, c_L)], -1)`` built from them by hand."""
    width = module.proj_size or module.hidden_size
    h0 = torch.randn(module.num_layers, batch, width, generator=generator, dtype=dtype) * 0.5
    if not isinstance(module, nn.LSTM):
        return h0, torch.cat(list(h0), dim=-1)
    c0 = torch.randn(module.num_layers, batch, module.hidden_size, generator=generator, dtype=dtype) * 0.5
    return (h0, c0), torch.cat(list(h0) + list(c0), dim=-1)


@pytest.mark.parametrize("dtype, tolerance", [(torch.float64, 1e-10), (torch.float32, 1e-5)], ids=["f64", "f32"])
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no_bias"])
@pytest.mark.parametrize("batch_first", [True, False], ids=["batch_first", "time_first"])
@pytest.mark.parametrize("num_layers", [1, 2, 3])
@pytest.mark.parametrize("kind", list(KINDS))
def test_rolled_step_and_readout_equal_the_modules_own_forward(kind, num_layers, batch_first, bias, dtype, tolerance):
    torch.manual_seed(0)
    module = KINDS[kind](num_layers=num_layers, batch_first=batch_first, bias=bias).to(dtype)
    generator = torch.Generator().manual_seed(1)
    u = torch.randn(3, 12, 4, generator=generator, dtype=dtype)  # (B, T, m), batch-first for rnnattr
    hx, x0 = module_state(module, 3, generator, dtype)
    outputs, last = module(u if batch_first else u.transpose(0, 1), hx)  # the module, called by the test
    outputs = outputs if batch_first else outputs.transpose(0, 1)
    model = from_torch(module)
    states = orbit(model.step, x0, inputs=u)  # (B, T, d)
    torch.testing.assert_close(model.readout(states), outputs, atol=tolerance, rtol=0)
    flat_last = torch.cat(list(last[0]) + list(last[1]) if kind.startswith("lstm") else list(last), dim=-1)
    torch.testing.assert_close(states[:, -1], flat_last, atol=tolerance, rtol=0)
    y, x_last = model(u, x0)  # the view's fast path is the module's own call
    torch.testing.assert_close(y, outputs, atol=0, rtol=0)
    torch.testing.assert_close(x_last, flat_last, atol=0, rtol=0)


def test_readout_module_reads_the_last_layers_output_and_zero_input_means_no_input():
    torch.manual_seed(0)
    module = nn.LSTM(2, 6, num_layers=2, proj_size=4, batch_first=True).double()
    model = from_torch(module, readout=nn.Linear(4, 3).double())
    assert (model.state_dim, model.output_size) == (2 * 4 + 2 * 6, 3)
    u = torch.zeros(2, 15, 2, dtype=f64)
    y, _ = model(u)
    states = orbit(model.step, model.initial_state(2), n_steps=15)  # u = None: the zero input
    torch.testing.assert_close(model.readout(states), y, atol=1e-12, rtol=0)
    torch.testing.assert_close(y, model.decoder(module(u)[0]), atol=0, rtol=0)


@pytest.mark.parametrize("kind", list(KINDS))
def test_jacobian_of_step_agrees_with_finite_differences(kind):
    torch.manual_seed(0)
    model = from_torch(KINDS[kind](num_layers=2).double())
    generator = torch.Generator().manual_seed(2)
    x = torch.randn(2, model.state_dim, generator=generator, dtype=f64) * 0.5
    u = torch.randn(2, 4, generator=generator, dtype=f64)
    step = 1e-6
    columns = [(model.step(x + step * e, u) - model.step(x - step * e, u)) / (2 * step)
               for e in torch.eye(model.state_dim, dtype=f64)]  # each (B, d)
    torch.testing.assert_close(jacobian(model.step, x, u), torch.stack(columns, dim=-1), atol=1e-8, rtol=0)


@pytest.mark.parametrize("model_class", [LSTM, GRU, TanhRNN], ids=lambda c: c.__name__)
def test_lyapunov_spectrum_through_the_view_equals_rnnattrs_own_model(model_class):
    # the same weights: the view of the model's own nn.LSTM / nn.GRU / nn.RNN; its tangents go through
    # forward-mode jvp, the model's through its closed-form tangent_step
    torch.manual_seed(0)
    model = model_class(2, 6, 1).double()
    view = from_torch(model.cell)
    generator = torch.Generator().manual_seed(3)
    x0 = torch.randn(4, model.state_dim, generator=generator, dtype=f64) * 0.5
    u = torch.randn(4, 200, 2, generator=generator, dtype=f64)
    ours = lyapunov_spectrum(model.step, x0, u, transient=50)
    theirs = lyapunov_spectrum(view.step, x0, u, transient=50)
    torch.testing.assert_close(theirs, ours, atol=1e-10, rtol=0)


@pytest.mark.parametrize("model_class", [LSTM, GRU], ids=lambda c: c.__name__)
def test_flossing_through_the_view_updates_the_module_exactly_as_flossing_the_rnnattr_model(model_class):
    torch.manual_seed(0)
    model = model_class(2, 5, 1).double()
    module = copy.deepcopy(model.cell)  # the user's own module, the same weights
    before = copy.deepcopy(module.state_dict())
    phase = FlossingConfig(k=3, n_updates=5, n_steps=30, transient=5, batch_size=2, learning_rate=1e-2)
    sample = lambda generator: torch.randn(2, 30, 2, generator=generator)  # noqa: E731
    ours = floss(model, phase, sample, torch.Generator().manual_seed(4))
    theirs = floss(from_torch(module), phase, sample, torch.Generator().manual_seed(4))
    for name, value in module.state_dict().items():
        assert not torch.equal(value, before[name]), name  # the user's module itself was trained
        torch.testing.assert_close(value, model.cell.state_dict()[name], atol=1e-10, rtol=0)
    assert [row["loss"] for row in theirs] == pytest.approx([row["loss"] for row in ours], rel=1e-10)


class LoopedCell(nn.Module):
    def __init__(self):
        super().__init__()
        self.cell = nn.RNNCell(2, 3)

    def forward(self, u):
        h = u.new_zeros(u.shape[0], 3)
        for u_t in u.unbind(1):
            h = self.cell(u_t, h)
        return h


class ResidualLSTM(nn.LSTM):
    def forward(self, u, hx=None):
        outputs, state = super().forward(u, hx)
        return outputs + u, state


@pytest.mark.parametrize("make, error, message", [
    (lambda: from_torch(nn.LSTM(2, 3, bidirectional=True)), ValueError,
     "module: got a bidirectional LSTM: its backward direction reads the inputs after t, so it is not a causal map"),
    (lambda: from_torch(nn.LSTMCell(2, 3)), TypeError, "module: got LSTMCell, one cell: the loop that calls it"),
    (lambda: from_torch(LoopedCell()), TypeError, "module: expected torch.nn.RNN, nn.LSTM or nn.GRU, got LoopedCell"),
    (lambda: from_torch(nn.Linear(2, 3)), TypeError, "module: expected torch.nn.RNN, nn.LSTM or nn.GRU, got Linear"),
    (lambda: from_torch(ResidualLSTM(2, 2)), TypeError, "module: ResidualLSTM overrides LSTM.forward"),
    (lambda: from_torch(nn.GRU(2, 3), readout=lambda h: h), TypeError, "readout: expected an nn.Module or None"),
])
def test_unsupported_modules_are_refused_naming_the_type_and_the_reason(make, error, message):
    with pytest.raises(error, match=message):
        make()


def test_a_packed_sequence_is_refused_before_the_module_runs():
    module = nn.GRU(2, 3, batch_first=True)
    calls = []
    module.register_forward_pre_hook(lambda *args: calls.append(1))
    packed = pack_padded_sequence(torch.randn(2, 5, 2), torch.tensor([5, 3]), batch_first=True)
    with pytest.raises(TypeError, match="u: got a PackedSequence: its members run for different numbers of steps"):
        from_torch(module)(packed)
    assert calls == []


def test_step_is_the_eval_mode_map_of_a_module_with_inter_layer_dropout():
    torch.manual_seed(0)
    module = nn.RNN(2, 4, num_layers=2, dropout=0.5, batch_first=True).double()
    model = from_torch(module)
    u = torch.randn(3, 10, 2, dtype=f64)
    states = orbit(model.step, model.initial_state(3), inputs=u)
    assert not torch.allclose(model.readout(states), model.train()(u)[0])  # training: the module drops units
    torch.testing.assert_close(model.readout(states), model.eval()(u)[0], atol=1e-12, rtol=0)
