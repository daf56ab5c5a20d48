"""A training run in a directory: config, checkpoints, history and the result artifact.

``train_experiment`` is what ``python -m rnnattr train`` does. The directory holds

* ``config.json`` — the run's identity (experiment, model, size and every config field);
  a directory holding a different config is refused rather than overwritten;
* ``checkpoint.pt`` — the latest checkpoint (``weights_only`` loadable), written every
  ``checkpoint_every`` epochs and at exit; a run started again in the same directory
  resumes from it and continues exactly;
* ``history.csv`` — one row per completed epoch (rewritten at every checkpoint);
* ``result.npz`` / ``result.json`` — the artifact of :func:`rnnattr.results.save_result`,
  written when the run finishes: history, final metrics, sub-sampled float16 orbit
  records, config, package version, device and wall time. Load it with
  ``rnnattr.results.load_result(DIR / "result")``.
"""
from __future__ import annotations

import dataclasses
import json
import os
import tempfile
from pathlib import Path

import numpy as np
import torch

from rnnattr.results import device_description, save_result
from rnnattr.training.checkpoint import load_checkpoint
from rnnattr.training.engine import Trainer
from rnnattr.training.experiment import Experiment
from rnnattr.training.history import write_history

CONFIG_FILE, CHECKPOINT_FILE, HISTORY_FILE, RESULT_NAME = "config.json", "checkpoint.pt", "history.csv", "result"


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``"auto"`` -> cuda if available, else cpu; any other name is checked to exist here."""
    if str(device) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as error:
        raise ValueError(f"device: expected 'auto', 'cpu', 'cuda' or 'cuda:N', got {device!r}") from error
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device: {device!r} requested but CUDA is not available here; use 'auto' or 'cpu'")
    if resolved.type not in ("cpu", "cuda"):
        raise ValueError(f"device: expected 'auto', 'cpu', 'cuda' or 'cuda:N', got {device!r}")
    return resolved


def run_config(experiment: Experiment, model_name: str, size: str, config) -> dict:
    """The run's identity as JSON-ready data: experiment, model, size and every config field."""
    fields = dataclasses.asdict(config)
    return json.loads(json.dumps({"experiment": experiment.name, "model": model_name, "size": size, **fields}))


def config_differences(stored: dict, given: dict) -> list[str]:
    """``["field (stored X, given Y)", ...]`` for every field whose values differ."""
    return [f"{key} (stored {stored.get(key, '<absent>')!r}, given {given.get(key, '<absent>')!r})"
            for key in dict.fromkeys([*stored, *given]) if stored.get(key) != given.get(key)]


def check_run_directory(out: str | os.PathLike, config: dict) -> Path:
    """Make sure ``out`` can hold this run, before any work starts; returns it as a Path.

    Creates ``out`` if needed, checks that a file can be written in it, and that a
    ``config.json`` already there (an earlier run) equals ``config``.

    Raises:
        ValueError: ``out`` is not writable, or holds a run with a different config (the
            message names every differing field).
    """
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".write-test-"):
            pass
    except OSError as error:
        raise ValueError(f"out: cannot write to directory {str(out)!r} ({error.strerror or error})") from error
    stored_path = out / CONFIG_FILE
    if stored_path.is_file():
        stored = json.loads(stored_path.read_text())
        differences = config_differences(stored, config)
        if differences:
            raise ValueError(f"out: {str(out)!r} holds a run with a different config: {'; '.join(differences)}; "
                             "use another directory or the stored settings")
    return out


def read_run(directory: str | os.PathLike, experiment_name: str, config_class: type) -> tuple[Path, str, object]:
    """``(directory, model name, config)`` of a run directory of ``experiment_name`` that has a checkpoint.

    The config is ``config_class`` rebuilt from ``config.json`` (JSON lists back to the tuples
    the dataclass stored).

    Raises:
        ValueError: no ``config.json`` or ``checkpoint.pt`` there, or a run of another experiment.
    """
    directory = Path(directory)
    if not (directory / CONFIG_FILE).is_file() or not (directory / CHECKPOINT_FILE).is_file():
        raise ValueError(f"directory: expected a run directory with {CONFIG_FILE} and {CHECKPOINT_FILE}, "
                         f"got {str(directory)!r}")
    identity = json.loads((directory / CONFIG_FILE).read_text())
    if identity.get("experiment") != experiment_name:
        raise ValueError(f"directory: expected a run of the {experiment_name} experiment, "
                         f"got {identity.get('experiment')!r}")
    values = {field.name: identity[field.name] for field in dataclasses.fields(config_class)}
    config = config_class(**{name: tuple(value) if isinstance(value, list) else value  # JSON lists were tuples
                             for name, value in values.items()})
    return directory, identity["model"], config


