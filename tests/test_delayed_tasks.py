"""The flossing paper's delayed copy and XOR tasks: targets by construction, flossing before and
during training through the trainer's callbacks, exact resumption, and the command line."""
import dataclasses
import shutil

import pytest
import torch

from rnnattr import lyapunov_spectrum
from rnnattr.cli import main
from rnnattr.experiments.delayed_tasks import (
    CONDITIONS,
    DelayedTaskConfig,
    DelayedXorConfig,
    delayed_task_batch,
    flossing_condition,
    load_stored_runs,
    load_trained_model,
    make_model,
    make_trainer,
    success_summary,
    success_table,
    task_metrics,
)
from rnnattr.experiments.registry import EXPERIMENTS
from rnnattr.training.checkpoint import load_checkpoint
from rnnattr.training.sweep import aggregate


def tiny(config_class=DelayedTaskConfig, **changes):
    """Under a second per run: 8 units, 30-step sequences, 2 batches per epoch, 5-update phases."""
    config = dataclasses.replace(config_class.preset("reduced"), delay=4, hidden_size=8, length=30, n_sequences=32,
                                 n_validation=32, n_epochs=3, floss_k=6, floss_steps=20, floss_transient=5,
                                 floss_epochs=(2,))
    return dataclasses.replace(config, **changes)


def test_copy_targets_are_the_inputs_d_steps_earlier():
    x, y = delayed_task_batch("copy", 7, 5, 40, torch.Generator().manual_seed(0))
    assert x.shape == (5, 40, 1) and set(x.unique().tolist()) == {0.0, 1.0}
    for t in range(7, 40):
        assert torch.equal(y[:, t], x[:, t - 7, 0])


def test_xor_targets_are_the_parity_of_the_inputs_d_over_2_and_d_steps_earlier():
    x, y = delayed_task_batch("xor", 6, 64, 50, torch.Generator().manual_seed(1))
    bits = x[..., 0].long()
    for t in range(6, 50):
        assert torch.equal(y[:, t].long(), (bits[:, t - 3] + bits[:, t - 6]) % 2)
    assert 0.4 < y[:, 6:].mean().item() < 0.6  # a fair coin, as the task's chance level says


@pytest.mark.parametrize("call, message", [
    (lambda: delayed_task_batch("parity", 4, 2, 10), "task: expected one of"),
    (lambda: delayed_task_batch("xor", 5, 2, 10), "delay: .*even delay, got 5"),
    (lambda: delayed_task_batch("copy", 10, 2, 10), "delay: expected fewer than length=10"),
    (lambda: DelayedTaskConfig(hidden_size=8, floss_k=9, floss_before=1),
     "floss_k: expected at most hidden_size=8, got 9"),
    (lambda: DelayedXorConfig(delay=7), "delay: the XOR task needs an even delay"),
    (lambda: DelayedTaskConfig(floss_epochs=(0,)), "floss_epochs: expected a positive integer"),
])
def test_bad_input_is_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_the_full_presets_are_the_reference_settings():
    copy, xor = DelayedTaskConfig.preset("full"), DelayedXorConfig.preset("full")
    assert (copy.task, xor.task) == ("copy", "xor")
    assert (copy.hidden_size, copy.floss_k, copy.length, copy.batch_size, copy.learning_rate) == (80, 75, 300, 16, 1e-3)
    assert copy.n_epochs * copy.n_sequences // copy.batch_size == 3000  # the reference code: 3001 epochs of one update
    assert xor.preset("reduced").task == "xor"
    model = make_model(copy)  # recurrent N(0, 1/N), input N(0, 1)
    assert model.cell.weight_hh_l0.std().item() == pytest.approx(1 / 80 ** 0.5, rel=0.05)
    assert model.cell.weight_ih_l0.std().item() == pytest.approx(1.0, rel=0.35)


