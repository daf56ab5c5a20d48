"""Experiment 2: the symbols generator, the classifier's two paths, orbit kinds and short real runs."""
import dataclasses

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from rnnattr.cli import main
from rnnattr.dynamics import lyapunov_spectrum, orbit
from rnnattr.experiments.registry import EXPERIMENTS
from rnnattr.experiments.symbols import (
    CLASSES,
    FIRST_POSITIONS,
    FLOSS_TRANSIENT,
    SECOND_POSITIONS,
    SYMBOLS,
    SymbolsConfig,
    accuracy,
    classification_loss,
    data_seeds,
    flossing_epochs,
    flossing_phase,
    load_trained_model,
    make_trainer,
    orbit_kinds,
    summarize,
    symbol_sequences,
)
from rnnattr.models import make_model
from rnnattr.results import load_result
from rnnattr.training.checkpoint import load_checkpoint
from rnnattr.training.runner import train_experiment


def sequences(n=4000, length=60, seed=0):
    return symbol_sequences(n, length, torch.Generator().manual_seed(seed))


def test_relevant_symbols_sit_only_at_their_two_positions_and_distractors_fill_the_rest():
    u, labels, positions = sequences()
    assert u.shape == (4000, 60, 6) and labels.shape == (4000,) and positions.shape == (4000, 2)
    assert torch.equal(u.sum(-1), torch.ones(4000, 60))  # one symbol per step
    t1, t2 = positions.T
    assert int(t1.min()) == FIRST_POSITIONS[0] and int(t1.max()) == FIRST_POSITIONS[1]  # both ends reached
    assert int(t2.min()) == SECOND_POSITIONS[0] and int(t2.max()) == SECOND_POSITIONS[1]
    relevant = u[..., :2].sum(-1)  # (N, T): 1 where p or q
    expected = torch.zeros(4000, 60)
    expected[torch.arange(4000), t1] = 1
    expected[torch.arange(4000), t2] = 1
    assert torch.equal(relevant, expected)
    # every distractor appears, uniformly (each ~1/4 of the distractor steps)
    counts = u[..., 2:].sum((0, 1)) / u[..., 2:].sum()
    assert torch.allclose(counts, torch.full((4,), 0.25), atol=0.01)


def test_classes_are_balanced_and_the_label_is_the_order_of_the_two_relevant_symbols():
    u, labels, positions = sequences()
    rows = torch.arange(len(u))
    first = u[rows, positions[:, 0], :2].argmax(-1)  # 0 = p, 1 = q
    second = u[rows, positions[:, 1], :2].argmax(-1)
    assert torch.equal(labels, 2 * first + second)
    fractions = torch.bincount(labels, minlength=4).float() / len(labels)
    assert torch.allclose(fractions, torch.full((4,), 0.25), atol=0.025)
    assert CLASSES[int(labels[0])] == f"({SYMBOLS[first[0]]},{SYMBOLS[second[0]]})"


def test_the_label_ignores_the_distractors():
    u, labels, positions = sequences(n=500)
    rows = torch.arange(len(u))
    relevant = torch.zeros(u.shape[:2], dtype=torch.bool)
    relevant[rows, positions[:, 0]] = relevant[rows, positions[:, 1]] = True
    # two data sets that differ in every distractor, not in the relevant steps, have the same labels:
    # the generator's label is a function of (u at t1, u at t2) alone
    shuffled = u.clone()
    shuffled[~relevant] = F.one_hot(torch.randint(2, 6, (int((~relevant).sum()),)), 6).float()
    first, second = (shuffled[rows, positions[:, k], :2].argmax(-1) for k in (0, 1))
    assert torch.equal(labels, 2 * first + second)


def test_seeds_reproduce_the_data_and_training_and_validation_differ():
    a, b = sequences(n=50, seed=3), sequences(n=50, seed=3)
    assert all(torch.equal(x, y) for x, y in zip(a, b))
    train_seed, validation_seed = data_seeds(3)
    assert train_seed != validation_seed
    assert {train_seed, validation_seed}.isdisjoint(data_seeds(4))
    assert not torch.equal(sequences(n=50, seed=train_seed)[0], sequences(n=50, seed=validation_seed)[0])


@pytest.mark.parametrize("kwargs, message", [
    ({"n_sequences": 0, "length": 60}, "n_sequences"),
    ({"n_sequences": 5, "length": 49}, "length: expected more than 49"),
])
def test_bad_generator_arguments_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        symbol_sequences(**kwargs)


def test_bad_config_values_are_refused():
    with pytest.raises(ValueError, match="length"):
        SymbolsConfig(length=40)
    with pytest.raises(ValueError, match="target_accuracy"):
        SymbolsConfig(target_accuracy=1.5)


