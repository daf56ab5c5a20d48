"""Experiment 1 of the paper: sine-wave generation (Sussillo & Barak, 2013).

Each sequence has a constant input u_t = ω and the target y_t = sin(ω(t + 1)), t = 0, …, T − 1,
with ω on [π/16, π/8]: the network must turn a constant input into an
oscillation of that frequency, which it can only do with a limit cycle. The LSTM and the
orthogonal RNN learn one; the stable LSTM (a contraction) cannot and settles to a fixed
point, its MSE stuck near the baseline (Ribeiro, Tiels, Aguirre & Schön, AISTATS 2020,
Section 5.1: final MSE LSTM 4.8e-3, sLSTM 0.49, oRNN 4.1e-3).

The baseline MSE is that of predicting y = 0 everywhere, i.e. the mean of y² over the
data (≈ 0.5 for sines over many periods): a network that has not learned to oscillate
sits there.

In a notebook::

    config = SineConfig.preset("reduced")
    trainer = make_trainer(config, "lstm")        # "lstm", "slstm" or "ornn"
    trainer.fit(config.n_epochs)
    trainer.history                               # per epoch: epoch, loss (MSE), grad_norm, lr
    trainer.recorder.epochs, trainer.recorder.outputs              # orbit diagram: (I, S, n_kept, 1) per record
    trainer.recorder.eigenvalue_epochs, trainer.recorder.eigenvalues  # (1, n_eigenvalues) at record_input
    summarize(trainer, config)                    # final MSE, baseline, orbit spreads, leading |λ|
    runs = {"lstm": live_result(trainer, config)}  # the arrays a stored result holds: the plots take either
    arrays = runs["lstm"][0]
    crossings = {"lstm": crossing_epoch(arrays["eigenvalue_epochs"], leading_moduli(arrays))}  # |λ| leaves the disc
    plot_orbit_diagrams(runs, config.record_input, crossings)  # also plot_phase_portraits, plot_mse, plot_eigenvalues

At full size, from the command line (checkpoints, resumes; see :mod:`rnnattr.training.runner`)::

    python -m rnnattr train sine --model lstm --size full --out runs/sine-lstm
    arrays, metadata = rnnattr.results.load_result("runs/sine-lstm/result")
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F

from rnnattr.experiments.presets import select_preset
from rnnattr.models import RecurrentModel, StableLSTM
from rnnattr.results import load_result
from rnnattr.models.factory import MODEL_LABELS, make_model, model_label
from rnnattr.training.engine import EarlyStopping, Trainer
from rnnattr.training.experiment import Experiment
from rnnattr.training.recorder import OrbitRecorder, recording_initial_states
from rnnattr.validation import check_choice, check_non_negative_int, check_positive_int


OMEGA_SPACINGS = ("even", "uniform")


@dataclass(frozen=True)
class SineConfig:
    """Settings of the sine-wave experiment; the defaults are the full preset.

    The full preset takes the paper's text (Section 5.1) where it is explicit and the public
    reference code (``sine-generator/train.py``) where the paper is silent; each setting's
    source is in :data:`rnnattr.papers.SINE_SETTINGS`.
    """

    hidden_size: int = 200
    n_sequences: int = 100
    length: int = 400
    omega_min: float = math.pi / 16
    omega_max: float = math.pi / 8
    omega_spacing: str = "even"  # "even": ω = linspace(omega_min, omega_max) (reference code); "uniform": ω ~ U
    n_epochs: int = 4000
    batch_size: int = 10  # reference code: ten optimiser steps per epoch (the paper does not say)
    shuffle: bool = False  # reference code: the same ten batches, in order, every epoch
    loss_reduction: str = "sum"  # reference code: squared errors summed over the batch, so clipping acts on most steps
    learning_rate: float = 1e-3
    clip_norm: float = 0.25
    milestones: tuple[int, ...] = (500, 1000, 2000)  # lr ÷ 10, every model (paper: named for the stable LSTM only;
    # reference code: MultiStepLR at 500, 1000, 2000, 8000, … for every model)
    record_every: int = 20  # epochs between orbit records: one costs ~1 epoch of training at full size, so ≤ 5%
    n_record_inputs: int = 10  # constant inputs on [omega_min, omega_max] ...
    record_input: float = 0.218  # ... one of them exactly this (the paper's); eigenvalues are tracked here
    n_initial_states: int = 4
    initial_state_scale: float = 100.0  # recording initial states ~ N(0, scale²) (reference code); 0: ours, below
    burn_in: int = 1200  # the paper's
    n_kept: int = 400  # reference code: orbits of 1600 steps after the burn-in of 1200
    n_eigenvalues: int = 6  # leading Jacobian eigenvalues stored per record; 0: skip the fixed-point search
    eigenvalue_every: int = 100  # epochs between fixed-point searches (~2 epochs of training each at full size)
    seed: int = 0

    def __post_init__(self):
        for name in ("hidden_size", "n_sequences", "length", "n_epochs", "batch_size", "record_every",
                     "n_record_inputs", "n_initial_states", "burn_in", "n_kept", "eigenvalue_every"):
            check_positive_int(name, getattr(self, name))
        check_non_negative_int("n_eigenvalues", self.n_eigenvalues)
        check_choice("omega_spacing", self.omega_spacing, OMEGA_SPACINGS)
        check_choice("loss_reduction", self.loss_reduction, ("mean", "sum"))
        if not (math.isfinite(self.initial_state_scale) and self.initial_state_scale >= 0):
            raise ValueError(f"initial_state_scale: expected a finite number >= 0, got {self.initial_state_scale!r}")
        if self.eigenvalue_every % self.record_every:
            raise ValueError(f"eigenvalue_every: expected a multiple of record_every={self.record_every}, "
                             f"got {self.eigenvalue_every}")
        if not 0 < self.omega_min < self.omega_max:
            raise ValueError(f"omega_max: expected 0 < omega_min < omega_max, got {self.omega_min}, {self.omega_max}")
        if not self.omega_min <= self.record_input <= self.omega_max:
            raise ValueError(f"record_input: expected a value in [{self.omega_min}, {self.omega_max}], "
                             f"got {self.record_input}")

    @classmethod
    def preset(cls, size: str) -> "SineConfig":
        """``"full"``: the paper's text, else the reference code (1–2 h per model on one CPU core);
        ``"reduced"``: 10–15 s per model on 2 CPU cores."""
        return select_preset(PRESETS, size)


PRESETS = {
    "full": SineConfig(),
    # ours: hidden 32, 50 sequences of 100 steps, one batch of mean squared error per epoch, lr 3e-3
    # ÷ 10 at epochs 350 and 450: the LSTM learns its limit cycle (MSE ≈ 0.01–0.03 against a baseline
    # of 0.5) in 500 epochs, ~6 s on a CPU plus ~3 s of fixed-point searches; a burn-in of 400 steps
    # still removes the transients from recording states near the zero training start
    "reduced": SineConfig(hidden_size=32, n_sequences=50, length=100, omega_spacing="uniform", n_epochs=500,
                          batch_size=50, shuffle=True, loss_reduction="mean", learning_rate=3e-3,
                          milestones=(350, 450), record_every=10, n_initial_states=3, initial_state_scale=0.0,
                          burn_in=400, n_kept=100, eigenvalue_every=20),
}


def sine_data(n_sequences: int, length: int, omega_min: float = math.pi / 16, omega_max: float = math.pi / 8,
              generator: torch.Generator | None = None, spacing: str = "uniform",
              ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Sine-wave sequences: returns ``(u (N, T, 1), y (N, T, 1), ω (N,))``, float32.

    u_t = ω and y_t = sin(ω(t + 1)) for t = 0, …, T − 1 (computed in float64, then rounded).
    ``spacing="uniform"``: ω ~ U[omega_min, omega_max] drawn with ``generator`` (the paper:
    "uniformly picked"); ``"even"``: ω = linspace(omega_min, omega_max, N), as the reference
    code's ``data_generator`` does.

    Example:
        >>> u, y, omega = sine_data(100, 400, generator=torch.Generator().manual_seed(0))
    """
    check_positive_int("n_sequences", n_sequences)
    check_positive_int("length", length)
    check_choice("spacing", spacing, OMEGA_SPACINGS)
    if spacing == "even":
        omega = torch.linspace(omega_min, omega_max, n_sequences, dtype=torch.float64)
    else:
        omega = omega_min + (omega_max - omega_min) * torch.rand(n_sequences, generator=generator, dtype=torch.float64)
    steps = torch.arange(1, length + 1, dtype=torch.float64)
    y = torch.sin(omega[:, None] * steps)  # (N, T)
    u = omega[:, None].expand(-1, length)  # (N, T)
    return u[..., None].float(), y[..., None].float(), omega.float()