def test_flossing_before_training_brings_the_flossed_exponents_near_zero():
    config = dataclasses.replace(DelayedTaskConfig.preset("reduced"), floss_before=60, n_epochs=1)
    trainer = make_trainer(config, progress=False)
    generator = torch.Generator().manual_seed(7)
    x0 = torch.randn(8, config.hidden_size, generator=generator) * 0.5
    bits = torch.randint(0, 2, (8, 300, 1), generator=generator).float()

    def flossed_exponents():
        with torch.no_grad():
            return lyapunov_spectrum(trainer.model.step, x0, bits, k=config.floss_k, transient=50).mean(0)

    before = flossed_exponents()
    trainer.callbacks[0](trainer, {"epoch": 0})  # what fit does before the first epoch
    after = flossed_exponents()
    assert before.abs().mean() > 0.4 and after.abs().mean() < 0.1 * before.abs().mean(), (before, after)
    phase = trainer.callbacks[0].phases[0]
    assert len(phase) == 60 and phase[-1]["loss"] < 0.05 * phase[0]["loss"]


def test_a_resumed_flossed_run_equals_an_uninterrupted_one(tmp_path):
    config = tiny(floss_before=5, floss_during=5)
    whole = make_trainer(config, progress=False)
    whole.fit(3)
    first = make_trainer(config, progress=False)
    first.fit(1, checkpoint_path=tmp_path / "c.pt")  # flossed at epoch 0, not yet at epoch 2
    resumed = make_trainer(config, progress=False)
    resumed.load_state_dict(load_checkpoint(tmp_path / "c.pt"))
    resumed.fit(3)  # must not floss "before training" again, and must floss at epoch 2
    assert list(resumed.callbacks[1].phases) == [2] and list(resumed.callbacks[0].phases) == []
    for a, b in zip(whole.model.parameters(), resumed.model.parameters()):
        torch.testing.assert_close(a, b, atol=0, rtol=0)
    assert [row["loss"] for row in whole.history] == [row["loss"] for row in resumed.history]


def test_a_short_delay_is_learnt_and_the_trained_network_is_what_the_command_line_stores(tmp_path):
    argv = ["train", "copy", "--model", "rnn", "--size", "reduced", "--delay", "3", "--hidden-size", "16",
            "--length", "40", "--epochs", "40", "--no-progress", "--device", "cpu", "--out", str(tmp_path)]
    assert main(argv) == 0
    model, config = load_trained_model(tmp_path, "copy")
    x, y = delayed_task_batch("copy", 3, config.n_validation, 40, torch.Generator().manual_seed(1))
    metrics = task_metrics(model, x, y, 3)
    assert metrics["val_accuracy"] >= config.target_accuracy  # stopped early, solved
    with pytest.raises(ValueError, match="task: expected one of"):
        load_trained_model(tmp_path, "parity")
    with pytest.raises(ValueError, match="expected a run of the xor experiment"):
        load_trained_model(tmp_path, "xor")


def test_both_tasks_are_registered_with_their_flossing_options():
    for name in ("copy", "xor"):
        assert {"delay", "floss_before", "floss_during"} <= set(EXPERIMENTS[name].options)
        assert EXPERIMENTS[name].config("reduced").task == name


def test_a_command_line_sweep_compares_conditions_with_zero_meaning_no_flossing(tmp_path, capsys):
    argv = ["sweep", "copy", "--size", "reduced", "--models", "rnn", "--seeds", "0", "--delays", "3",
            "--hidden-sizes", "8", "--lengths", "20", "--floss-ks", "4", "--epochs", "2", "--jobs", "1",
            "--out", str(tmp_path)]
    with pytest.raises(SystemExit) as exit:
        main([*argv, "--floss-befores", "-1"])
    assert exit.value.code == 2 and "expected a non-negative integer, got '-1'" in capsys.readouterr().err
    assert main([*argv, "--floss-befores", "0", "3"]) == 0
    for before in (0, 3):
        _, config = load_trained_model(tmp_path / f"delay=3/hidden_size=8/length=20/floss_before={before}/"
                                                  f"floss_k=4/rnn/seed=0", "copy")
        assert (config.floss_before, config.floss_k, config.n_epochs) == (before, 4, 2)

    # the stored-sweep reader sees both runs under their conditions, and counts what the sweep's table counts
    runs = load_stored_runs(tmp_path)
    assert set(runs) == {("copy", "no flossing", 3, 0), ("copy", "flossing before training", 3, 0)}
    table = {row["floss_before"]: row for row in aggregate(EXPERIMENTS["copy"], tmp_path)}
    summary = success_summary(runs)
    for before, condition in ((0, "no flossing"), (3, "flossing before training")):
        row = summary["copy", condition, 3]
        assert row["seeds"] == [0] and row["accuracy"] == [runs["copy", condition, 3, 0]["final_metrics"]["val_accuracy"]]
        assert row["n_solved"] == table[before]["n_solved"] and row["accuracy"] == [table[before]["median"]]
    shutil.copytree(tmp_path / "delay=3", tmp_path / "copied" / "delay=3")  # the same runs stored twice
    with pytest.raises(ValueError, match="are the same run"):
        load_stored_runs(tmp_path)


