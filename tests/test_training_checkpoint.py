"""Checkpoints: weights_only loading, every random state restored, atomic writes that survive a crash."""
import random

import numpy as np
import pytest
import torch

from rnnattr.training import checkpoint as checkpoint_module
from rnnattr.training.checkpoint import (
    load_checkpoint,
    restore_counters,
    restore_rng_states,
    rng_states,
    save_checkpoint,
)


def draws():
    return torch.rand(3).tolist(), np.random.rand(3).tolist(), [random.random() for _ in range(3)]


def test_rng_states_round_trip_through_a_weights_only_checkpoint(tmp_path):
    torch.manual_seed(1), np.random.seed(2), random.seed(3)
    np.random.randn()  # leaves a cached Gaussian in numpy's state, which must survive too
    save_checkpoint(tmp_path / "c.pt", {"rng": rng_states()})
    expected = draws()
    torch.manual_seed(99), np.random.seed(99), random.seed(99)
    restore_rng_states(torch.load(tmp_path / "c.pt", weights_only=True)["rng"])
    assert draws() == expected


def test_multistep_schedule_resumes_from_a_weights_only_checkpoint(tmp_path):
    def make():
        optimizer = torch.optim.Adam([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
        return optimizer, torch.optim.lr_scheduler.MultiStepLR(optimizer, [2, 4, 4], gamma=0.1)

    optimizer, scheduler = make()
    expected = []
    for _ in range(6):
        optimizer.step(), scheduler.step()
        expected.append(optimizer.param_groups[0]["lr"])
    optimizer, scheduler = make()
    for _ in range(3):
        optimizer.step(), scheduler.step()
    save_checkpoint(tmp_path / "c.pt", {"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict()})
    state = load_checkpoint(tmp_path / "c.pt")
    optimizer, scheduler = make()
    optimizer.load_state_dict(state["optimizer"]), scheduler.load_state_dict(state["scheduler"])
    restore_counters(scheduler)
    resumed = []
    for _ in range(3):
        optimizer.step(), scheduler.step()
        resumed.append(optimizer.param_groups[0]["lr"])
    assert resumed == expected[3:]
    assert expected[3:] == pytest.approx([1e-3] * 3)  # ÷10 at 2, ÷100 at 4: the Counter counts milestone 4 twice


def test_a_crash_mid_write_keeps_the_last_good_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "checkpoint.pt"
    save_checkpoint(path, {"epoch": 1, "weights": torch.arange(4.0)})
    # a stale partial file from an earlier kill must neither be read nor block the next write
    (tmp_path / "checkpoint.pt.partial").write_bytes(b"\x80\x02garbage")
    assert load_checkpoint(path)["epoch"] == 1

    def crashing_save(obj, handle):
        handle.write(b"half a checkpoint")
        raise OSError("disk full")

    monkeypatch.setattr(checkpoint_module.torch, "save", crashing_save)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(path, {"epoch": 2, "weights": torch.zeros(4)})
    state = torch.load(path, weights_only=True)
    assert state["epoch"] == 1 and torch.equal(state["weights"], torch.arange(4.0))
    assert not (tmp_path / "checkpoint.pt.partial").exists()
    monkeypatch.undo()
    save_checkpoint(path, {"epoch": 3})
    assert load_checkpoint(path) == {"epoch": 3}