def record_inputs(n_inputs: int, low: float, high: float, include: float) -> torch.Tensor:
    """``n_inputs`` evenly spaced constant inputs on [low, high] with the one nearest ``include``
    replaced by ``include`` exactly; shape (n_inputs, 1), ascending."""
    values = torch.linspace(low, high, n_inputs, dtype=torch.float64)
    values[(values - include).abs().argmin()] = include
    return values.sort().values[:, None].float()


def _index_of(inputs: torch.Tensor, value: float) -> int:
    """The row of ``inputs`` (I, 1) that :func:`record_inputs` set to ``value``."""
    return int((inputs[:, 0] - value).abs().argmin())


def sine_loss(model: RecurrentModel, u: torch.Tensor, y: torch.Tensor, reduction: str = "mean") -> torch.Tensor:
    """Squared error of the model's outputs from a zero initial state: their mean, or (``"sum"``,
    the reference code's ``mse_loss(..., reduction="sum")``) their sum over the batch."""
    return F.mse_loss(model(u)[0], y, reduction=reduction)


def make_trainer(config: SineConfig, model_name: str, device: torch.device | str = "cpu",
                 progress: bool = True) -> Trainer:
    """The sine experiment for one model, ready to ``fit(config.n_epochs)``.

    Data, model initialisation, recording initial states and batch shuffling are all drawn
    from ``config.seed``. Adam with ``learning_rate`` divided by 10 at ``milestones``,
    clipping at ``clip_norm``, the loss reduced by ``loss_reduction``; the stable LSTM is
    projected after every step. The recorder keeps the output orbits under
    ``n_record_inputs`` constant inputs every ``record_every`` epochs and, at
    ``record_input``, the leading Jacobian eigenvalues at the fixed point inside the recorded
    attractor.

    Example:
        >>> trainer = make_trainer(SineConfig.preset("reduced"), "lstm")
        >>> trainer.fit(300); trainer.recorder.outputs[-1].shape  # (10, 3, 100, 1): inputs, states, steps, output
    """
    device = torch.device(device)
    generator = torch.Generator().manual_seed(config.seed)
    u, y, _ = sine_data(config.n_sequences, config.length, config.omega_min, config.omega_max, generator,
                        config.omega_spacing)
    model = make_model(model_name, 1, config.hidden_size, 1, config.seed).to(device)
    inputs = record_inputs(config.n_record_inputs, config.omega_min, config.omega_max, config.record_input)
    initial_states = recording_initial_states(config.n_initial_states, model.state_dim, config.initial_state_scale,
                                              generator)
    tracked = _index_of(inputs, config.record_input)
    recorder = OrbitRecorder(inputs, initial_states, burn_in=config.burn_in, n_kept=config.n_kept,
                             every=config.record_every, eigenvalue_inputs=(tracked,) if config.n_eigenvalues else (),
                             n_eigenvalues=max(config.n_eigenvalues, 1), eigenvalue_every=config.eigenvalue_every)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    scheduler = (torch.optim.lr_scheduler.MultiStepLR(optimizer, list(config.milestones), gamma=0.1)
                 if config.milestones else None)
    summed = config.loss_reduction == "sum"
    return Trainer(model, (u.to(device), y.to(device)), partial(sine_loss, reduction=config.loss_reduction),
                   optimizer, scheduler=scheduler, batch_size=config.batch_size, clip_norm=config.clip_norm,
                   seed=config.seed, shuffle=config.shuffle, summed_loss_terms=config.length if summed else None,
                   after_step=StableLSTM.project_ if model_name == "slstm" else None, recorder=recorder,
                   progress=progress)


