"""The teacher-forcing experiment: data, training loop, generation and fixed points from first principles."""
import dataclasses
import math

import pytest
import torch
import torch.nn.functional as F
from scipy.optimize import brentq

from rnnattr import TanhRNN, sample_box
from rnnattr.dynamics.closed_loop import closed_loop
from rnnattr.dynamics.fixed_points import fixed_points
from rnnattr.experiments.teacher_forcing import (
    TeacherForcingConfig,
    generate,
    identity,
    make_model,
    open_loop_fixed_points,
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


def test_free_running_fixed_point_reproduces_its_input_and_is_the_driven_steady_state_there():
    torch.manual_seed(4)
    model = TanhRNN(1, 8, 1, gain=0.5).double()  # contracting when driven, so its steady states are found by simulation
    free = closed_loop(model, identity)
    ones = torch.ones(model.state_dim, dtype=f64)
    found = fixed_points(free, starts=sample_box(8, -ones, ones, torch.Generator().manual_seed(5)))
    assert len(found) == 1
    state = found.points  # (1, d)
    with torch.no_grad():
        value = model.readout(state)  # (1, 1): c* = g(x*)
        torch.testing.assert_close(free(state), state, atol=1e-10, rtol=0)  # F(x*) = f(x*, g(x*)) = x*

        # independently, without fixed_points: the input c that the driven steady state x*(c) reproduces,
        # g(x*(c)) = c, by root finding on simulations of the (contracting) driven system
        def steady_state_error(c):
            return model.readout(open_loop_fixed_points(model, torch.tensor([[c]], dtype=f64), 200)).item() - c

        root = brentq(steady_state_error, -1.0, 1.0, xtol=1e-14)
        torch.testing.assert_close(open_loop_fixed_points(model, torch.tensor([[root]], dtype=f64), 200), state,
                                   atol=1e-10, rtol=0)
    assert value.item() == pytest.approx(root, abs=1e-10)


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