@pytest.mark.parametrize("name", ["lstm", "slstm", "ornn"])
def test_the_last_step_logits_of_the_fast_forward_equal_the_step_function_loop(name):
    model = make_model(name, 6, 7, 4, seed=1).double()
    u, labels, _ = sequences(n=5, length=55)
    u = u.double()
    fast = model(u)[0][:, -1]  # (B, 4): nn.LSTM / cached-orthogonal forward
    states = orbit(model.step, model.initial_state(5), 55, inputs=u)  # (B, 55, d): the analysis path
    slow = model.readout(states[:, -1])
    torch.testing.assert_close(fast, slow, rtol=1e-10, atol=1e-12)
    assert torch.isclose(classification_loss(model, u, labels), F.cross_entropy(slow, labels))
    assert accuracy(model, u, labels) == float((slow.argmax(-1) == labels).double().mean())


def test_orbit_kinds_counts_distinct_fixed_points_and_moving_orbits():
    n = np.arange(20)
    outputs = np.stack([
        np.full((20, 4), 0.5),  # settles on one point ...
        np.full((20, 4), 0.5) + 1e-4,  # ... the same point, within the tolerance
        np.full((20, 4), -2.0),  # another fixed point
        np.stack([np.cos(np.pi * n / 3)] * 4, axis=-1),  # a period-6 orbit
    ])  # (S=4, n=20, o=4)
    n_fixed, n_moving = orbit_kinds(np.stack([outputs, np.repeat(outputs[:1], 4, axis=0)]))  # two records
    assert n_fixed.tolist() == [2, 1] and n_moving.tolist() == [1, 0]
    with pytest.raises(ValueError, match="outputs"):
        orbit_kinds(np.zeros((3, 4)))


def test_a_reduced_lstm_solves_length_50_and_the_stable_lstm_keeps_one_fixed_point_per_input():
    config = dataclasses.replace(SymbolsConfig.preset("reduced"), length=50)
    lstm = make_trainer(config, "lstm", progress=False)
    lstm.fit(config.n_epochs)
    metrics = summarize(lstm, config)
    assert lstm.stopped_early and metrics["val_accuracy"] >= config.target_accuracy  # 19 epochs at seed 0
    assert metrics["epoch_solved"] == lstm.epoch < config.n_epochs
    # a contraction has exactly one fixed point, which attracts every orbit: one point per input,
    # at every record, however the training moved the weights
    stable = make_trainer(dataclasses.replace(config, n_epochs=12), "slstm", progress=False)
    stable.fit(12)
    n_fixed, n_moving = orbit_kinds(torch.stack(stable.recorder.outputs).numpy())  # (R, 6)
    assert (n_fixed == 1).all() and (n_moving == 0).all()


def test_the_command_line_experiment_stores_accuracy_histories_and_orbit_records(tmp_path):
    experiment = EXPERIMENTS["symbols"]
    config = experiment.config("reduced", length=50, n_epochs=3, hidden_size=4, n_sequences=40)
    status = train_experiment(experiment, "ornn", "reduced", tmp_path, config, device="cpu", progress=False,
                              log=lambda message: None)
    arrays, metadata = load_result(tmp_path / "result")
    assert status == "finished" and metadata["epochs_completed"] == 3
    assert arrays["history_val_accuracy"].shape == (3,)
    assert metadata["final_metrics"]["val_accuracy"] == pytest.approx(arrays["history_val_accuracy"][-1])
    assert arrays["record_outputs"].shape[1:] == (6, config.n_initial_states, 20, 4)  # result_steps = 20
    # the stored model is the one whose validation accuracy the result reports
    model, stored = load_trained_model(tmp_path)
    assert stored == config
    u_val, labels_val, _ = symbol_sequences(config.n_validation, 50, torch.Generator().manual_seed(data_seeds(0)[1]))
    assert accuracy(model, u_val, labels_val) == metadata["final_metrics"]["val_accuracy"]
    with pytest.raises(ValueError, match="directory"):
        load_trained_model(tmp_path / "nosuch")


# -- gradient flossing --------------------------------------------------------------------------
def tiny_flossed(**changes) -> SymbolsConfig:
    """Seconds per run: 8 units (state [h, c] of 16), 40 sequences of the shortest length, 2-update phases."""
    config = dataclasses.replace(SymbolsConfig.preset("reduced"), length=50, hidden_size=8, n_sequences=40,
                                 n_validation=40, n_initial_states=2, burn_in=20, n_kept=5, floss_updates=2,
                                 floss_k=8, floss_learning_rate=3e-2)
    return dataclasses.replace(config, **changes)


@pytest.mark.parametrize("changes, message", [
    ({"floss_k": 9}, r"floss_k: expected at most hidden_size = 8 \(the orthogonal RNN's state size\), got 9"),
    ({"floss_updates": -1}, "floss_updates"),
    ({"floss_during": -1}, "floss_during"),
    ({"floss_every": 0}, "floss_every"),
    ({"floss_k": 0}, "floss_k"),
    ({"floss_learning_rate": 0.0}, "floss_learning_rate"),
])
def test_bad_flossing_fields_are_refused(changes, message):
    with pytest.raises(ValueError, match=message):
        tiny_flossed(**changes)