def orbit_spread(outputs: torch.Tensor) -> torch.Tensor:
    """max − min of each recorded output orbit over its kept steps: (..., n_kept, o) -> (..., o).

    Zero (to rounding) for a fixed point; the peak-to-peak amplitude for a limit cycle."""
    outputs = outputs.float()
    return outputs.amax(dim=-2) - outputs.amin(dim=-2)


def summarize(trainer: Trainer, config: SineConfig) -> dict[str, float]:
    """Final metrics: MSE on the training data, the baseline MSE (predicting 0), their ratio,
    and the orbit spreads and leading |λ| at the last record."""
    u, y = trainer.data
    trainer.model.eval()
    with torch.no_grad():
        mse = float(sine_loss(trainer.model, u, y))
    baseline = float(y.pow(2).mean())
    recorder = trainer.recorder
    spread = orbit_spread(recorder.outputs[-1])[..., 0]  # (I, S)
    tracked = _index_of(recorder.inputs, config.record_input)
    metrics = {"mse": mse, "baseline_mse": baseline, "relative_mse": mse / baseline,
               "orbit_spread_max": float(spread.max()), "orbit_spread_at_record_input": float(spread[tracked].mean())}
    if recorder.eigenvalues:
        metrics["leading_modulus_at_record_input"] = float(recorder.eigenvalues[-1][0, 0].abs())
    return metrics


