"""The training loop: exact in-process resumption, NaN handling, early stopping and schedules."""
import math
import os
import shutil
import signal

import pytest
import torch
import torch.nn.functional as F

from rnnattr.models import LSTM, StableLSTM
from rnnattr.training.checkpoint import load_checkpoint
from rnnattr.training.engine import EarlyStopping, NonFiniteLossError, Trainer
from rnnattr.training.recorder import OrbitRecorder


def mse(model, u, y):
    return F.mse_loss(model(u)[0], y)


def make_trainer(seed=0, model_class=StableLSTM, lr=1e-2, **kwargs):
    generator = torch.Generator().manual_seed(seed)
    u = torch.rand(12, 15, 1, generator=generator)
    y = torch.sin(torch.cumsum(u, dim=1))
    torch.manual_seed(seed)
    model = model_class(1, 5, 1)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, [3, 5], gamma=0.1)
    recorder = OrbitRecorder(torch.tensor([[0.2], [0.4]]), torch.rand(2, 10, generator=generator), burn_in=20,
                             n_kept=5, every=2)
    defaults = dict(scheduler=scheduler, batch_size=5, clip_norm=0.25, seed=seed, recorder=recorder,
                    after_step=StableLSTM.project_ if model_class is StableLSTM else None, progress=False)
    return Trainer(model, (u, y), mse, optimizer, **{**defaults, **kwargs})


def test_resuming_from_a_checkpoint_continues_exactly(tmp_path):
    straight = make_trainer()
    straight.fit(7)
    first = make_trainer()
    kept = tmp_path / "epoch3.pt"
    # keep the epoch-3 checkpoint aside, as a run killed during epoch 4 would have left it
    first.fit(7, checkpoint_path=tmp_path / "c.pt", checkpoint_every=3,
              on_checkpoint=lambda t: t.epoch == 3 and shutil.copy(tmp_path / "c.pt", kept))
    torch.manual_seed(123)  # disturb the global random state; the checkpoint restores it
    resumed = make_trainer()
    resumed.load_state_dict(load_checkpoint(kept))
    assert resumed.epoch == 3 and len(resumed.history) == 3
    resumed.fit(7)
    assert resumed.history == straight.history == first.history
    assert [row["lr"] for row in straight.history] == pytest.approx([1e-2] * 3 + [1e-3] * 2 + [1e-4] * 2)
    assert resumed.recorder.epochs == straight.recorder.epochs == [0, 2, 4, 6, 7]
    for a, b in zip(resumed.recorder.outputs, straight.recorder.outputs):
        assert torch.equal(a, b)
    for a, b in zip(resumed.model.parameters(), straight.model.parameters()):
        assert torch.equal(a, b)
    assert torch.equal(resumed.generator.get_state(), straight.generator.get_state())
    # the hook ran after every step: the stable LSTM's forget-gate rows stay within their bound
    forget = straight.model.cell.weight_hh_l0[5:10]
    assert forget.abs().sum(dim=1).max() <= StableLSTM.RECURRENT_BOUNDS["f"] + 1e-6


def test_a_nan_stops_the_run_naming_the_epoch_and_keeps_the_last_good_checkpoint(tmp_path):
    def poison(model):
        if trainer.epoch == 3:  # during epoch 4 (trainer.epoch counts completed epochs)
            with torch.no_grad():
                model.decoder.weight.fill_(math.nan)

    trainer = make_trainer(after_step=poison, model_class=LSTM)
    with pytest.raises(NonFiniteLossError, match=r"epoch 4: the training loss is nan .*checkpoint \(epoch 2\) is kept"):
        trainer.fit(10, checkpoint_path=tmp_path / "c.pt", checkpoint_every=2)
    state = torch.load(tmp_path / "c.pt", weights_only=True)
    assert state["epoch"] == 2 and len(state["history"]) == 2
    assert all(torch.isfinite(value).all() for value in state["model"].values())


def test_early_stopping_ends_at_the_first_epoch_reaching_the_target():
    reference = make_trainer(scheduler=None)
    reference.fit(6)
    target = reference.history[3]["loss"]  # the loss falls monotonically at first on this task
    assert all(reference.history[e]["loss"] > target for e in range(3))
    trainer = make_trainer(scheduler=None, early_stopping=EarlyStopping("loss", target))
    assert trainer.fit(50) == "finished"
    assert trainer.epoch == 4 and trainer.recorder.epochs[-1] == 4
    assert trainer.fit(50) == "finished" and trainer.epoch == 4  # finished runs stay finished


def test_plateau_schedule_reads_the_evaluated_metric():
    trainer = make_trainer(lr=1e-3, evaluate=lambda model: {"validation": 1.0}, plateau_metric="validation")
    trainer.scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(trainer.optimizer, patience=2, factor=0.1)
    trainer.fit(6)
    # a constant metric: best at epoch 1; epoch 4 is the 3rd epoch without improvement (> patience 2)
    assert [row["lr"] for row in trainer.history] == pytest.approx([1e-3] * 4 + [1e-4] * 2)
    assert [row["validation"] for row in trainer.history] == [1.0] * 6


def test_sigterm_ends_the_run_after_the_current_epoch_with_a_checkpoint(tmp_path):
    def terminate(trainer, metrics):
        if trainer.epoch == 2:
            os.kill(os.getpid(), signal.SIGTERM)

    trainer = make_trainer(callbacks=[terminate])
    before = signal.getsignal(signal.SIGTERM)
    assert trainer.fit(7, checkpoint_path=tmp_path / "c.pt") == "interrupted"
    assert trainer.epoch == 2 and load_checkpoint(tmp_path / "c.pt")["epoch"] == 2
    assert signal.getsignal(signal.SIGTERM) is before  # the handler is given back
    assert trainer.fit(7) == "finished" and trainer.epoch == 7


def test_min_lr_ends_training_once_the_plateau_schedule_has_cut_the_rate_below_it():
    # a constant plateau metric is never an improvement: with patience 1 the rate is cut every
    # second epoch after the first, 1e-2 -> 1e-3 (after epoch 3) -> 1e-4 (after 5) -> 1e-5 (after 7)
    trainer = make_trainer(recorder=None, scheduler=None, evaluate=lambda model: {"flat": 1.0})
    trainer.scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(trainer.optimizer, factor=0.1, patience=1)
    trainer.plateau_metric = "flat"
    trainer.min_lr = 5e-5
    assert trainer.fit(100) == "finished"
    assert trainer.epoch == 7 and trainer.stopped_early
    assert [row["lr"] for row in trainer.history] == pytest.approx([1e-2] * 3 + [1e-3] * 2 + [1e-4] * 2)
    assert trainer.fit(100) == "finished" and trainer.epoch == 7  # a finished run stays finished


def test_min_lr_must_be_positive():
    with pytest.raises(ValueError, match="min_lr: expected a positive number or None, got 0"):
        make_trainer(min_lr=0)
