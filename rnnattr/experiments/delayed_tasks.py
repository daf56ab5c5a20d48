"""The gradient-flossing tasks (Engelken, NeurIPS 2023): delayed copy and delayed XOR, learnt by a
vanilla tanh RNN with and without flossing.

A stream of random bits x_t ∈ {0, 1} drives the network; from step d on, its readout must give

    delayed copy:  y_t = x_{t−d},
    delayed XOR:   y_t = x_{t−d/2} ⊕ x_{t−d}     (d even),

scored by binary cross-entropy on the logits. The error of step t must travel d steps back
through the state Jacobians to the input that explains it, so the task's difficulty grows with
d the way the long-term Jacobian's conditioning decays.

The paper's text is not in this repository beyond its abstract, which gives no settings. The
``full`` preset takes the reference code's (github.com/RainerEngelken/GradientFlossing, commit
324d2a0), but for the departures below: the example call in its ``README.md`` (lines 32–33) and
the constants of ``GradientFlossing_ExampleCode.jl`` give N = 80, recurrent weights N(0, g²/N)
with g = 1 (l.54), input weights N(0, 1), 300-step sequences in batches of 16, Adam at 1e-3
after ClipNorm(0.03) (l.164), flossing phases of 500 unclipped Adam updates at 1e-3 (l.165) of
k = 75 exponents, each on one 55-step trajectory whose first 10 + 6 steps are not averaged (l.26,
l.29, l.137), before training and at epochs 100 and 200 (l.175).
:data:`rnnattr.papers.FLOSSING_SETTINGS` lists each setting with its file and line, and every
departure with its reason. The tasks (``GradientFlossing_XOR.jl``): the code's copy (task 0) is
ours; its XOR (task −1, the README's call, with delay=10) has the target |s[t−δ] − s[t−2δ]|, so
our XOR's d is its whole span, 2δ (the README's call is our d = 20).

Departures, for the shared training engine's sake and our own: the code draws a fresh batch of 16
for every update and runs 3001 epochs of one update; here a fixed training set of ``n_sequences``
is visited once per epoch (20 batches), 150 epochs = 3000 updates, and the phases during training
follow epochs 5 and 10 (after 100 and 200 updates; the code's after 99 and 199). The code measures
accuracy only on its training batch and has no success criterion; here accuracy is on
``n_validation`` fresh sequences and a run is solved, and stops, at ``target_accuracy`` = 0.95
(ours). Flux's ClipNorm clips each parameter array's gradient on its own, ours the norm of all of
them together. Not configurable, and also different: the code's initial state is trained (relaxed
100 steps from N(0, 1), l.152–166), its bias is 0.1·U(0, 1) (l.46), its readout reads the
pre-activation J·tanh(x) + b + w·s (l.67–69) with weights N(0, 1); ours starts from zero and uses
PyTorch's default bias and readout initialisation. Its flossing starts every trajectory from that
trained initial state with the same random tangent basis every time (reseeded, l.121–125) and
keeps one Adam state across phases (l.165); ours draws x0 ~ N(0, 0.5²) per update, starts from the
identity's first k columns, and gives each phase a fresh Adam. Both floss the recurrent, input and
bias weights (the code: psFlossing = (ws, J, b), l.167; the readout gets no gradient from the
exponents here).

    python -m rnnattr train copy --model rnn --size full --delay 40 --floss-before 500 --out runs/copy
    python -m rnnattr sweep xor --size full --models rnn --delays 10 20 40 --floss-befores 0 500 \\
        --seeds 0 1 2 --out runs/xor
"""
from __future__ import annotations

import dataclasses
import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from rnnattr.dynamics.lyapunov import lyapunov_spectrum
from rnnattr.experiments.presets import select_preset
from rnnattr.flossing import FlossingConfig, flossing_callback
from rnnattr.models.tanh_rnn import TanhRNN
from rnnattr.training.checkpoint import load_checkpoint
from rnnattr.training.engine import EarlyStopping, Trainer
from rnnattr.training.experiment import Experiment
from rnnattr.training.runner import CHECKPOINT_FILE, read_run
from rnnattr.validation import check_non_negative_int, check_positive_int