def live_result(trainer: Trainer, config: SineConfig) -> tuple[dict[str, np.ndarray], dict]:
    """``(arrays, metadata)`` of a trained run in the format of a stored result
    (:func:`rnnattr.results.load_result` of ``python -m rnnattr train sine``), without the
    sub-sampling: ``history_<column>`` (epochs,), the recorder's arrays
    (:meth:`OrbitRecorder.arrays`), and ``{"final_metrics": summarize(trainer, config)}``."""
    columns = dict.fromkeys(key for row in trainer.history for key in row)
    arrays = {f"history_{column}": np.asarray([row.get(column, np.nan) for row in trainer.history])
              for column in columns}
    arrays.update(trainer.recorder.arrays())
    return arrays, {"final_metrics": summarize(trainer, config)}


def leading_moduli(arrays: dict[str, np.ndarray]) -> np.ndarray:
    """|λ| of the leading Jacobian eigenvalue at the tracked input's fixed point, per eigenvalue record: (E,)."""
    return np.abs(arrays["eigenvalues"][:, 0, 0])


def crossing_epoch(epochs: np.ndarray, moduli: np.ndarray, tolerance: float = 1e-3) -> int | None:
    """The first epoch at which the leading |λ| has left the unit disc: the first record with
    |λ| > 1 + ``tolerance`` whose previous valid (non-NaN) record had |λ| < 1 − ``tolerance``.

    None when |λ| never crosses, including when it stays on the unit circle within
    ``tolerance`` (the orthogonal RNN). Records without a fixed point (NaN) are skipped.

    Example:
        >>> crossing_epoch(np.array([0, 20, 40]), np.array([0.9, 0.98, 1.03]))   # 40
    """
    previous = None
    for epoch, modulus in zip(np.asarray(epochs), np.asarray(moduli, dtype=float)):
        if np.isnan(modulus):
            continue
        if previous is not None and previous < 1 - tolerance and modulus > 1 + tolerance:
            return int(epoch)
        previous = modulus
    return None


