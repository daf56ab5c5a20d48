"""A run killed with SIGKILL and restarted gives exactly the history and orbits of an uninterrupted run."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

from rnnattr.results import load_result

ROOT = Path(__file__).resolve().parent.parent
# tiny but not trivial: every epoch shuffles, steps Adam and the lr schedule; orbits and fixed-point
# eigenvalues are recorded every 10 epochs; a checkpoint every 5 epochs
ARGS = ["train", "sine", "--model", "lstm", "--size", "reduced", "--epochs", "60", "--hidden-size", "8",
        "--length", "20", "--checkpoint-every", "5", "--no-progress"]


def start(out: Path) -> subprocess.Popen:
    environment = {**os.environ, "OMP_NUM_THREADS": "1"}  # one thread: the same arithmetic in every process
    return subprocess.Popen([sys.executable, "-m", "rnnattr", *ARGS, "--out", str(out)], cwd=ROOT, env=environment,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_sigkill_and_restart_reproduce_the_uninterrupted_run_exactly(tmp_path):
    straight = start(tmp_path / "straight")
    killed = start(tmp_path / "killed")
    checkpoint = tmp_path / "killed" / "checkpoint.pt"
    deadline = time.monotonic() + 60
    while not checkpoint.exists() and killed.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    killed.send_signal(signal.SIGKILL)
    killed.communicate()
    assert killed.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    epoch_at_kill = torch.load(checkpoint, weights_only=True)["epoch"]
    assert 5 <= epoch_at_kill < 60 and not (tmp_path / "killed" / "result.json").exists()

    resumed = start(tmp_path / "killed")
    _, resumed_log = resumed.communicate(timeout=120)
    _, straight_log = straight.communicate(timeout=120)
    assert resumed.returncode == 0 and straight.returncode == 0, resumed_log + straight_log
    assert f"resuming {tmp_path / 'killed'} from epoch" in resumed_log

    history = (tmp_path / "straight" / "history.csv").read_text()
    assert history.count("\n") == 61 and history == (tmp_path / "killed" / "history.csv").read_text()
    expected, expected_metadata = load_result(tmp_path / "straight" / "result")
    arrays, metadata = load_result(tmp_path / "killed" / "result")
    assert expected.keys() == arrays.keys() and "eigenvalues" in arrays
    for name in expected:
        np.testing.assert_array_equal(arrays[name], expected[name], err_msg=name)
    assert metadata["final_metrics"] == expected_metadata["final_metrics"]
    # the final checkpoints agree bit for bit: float32 weights, Adam moments, records
    straight_state = torch.load(tmp_path / "straight" / "checkpoint.pt", weights_only=True)
    killed_state = torch.load(checkpoint, weights_only=True)
    for name, value in straight_state["model"].items():
        assert torch.equal(value, killed_state["model"][name]), name
    for moments, other in zip(straight_state["optimizer"]["state"].values(),
                              killed_state["optimizer"]["state"].values()):
        assert torch.equal(moments["exp_avg_sq"], other["exp_avg_sq"])
    straight_records, killed_records = straight_state["recorder"], killed_state["recorder"]
    assert straight_records["epochs"] == killed_records["epochs"] == [0, 10, 20, 30, 40, 50, 60]
    for a, b in zip(straight_records["outputs"], killed_records["outputs"]):
        assert torch.equal(a, b)