TASKS = ("copy", "xor")


def delayed_task_batch(task: str, delay: int, n_sequences: int, length: int,
                       generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Random bit streams and their targets: ``(x (N, T, 1) float, y (N, T) float)``.

    ``y[:, t]`` is x_{t−d} (``"copy"``) or x_{t−d/2} ⊕ x_{t−d} (``"xor"``, d even) for t ≥ d;
    the steps t < d have no target and are set to 0 (they are not scored: :func:`task_loss`).

    Example:
        >>> x, y = delayed_task_batch("copy", 5, 16, 300, torch.Generator().manual_seed(0))
        >>> torch.equal(y[:, 5:], x[:, :-5, 0])   # True
    """
    if task not in TASKS:
        raise ValueError(f"task: expected one of {list(TASKS)}, got {task!r}")
    check_positive_int("delay", delay)
    check_positive_int("n_sequences", n_sequences)
    check_positive_int("length", length)
    if task == "xor" and delay % 2:
        raise ValueError(f"delay: the XOR task reads x at t−d/2 and t−d; expected an even delay, got {delay}")
    if delay >= length:
        raise ValueError(f"delay: expected fewer than length={length} steps, got {delay}")
    bits = torch.randint(0, 2, (n_sequences, length), generator=generator)  # (N, T)
    targets = torch.zeros_like(bits)
    targets[:, delay:] = bits[:, :-delay]
    if task == "xor":
        targets[:, delay:] ^= bits[:, delay // 2 : length - delay // 2]
    return bits.unsqueeze(-1).float(), targets.float()


def task_loss(model: TanhRNN, x: torch.Tensor, y: torch.Tensor, delay: int) -> torch.Tensor:
    """Binary cross-entropy of the readout's logits on the scored steps t ≥ d, from a zero state."""
    logits = model(x)[0][:, delay:, 0]  # (B, T − d)
    return F.binary_cross_entropy_with_logits(logits, y[:, delay:])


def task_metrics(model: TanhRNN, x: torch.Tensor, y: torch.Tensor, delay: int) -> dict[str, float]:
    """``{"val_loss", "val_accuracy"}``: the loss and the fraction of scored bits whose logit has the
    target's sign (in eval mode, no grad)."""
    was_training = model.training
    model.eval()
    with torch.no_grad():
        logits = model(x)[0][:, delay:, 0]
    model.train(was_training)
    return {"val_loss": float(F.binary_cross_entropy_with_logits(logits, y[:, delay:])),
            "val_accuracy": float(((logits > 0).float() == y[:, delay:]).float().mean())}


@dataclass(frozen=True)
class DelayedTaskConfig:
    """Sizes of a delayed-task run; the defaults are the full preset (where each comes from:
    :data:`rnnattr.papers.FLOSSING_SETTINGS`)."""

    task: str = "copy"  # "copy" or "xor"
    delay: int = 40  # d, the span the error travels (the README's XOR call, delay=10, is d = 20 here)
    hidden_size: int = 80  # N
    gain: float = 1.0  # recurrent weights N(0, g²/N): at the edge of chaos
    length: int = 300  # steps per sequence
    n_sequences: int = 320  # training sequences: 20 batches per epoch
    n_validation: int = 512  # fresh sequences for the accuracy
    batch_size: int = 16
    learning_rate: float = 1e-3
    clip_norm: float = 0.03  # the reference code's threshold (it clips per parameter array; here the total norm)
    n_epochs: int = 150  # 3000 updates (the reference code: 3001 epochs of one update)
    target_accuracy: float = 0.95  # ours: solved (the run stops) at this validation accuracy; chance is 0.5
    floss_before: int = 0  # updates of the flossing phase before training (0: none; the reference: 500)
    floss_during: int = 0  # updates of each phase at floss_epochs (0: none; the reference: 500)
    floss_epochs: tuple[int, ...] = (5, 10)  # after 100 and 200 updates (the reference: after 99 and 199)
    floss_k: int = 75  # exponents flossed
    floss_steps: int = 55  # trajectory length of a flossing update (the reference code's Tp)
    floss_transient: int = 16  # its steps that only align the tangent vectors
    floss_batch: int = 1  # trajectories per flossing update (the reference: 1)
    floss_learning_rate: float = 1e-3
    seed: int = 0

    def __post_init__(self):
        if self.task not in TASKS:
            raise ValueError(f"task: expected one of {list(TASKS)}, got {self.task!r}")
        for name in ("delay", "hidden_size", "length", "n_sequences", "n_validation", "batch_size", "n_epochs",
                     "floss_k", "floss_steps", "floss_batch"):
            check_positive_int(name, getattr(self, name))
        for name in ("floss_before", "floss_during", "floss_transient", "seed"):
            check_non_negative_int(name, getattr(self, name))
        for epoch in self.floss_epochs:
            check_positive_int("floss_epochs", epoch)
        for name in ("gain", "learning_rate", "clip_norm", "floss_learning_rate"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name}: expected a positive number, got {getattr(self, name)}")
        if not 0 < self.target_accuracy <= 1:
            raise ValueError(f"target_accuracy: expected a number in (0, 1], got {self.target_accuracy}")
        if self.task == "xor" and self.delay % 2:
            raise ValueError(f"delay: the XOR task needs an even delay, got {self.delay}")
        if self.delay >= self.length:
            raise ValueError(f"delay: expected fewer than length={self.length} steps, got {self.delay}")
        if (self.floss_before or self.floss_during) and self.floss_k > self.hidden_size:
            raise ValueError(f"floss_k: expected at most hidden_size={self.hidden_size}, got {self.floss_k}")
        if self.floss_transient >= self.floss_steps:
            raise ValueError(f"floss_transient: expected fewer than floss_steps={self.floss_steps}, "
                             f"got {self.floss_transient}")

    @classmethod
    def preset(cls, size: str) -> DelayedTaskConfig:
        """``"full"``: the reference code's settings but for the departures in
        :data:`rnnattr.papers.FLOSSING_SETTINGS`; ``"reduced"``: seconds per run on 2 CPU cores.
        The task is the class's default (``DelayedXorConfig`` for XOR)."""
        return dataclasses.replace(cls(), **select_preset(PRESETS, size))

    def flossing(self, n_updates: int) -> FlossingConfig:
        """The flossing phase of this run, ``n_updates`` long."""
        return FlossingConfig(k=self.floss_k, n_updates=n_updates, learning_rate=self.floss_learning_rate,
                              n_steps=self.floss_steps, transient=self.floss_transient, batch_size=self.floss_batch)


@dataclass(frozen=True)
class DelayedXorConfig(DelayedTaskConfig):
    """:class:`DelayedTaskConfig` for the delayed XOR task."""

    task: str = "xor"


PRESETS = {
    "full": {},
    # 32 units, 100-step sequences, 10 batches of 16 per epoch, at most 50 epochs; phases flossing
    # 28 of the 32 exponents at a 10× larger rate (60 updates there move the exponents about as
    # far as the reference code's 500 at 1e-3). A run takes 3–15 s on one core.
    "reduced": {"hidden_size": 32, "length": 100, "n_sequences": 160, "n_validation": 256, "n_epochs": 50,
                "floss_k": 28, "floss_epochs": (3, 6), "floss_learning_rate": 1e-2},
}


def make_model(config: DelayedTaskConfig) -> TanhRNN:
    """The tanh RNN with the reference code's recurrent weights N(0, g²/N) and input weights N(0, 1)
    (its biases and readout keep PyTorch's initialisation), from ``config.seed`` (the global random
    state is left untouched)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        model = TanhRNN(1, config.hidden_size, 1, gain=config.gain)
        with torch.no_grad():
            model.cell.weight_ih_l0.normal_(0.0, 1.0)
    return model


def make_trainer(config: DelayedTaskConfig, model_name: str = "rnn", device: torch.device | str = "cpu",
                 progress: bool = True) -> Trainer:
    """A delayed-task run, ready to ``fit(config.n_epochs)``: flossing before training
    (``floss_before`` updates) and after each epoch of ``floss_epochs`` (``floss_during``
    updates) on task-like bit streams, training by Adam on the fixed training set, and after
    every epoch the validation loss and accuracy; it stops once the accuracy reaches
    ``target_accuracy``.

    Training, validation and flossing draws all come from ``config.seed`` (separate streams).

    Example:
        >>> config = DelayedXorConfig.preset("reduced")
        >>> trainer = make_trainer(config)
        >>> trainer.fit(config.n_epochs); trainer.history[-1]["val_accuracy"]
    """
    if model_name != "rnn":
        raise ValueError(f"model_name: expected 'rnn' (the reference code's tanh RNN), got {model_name!r}")
    device = torch.device(device)
    x, y = delayed_task_batch(config.task, config.delay, config.n_sequences, config.length,
                              torch.Generator().manual_seed(3 * config.seed))
    x_val, y_val = delayed_task_batch(config.task, config.delay, config.n_validation, config.length,
                                      torch.Generator().manual_seed(3 * config.seed + 1))
    x_val, y_val = x_val.to(device), y_val.to(device)
    model = make_model(config).to(device)

    def bit_streams(generator: torch.Generator) -> torch.Tensor:  # (floss_batch, floss_steps, 1)
        return torch.randint(0, 2, (config.floss_batch, config.floss_steps, 1), generator=generator).float()

    callbacks = []
    if config.floss_before:
        callbacks.append(flossing_callback(config.flossing(config.floss_before), bit_streams, {0},
                                           seed=3 * config.seed + 2))
    if config.floss_during and config.floss_epochs:
        callbacks.append(flossing_callback(config.flossing(config.floss_during), bit_streams,
                                           config.floss_epochs, seed=3 * config.seed + 2))
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    return Trainer(model, (x.to(device), y.to(device)),
                   lambda model, x, y: task_loss(model, x, y, config.delay), optimizer,
                   batch_size=config.batch_size, clip_norm=config.clip_norm, seed=config.seed,
                   evaluate=lambda model: task_metrics(model, x_val, y_val, config.delay),
                   early_stopping=EarlyStopping("val_accuracy", config.target_accuracy, "max"),
                   callbacks=callbacks, progress=progress)


def largest_exponent(model: TanhRNN, n_trajectories: int = 16, n_steps: int = 600, transient: int = 100,
                     seed: int = 0) -> float:
    """λ_1 of the network driven by random bits: the mean over ``n_trajectories`` from random states."""
    generator = torch.Generator().manual_seed(seed)
    parameter = next(model.parameters())
    x0 = (torch.randn(n_trajectories, model.state_dim, generator=generator) * 0.5).to(parameter)
    bits = torch.randint(0, 2, (n_trajectories, n_steps, 1), generator=generator).to(parameter)
    with torch.no_grad():
        return float(lyapunov_spectrum(model.step, x0, bits, k=1, transient=transient).mean())


def summarize(trainer: Trainer, config: DelayedTaskConfig) -> dict[str, float]:
    """Final metrics: validation accuracy and loss, the best accuracy, the epoch at which
    ``target_accuracy`` was first reached (NaN if never), and the final λ_1 under random bits."""
    accuracies = [row["val_accuracy"] for row in trainer.history]
    reached = [row["epoch"] for row in trainer.history if row["val_accuracy"] >= config.target_accuracy]
    return {"val_accuracy": accuracies[-1], "val_loss": trainer.history[-1]["val_loss"],
            "best_val_accuracy": max(accuracies), "epoch_solved": float(reached[0]) if reached else float("nan"),
            "lambda_max": largest_exponent(trainer.model)}


def load_trained_model(directory: str | os.PathLike, task: str = "copy") -> tuple[TanhRNN, DelayedTaskConfig]:
    """The network of a run directory of ``python -m rnnattr train TASK`` (or of a sweep) at its
    last checkpoint, on the CPU in eval mode, and the run's config."""
    if task not in CONFIGS:
        raise ValueError(f"task: expected one of {list(CONFIGS)}, got {task!r}")
    directory, _, config = read_run(directory, task, CONFIGS[task])
    model = make_model(config)
    model.load_state_dict(load_checkpoint(directory / CHECKPOINT_FILE, map_location="cpu")["model"])
    return model.eval(), config


#: The three training conditions the chapter and the stored sweeps compare, by their flossing phases.
CONDITIONS = ("no flossing", "flossing before training", "before and during training")


def flossing_condition(floss_before: int, floss_during: int) -> str:
    """The condition of a run with these phase lengths (0: no phase), one of :data:`CONDITIONS`."""
    check_non_negative_int("floss_before", floss_before)
    check_non_negative_int("floss_during", floss_during)
    if floss_during and not floss_before:
        raise ValueError("floss_during: phases during training without one before are not one of the compared "
                         f"conditions {CONDITIONS} (got floss_before=0, floss_during={floss_during})")
    return CONDITIONS[0 if not floss_before else 1 if not floss_during else 2]


def load_stored_runs(directory: str | os.PathLike) -> dict[tuple[str, str, int, int], dict]:
    """Every finished run stored under ``directory`` (its ``result.json``, at any depth), by
    ``(task, condition, delay, seed)``: the run's metadata (``config``, ``final_metrics``,
    ``wall_time_s``, ``device``); empty when there is none.

    Raises:
        ValueError: two stored runs have the same key (a sweep copied twice), naming both files.
    """
    runs, where = {}, {}
    for path in sorted(Path(directory).rglob("result.json")):
        metadata = json.loads(path.read_text())
        config = metadata["config"]
        key = (config["task"], flossing_condition(config["floss_before"], config["floss_during"]), config["delay"],
               config["seed"])
        if key in runs:
            raise ValueError(f"directory: {where[key]} and {path} are the same run {key}")
        runs[key], where[key] = metadata, path
    return runs


def success_summary(runs: Mapping[tuple[str, str, int, int], Mapping]) -> dict[tuple[str, str, int], dict]:
    """Success rate and updates to success per ``(task, condition, delay)`` of ``runs`` (as
    :func:`load_stored_runs` returns, or live results' metadata under the same keys).

    Returns, per key: ``seeds`` (sorted), ``n_solved``, ``success_rate`` (n_solved / seeds),
    ``updates_to_solve`` (optimiser updates until the validation accuracy first reached the
    target, solved runs only: the epoch × updates per epoch, ⌈n_sequences / batch_size⌉; flossing
    updates not counted), ``accuracy`` and ``lambda_max`` (final, per seed, in seed order) and
    ``wall_time_s`` (per seed).
    """
    grouped: dict[tuple[str, str, int], list] = {}
    for (task, condition, delay, seed), metadata in sorted(runs.items()):
        grouped.setdefault((task, condition, delay), []).append((seed, metadata))
    summary = {}
    for key, members in grouped.items():
        solved = [metadata for _, metadata in members if math.isfinite(metadata["final_metrics"]["epoch_solved"])]
        summary[key] = {
            "seeds": [seed for seed, _ in members],
            "n_solved": len(solved),
            "success_rate": len(solved) / len(members),
            "updates_to_solve": [int(m["final_metrics"]["epoch_solved"]) * math.ceil(
                m["config"]["n_sequences"] / m["config"]["batch_size"]) for m in solved],
            "accuracy": [metadata["final_metrics"]["val_accuracy"] for _, metadata in members],
            "lambda_max": [metadata["final_metrics"]["lambda_max"] for _, metadata in members],
            "wall_time_s": [metadata.get("wall_time_s", math.nan) for _, metadata in members],
            "devices": sorted({metadata["device"] for _, metadata in members}),
        }
    return summary


def success_table(summary: Mapping[tuple[str, str, int], Mapping]) -> str:
    """The markdown table of ``summary`` (from :func:`success_summary`): one row per task, delay
    and condition, in that order, with the seeds solved, the updates to success (median [range]
    over the solved seeds), the final accuracy (median [min, max]) and the machine and mean wall
    time per run."""
    lines = ["| task, delay d | condition | solved (seeds) | updates to success: median [range] | "
             "final accuracy: median [min, max] | machine, wall time per run |",
             "|---|---|---|---|---|---|"]
    for (task, condition, delay), row in sorted(summary.items(),
                                                key=lambda item: (item[0][0], item[0][2],
                                                                  CONDITIONS.index(item[0][1]))):
        updates, accuracy = row["updates_to_solve"], row["accuracy"]
        lines.append(f"| {task}, {delay} | {condition} | {row['n_solved']}/{len(row['seeds'])} "
                     f"({', '.join(map(str, row['seeds']))}) | "
                     + (f"{np.median(updates):.0f} [{min(updates)}, {max(updates)}]" if updates else "—")
                     + f" | {np.median(accuracy):.3f} [{min(accuracy):.3f}, {max(accuracy):.3f}] | "
                     f"{', '.join(row['devices'])}, {np.mean(row['wall_time_s']) / 60:.1f} min |")
    return "\n".join(lines)


def plot_success(axes, summary: Mapping[tuple[str, str, int], Mapping], task: str, label: str = "",
                 linestyle: str = "-") -> None:
    """Success rate (``axes[0]``) and updates to success (``axes[1]``: median, with the range over
    solved seeds as a bar) against the delay, one colour per condition of ``task``; ``label``
    tags the legend entries (e.g. "full, stored") and ``linestyle`` tells sizes apart."""
    for colour, condition in enumerate(CONDITIONS):
        delays = sorted(delay for (t, c, delay) in summary if t == task and c == condition)
        if not delays:
            continue
        rows = [summary[task, condition, delay] for delay in delays]
        name = f"{condition}{f' ({label})' if label else ''}"
        axes[0].plot(delays, [row["success_rate"] for row in rows], "o", linestyle=linestyle, color=f"C{colour}",
                     label=name)
        solved = [(delay, row["updates_to_solve"]) for delay, row in zip(delays, rows) if row["updates_to_solve"]]
        if solved:
            median = np.array([np.median(values) for _, values in solved])
            low = median - np.array([min(values) for _, values in solved])
            high = np.array([max(values) for _, values in solved]) - median
            axes[1].errorbar([delay for delay, _ in solved], median, yerr=[low, high], marker="o", capsize=3,
                             linestyle=linestyle, color=f"C{colour}", label=name)
    axes[0].set(xlabel="delay d", ylabel="success rate (target accuracy reached)", ylim=(-0.05, 1.05),
                title=f"delayed {task}")
    axes[1].set(xlabel="delay d", ylabel="updates to success (solved runs)", title=f"delayed {task}")


CONFIGS = {"copy": DelayedTaskConfig, "xor": DelayedXorConfig}
OPTIONS = ("delay", "hidden_size", "length", "floss_before", "floss_during", "floss_k", "gain")
EXPERIMENTS = tuple(
    Experiment(name=task, description=f"delayed {task} of random bits by a tanh RNN (Engelken 2023), "
                                      "with or without gradient flossing",
               config_class=config_class, build=make_trainer, summarize=summarize, models=("rnn",),
               options=OPTIONS, table_metric="val_accuracy",
               solved=EarlyStopping("val_accuracy", DelayedTaskConfig.target_accuracy, "max"))
    for task, config_class in CONFIGS.items())
