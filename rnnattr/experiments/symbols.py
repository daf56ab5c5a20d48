"""Experiment 2 of the paper: classifying a sequence by a few relevant, widely separated symbols.

The task is Hochreiter & Schmidhuber's (1997, Experiment 6a, "temporal order"): every step
carries one of six one-hot symbols {p, q, a, b, c, d}. The distractors a–d fill the sequence;
p or q sits at one step t1 ∈ [10, 18] and at one step t2 ∈ [40, 49] (both ends included), and
the class is the ordered pair — (p,p), (p,q), (q,p) or (q,q). The network reads the whole
sequence, all of length l, and a linear layer on its last hidden state gives 4 logits. To
answer it must carry two bits across the l − 49 distractors after t2: the longer the
sequence, the longer the memory. The stable LSTM is a contraction, which forgets
exponentially fast. In the paper's Table 1 it solves l = 100 but stays near chance (0.25) from
l = 200 on, while the LSTM succeeds up to l = 200 and the orthogonal RNN reaches 0.970 at l = 500
(Ribeiro, Tiels, Aguirre & Schön, AISTATS 2020, Section 5.2, Table 1 — :func:`rnnattr.papers.table_1`).

Gradient flossing (Engelken, NeurIPS 2023; :mod:`rnnattr.flossing`) is an option of every run
(``floss_updates > 0``): before training, and optionally every ``floss_every`` epochs during it,
a separate Adam phase pushes the model's ``floss_k`` largest Lyapunov exponents towards 0 along
trajectories driven by fresh symbol sequences of the run's length. An untrained LSTM is a
contraction on this task (λ_1 < 0: it forgets at the rate λ_1 per step); exponents near 0 keep
the gradient across the l − 49 distractor steps from vanishing.

The orbit diagrams during training (their Figure 7) hold one symbol at the input for ever and
follow the 4 output logits after a burn-in of 400 steps, from several initial states. In the
paper (l = 100), the LSTM goes through bifurcations (the number of fixed points under p grows; under
the distractor b they turn periodic), and the orthogonal RNN creates "a cloud of fixed points"
that change position "without suffering any bifurcation".

In a notebook::

    config = SymbolsConfig.preset("reduced")            # full: rnnattr.papers.SYMBOLS_SETTINGS
    trainer = make_trainer(config, "lstm")              # "lstm", "slstm" or "ornn"
    trainer.fit(config.n_epochs)                        # stops early at validation accuracy 1
    trainer.history[-1]["val_accuracy"]
    trainer.recorder.outputs[-1].shape                  # (6 inputs, S initial states, n_kept, 4 logits)
    summarize(trainer, config)

From the command line, one run or a sweep over lengths, models and seeds (resumable)::

    python -m rnnattr train symbols --model lstm --size full --length 200 --out runs/symbols-lstm-200
    python -m rnnattr sweep symbols --size full --lengths 50 100 200 300 500 --models lstm slstm ornn \\
        --seeds 0 1 2 3 4 --out runs/table1
    python -m rnnattr sweep symbols --size full --lengths 300 500 --models lstm --floss-updates 500 \\
        --seeds 0 1 2 3 4 --out runs/table1-floss                   # a flossed LSTM (sweep list flags: option + s)
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from functools import partial

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F

from rnnattr.experiments.presets import select_preset
from rnnattr.flossing import FlossingConfig, flossing_callback
from rnnattr.models import RecurrentModel, StableLSTM
from rnnattr.models.factory import MODEL_LABELS, make_model
from rnnattr.training.checkpoint import load_checkpoint
from rnnattr.training.engine import EarlyStopping, Trainer
from rnnattr.training.experiment import Experiment
from rnnattr.training.recorder import OrbitRecorder, recording_initial_states
from rnnattr.training.runner import CHECKPOINT_FILE, read_run
from rnnattr.validation import check_choice, check_non_negative_int, check_positive_int

#: The six input symbols, in the order of the one-hot channels: two relevant, four distractors.
SYMBOLS = ("p", "q", "a", "b", "c", "d")
#: The four classes, by the order in which the two relevant symbols appear: class 2·i + j for (i, j).
CLASSES = ("(p,p)", "(p,q)", "(q,p)", "(q,q)")
#: Where the two relevant symbols may sit: inclusive ranges of 0-based time steps.
FIRST_POSITIONS, SECOND_POSITIONS = (10, 18), (40, 49)

@dataclass(frozen=True)
class SymbolsConfig:
    """Settings of the symbols experiment; the defaults are the full preset: the paper's text (Section 5.2)
    where it is explicit, the reference code where it is silent (:data:`rnnattr.papers.SYMBOLS_SETTINGS`)."""

    length: int = 200  # l, every sequence's length; the paper's Table 1: 50, 100, 200, 300, 500
    hidden_size: int = 200  # the paper's (its public code used 50)
    n_sequences: int = 1000  # training sequences
    n_validation: int = 1000  # validation sequences, drawn with another seed
    n_epochs: int = 15000  # at most: training stops once validation accuracy reaches target_accuracy
    target_accuracy: float = 1.0
    batch_size: int = 100
    learning_rate: float = 1e-2
    milestones: tuple[int, ...] = (500, 1000, 2000)  # lr ÷ 10 at these epochs, every model
    clip_norm: float = 0.25
    loss_reduction: str = "sum"  # reference code: cross-entropy summed over the batch, so clipping acts on most steps
    record_every: int = 25  # epochs between orbit records (6 inputs × 10 states × 450 steps: cheap)
    n_initial_states: int = 10
    initial_state_scale: float = 100.0  # recording initial states ~ N(0, scale²) (reference code); 0: zero and U[-1, 1]
    burn_in: int = 400  # the paper's
    n_kept: int = 50  # steps kept per orbit: enough to tell a fixed point from a short cycle
    seed: int = 0
    # gradient flossing (Engelken, 2023), not in the paper: off by default
    floss_updates: int = 0  # Adam updates per flossing phase (the reference: 500); 0: no flossing, the paper's models
    floss_k: int = 200  # exponents flossed, at most hidden_size: every model's state has that many
    floss_learning_rate: float = 1e-3  # the phase's own Adam (the reference's)
    floss_during: int = 0  # phases during training, after epochs floss_every, 2·floss_every, …; 0: only before
    floss_every: int = 100  # epochs between phases during training

    def __post_init__(self):
        for name in ("length", "hidden_size", "n_sequences", "n_validation", "n_epochs", "batch_size",
                     "record_every", "n_initial_states", "burn_in", "n_kept", "floss_k", "floss_every"):
            check_positive_int(name, getattr(self, name))
        for name in ("floss_updates", "floss_during"):
            check_non_negative_int(name, getattr(self, name))
        check_choice("loss_reduction", self.loss_reduction, ("mean", "sum"))
        if not (math.isfinite(self.initial_state_scale) and self.initial_state_scale >= 0):
            raise ValueError(f"initial_state_scale: expected a finite number >= 0, got {self.initial_state_scale!r}")
        if self.floss_updates and self.floss_k > self.hidden_size:  # unused without flossing
            raise ValueError(f"floss_k: expected at most hidden_size = {self.hidden_size} (the orthogonal RNN's "
                             f"state size), got {self.floss_k}")
        if not self.floss_learning_rate > 0:
            raise ValueError(f"floss_learning_rate: expected a positive number, got {self.floss_learning_rate}")
        if self.length <= SECOND_POSITIONS[1]:
            raise ValueError(f"length: expected more than {SECOND_POSITIONS[1]} steps (the second relevant "
                             f"symbol may sit at step {SECOND_POSITIONS[1]}), got {self.length}")
        if not 0 < self.target_accuracy <= 1:
            raise ValueError(f"target_accuracy: expected a number in (0, 1], got {self.target_accuracy}")
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate: expected a positive number, got {self.learning_rate}")

    @classmethod
    def preset(cls, size: str) -> SymbolsConfig:
        """``"full"``: the paper's text, else the reference code (a GPU); ``"reduced"``: seconds per run on 2 CPU cores."""
        return select_preset(PRESETS, size)


