"""The command line: one-line errors with exit status 2 before any work, resume, NaN exit."""
import json
import math

import pytest
import torch

from rnnattr.cli import main

TINY = ["--size", "reduced", "--epochs", "3", "--hidden-size", "4", "--length", "10", "--no-progress"]


def run(capsys, *argv):
    """Exit status and stderr lines of ``python -m rnnattr ARGV`` (run in-process)."""
    try:
        status = main(list(argv))
    except SystemExit as exit:
        status = exit.code
    return status, capsys.readouterr().err.strip().splitlines()


@pytest.mark.parametrize("argv, allowed", [
    (["train", "nosuch", "--model", "lstm", "--size", "reduced", "--out", "x"], "sine"),
    (["train", "sine", "--model", "gru", "--size", "reduced", "--out", "x"], "lstm, slstm, ornn"),
    (["train", "sine", "--model", "lstm", "--size", "huge", "--out", "x"], "reduced, full"),
    (["train", "sine", "--model", "lstm", "--size", "reduced", "--out", "x", "--epochs", "0"], "positive integer"),
    (["train", "sine", "--model", "lstm", "--size", "reduced", "--out", "x", "--learning-rate", "-1"],
     "positive number"),
    (["train", "sine", "--model", "lstm", "--size", "reduced", "--out", "x", "--device", "tpu"], "'cpu', 'cuda'"),
])
def test_bad_arguments_get_one_line_naming_the_allowed_values(capsys, tmp_path, monkeypatch, argv, allowed):
    monkeypatch.chdir(tmp_path)
    status, lines = run(capsys, *argv)
    assert status == 2 and len(lines) == 1 and "error:" in lines[0]
    assert allowed in lines[0].replace("'", "") or allowed in lines[0]
    assert not (tmp_path / "x").exists()  # nothing was started


def test_an_unwritable_out_directory_is_refused_before_any_work(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file, not a directory")
    status, lines = run(capsys, "train", "sine", "--model", "lstm", "--out", str(blocker / "run"), *TINY)
    assert status == 2 and len(lines) == 1 and "cannot write to directory" in lines[0]


def test_rerunning_resumes_or_reports_finished_and_a_different_config_is_refused(capsys, tmp_path):
    out = str(tmp_path / "run")
    assert run(capsys, "train", "sine", "--model", "lstm", "--out", out, *TINY)[0] == 0
    stored = json.loads((tmp_path / "run" / "config.json").read_text())
    assert stored["model"] == "lstm" and stored["n_epochs"] == 3 and stored["hidden_size"] == 4
    assert (tmp_path / "run" / "history.csv").read_text().count("\n") == 4  # header + 3 epochs
    status, lines = run(capsys, "train", "sine", "--model", "lstm", "--out", out, *TINY)
    assert status == 0 and "already finished" in lines[-1]
    status, lines = run(capsys, "train", "sine", "--model", "ornn", "--out", out, *TINY[:-3], "--seed", "5")
    assert status == 2 and len(lines) == 1
    assert "model (stored 'lstm', given 'ornn')" in lines[0] and "seed (stored 0, given 5)" in lines[0]
    assert "length (stored 10, given 100)" in lines[0]


def test_a_diverging_run_exits_nonzero_with_one_line_and_keeps_its_checkpoint(capsys, tmp_path):
    # Adam moves every weight by about the learning rate: 1e30 overflows the squared error at once
    status, lines = run(capsys, "train", "sine", "--model", "lstm", "--out", str(tmp_path / "run"), *TINY,
                        "--learning-rate", "1e30", "--checkpoint-every", "1")
    assert status == 1 and len(lines) == 1
    assert "epoch 2: the training loss is inf" in lines[0] and "checkpoint (epoch 1) is kept in" in lines[0]
    state = torch.load(tmp_path / "run" / "checkpoint.pt", weights_only=True)
    assert state["epoch"] == 1 and math.isfinite(state["history"][0]["loss"])


def test_help_lists_experiments_and_models(capsys):
    for argv in (["--help"], ["train", "--help"]):
        with pytest.raises(SystemExit) as exit:
            main(argv)
        text = capsys.readouterr().out
        assert exit.value.code == 0 and "sine" in text and "lstm, slstm, ornn" in text
