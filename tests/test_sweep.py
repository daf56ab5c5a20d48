"""Sweeps: the grid and its directories, refusals before any work, local and Dask runs whose tables
equal the per-run results, skipping finished runs, and a sweep killed half-way then restarted."""
import csv
import dataclasses
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import joblib
import pytest

from rnnattr.cli import main
from rnnattr.experiments.registry import EXPERIMENTS
from rnnattr.training.engine import EarlyStopping
from rnnattr.training.experiment import Experiment
from rnnattr.training.runner import run_config
from rnnattr.training.sweep import aggregate, load_table, run_name, run_sweep, sweep_runs

ROOT = Path(__file__).resolve().parent.parent
SINE, SYMBOLS = EXPERIMENTS["sine"], EXPERIMENTS["symbols"]
TINY = {"hidden_size": [4], "length": [10]}  # sine, 3 epochs: about half a second per run (mostly orbit records)
TINY_SYMBOLS = {"length": [50], "hidden_size": [4], "n_sequences": [20]}  # 3 epochs: about 0.15 s per run


def results(out: Path) -> dict[str, dict]:
    """Run directory (relative, posix) -> its result.json."""
    return {path.parent.relative_to(out).as_posix(): json.loads(path.read_text()) for path in out.rglob("result.json")}


def stamps(out: Path) -> dict[Path, tuple[bytes, int]]:
    """Bytes and modification time (ns) of the result files (.json, .npz) of every finished run under ``out``."""
    return {path: (path.read_bytes(), path.stat().st_mtime_ns) for done in out.rglob("result.json")
            for path in (done, done.with_suffix(".npz"))}


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def check_tables(out: Path, experiment: Experiment, options: list[str], n_seeds: int) -> None:
    """table.csv, table.md and runs.csv against the result.json of every run, computed here independently."""
    metric, solved = experiment.table_metric, experiment.solved
    stored = results(out)
    runs = read_csv(out / "runs.csv")
    assert sorted(row["directory"] for row in runs) == sorted(stored)
    for row in runs:
        result = stored[row["directory"]]
        values = result["final_metrics"]
        assert row["status"] == "finished" and int(row["epochs_completed"]) == result["epochs_completed"]
        assert float(row[metric]) == values[metric] and float(row["wall_time_s"]) == result["wall_time_s"]
        assert row["solved"] == ("yes" if solved.reached(values) else "no") and row["device"] == result["device"]
        assert row["model"] == result["config"]["model"] and int(row["seed"]) == result["config"]["seed"]
        assert row["host"] == socket.gethostname()
    groups = {}
    for result in stored.values():
        key = (*(result["config"][name] for name in options), result["config"]["model"])
        groups.setdefault(key, []).append(result["final_metrics"][metric])
    table = load_table(out)
    assert len(table) == len(groups) and {row["metric"] for row in table} == {metric}
    lines = (out / "table.md").read_text().splitlines()
    for row in table:
        scores = sorted(groups[(*(row[name] for name in options), row["model"])])
        assert len(scores) == row["n_runs"] == n_seeds and row["n_diverged"] == row["n_unfinished"] == 0
        middle = len(scores) // 2
        median = scores[middle] if len(scores) % 2 else (scores[middle - 1] + scores[middle]) / 2
        assert row["median"] == pytest.approx(median, rel=1e-12)
        assert row["min"] == scores[0] and row["max"] == scores[-1]
        n_solved = sum(score >= solved.target if solved.mode == "max" else score <= solved.target for score in scores)
        assert row["n_solved"] == n_solved
        cell = f"{median:#.3g} [{scores[0]:#.3g}, {scores[-1]:#.3g}] · {n_solved}/{n_seeds} solved"
        label = ", ".join(str(row[name]) for name in options)
        assert any(line.startswith(f"| {label} |") and cell in line for line in lines), (cell, lines)