PRESETS = {
    "full": SymbolsConfig(),
    # 32 units, 300 + 300 sequences in batches of 20, at most 80 epochs (÷10 at 60): a run takes
    # 2–20 s on one CPU core. In that budget the LSTM and stable LSTM solve l = 50 in ~20 epochs,
    # the stable LSTM also l = 100; the LSTM's and the orthogonal RNN's longer plateaus need the
    # full preset (see the chapter)
    "reduced": SymbolsConfig(length=100, hidden_size=32, n_sequences=300, n_validation=300, n_epochs=80,
                             batch_size=20, milestones=(60,), loss_reduction="mean", record_every=2,
                             n_initial_states=6, initial_state_scale=0.0, burn_in=400, n_kept=30, floss_k=32,
                             floss_every=10),
}

#: Leading steps of a flossing trajectory that only align the tangent vectors (the reference's).
FLOSS_TRANSIENT = 16


def symbol_sequences(n_sequences: int, length: int, generator: torch.Generator | None = None
                     ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Random sequences of the symbols task: ``(u (N, T, 6), labels (N,), positions (N, 2))``.

    Every step holds one of the distractors a–d, uniformly at random, except the steps
    ``positions[n] = (t1, t2)``, uniform on :data:`FIRST_POSITIONS` and :data:`SECOND_POSITIONS`
    (inclusive), which hold p or q with equal probability. ``labels[n] = 2·i + j`` where i, j
    are 0 for p and 1 for q at t1 and t2 (:data:`CLASSES`). ``u`` is one-hot float32 in the
    channel order of :data:`SYMBOLS`; labels and positions are int64.

    Example:
        >>> u, labels, positions = symbol_sequences(1000, 200, torch.Generator().manual_seed(0))
        >>> u[0, positions[0, 0], :2].sum()   # tensor(1.): p or q at t1
    """
    check_positive_int("n_sequences", n_sequences)
    check_positive_int("length", length)
    if length <= SECOND_POSITIONS[1]:
        raise ValueError(f"length: expected more than {SECOND_POSITIONS[1]} steps, got {length}")
    rows = torch.arange(n_sequences)
    symbols = torch.randint(2, len(SYMBOLS), (n_sequences, length), generator=generator)  # distractors
    positions = torch.stack([torch.randint(low, high + 1, (n_sequences,), generator=generator)
                             for low, high in (FIRST_POSITIONS, SECOND_POSITIONS)], dim=1)  # (N, 2)
    relevant = torch.randint(0, 2, (n_sequences, 2), generator=generator)  # (N, 2): 0 = p, 1 = q
    symbols[rows, positions[:, 0]] = relevant[:, 0]
    symbols[rows, positions[:, 1]] = relevant[:, 1]
    u = F.one_hot(symbols, len(SYMBOLS)).float()  # (N, T, 6)
    return u, 2 * relevant[:, 0] + relevant[:, 1], positions


def data_seeds(seed: int) -> tuple[int, int]:
    """The generator seeds of the training and the validation sequences of run ``seed``: distinct
    from each other and from those of every other run."""
    return 2 * seed, 2 * seed + 1


def classification_loss(model: RecurrentModel, u: torch.Tensor, labels: torch.Tensor,
                        reduction: str = "mean") -> torch.Tensor:
    """Cross-entropy of the logits at the last step, from a zero initial state: its mean over the
    batch, or (``"sum"``, the reference code's) its sum."""
    return F.cross_entropy(model(u)[0][:, -1], labels, reduction=reduction)


def validation_metrics(model: RecurrentModel, u: torch.Tensor, labels: torch.Tensor,
                       batch_size: int = 1000) -> dict[str, float]:
    """``{"val_loss", "val_accuracy"}`` from one forward pass (in eval mode, no grad, ``batch_size``
    sequences at a time): the cross-entropy of the last-step logits and the fraction of sequences
    whose largest last-step logit is the label."""
    was_training = model.training
    model.eval()
    with torch.no_grad():
        logits = torch.cat([model(u[i : i + batch_size])[0][:, -1] for i in range(0, len(u), batch_size)])  # (N, 4)
    model.train(was_training)
    return {"val_loss": float(F.cross_entropy(logits, labels)),
            "val_accuracy": int((logits.argmax(-1) == labels).sum()) / len(u)}


def accuracy(model: RecurrentModel, u: torch.Tensor, labels: torch.Tensor, batch_size: int = 1000) -> float:
    """Fraction of sequences whose largest last-step logit is the label (in eval mode, no grad)."""
    return validation_metrics(model, u, labels, batch_size)["val_accuracy"]


def flossing_epochs(config: SymbolsConfig) -> list[int]:
    """The epochs after which a run flosses: 0 (before training), then ``floss_every``, 2·``floss_every``,
    … (``floss_during`` of them, those before ``n_epochs``); none when ``floss_updates`` is 0.

    Example:
        >>> flossing_epochs(SymbolsConfig(floss_updates=500, floss_during=2, floss_every=100))   # [0, 100, 200]
    """
    if not config.floss_updates:
        return []
    return [epoch for epoch in range(0, config.floss_every * config.floss_during + 1, config.floss_every)
            if epoch < config.n_epochs]


def flossing_phase(config: SymbolsConfig) -> FlossingConfig:
    """One flossing phase of a run: ``floss_k`` exponents, ``floss_updates`` Adam updates at
    ``floss_learning_rate``, each on one trajectory of the run's ``length`` steps (the first
    :data:`FLOSS_TRANSIENT` align the tangent vectors), exact gradient (the reference's)."""
    if not config.floss_updates:
        raise ValueError("config: expected a flossed run (floss_updates > 0), got floss_updates=0")
    return FlossingConfig(k=config.floss_k, n_updates=config.floss_updates,
                          learning_rate=config.floss_learning_rate, n_steps=config.length, transient=FLOSS_TRANSIENT)


def flossing(config: SymbolsConfig, model_name: str):
    """The Trainer callback of a flossed run: phases at :func:`flossing_epochs`, driven by fresh symbol
    sequences of the run's length from the phase's generator."""
    phase = flossing_phase(config)
    return flossing_callback(phase, lambda generator: symbol_sequences(phase.batch_size, config.length,
                                                                       generator)[0],  # (batch, l, 6)
                             flossing_epochs(config), seed=config.seed,
                             after_step=StableLSTM.project_ if model_name == "slstm" else None)


def make_trainer(config: SymbolsConfig, model_name: str, device: torch.device | str = "cpu",
                 progress: bool = True) -> Trainer:
    """The symbols experiment for one model, ready to ``fit(config.n_epochs)``.

    Training and validation sequences come from :func:`data_seeds` ``(config.seed)``; the model
    initialisation, the recording initial states and the batch shuffling from ``config.seed``.
    Adam with ``learning_rate`` ÷ 10 at ``milestones``, clipping at ``clip_norm``, the stable
    LSTM projected after every step; after every epoch the validation loss and accuracy join
    the history (``val_loss``, ``val_accuracy``) and training stops once ``val_accuracy``
    reaches ``target_accuracy``. The recorder keeps the 4 logits of orbits under each of the 6
    constant one-hot inputs every ``record_every`` epochs. With ``floss_updates > 0`` the
    trainer's one callback flosses the model before training and at :func:`flossing_epochs`
    (see :func:`flossing_phase`; its ``phases`` keep each phase's history), projecting the
    stable LSTM after every flossing update too.

    Example:
        >>> trainer = make_trainer(SymbolsConfig.preset("reduced"), "lstm")
        >>> trainer.fit(30); trainer.history[-1]["val_accuracy"]
        >>> flossed = make_trainer(dataclasses.replace(SymbolsConfig.preset("reduced"), floss_updates=100), "lstm")
        >>> flossed.callbacks[0].phases[0][-1]["lambda_max"]   # after fit: λ_1 at the last update before training
    """
    device = torch.device(device)
    train_seed, validation_seed = data_seeds(config.seed)
    u, labels, _ = symbol_sequences(config.n_sequences, config.length, torch.Generator().manual_seed(train_seed))
    u_val, labels_val, _ = symbol_sequences(config.n_validation, config.length,
                                            torch.Generator().manual_seed(validation_seed))
    u_val, labels_val = u_val.to(device), labels_val.to(device)
    model = make_model(model_name, len(SYMBOLS), config.hidden_size, len(CLASSES), config.seed).to(device)
    initial_states = recording_initial_states(config.n_initial_states, model.state_dim, config.initial_state_scale,
                                              torch.Generator().manual_seed(config.seed))
    recorder = OrbitRecorder(torch.eye(len(SYMBOLS)), initial_states, burn_in=config.burn_in, n_kept=config.n_kept,
                             every=config.record_every)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    scheduler = (torch.optim.lr_scheduler.MultiStepLR(optimizer, list(config.milestones), gamma=0.1)
                 if config.milestones else None)

    summed = config.loss_reduction == "sum"
    return Trainer(model, (u.to(device), labels.to(device)), partial(classification_loss, reduction=config.loss_reduction),
                   optimizer, scheduler=scheduler, batch_size=config.batch_size,
                   summed_loss_terms=1 if summed else None, clip_norm=config.clip_norm, seed=config.seed,
                   after_step=StableLSTM.project_ if model_name == "slstm" else None,
                   evaluate=lambda model: validation_metrics(model, u_val, labels_val),
                   early_stopping=EarlyStopping("val_accuracy", config.target_accuracy, "max"),
                   recorder=recorder, callbacks=[flossing(config, model_name)] if config.floss_updates else (),
                   progress=progress)


def load_trained_model(directory: str | os.PathLike) -> tuple[RecurrentModel, SymbolsConfig]:
    """The model of a run directory of ``python -m rnnattr train symbols`` (or of a sweep) at its last
    checkpoint, on the CPU in eval mode, and the run's config.

    Example:
        >>> model, config = load_trained_model("runs/table1/length=200/lstm/seed=0")
        >>> box = torch.ones(model.state_dim)
        >>> fixed_points(model.step, torch.eye(6)[SYMBOLS.index("p")], low=-box, high=box)
    """
    directory, model_name, config = read_run(directory, "symbols", SymbolsConfig)
    model = make_model(model_name, len(SYMBOLS), config.hidden_size, len(CLASSES), config.seed)
    model.load_state_dict(load_checkpoint(directory / CHECKPOINT_FILE, map_location="cpu")["model"])
    return model.eval(), config


def orbit_kinds(outputs: np.ndarray | torch.Tensor, tolerance: float = 1e-2) -> tuple[np.ndarray, np.ndarray]:
    """How many distinct fixed points, and how many orbits that are not fixed points, a record shows.

    Args:
        outputs: recorded output orbits, (..., S, n_kept, o): S initial states under one input.
        tolerance: an orbit whose outputs move less than this (max − min over its kept steps,
            largest over the o outputs) is a fixed point; two fixed points closer than this
            (largest output difference) are the same one.

    Returns:
        ``(n_fixed_points (...), n_moving (...))``: the number of distinct fixed points the S
        orbits settle on, and the number of the S orbits still moving after the burn-in
        (periodic, quasi-periodic or chaotic — or still converging slowly).

    The count is a lower bound: the initial states find only the attractors whose basins they
    fall in, and the float16 records blur points closer than ~1e-3.

    Example:
        >>> n_fixed, n_moving = orbit_kinds(arrays["record_outputs"][:, SYMBOLS.index("p")])   # (R,) each
    """
    outputs = np.asarray(outputs, dtype=np.float32)
    if outputs.ndim < 3:
        raise ValueError(f"outputs: expected an array of shape (..., S, n_kept, o), got shape {outputs.shape}")
    batch_shape = outputs.shape[:-3]
    flat = outputs.reshape(-1, *outputs.shape[-3:])  # (B, S, n, o)
    spread = (flat.max(axis=-2) - flat.min(axis=-2)).max(axis=-1)  # (B, S)
    n_fixed = np.zeros(len(flat), dtype=int)
    for b, (members, moving) in enumerate(zip(flat, spread >= tolerance)):
        found: list[np.ndarray] = []
        for end in members[~moving, -1]:  # (o,) the last output of each settled orbit
            if all(np.abs(end - point).max() >= tolerance for point in found):
                found.append(end)
        n_fixed[b] = len(found)
    return n_fixed.reshape(batch_shape), (spread >= tolerance).sum(axis=-1).reshape(batch_shape)


def summarize(trainer: Trainer, config: SymbolsConfig) -> dict[str, float]:
    """Final metrics: validation accuracy and loss (of the final weights), the best validation
    accuracy, the epoch at which ``target_accuracy`` was first reached (NaN if never), and, at
    the last record, the fixed points and moving orbits under the constant inputs p and b."""
    accuracies = [row["val_accuracy"] for row in trainer.history]
    reached = [row["epoch"] for row in trainer.history if row["val_accuracy"] >= config.target_accuracy]
    n_fixed, n_moving = orbit_kinds(trainer.recorder.outputs[-1].numpy())  # (6,) each
    metrics = {"val_accuracy": accuracies[-1], "val_loss": trainer.history[-1]["val_loss"],
               "best_val_accuracy": max(accuracies), "epoch_solved": float(reached[0]) if reached else float("nan")}
    for symbol in ("p", "b"):
        metrics[f"fixed_points_{symbol}"] = float(n_fixed[SYMBOLS.index(symbol)])
        metrics[f"moving_orbits_{symbol}"] = float(n_moving[SYMBOLS.index(symbol)])
    return metrics


# -- figures ----------------------------------------------------------------------------------
def plot_accuracy_histories(runs: dict[int, dict[str, dict[str, np.ndarray]]], title: str = ""):
    """Figure 6: validation accuracy against the epoch, one panel per length, one line per model.

    Args:
        runs: length -> model name -> result arrays (``history_epoch``, ``history_val_accuracy``),
            e.g. :func:`rnnattr.results.load_result` of a run directory's ``result``.
    """
    fig, axes = plt.subplots(1, len(runs), figsize=(4.6 * len(runs), 3.2), sharey=True, squeeze=False)
    for axis, (length, models) in zip(axes[0], runs.items()):
        for name, arrays in models.items():
            axis.plot(arrays["history_epoch"], arrays["history_val_accuracy"], label=MODEL_LABELS[name])
        axis.axhline(0.25, color="k", linestyle=":", linewidth=1, label="chance (0.25)")
        axis.set(xscale="log", xlabel="epoch", title=f"l = {length}", ylim=(0, 1.03))
    axes[0, 0].set_ylabel("validation accuracy")
    axes[0, -1].legend(fontsize=8, loc="lower right")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def _orbit_diagram(axis, arrays: dict[str, np.ndarray], symbol: str, output: str) -> None:
    """Every recorded logit ``output`` under the constant input ``symbol`` (all initial states) against the epoch."""
    values = arrays["record_outputs"][:, SYMBOLS.index(symbol), :, :, CLASSES.index(output)].astype(np.float32)
    epochs = np.broadcast_to(arrays["record_epochs"][:, None, None], values.shape)  # (R, S, n)
    axis.plot(epochs.ravel(), values.ravel(), ",", color="k", alpha=0.6)


def plot_orbit_diagrams(runs: dict[str, dict[str, np.ndarray]], pairs=(("p", "(p,p)"), ("b", "(p,p)")),
                        title: str = "", labels: dict[str, str] | None = None):
    """Figure 7: orbit diagrams during training, one row per model, one column per (input, output)
    pair: the logit of ``output`` after the burn-in under the constant input ``symbol``, from every
    recorded initial state, against the epoch. One point per epoch: a fixed point; several: several
    fixed points (or a cycle); a vertical smear: an orbit that keeps moving. Rows are labelled by
    ``labels[name]`` (default: the model's name in the paper)."""
    labels = MODEL_LABELS if labels is None else labels
    fig, axes = plt.subplots(len(runs), len(pairs), figsize=(5.2 * len(pairs), 2.3 * len(runs)), sharex=True,
                             squeeze=False)
    for row, (name, arrays) in enumerate(runs.items()):
        for axis, (symbol, output) in zip(axes[row], pairs):
            _orbit_diagram(axis, arrays, symbol, output)
            axis.set_ylabel(f"{labels[name]}\nlogit {output}", fontsize=9)
            if row == 0:
                axis.set_title(f"input {symbol} → output {output}")
    for axis in axes[-1]:
        axis.set_xlabel("epoch")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_orbit_grid(arrays: dict[str, np.ndarray], title: str = ""):
    """All 6 constant inputs (rows) × 4 output logits (columns) of one run's orbit diagram during training."""
    fig, axes = plt.subplots(len(SYMBOLS), len(CLASSES), figsize=(11, 10), sharex=True, squeeze=False)
    for row, symbol in enumerate(SYMBOLS):
        for column, output in enumerate(CLASSES):
            _orbit_diagram(axes[row, column], arrays, symbol, output)
        axes[row, 0].set_ylabel(f"input {symbol}")
    for column, output in enumerate(CLASSES):
        axes[0, column].set_title(f"logit {output}")
        axes[-1, column].set_xlabel("epoch")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


EXPERIMENT = Experiment(
    name="symbols",
    description="sequence classification by two relevant symbols p/q among distractors (Hochreiter & Schmidhuber)",
    config_class=SymbolsConfig,
    build=make_trainer,
    summarize=summarize,
    options=("length", "hidden_size", "learning_rate", "n_sequences", "floss_updates", "floss_k",
             "floss_learning_rate", "floss_during", "floss_every"),
    result_records=100,
    result_steps=20,
    table_metric="val_accuracy",
    solved=EarlyStopping("val_accuracy", 0.99, "max"),
)