def test_floss_k_only_matters_when_flossing_and_fits_every_models_state():
    plain = tiny_flossed(floss_updates=0, hidden_size=4)  # k = 8 > 4, unused: allowed
    assert flossing_epochs(plain) == [] and make_trainer(plain, "lstm", progress=False).callbacks == ()
    # the orthogonal RNN's flat state is h alone (8 here), an LSTM's [h, c] (16)
    assert make_trainer(tiny_flossed(), "ornn", progress=False).model.state_dim == 8


def test_flossing_epochs_are_before_training_then_every_floss_every_and_the_phase_drives_the_task_length():
    assert flossing_epochs(tiny_flossed()) == [0]
    assert flossing_epochs(tiny_flossed(floss_during=3, floss_every=10, n_epochs=80)) == [0, 10, 20, 30]
    assert flossing_epochs(tiny_flossed(floss_during=3, floss_every=30, n_epochs=80)) == [0, 30, 60]  # 90 ≥ 80
    phase = flossing_phase(tiny_flossed(floss_updates=7, length=60, floss_learning_rate=0.01))
    assert (phase.k, phase.n_updates, phase.learning_rate, phase.n_steps, phase.transient) == (8, 7, 0.01, 60,
                                                                                              FLOSS_TRANSIENT)
    with pytest.raises(ValueError, match="floss_updates"):
        flossing_phase(tiny_flossed(floss_updates=0))


def test_a_flossed_run_flosses_before_the_first_epoch_and_moves_the_exponents_towards_zero():
    config = tiny_flossed(floss_updates=5)
    u = symbol_sequences(4, config.length, torch.Generator().manual_seed(5))[0]  # (4, 50, 6)

    def exponents(model):  # all 16, mean over 4 task sequences
        with torch.no_grad():
            return lyapunov_spectrum(model.step, model.initial_state(4), u, k=16, transient=16).mean(0)

    plain, flossed = (make_trainer(c, "lstm", progress=False) for c in (tiny_flossed(floss_updates=0), config))
    before = exponents(flossed.model)
    torch.testing.assert_close(before, exponents(plain.model), rtol=0, atol=0)  # the same initial weights
    seen = {}
    flossed.callbacks += (lambda trainer, metrics: seen.setdefault(metrics["epoch"], exponents(trainer.model)),)
    flossed.fit(1)
    plain.fit(1)
    assert list(flossed.callbacks[0].phases) == [0] and len(flossed.callbacks[0].phases[0]) == 5
    after = seen[0]  # after the epoch-0 callback (the phase), before the first training epoch
    # an untrained LSTM contracts (λ_1 ≈ −0.4 here); flossing pulls the whole spectrum towards 0
    assert before[0] < after[0] < 0 and after.pow(2).mean() < 0.5 * before.pow(2).mean()
    # the epoch-0 orbit record is of the flossed model, so it differs from the plain run's
    assert not torch.equal(flossed.recorder.outputs[0], plain.recorder.outputs[0])


def test_a_flossed_run_resumed_from_its_checkpoint_equals_the_uninterrupted_run(tmp_path):
    # phases before training and after epochs 2 and 4; the run is interrupted after epoch 3
    config = tiny_flossed(n_epochs=6, floss_k=2, floss_during=2, floss_every=2)
    straight = make_trainer(config, "lstm", progress=False)
    straight.fit(6)
    assert sorted(straight.callbacks[0].phases) == [0, 2, 4]
    interrupted = make_trainer(config, "lstm", progress=False)
    interrupted.fit(3, checkpoint_path=tmp_path / "checkpoint.pt")
    resumed = make_trainer(config, "lstm", progress=False)
    resumed.load_state_dict(load_checkpoint(tmp_path / "checkpoint.pt"))
    resumed.fit(6)
    assert sorted(resumed.callbacks[0].phases) == [4]  # the one phase left
    assert resumed.callbacks[0].phases[4] == straight.callbacks[0].phases[4]
    assert resumed.history == straight.history
    for name, value in straight.model.state_dict().items():
        assert torch.equal(resumed.model.state_dict()[name], value), name


def test_the_command_line_trains_a_flossed_run_and_refuses_a_bad_k_in_one_line(tmp_path, capsys):
    argv = ["train", "symbols", "--model", "lstm", "--size", "reduced", "--length", "50", "--hidden-size", "4",
            "--n-sequences", "20", "--epochs", "2", "--floss-updates", "2", "--no-progress", "--device", "cpu"]
    with pytest.raises(SystemExit) as exit:
        main([*argv, "--floss-k", "9", "--out", str(tmp_path / "bad")])
    lines = capsys.readouterr().err.strip().splitlines()
    assert exit.value.code == 2 and len(lines) == 1 and "floss_k: expected at most" in lines[0]
    assert not (tmp_path / "bad").exists()  # refused before any work
    assert main([*argv, "--floss-k", "4", "--out", str(tmp_path / "run")]) == 0
    model, stored = load_trained_model(tmp_path / "run")
    assert (stored.floss_updates, stored.floss_k, stored.floss_during) == (2, 4, 0)