def test_the_grid_names_one_directory_per_configuration():
    runs = sweep_runs(SINE, "reduced", models=["lstm", "ornn"], seeds=[1, 0],
                      grid={"length": [10, 20], "hidden_size": [4]}, epochs=3)
    assert [run.name for run in runs] == [
        f"hidden_size=4/length={length}/{model}/seed={seed}" for length in (10, 20) for model in ("lstm", "ornn")
        for seed in (1, 0)]
    last = runs[-1].config
    assert (last.hidden_size, last.length, last.n_epochs, last.seed) == (4, 20, 3, 0)
    assert last.n_sequences == SINE.config("reduced").n_sequences  # not in the grid: the preset's
    rates = sweep_runs(SINE, "reduced", models=["lstm"], seeds=[0], grid={"learning_rate": [1, 1e-05]})
    assert [run.name for run in rates] == ["learning_rate=1.0/lstm/seed=0", "learning_rate=1e-05/lstm/seed=0"]
    assert type(rates[0].config.learning_rate) is float
    assert run_name({}, "slstm", 7) == "slstm/seed=7"


@dataclasses.dataclass(frozen=True)
class ToyConfig:
    length: int = 10
    n_epochs: int = 1
    seed: int = 0

    def __post_init__(self):
        if self.length > 100:
            raise ValueError(f"length: expected at most 100, got {self.length}")

    @classmethod
    def preset(cls, size):
        return cls()


TOY = Experiment("toy", "a config that refuses long sequences", ToyConfig, build=None, summarize=None,
                 options=("length",))


@pytest.mark.parametrize("change, message", [
    ({"size": "huge"}, "size: expected one of ['full', 'reduced'], got 'huge'"),
    ({"models": ["gru"]}, "models: expected names among ['lstm', 'slstm', 'ornn'], got 'gru'"),
    ({"models": []}, "models: expected at least one value"),
    ({"models": "lstm"}, "models: expected a list of values"),
    ({"seeds": []}, "seeds: expected at least one value"),
    ({"seeds": [0, -1]}, "seeds: expected a non-negative integer, got -1"),
    ({"seeds": [2, 2]}, "seeds: expected distinct values, got [2, 2]"),
    ({"grid": {"width": [3]}},
     "grid: expected options among ['hidden_size', 'length', 'learning_rate'], got ['width']"),
    ({"grid": {"length": [10, 0]}}, "grid['length']: expected positive integers, got [10, 0]"),
    ({"grid": {"length": [10.5]}}, "grid['length']: expected positive integers"),
    ({"grid": {"learning_rate": [float("nan")]}}, "grid['learning_rate']: expected positive numbers"),
    ({"grid": {"hidden_size": []}}, "grid['hidden_size']: expected at least one value"),
    ({"epochs": 0}, "epochs: expected a positive integer, got 0"),
    ({"jobs": 0}, "jobs: expected a positive integer, got 0"),
    ({"threads": 0}, "threads: expected a positive integer, got 0"),
    ({"checkpoint_every": -5}, "checkpoint_every: expected a positive integer"),
    ({"device": "tpu"}, "device: expected 'auto', 'cpu', 'cuda' or 'cuda:N', got 'tpu'"),
    ({"scheduler": ""}, "scheduler: expected a Dask scheduler address"),
    ({"experiment": TOY, "models": ["lstm"], "grid": {"length": [50, 500]}},
     "grid: length=500/lstm/seed=0 is not a valid toy config: length: expected at most 100, got 500"),
])
def test_bad_arguments_are_refused_before_any_directory_is_created(tmp_path, change, message):
    arguments = {"experiment": SINE, "size": "reduced", "out": tmp_path / "sweep", "models": ["lstm", "ornn"],
                 "seeds": [0, 1], "grid": TINY, "epochs": 3, **change}
    with pytest.raises(ValueError) as error:
        run_sweep(**arguments)
    assert message in str(error.value)
    assert not (tmp_path / "sweep").exists()


def test_a_directory_holding_another_config_or_a_missing_dask_is_refused_before_any_work(tmp_path, monkeypatch):
    out = tmp_path / "sweep"
    stored = out / "hidden_size=4/length=10/ornn/seed=1"
    stored.mkdir(parents=True)
    (stored / "config.json").write_text(json.dumps(run_config(SINE, "ornn", "reduced", SINE.config(
        "reduced", hidden_size=4, length=10, n_epochs=5, seed=1))))
    with pytest.raises(ValueError, match=r"seed=1' holds a run with a different config: n_epochs \(stored 5, given 3"):
        run_sweep(SINE, "reduced", out, models=["lstm", "ornn"], seeds=[0, 1], grid=TINY, epochs=3)
    assert sorted(path.name for path in out.iterdir()) == ["hidden_size=4"]
    assert not (out / "hidden_size=4/length=10/lstm").exists()
    (out / "hidden_size=4/length=10/ornn/seed=1/config.json").unlink()
    (out / "notes").mkdir()
    (out / "notes/config.json").write_text("{}")
    with pytest.raises(ValueError, match=r"notes. is not a run of a sine sweep \(expected OPTION=VALUE/…/MODEL/"):
        run_sweep(SINE, "reduced", out, models=["lstm", "ornn"], seeds=[0, 1], grid=TINY, epochs=3)
    assert sorted(path.name for path in out.iterdir()) == ["hidden_size=4", "notes"]
    assert not (out / "hidden_size=4/length=10/lstm").exists()
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    with pytest.raises(ValueError, match=r'scheduler: .* pip install "dask\[distributed\]"'):
        run_sweep(SINE, "reduced", tmp_path / "other", models=["lstm"], seeds=[0], grid=TINY, epochs=3,
                  scheduler="tcp://127.0.0.1:8786")
    assert not (tmp_path / "other").exists()


