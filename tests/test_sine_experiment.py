"""The sine-wave experiment: its data, and the reduced run showing a limit cycle vs a fixed point."""
import dataclasses
import math

import torch

from rnnattr.experiments.sine import SineConfig, make_trainer, orbit_spread, record_inputs, sine_data


def test_sine_data_obey_the_task_definition():
    u, y, omega = sine_data(7, 50, generator=torch.Generator().manual_seed(3))
    assert ((omega >= math.pi / 16) & (omega <= math.pi / 8)).all()
    t = torch.arange(50, dtype=torch.float64)
    expected = torch.sin(omega.double()[:, None] * (t + 1))  # y_t = sin(ω(t + 1)), t = 0, 1, …
    torch.testing.assert_close(y[..., 0].double(), expected, rtol=0, atol=1e-6)
    assert torch.equal(u[..., 0], omega[:, None].expand(-1, 50))  # a constant input u_t = ω
    again = sine_data(7, 50, generator=torch.Generator().manual_seed(3))[2]
    assert torch.equal(again, omega)


def test_record_inputs_span_the_frequencies_and_contain_0218_exactly():
    inputs = record_inputs(10, math.pi / 16, math.pi / 8, 0.218)[:, 0]
    assert len(inputs) == 10 and (inputs.diff() > 0).all()
    assert (inputs == torch.tensor(0.218)).sum() == 1
    torch.testing.assert_close(inputs[[0, -1]], torch.tensor([math.pi / 16, math.pi / 8]))


def test_reduced_run_lstm_learns_a_limit_cycle_and_stable_lstm_a_fixed_point():
    config = dataclasses.replace(SineConfig.preset("reduced"), n_eigenvalues=0)  # eigenvalues: see test_training_*
    results = {}
    for name, n_epochs in (("lstm", config.n_epochs), ("slstm", 200)):  # a contraction settles at any epoch
        trainer = make_trainer(config, name, progress=False)
        trainer.fit(n_epochs)
        u, y = trainer.data
        with torch.no_grad():
            mse = float(torch.nn.functional.mse_loss(trainer.model(u)[0], y))
        baseline = float(y.pow(2).mean())  # predicting 0
        results[name] = mse / baseline, orbit_spread(trainer.recorder.outputs[-1])
    lstm_ratio, lstm_spread = results["lstm"]
    stable_ratio, stable_spread = results["slstm"]
    assert lstm_ratio < 0.1  # the paper's LSTM: 4.8e-3 / 0.5
    assert stable_ratio > 0.8  # a contraction cannot oscillate: stuck near the baseline (paper: 0.49 / 0.5)
    assert lstm_spread.min() > 1.0  # after the burn-in: oscillations of amplitude ~1 under every input ...
    assert stable_spread.max() < 1e-3  # ... against a single point
