"""The teacher-forcing experiment: data, training loop, generation and fixed points from first principles."""
import dataclasses
import math

import pytest
import torch
import torch.nn.functional as F

from rnnattr import TanhRNN
from rnnattr.dynamics.closed_loop import closed_loop
from rnnattr.experiments.teacher_forcing import (
    TeacherForcingConfig,
    closed_loop_fixed_point,
    generate,
    identity,
    make_model,
    oscillation_period,
    sine_waves,
    train_teacher_forcing,
)

f64 = torch.float64


def test_sine_waves_obey_the_linear_recurrence():
    period = 20.0
    s = sine_waves(5, 50, period, torch.Generator().manual_seed(0))[..., 0]
    recurrence = 2 * math.cos(2 * math.pi / period) * s[:, 1:-1] - s[:, :-2]
    torch.testing.assert_close(s[:, 2:], recurrence, atol=1e-12, rtol=0)


def test_reported_loss_is_the_one_step_ahead_error_on_true_inputs():
    config = TeacherForcingConfig.preset("reduced")
    model = make_model(config)
    signal = sine_waves(4, 30, config.period, torch.Generator().manual_seed(1))
    with torch.no_grad():
        predictions, _ = model(signal[:, :-1])
    losses = train_teacher_forcing(model, signal, n_epochs=2, learning_rate=1e-2)
    assert losses[0].item() == pytest.approx(F.mse_loss(predictions, signal[:, 1:]).item(), rel=1e-12)
    assert losses[1] < losses[0]  # the first Adam step, in the gradient's direction, lowered the loss


def test_generate_equals_a_hand_rolled_prime_then_feedback_loop():
    torch.manual_seed(2)
    model = TanhRNN(1, 6, 1).double()
    prime = sine_waves(3, 10, 20.0, torch.Generator().manual_seed(3))
    generated = generate(model, prime, n_steps=15)
    with torch.no_grad():
        x = model.initial_state(3).double()
        for t in range(10):
            x = model.step(x, prime[:, t])
        outputs = []
        for _ in range(15):
            x = model.step(x, model.readout(x))
            outputs.append(model.readout(x))
    torch.testing.assert_close(generated, torch.stack(outputs, dim=1), atol=1e-12, rtol=0)


def test_closed_loop_fixed_point_is_a_fixed_point_of_the_free_running_map():
    torch.manual_seed(4)
    model = TanhRNN(1, 8, 1, gain=0.5).double()  # contracting when driven, so its fixed points are found by simulation
    with torch.no_grad():
        state, value = closed_loop_fixed_point(model, n_rounds=7, n_steps=100)  # bracket below 1e-10
        free = closed_loop(model, identity)
        torch.testing.assert_close(free(state), state, atol=1e-10, rtol=0)
    assert model.readout(state).item() == pytest.approx(value, abs=1e-10)


@pytest.mark.parametrize("period", [20.0, 17.3])
def test_oscillation_period_of_a_sampled_sine(period):
    y = sine_waves(2, 2000, period, torch.Generator().manual_seed(5))[..., 0]
    torch.testing.assert_close(oscillation_period(y), torch.full((2,), period, dtype=f64), atol=2e-3, rtol=0)


@pytest.mark.parametrize("change, message", [
    (dict(cell="gru"), r"cell: expected one of \['lstm', 'tanh'\], got 'gru'"),
    (dict(hidden_size=0), "hidden_size: expected a positive integer, got 0"),
    (dict(period=2.0), "period: expected more than 2 samples per cycle"),
    (dict(lyapunov_transient=800), "lyapunov_transient: expected 0 <= lyapunov_transient < lyapunov_steps=800"),
])
def test_bad_config_is_rejected(change, message):
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(TeacherForcingConfig.preset("reduced"), **change)


def test_bad_arguments_are_rejected():
    model = TanhRNN(1, 4, 1).double()
    with pytest.raises(ValueError, match=r"size: expected one of \['full', 'reduced'\], got 'huge'"):
        TeacherForcingConfig.preset("huge")
    with pytest.raises(ValueError, match=r"signal: expected shape \(B, T, 1\), got \(3, 10\)"):
        train_teacher_forcing(model, torch.zeros(3, 10, dtype=f64), n_epochs=1, learning_rate=1e-2)
    with pytest.raises(ValueError, match=r"model: expected one input and one output"):
        closed_loop_fixed_point(TanhRNN(2, 4, 1))
    with pytest.raises(ValueError, match=r"low, high: expected the steady-state error"):
        closed_loop_fixed_point(model, 5.0, 6.0)