def test_a_local_sweep_tabulates_every_run_and_a_second_call_skips_them_all(tmp_path):
    out, messages = tmp_path / "sweep", []
    rows = run_sweep(SINE, "reduced", out, models=["lstm", "ornn"], seeds=[0, 1], grid=TINY, epochs=3, jobs=2,
                     log=messages.append)
    assert f"4 runs in {out}: 0 already finished (skipped), 4 to run on 2 local process(es)" in messages
    assert [row["directory"] for row in rows] == [f"hidden_size=4/length=10/{m}/seed={s}" for m in ("lstm", "ornn")
                                                 for s in (0, 1)]
    assert {row["status"] for row in rows} == {"finished"} and {row["worker"] for row in rows} == {""}
    records = [json.loads(path.read_text()) for path in out.rglob("sweep.json")]
    assert len(records) == 4 and {record["threads"] for record in records} == {max(1, joblib.cpu_count() // 2)}
    # a criterion that splits the runs, so that the solved counts are not all zero
    scores = sorted(result["final_metrics"]["relative_mse"] for result in results(out).values())
    splitting = dataclasses.replace(SINE, solved=EarlyStopping("relative_mse", (scores[1] + scores[2]) / 2, "min"))
    aggregate(splitting, out)
    check_tables(out, splitting, ["hidden_size", "length"], n_seeds=2)
    assert sum(row["n_solved"] for row in load_table(out)) == 2

    before, messages = stamps(out), []
    again = run_sweep(SINE, "reduced", out, models=["lstm", "ornn"], seeds=[0, 1], grid=TINY, epochs=3, jobs=2,
                      log=messages.append)
    assert f"4 runs in {out}: 4 already finished (skipped), 0 to run" in messages
    assert len(before) == 8 and stamps(out) == before  # result.json/.npz: not one byte, not one touch
    assert [(row["directory"], row["relative_mse"]) for row in again] == [(row["directory"], row["relative_mse"])
                                                                         for row in rows]


def test_a_sweep_on_a_local_dask_cluster_of_two_workers(tmp_path):
    distributed = pytest.importorskip("distributed")
    out = tmp_path / "sweep"
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        workers = set(cluster.scheduler_info["workers"])
        rows = run_sweep(SYMBOLS, "reduced", out, models=["lstm"], seeds=[0, 1],
                         grid={**TINY_SYMBOLS, "length": [50, 60]}, epochs=3, scheduler=cluster.scheduler_address,
                         log=lambda message: None)
    assert len(rows) == 4 and {row["status"] for row in rows} == {"finished"}
    assert {row["worker"] for row in rows} == workers  # 4 runs, 2 one-thread workers: both work
    records = [json.loads(path.read_text()) for path in out.rglob("sweep.json")]
    # two tasks at once on this machine: each gets half its cores
    assert {record["threads"] for record in records} == {max(1, joblib.cpu_count() // 2)}
    check_tables(out, SYMBOLS, ["length", "hidden_size", "n_sequences"], n_seeds=2)
    assert {row["length"] for row in load_table(out)} == {50, 60}


def test_a_thread_count_given_is_the_one_each_run_uses(tmp_path):
    threads = joblib.cpu_count() + 1  # never the default, cores // runs at once
    run_sweep(SINE, "reduced", tmp_path, models=["lstm"], seeds=[0, 1], grid=TINY, epochs=2, jobs=2, threads=threads)
    records = [json.loads(path.read_text()) for path in tmp_path.rglob("sweep.json")]
    assert len(records) == 2 and {record["threads"] for record in records} == {threads}


def test_a_sweep_killed_half_way_and_restarted_keeps_and_skips_its_finished_runs(tmp_path, capsys):
    out = tmp_path / "sweep"
    argv = ["sweep", "symbols", "--size", "reduced", "--out", str(out), "--models", "lstm", "ornn", "--seeds", "0",
            "1", "2", "--lengths", "50", "--hidden-sizes", "4", "--n-sequences", "20", "--epochs", "30",
            "--checkpoint-every", "5", "--jobs", "2"]  # about a second per run
    sweep = subprocess.Popen([sys.executable, "-m", "rnnattr", *argv], cwd=ROOT, start_new_session=True,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    try:
        while not any(out.rglob("result.json")) and sweep.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
    finally:
        os.killpg(sweep.pid, signal.SIGKILL)  # the sweep and its worker processes
        sweep.wait()
    kept = stamps(out)
    n_kept = len(kept) // 2
    assert 1 <= n_kept < 6, f"{n_kept} of 6 runs had finished when the sweep was killed"

    assert main(argv) == 0
    log = capsys.readouterr()
    assert f"6 runs in {out}: {n_kept} already finished (skipped), {6 - n_kept} to run" in log.err
    assert sum(line.startswith("[") for line in log.err.splitlines()) == 6 - n_kept  # trained: only the others
    assert all(stamps(out)[path] == stamp for path, stamp in kept.items())  # untouched, byte for byte
    assert len(results(out)) == 6 and all(result["epochs_completed"] == 30 for result in results(out).values())
    assert [(row["model"], row["n_runs"]) for row in load_table(out)] == [("lstm", 3), ("ornn", 3)]
    assert log.out == (out / "table.md").read_text() and "| 50, 4, 20 |" in log.out


@pytest.mark.parametrize("flag, allowed", [
    (["--lengths", "10", "0"], "argument --lengths: expected a positive integer, got '0'"),
    (["--seeds", "-1"], "argument --seeds: expected a non-negative integer"),
    (["--models", "gru"], "argument --models: invalid choice: 'gru'"),
    (["--jobs", "0"], "argument --jobs: expected a positive integer"),
    (["--device", "tpu"], "device: expected 'auto', 'cpu', 'cuda' or 'cuda:N', got 'tpu'"),
    (["--seeds", "3", "3"], "seeds: expected distinct values"),
])
def test_the_cli_refuses_a_bad_value_in_one_line(capsys, tmp_path, flag, allowed):
    argv = ["sweep", "sine", "--size", "reduced", "--out", str(tmp_path / "sweep"), "--models", "lstm",
            "--seeds", "0", "--epochs", "3", *flag]
    with pytest.raises(SystemExit) as exit:
        main(argv)
    lines = capsys.readouterr().err.strip().splitlines()
    assert exit.value.code == 2 and len(lines) == 1 and allowed in lines[0]
    assert lines[0].startswith("python -m rnnattr sweep sine: error:")
    assert not (tmp_path / "sweep").exists()


def test_the_cli_prints_the_table_and_exits_1_when_a_run_diverged(capsys, tmp_path):
    # Adam moves every weight by about the learning rate: 1e30 overflows the squared error at epoch 2
    argv = ["sweep", "sine", "--size", "reduced", "--out", str(tmp_path / "sweep"), "--models", "lstm",
            "--seeds", "0", "--hidden-sizes", "4", "--lengths", "10", "--learning-rates", "0.001", "1e30",
            "--epochs", "3", "--checkpoint-every", "1", "--jobs", "1"]
    assert main(argv) == 1
    printed = capsys.readouterr().out
    assert printed == (tmp_path / "sweep" / "table.md").read_text()
    diverged = "| 4, 10, 1e+30 | — · 1 diverged |"
    assert diverged in printed.splitlines() and "| 4, 10, 0.001 | " in printed
    runs = {row["learning_rate"]: row for row in read_csv(tmp_path / "sweep" / "runs.csv")}
    assert runs["1e+30"]["status"] == "diverged" and runs["1e+30"]["epochs_completed"] == "1"  # its checkpoint
    assert runs["0.001"]["status"] == "finished"
    assert main(argv) == 1  # again: the finished run is skipped, the diverged one tried (and diverges) again
    assert "1 already finished (skipped), 1 to run" in capsys.readouterr().err