def test_the_condition_of_a_run_follows_from_its_phases():
    assert [flossing_condition(0, 0), flossing_condition(500, 0), flossing_condition(500, 500)] == list(CONDITIONS)
    with pytest.raises(ValueError, match="floss_during: phases during training without one before"):
        flossing_condition(0, 500)
    with pytest.raises(ValueError, match="floss_before: expected a non-negative integer"):
        flossing_condition(-1, 0)


def _stored(seed, epoch_solved, accuracy, n_sequences=320, batch_size=16, floss_before=0):
    return {"config": {"task": "copy", "delay": 40, "seed": seed, "floss_before": floss_before, "floss_during": 0,
                       "n_sequences": n_sequences, "batch_size": batch_size},
            "final_metrics": {"epoch_solved": epoch_solved, "val_accuracy": accuracy, "lambda_max": -0.1},
            "wall_time_s": 10.0, "device": "cpu (x86_64, 1 threads)"}


def test_success_rate_and_updates_to_success_count_solved_seeds_only():
    runs = {("copy", "no flossing", 40, seed): _stored(seed, epoch, accuracy)
            for seed, epoch, accuracy in ((0, 3.0, 0.96), (1, float("nan"), 0.7), (2, 7.0, 0.95), (3, float("nan"), 0.5))}
    runs["copy", "no flossing", 10, 0] = _stored(0, 2.0, 0.99, n_sequences=100, batch_size=16)  # 7 batches per epoch
    summary = success_summary(runs)
    row = summary["copy", "no flossing", 40]
    assert row["seeds"] == [0, 1, 2, 3] and row["n_solved"] == 2 and row["success_rate"] == 0.5
    assert row["updates_to_solve"] == [60, 140]  # epochs 3 and 7 of 20 updates
    assert row["accuracy"] == [0.96, 0.7, 0.95, 0.5]
    assert summary["copy", "no flossing", 10]["updates_to_solve"] == [14]  # ⌈100 / 16⌉ = 7 updates per epoch


def test_the_success_table_orders_rows_by_task_delay_and_condition():
    runs = {("copy", "flossing before training", 40, seed): _stored(seed, epoch, 0.96, floss_before=500)
            for seed, epoch in ((0, 3.0), (1, 5.0), (2, 4.0))}
    runs["copy", "no flossing", 40, 0] = _stored(0, float("nan"), 0.5)
    runs["copy", "no flossing", 10, 0] = _stored(0, 2.0, 0.99)
    rows = success_table(success_summary(runs)).splitlines()[2:]
    assert [row.split(" | ")[:2] for row in rows] == [
        ["| copy, 10", "no flossing"], ["| copy, 40", "no flossing"], ["| copy, 40", "flossing before training"]]
    assert rows[1].split(" | ")[2:5] == ["0/1 (0)", "—", "0.500 [0.500, 0.500]"]
    # epochs 3, 5, 4 of 20 updates: median 80, range [60, 100]
    assert rows[2].split(" | ")[2:6] == ["3/3 (0, 1, 2)", "80 [60, 100]", "0.960 [0.960, 0.960]",
                                         "cpu (x86_64, 1 threads), 0.2 min |"]