def _nearest_record(epochs: np.ndarray, epoch: int) -> int:
    return int(np.abs(np.asarray(epochs) - epoch).argmin())


def _mark(axis, epoch: int | None) -> None:
    if epoch is not None:
        axis.axvline(epoch, color="tab:red", linestyle="--", linewidth=1, label=f"|λ| crosses 1 (epoch {epoch})")
        axis.legend(loc="upper right", fontsize=8)


def plot_orbit_diagrams(runs: dict[str, tuple[dict, dict]], input_value: float, crossings: dict, title: str = ""):
    """The orbit diagram during training, one row per model: every kept output y_t (all initial
    states) under the constant input nearest ``input_value`` against the epoch, and beside it
    the first difference y_t − y_{t−1}. A dashed line marks ``crossings[name]`` (an epoch or None)."""
    fig, axes = plt.subplots(len(runs), 2, figsize=(11, 2.4 * len(runs)), sharex=True, squeeze=False)
    for row, (name, (arrays, _)) in enumerate(runs.items()):
        index = _nearest_record(arrays["record_inputs"][:, 0], input_value)
        y = arrays["record_outputs"][:, index, :, :, 0].astype(np.float32)  # (R, S, n)
        columns = {"$y_t$": y[..., 1:], r"$y_t - y_{t-1}$": np.diff(y, axis=-1)}  # (R, S, n - 1) each
        for axis, (label, values) in zip(axes[row], columns.items()):
            epochs = np.broadcast_to(arrays["record_epochs"][:, None, None], values.shape)
            axis.plot(epochs.ravel(), values.ravel(), ",", color="k", alpha=0.5)
            axis.set(ylabel=f"{model_label(name)}\n{label}")
            _mark(axis, crossings.get(name))
    for axis in axes[-1]:
        axis.set_xlabel("epoch")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_phase_portraits(runs: dict[str, tuple[dict, dict]], input_value: float, epochs: list[int],
                         crossings: dict, title: str = ""):
    """(y_t, y_t − y_{t−1}) of the recorded orbits under the input nearest ``input_value``, one row
    per model and one column per requested epoch (the nearest record; one colour per initial
    state). A fixed point is a dot on the axis y_t − y_{t−1} = 0, an oscillation a closed curve;
    the panel at ``crossings[name]`` has a red frame."""
    fig, axes = plt.subplots(len(runs), len(epochs), figsize=(2.2 * len(epochs), 2.2 * len(runs)),
                             sharex=True, sharey=True, squeeze=False)
    for row, (name, (arrays, _)) in enumerate(runs.items()):
        index = _nearest_record(arrays["record_inputs"][:, 0], input_value)
        for axis, epoch in zip(axes[row], epochs):
            record = _nearest_record(arrays["record_epochs"], epoch)
            y = arrays["record_outputs"][record, index, :, :, 0].astype(np.float32)  # (S, n)
            for orbit_y in y:
                axis.plot(orbit_y[1:], np.diff(orbit_y), ".", markersize=2)
            shown = int(arrays["record_epochs"][record])
            axis.set_title(f"{model_label(name)}, epoch {shown}", fontsize=9)
            if shown == crossings.get(name):
                for spine in axis.spines.values():
                    spine.set(color="tab:red", linewidth=2)
        axes[row, 0].set_ylabel(r"$y_t - y_{t-1}$")
    for axis in axes[-1]:
        axis.set_xlabel("$y_t$")
    n_states = len(axes[-1, -1].lines)
    fig.legend(axes[-1, -1].lines, ["$x_0 = 0$ (as in training)"] + [f"random $x_0$ {k}" for k in range(1, n_states)],
               loc="lower center", ncol=n_states, markerscale=4, frameon=False)
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