def train_experiment(experiment: Experiment, model_name: str, size: str, out: str | os.PathLike, config=None, *,
                     device: str | torch.device = "auto", checkpoint_every: int | None = 50, progress: bool = True,
                     data: str | os.PathLike | None = None, log=print) -> str:
    """Train (or resume, or confirm finished) one run in directory ``out``; returns the status.

    Args:
        experiment: a registry entry, e.g. ``EXPERIMENTS["sine"]``.
        model_name: one of ``experiment.models``.
        size: ``"reduced"`` or ``"full"`` (names the preset; also recorded in config.json).
        out: the run directory (created if needed).
        config: the experiment config; default ``experiment.config(size)``.
        device: ``"auto"`` (cuda if available), ``"cpu"``, ``"cuda"``, …
        checkpoint_every: epochs between checkpoints (one is always written at exit).
        progress: show a progress bar.
        data: the dataset folder of an experiment that reads one (``experiment.takes_data``).
        log: where one-line status messages go.

    Returns:
        ``"finished"``, ``"already finished"`` (nothing to do) or ``"interrupted"``
        (SIGINT/SIGTERM: checkpointed; call again to resume).

    Raises:
        ValueError: bad arguments or a directory that cannot hold this run (before any work).
        rnnattr.training.engine.NonFiniteLossError: the loss became NaN/Inf; the last good
            checkpoint is kept.

    Example:
        >>> train_experiment(EXPERIMENTS["sine"], "lstm", "reduced", "runs/sine-lstm")
        >>> arrays, metadata = load_result("runs/sine-lstm/result")
    """
    config = experiment.config(size) if config is None else config
    device = resolve_device(device)
    identity = run_config(experiment, model_name, size, config)
    out = check_run_directory(out, identity)
    trainer = experiment.trainer(config, model_name, device, progress, data)
    checkpoint_path = out / CHECKPOINT_FILE
    if checkpoint_path.is_file():
        trainer.load_state_dict(load_checkpoint(checkpoint_path, map_location=device))
        log(f"resuming {out} from epoch {trainer.epoch}")
    if trainer.done(config.n_epochs) and (out / (RESULT_NAME + ".json")).is_file():
        log(f"{out}: already finished ({trainer.epoch} epochs); nothing to do")
        return "already finished"
    if not (out / CONFIG_FILE).is_file():
        (out / CONFIG_FILE).write_text(json.dumps(identity, indent=2) + "\n")
    status = trainer.fit(config.n_epochs, checkpoint_path=checkpoint_path, checkpoint_every=checkpoint_every,
                         on_checkpoint=lambda t: write_history(out / HISTORY_FILE, t.history))
    if status == "interrupted":
        log(f"interrupted after epoch {trainer.epoch}; checkpoint saved, run the same command to resume")
        return status
    write_result(out / RESULT_NAME, experiment, trainer, config, identity, device, data)
    log(f"finished {trainer.epoch} epochs; result in {out / RESULT_NAME}.npz/.json")
    return status


def write_result(path: Path, experiment: Experiment, trainer: Trainer, config, identity: dict,
                 device: torch.device, data: str | os.PathLike | None = None) -> Path:
    """Save history, final metrics, sub-sampled orbit records and the experiment's analysis of the
    trained model (``experiment.analyse``) with :func:`rnnattr.results.save_result`."""
    arrays = {f"history_{column}": np.asarray([row.get(column, np.nan) for row in trainer.history])
              for column in dict.fromkeys(key for row in trainer.history for key in row)}
    if trainer.recorder is not None:
        arrays.update(trainer.recorder.arrays(experiment.result_records, experiment.result_steps))
    metadata = {
        "config": identity,
        "final_metrics": experiment.summarize(trainer, config),
        "epochs_completed": trainer.epoch,
        "device": device_description(device),
        "wall_time_s": trainer.wall_time,
    }
    if experiment.analyse is not None:
        analysis_arrays, metadata["analysis"] = experiment.analyse(trainer, config, data)
        arrays.update(analysis_arrays)
    return save_result(path, arrays, metadata)
