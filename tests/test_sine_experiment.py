"""The sine-wave experiment: its data, and the reduced run showing a limit cycle vs a fixed point."""
import dataclasses
import math

import numpy as np
import torch

from rnnattr.experiments.registry import EXPERIMENTS
from rnnattr.experiments.sine import (
    SineConfig,
    crossing_epoch,
    live_result,
    make_trainer,
    orbit_spread,
    record_inputs,
    sine_data,
)
from rnnattr.results import load_result
from rnnattr.training.runner import train_experiment


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


def test_crossing_epoch_is_the_first_exit_from_the_unit_disc():
    epochs = np.array([0, 20, 40, 60, 80, 100])
    assert crossing_epoch(epochs, np.array([0.6, 0.9, 1.05, 0.99, 1.1, 1.2])) == 40  # first exit, not the last
    assert crossing_epoch(epochs, np.array([0.6, np.nan, 1.05, 1.1, 1.1, 1.2])) == 40  # NaN: no fixed point found
    assert crossing_epoch(epochs, np.array([1.2, 1.1, 1.05, 1.1, 1.1, 1.2])) is None  # outside from the start
    assert crossing_epoch(epochs, np.array([0.5, 0.6, 0.7, 0.8, 0.85, 0.9])) is None  # a contraction
    on_circle = np.array([1.0, 0.9998, 1.0001, np.nan, 0.9995, 1.0004])  # orthogonal: on the circle to rounding
    assert crossing_epoch(epochs, on_circle) is None
    assert crossing_epoch(epochs, on_circle, tolerance=1e-4) == 100


def test_live_result_matches_the_stored_result_of_the_same_run(tmp_path):
    config = dataclasses.replace(SineConfig.preset("reduced"), hidden_size=4, n_sequences=4, length=10, n_epochs=4,
                                 batch_size=4, record_every=2, eigenvalue_every=2, burn_in=10, n_kept=5)
    train_experiment(EXPERIMENTS["sine"], "lstm", "reduced", tmp_path, config, progress=False, log=lambda _: None)
    stored, stored_metadata = load_result(tmp_path / "result")
    trainer = make_trainer(config, "lstm", progress=False)
    trainer.fit(config.n_epochs)
    live, live_metadata = live_result(trainer, config)
    assert live.keys() == stored.keys()
    for name in live:  # the same seeds, so the same numbers: the notebook plots either with the same code
        np.testing.assert_array_equal(live[name], stored[name], err_msg=name)
    assert live_metadata["final_metrics"] == stored_metadata["final_metrics"]