def plot_mse(axis, runs: dict[str, tuple[dict, dict]], crossings: dict, title: str = "") -> None:
    """The training MSE per epoch of every run against the baseline (predicting 0), log scale,
    with the LSTM's crossing epoch ``crossings["lstm"]`` (if any) dashed."""
    for name, (arrays, metadata) in runs.items():
        axis.semilogy(arrays["history_epoch"], arrays["history_loss"], label=model_label(name))
    baseline = next(iter(runs.values()))[1]["final_metrics"]["baseline_mse"]
    axis.axhline(baseline, color="k", linestyle=":", label="baseline (predict 0)")
    axis.set(xlabel="epoch", ylabel="training MSE", title=title)
    _mark(axis, crossings.get("lstm"))


def plot_eigenvalues(runs: dict[str, tuple[dict, dict]], crossings: dict, title: str = ""):
    """Left: |λ| of the leading Jacobian eigenvalue at the fixed point against the epoch, with
    the unit line. Right, one panel per model: every stored eigenvalue in the complex plane,
    coloured by epoch, with the unit circle (and, where it crosses, the leading pair's path)."""
    fig, axes = plt.subplots(1, 1 + len(runs), figsize=(4.5 + 3.2 * len(runs), 3.6), layout="constrained",
                             gridspec_kw={"width_ratios": [1.5] + [1] * len(runs)})
    circle = np.exp(1j * np.linspace(0, 2 * np.pi, 200))
    for name, (arrays, _) in runs.items():
        axes[0].plot(arrays["eigenvalue_epochs"], leading_moduli(arrays), ".-", label=model_label(name))
    axes[0].axhline(1, color="k", linestyle=":", linewidth=1)
    axes[0].set(xlabel="epoch", ylabel="leading $|\\lambda|$", title="leading eigenvalue modulus")
    axes[0].legend(fontsize=8)
    for axis, (name, (arrays, _)) in zip(axes[1:], runs.items()):
        eigenvalues = arrays["eigenvalues"][:, 0]  # (E, n_eigenvalues)
        epochs = np.broadcast_to(arrays["eigenvalue_epochs"][:, None], eigenvalues.shape)
        axis.plot(circle.real, circle.imag, color="k", linewidth=0.8)
        points = axis.scatter(eigenvalues.real, eigenvalues.imag, c=epochs, s=8, cmap="viridis")
        axis.set(aspect="equal", xlabel="Re λ", ylabel="Im λ", title=model_label(name))
        if crossings.get(name) is not None:
            pair = eigenvalues[:, :2]  # (E, 2): the leading conjugate pair
            for k in (0, 1):
                axis.plot(pair[:, k].real, pair[:, k].imag, color="tab:red", linewidth=0.8)
            low, high = np.nanmin(pair.real) - 0.1, np.nanmax(pair.real) + 0.1  # zoom on the pair's path
            half = max(high - low, 2 * np.nanmax(np.abs(pair.imag)) + 0.2) / 2
            axis.set(xlim=(low, high), ylim=(-half, half), title=f"{model_label(name)} (zoom)")
    fig.colorbar(points, ax=axes[1:], label="epoch", shrink=0.8)
    fig.suptitle(title)
    return fig


def load_stored_runs(directory: str | os.PathLike) -> dict[str, dict[int, tuple[dict, dict]]]:
    """Every finished run stored under ``directory/<model>/seed=<s>/result.{npz,json}`` (the layout of
    ``python -m rnnattr sweep sine``): ``{model: {seed: (arrays, metadata)}}``, models in the order of
    :data:`MODEL_LABELS`, seeds ascending; empty when there is none."""
    runs: dict[str, dict[int, tuple[dict, dict]]] = {}
    for path in sorted(Path(directory).glob("*/seed=*/result.json")):
        arrays, metadata = load_result(path.with_suffix(""))
        runs.setdefault(metadata["config"]["model"], {})[int(metadata["config"]["seed"])] = arrays, metadata
    return {model: dict(sorted(runs[model].items())) for model in MODEL_LABELS if model in runs}


