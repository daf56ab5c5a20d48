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
    load_stored_runs,
    crossings_text,
    reading_against_paper,
    make_trainer,
    orbit_spread,
    record_inputs,
    seed_summary,
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


def test_the_even_spacing_is_the_reference_codes_linspace_and_needs_no_generator():
    u, y, omega = sine_data(100, 400, spacing="even")
    torch.testing.assert_close(omega.double(), torch.linspace(math.pi / 16, math.pi / 8, 100, dtype=torch.float64),
                               rtol=0, atol=1e-7)
    assert torch.equal(u[:, 0, 0], omega)
    assert math.isclose(float(record_inputs(10, math.pi / 16, math.pi / 8, 0.218)[1, 0]), 0.218, rel_tol=1e-6)


def test_the_summed_loss_steps_like_the_reference_and_reports_the_mean_squared_error():
    """Batch 10 of a summed loss: ten optimiser steps per epoch, and the history still holds the MSE
    over the data (as the reference's ``total_loss / (seq_len * n_sequences)``)."""
    config = dataclasses.replace(SineConfig.preset("reduced"), n_sequences=20, length=30, batch_size=10, shuffle=False,
                                 loss_reduction="sum", learning_rate=1e-12, n_eigenvalues=0)
    trainer = make_trainer(config, "lstm", progress=False)
    u, y = trainer.data
    with torch.no_grad():
        mse = float(torch.nn.functional.mse_loss(trainer.model(u)[0], y))
    trainer.fit(1)
    assert math.isclose(trainer.history[0]["loss"], mse, rel_tol=1e-5)  # lr ≈ 0: the same weights throughout
    assert trainer.optimizer.state[next(trainer.model.parameters())]["step"] == 2  # two batches of 10


def test_a_bad_spacing_or_reduction_is_refused_naming_the_argument():
    for field, value in (("omega_spacing", "random"), ("loss_reduction", "max")):
        try:
            dataclasses.replace(SineConfig(), **{field: value})
        except ValueError as error:
            assert str(error).startswith(f"{field}: expected one of")
        else:
            raise AssertionError(f"{field}={value!r} was accepted")


def test_stored_seeds_are_loaded_per_model_and_summarised_by_median_and_range(tmp_path):
    config = dataclasses.replace(SineConfig.preset("reduced"), hidden_size=4, n_sequences=4, length=10, n_epochs=4,
                                 batch_size=4, record_every=2, eigenvalue_every=2, burn_in=10, n_kept=5)
    for model, seed in (("lstm", 0), ("lstm", 2), ("lstm", 1), ("ornn", 0)):  # the sweep's layout
        train_experiment(EXPERIMENTS["sine"], model, "reduced", tmp_path / model / f"seed={seed}",
                         dataclasses.replace(config, seed=seed), progress=False, log=lambda _: None)
    stored = load_stored_runs(tmp_path)
    assert list(stored) == ["lstm", "ornn"] and list(stored["lstm"]) == [0, 1, 2]
    rows = {row["model"]: row for row in seed_summary(stored, {"lstm": 0.1, "ornn": 0.2})}
    mse = [stored["lstm"][seed][1]["final_metrics"]["mse"] for seed in (0, 1, 2)]
    assert rows["lstm"]["median_mse"] == sorted(mse)[1] and rows["lstm"]["max_mse"] == max(mse)
    assert math.isclose(rows["lstm"]["ratio_to_paper"], sorted(mse)[1] / 0.1)
    assert rows["ornn"]["seeds"] == [0] and rows["ornn"]["epochs"] == [4]
    assert load_stored_runs(tmp_path / "absent") == {}


def test_the_reading_against_the_papers_number_names_the_factor():
    assert reading_against_paper(1.9) == reading_against_paper(0.5) == "within a factor of 2"
    assert reading_against_paper(0.21) == "4.76× below" and reading_against_paper(3.0) == "3× above"
    assert reading_against_paper(2.02) == "2.02× above"  # not rounded back to "2.0×"
    assert crossings_text({0: 300, 2: None}) == "0: 300, 2: never"
