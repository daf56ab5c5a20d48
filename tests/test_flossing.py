"""Gradient flossing: the loss's values and gradients, and a flossing phase taming a chaotic network."""
import math

import pytest
import torch

import rnnattr.dynamics.lyapunov as lyapunov_module
from rnnattr import linear_map, lyapunov_spectrum
from rnnattr.flossing import FlossingConfig, floss, flossing_callback, flossing_loss
from rnnattr.models import GRU, LSTM, OrthogonalRNN, StableLSTM, TanhRNN
from rnnattr.training.engine import EarlyStopping


def tanh_step(weight):
    return lambda x, u: torch.tanh(x @ weight.T + u)


def test_loss_of_a_linear_map_is_the_mean_squared_log_of_its_eigenvalues():
    step = linear_map(torch.diag(torch.tensor([1.1, 0.8], dtype=torch.float64)))
    x0 = torch.randn(3, 2, dtype=torch.float64)
    both = flossing_loss(step, x0, n_steps=50, k=2)
    assert both.item() == pytest.approx((math.log(1.1) ** 2 + math.log(0.8) ** 2) / 2, rel=1e-10)
    assert flossing_loss(step, x0, n_steps=50, k=1).item() == pytest.approx(math.log(1.1) ** 2, rel=1e-10)


def test_an_orthogonal_map_has_zero_flossing_loss():
    q, _ = torch.linalg.qr(torch.randn(5, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(0)))
    assert flossing_loss(linear_map(q), torch.randn(2, 5, dtype=torch.float64), n_steps=40).item() < 1e-24


def test_exact_gradient_matches_finite_differences_in_float64():
    generator = torch.Generator().manual_seed(0)
    weight = (torch.randn(4, 4, generator=generator, dtype=torch.float64) * 1.5).requires_grad_()
    inputs = torch.randn(3, 12, 4, generator=generator, dtype=torch.float64) * 0.3
    x0 = torch.randn(3, 4, generator=generator, dtype=torch.float64) * 0.5
    assert torch.autograd.gradcheck(
        lambda w: flossing_loss(tanh_step(w), x0, inputs, k=2, transient=2, through_states=True), (weight,))


def test_frozen_trajectory_gradient_is_exact_where_jacobians_do_not_depend_on_the_state():
    # a linear map's Jacobian is its matrix wherever the trajectory goes: both gradients agree
    matrix = torch.tensor([[0.9, 0.4], [-0.3, 1.2]], dtype=torch.float64, requires_grad=True)
    x0 = torch.randn(2, 2, dtype=torch.float64)
    frozen, = torch.autograd.grad(flossing_loss(linear_map(matrix), x0, n_steps=30, k=2), matrix)
    exact, = torch.autograd.grad(flossing_loss(linear_map(matrix), x0, n_steps=30, k=2, through_states=True), matrix)
    torch.testing.assert_close(frozen, exact, rtol=1e-12, atol=1e-14)
    assert torch.autograd.gradcheck(lambda m: flossing_loss(linear_map(m), x0, n_steps=30, k=2), (matrix,))


def test_on_a_chaotic_network_the_exact_gradient_explodes_and_the_frozen_one_does_not():
    torch.manual_seed(0)
    model = TanhRNN(1, 32, 1, gain=3.0)
    x0 = torch.randn(8, 32, generator=torch.Generator().manual_seed(1)) * 0.5
    norms = {}
    for through_states in (True, False):
        model.zero_grad()
        flossing_loss(model.step, x0, n_steps=300, k=1, transient=50, through_states=through_states).backward()
        norms[through_states] = model.cell.weight_hh_l0.grad.norm().item()
    assert not norms[True] < 1e12  # grows like e^{λ1 T} with λ1 ≈ 0.24, T = 300 (or overflows)
    assert norms[False] < 10