def seed_summary(stored: dict[str, dict[int, tuple[dict, dict]]], paper_mse: dict[str, float]) -> list[dict]:
    """One row per model of :func:`load_stored_runs`: the final MSE's median, min and max over the seeds,
    its ratio to the paper's (``paper_mse[model]``), each seed's MSE and the epoch its leading |λ| left
    the unit disc (:func:`crossing_epoch`; None: never), the epochs, device and mean wall time."""
    rows = []
    for model, seeds in stored.items():
        mse = {seed: metadata["final_metrics"]["mse"] for seed, (_, metadata) in seeds.items()}
        median = float(np.median(list(mse.values())))
        rows.append({
            "model": model, "seeds": list(seeds), "paper_mse": paper_mse[model], "median_mse": median,
            "min_mse": min(mse.values()), "max_mse": max(mse.values()), "ratio_to_paper": median / paper_mse[model],
            "mse_by_seed": mse,
            "crossing_by_seed": {seed: crossing_epoch(arrays["eigenvalue_epochs"], leading_moduli(arrays))
                                 for seed, (arrays, _) in seeds.items()},
            "epochs": sorted({metadata["epochs_completed"] for _, metadata in seeds.values()}),
            "device": sorted({metadata["device"] for _, metadata in seeds.values()}),
            "mean_wall_time_h": float(np.mean([metadata["wall_time_s"] for _, metadata in seeds.values()])) / 3600,
        })
    return rows


def reading_against_paper(ratio: float) -> str:
    """Our reading of a median final MSE over seeds against the paper's (``ratio`` = ours / the paper's,
    whose number is one run): "within a factor of 2", else how many times below or above it."""
    if 0.5 <= ratio <= 2:
        return "within a factor of 2"
    return f"{1 / ratio:.3g}× below" if ratio < 1 else f"{ratio:.3g}× above"  # 3 digits: 2.02× reads as above 2


def crossings_text(crossing_by_seed: dict[int, int | None]) -> str:
    """``{seed: epoch the leading pair left the unit disc, or None}`` as "0: 300, 1: never"."""
    return ", ".join(f"{seed}: {'never' if epoch is None else epoch}" for seed, epoch in crossing_by_seed.items())


def plot_mse_over_seeds(axis, stored: dict[str, dict[int, tuple[dict, dict]]], paper_mse: dict[str, float],
                        title: str = "") -> None:
    """The paper's Figure 5 for stored runs: training MSE per epoch of every seed (one colour per
    model), the baseline (predicting 0), and the paper's final MSEs as markers at the last epoch."""
    for colour, (model, seeds) in zip(plt.rcParams["axes.prop_cycle"].by_key()["color"], stored.items()):
        for k, (seed, (arrays, _)) in enumerate(seeds.items()):
            axis.semilogy(arrays["history_epoch"], arrays["history_loss"], color=colour, linewidth=0.8, alpha=0.8,
                          label=f"{model_label(model)} (seeds {', '.join(map(str, seeds))})" if k == 0 else None)
        last = max(arrays["history_epoch"][-1] for arrays, _ in seeds.values())
        axis.plot(last, paper_mse[model], marker="*", markersize=12, color=colour, markeredgecolor="k",
                  linestyle="none", label=f"paper's final {model_label(model)}")
    baseline = next(iter(next(iter(stored.values())).values()))[1]["final_metrics"]["baseline_mse"]
    axis.axhline(baseline, color="k", linestyle=":", label="baseline (predict 0)")
    axis.set(xlabel="epoch", ylabel="training MSE", title=title)
    axis.legend(fontsize=7, loc="lower left")


EXPERIMENT = Experiment(
    name="sine",
    description="sine-wave generation (Sussillo & Barak): constant input ω, target sin(ω(t+1))",
    config_class=SineConfig,
    build=make_trainer,
    summarize=summarize,
    options=("hidden_size", "length", "learning_rate"),
    table_metric="relative_mse",
    solved=EarlyStopping("relative_mse", 0.1, "min"),  # an oscillation: 10× below predicting 0
)