def test_a_flossing_phase_brings_the_largest_exponent_of_a_chaotic_network_near_zero():
    torch.manual_seed(0)
    model = TanhRNN(1, 32, 1, gain=3.0)  # random-network chaos (Sompolinsky et al., 1988)
    x0 = torch.randn(8, 32, generator=torch.Generator().manual_seed(99)) * 0.5
    with torch.no_grad():
        before = lyapunov_spectrum(model.step, x0, n_steps=1000, k=1, transient=200).mean().item()
    history = floss(model, FlossingConfig(k=1, n_updates=60, n_steps=100, transient=20, batch_size=8,
                                          learning_rate=3e-2), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        after = lyapunov_spectrum(model.step, x0, n_steps=1000, k=1, transient=200).mean().item()
    assert before > 0.2 and abs(after) < 0.1, (before, after)
    assert len(history) == 60 and all(math.isfinite(row["loss"]) for row in history)


def test_flossing_callback_runs_at_the_chosen_epochs_only_and_not_after_the_epoch_that_ends_the_run():
    calls = flossing_callback(FlossingConfig(k=2, n_updates=2, n_steps=5, transient=1, batch_size=2), None,
                              epochs={2, 3})

    class Holder:
        model = TanhRNN(1, 4, 1)
        early_stopping = EarlyStopping("val_accuracy", 0.9, "max")

    before = Holder.model.cell.weight_hh_l0.detach().clone()
    calls(Holder, {"epoch": 1, "val_accuracy": 0.5})
    assert torch.equal(Holder.model.cell.weight_hh_l0, before) and calls.phases == {}
    calls(Holder, {"epoch": 2, "val_accuracy": 0.5})
    assert not torch.equal(Holder.model.cell.weight_hh_l0, before) and list(calls.phases) == [2]
    after_phase = Holder.model.cell.weight_hh_l0.detach().clone()
    calls(Holder, {"epoch": 3, "val_accuracy": 0.95})  # the target is reached: the run ends with this model
    assert torch.equal(Holder.model.cell.weight_hh_l0, after_phase) and list(calls.phases) == [2]


@pytest.mark.parametrize("kwargs, message", [
    ({"k": 0}, "k: expected a positive integer"),
    ({"n_steps": 10, "transient": 10}, "transient: expected fewer than n_steps=10 steps, got 10"),
    ({"learning_rate": 0}, "learning_rate: expected a positive number"),
])
def test_bad_configs_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        FlossingConfig(**kwargs)


def test_k_larger_than_the_state_is_refused_before_any_update():
    model = TanhRNN(1, 4, 1)
    before = model.cell.weight_hh_l0.detach().clone()
    with pytest.raises(ValueError, match="config.k: expected at most the state dimension 4, got 5"):
        floss(model, FlossingConfig(k=5, n_updates=1, n_steps=5, transient=1))
    assert torch.equal(model.cell.weight_hh_l0, before)


@pytest.mark.parametrize("model_class", [LSTM, StableLSTM, TanhRNN, GRU], ids=lambda c: c.__name__)
def test_flossing_works_for_every_smooth_model_through_its_step(model_class):
    # a few updates at a large rate lower the flossing loss of each model on the same trajectories
    torch.manual_seed(0)
    model = model_class(2, 6, 1).double()
    generator = torch.Generator().manual_seed(3)
    x0 = torch.randn(4, model.state_dim, generator=generator, dtype=torch.float64) * 0.5
    inputs = torch.randn(4, 40, 2, generator=generator, dtype=torch.float64)

    def loss():
        return flossing_loss(model.step, x0, inputs, k=3, transient=10, through_states=True).item()

    before = loss()
    phase = FlossingConfig(k=3, n_updates=15, n_steps=40, transient=10, batch_size=4, learning_rate=2e-2)
    history = floss(model, phase, lambda g: torch.randn(4, 40, 2, generator=g), torch.Generator().manual_seed(4),
                    after_step=StableLSTM.project_ if model_class is StableLSTM else None)
    assert all(math.isfinite(row["loss"]) for row in history)
    assert loss() < 0.5 * before, (before, loss())


def orthogonal_rnn_with_units_switching_off():
    """A 6-unit expRNN whose modReLU units switch off at times: bias −0.1 zeroes a unit whenever |z| < 0.1,
    and its Henaff rotation blocks couple units in pairs, so one unit off collapses a tangent direction."""
    torch.manual_seed(0)
    model = OrthogonalRNN(2, 6, 1).double()
    with torch.no_grad():
        model.modrelu_bias.fill_(-0.1)
    return model


SWITCHING_PHASE = FlossingConfig(k=3, n_updates=20, n_steps=40, transient=10, batch_size=4, learning_rate=5e-2)


def switching_inputs(generator):
    return torch.randn(4, 40, 2, generator=generator)


def test_a_singular_step_made_torchs_qr_backward_nan(monkeypatch):
    # what rank_safe_qr fixes: with PyTorch's own QR backward the first update's gradient is NaN
    monkeypatch.setattr(lyapunov_module, "rank_safe_qr", torch.linalg.qr)
    model = orthogonal_rnn_with_units_switching_off()
    with pytest.raises(FloatingPointError, match=r"flossing update 1: the loss or its gradient is not finite"):
        floss(model, SWITCHING_PHASE, switching_inputs, torch.Generator().manual_seed(4))
    assert all(torch.isfinite(parameter).all() for parameter in model.parameters())


def test_an_orthogonal_rnn_whose_units_switch_off_is_flossed_with_finite_gradients_and_lambda1_rises_to_zero():
    model = orthogonal_rnn_with_units_switching_off()
    generator = torch.Generator().manual_seed(5)
    x0 = torch.randn(8, 6, generator=generator, dtype=torch.float64) * 0.5
    inputs = torch.randn(8, 300, 2, generator=generator, dtype=torch.float64)

    def lambda_1():
        with torch.no_grad():
            return lyapunov_spectrum(model.step, x0, inputs, k=1, transient=50).mean().item()

    finite = []
    before = lambda_1()
    floss(model, SWITCHING_PHASE, switching_inputs, torch.Generator().manual_seed(4),
          after_step=lambda m: finite.append(all(torch.isfinite(p.grad).all() for p in m.parameters()
                                                 if p.grad is not None)))
    after = lambda_1()
    assert finite == [True] * SWITCHING_PHASE.n_updates
    # modReLU's slope is 0 or 1 and B is orthogonal, so ‖D_t‖ ≤ 1 and λ1 ≤ 0: flossing can only raise it to 0
    assert before < -0.5 and before + 0.25 < after <= 1e-12, (before, after)


def test_flossing_gradients_are_those_of_torchs_qr_where_every_step_is_well_conditioned(monkeypatch):
    torch.manual_seed(0)
    model = TanhRNN(2, 8, 1, gain=1.5).double()
    generator = torch.Generator().manual_seed(6)
    x0 = torch.randn(3, 8, generator=generator, dtype=torch.float64) * 0.5
    inputs = torch.randn(3, 60, 2, generator=generator, dtype=torch.float64)

    def gradients():
        loss = flossing_loss(model.step, x0, inputs, transient=10, through_states=True)  # the full spectrum, k = d
        return torch.autograd.grad(loss, list(model.cell.parameters()))

    ours = gradients()
    monkeypatch.setattr(lyapunov_module, "rank_safe_qr", torch.linalg.qr)
    for a, b in zip(ours, gradients()):
        torch.testing.assert_close(a, b, atol=1e-10, rtol=1e-10)


def test_a_gradient_that_overflows_stops_flossing_with_a_clear_error_and_leaves_the_parameters():
    # the exact gradient of a chaotic float32 network grows like e^{λ1 T}: past float32's range at T = 600
    torch.manual_seed(0)
    model = TanhRNN(1, 32, 1, gain=3.0)
    before = [parameter.detach().clone() for parameter in model.parameters()]
    with pytest.raises(FloatingPointError, match=r"flossing update 1: the loss or its gradient is not finite"):
        floss(model, FlossingConfig(k=1, n_updates=1, n_steps=600, transient=10))
    assert all(torch.equal(a, b) for a, b in zip(model.parameters(), before))
