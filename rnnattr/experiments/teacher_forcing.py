"""Teacher forcing versus free running on a sine wave (chapter "RNNs as dynamical systems").

A small recurrent network learns to predict the next sample of a sine wave from the true
current sample: teacher forcing trains the driven system x_{t+1} = f(x_t, s_t). Fed its own
predictions instead, x_{t+1} = f(x_t, g(x_t)), the same weights form an autonomous system
(:func:`rnnattr.dynamics.closed_loop.closed_loop`) whose attractor is a closed curve, the
generated oscillation, while the driven system only has stable fixed points.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F

from rnnattr.dynamics import lyapunov_spectrum, orbit
from rnnattr.dynamics.closed_loop import closed_loop
from rnnattr.experiments.presets import select_preset
from rnnattr.models import LSTM, RecurrentModel, TanhRNN
from rnnattr.validation import check_positive_int, check_tensor

CELLS = {"tanh": TanhRNN, "lstm": LSTM}


@dataclass(frozen=True)
class TeacherForcingConfig:
    """Sizes of the teacher-forcing experiment; the defaults are the full preset."""

    cell: str = "tanh"  # "tanh" (TanhRNN) or "lstm" (LSTM)
    hidden_size: int = 32
    period: float = 20.0  # samples per cycle of the sine wave, ω = 2π / period
    n_sequences: int = 32  # training sequences, each with its own random phase
    sequence_length: int = 121  # six periods: 120 (input, next sample) pairs per sequence
    n_epochs: int = 1000  # full-batch Adam steps
    learning_rate: float = 1e-2
    prime_steps: int = 60  # teacher-forced warm-up before the model runs free
    generate_steps: int = 400
    n_initial_states: int = 16  # random initial states of the attractor plots
    burn_in: int = 2000  # steps to settle on an attractor
    lyapunov_steps: int = 3000  # transient included
    lyapunov_transient: int = 200  # also aligns the tangent vectors before averaging
    seed: int = 0  # draws the phases, the initial weights and the initial states

    def __post_init__(self):
        if self.cell not in CELLS:
            raise ValueError(f"cell: expected one of {sorted(CELLS)}, got {self.cell!r}")
        for name in ("hidden_size", "n_sequences", "n_epochs", "prime_steps", "generate_steps",
                     "n_initial_states", "burn_in", "lyapunov_steps"):
            check_positive_int(name, getattr(self, name))
        if self.sequence_length < 2:
            raise ValueError(f"sequence_length: expected at least 2 samples, got {self.sequence_length}")
        if not self.period > 2:
            raise ValueError(f"period: expected more than 2 samples per cycle (below Nyquist), got {self.period}")
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate: expected a positive number, got {self.learning_rate}")
        if not 0 <= self.lyapunov_transient < self.lyapunov_steps:
            raise ValueError(f"lyapunov_transient: expected 0 <= lyapunov_transient < lyapunov_steps="
                             f"{self.lyapunov_steps}, got {self.lyapunov_transient}")

    @property
    def omega(self) -> float:
        """The angular frequency ω = 2π / period, radians per step."""
        return 2 * math.pi / self.period

    @classmethod
    def preset(cls, size: str) -> "TeacherForcingConfig":
        """``"full"``: 32 units, 1000 epochs; ``"reduced"``: 16 units, 300 epochs, a few seconds on a CPU."""
        return select_preset(PRESETS, size)


PRESETS = {
    "full": TeacherForcingConfig(),
    "reduced": TeacherForcingConfig(hidden_size=16, n_epochs=300, n_initial_states=8, burn_in=500,
                                    lyapunov_steps=800, lyapunov_transient=100),
}


def identity(y: torch.Tensor) -> torch.Tensor:
    """The feedback of a signal predicted one step ahead: the prediction is the next input."""
    return y


def sine_waves(n_sequences: int, length: int, period: float, generator: torch.Generator | None = None,
               dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """Sine waves s_t = sin(2πt / period + φ), t = 0 … length − 1, with phases φ ~ U(0, 2π).

    Returns:
        Shape (n_sequences, length, 1). Each satisfies s_{t+1} = 2 cos(ω) s_t − s_{t−1}.
    """
    check_positive_int("n_sequences", n_sequences)
    check_positive_int("length", length)
    phase = torch.rand(n_sequences, 1, generator=generator, dtype=dtype) * 2 * math.pi  # (B, 1)
    return torch.sin(2 * math.pi / period * torch.arange(length, dtype=dtype) + phase).unsqueeze(-1)


def make_model(config: TeacherForcingConfig, dtype: torch.dtype = torch.float64) -> RecurrentModel:
    """A fresh one-input, one-output model of ``config.cell``, initialised from ``config.seed``."""
    with torch.random.fork_rng():  # seeds the initial weights without touching the caller's RNG
        torch.manual_seed(config.seed)
        return CELLS[config.cell](1, config.hidden_size, 1).to(dtype)


def train_teacher_forcing(model: RecurrentModel, signal: torch.Tensor, n_epochs: int,
                          learning_rate: float) -> torch.Tensor:
    """Train ``model`` in place to predict s_{t+1} from s_t, the true sample (teacher forcing).

    Returns:
        The mean squared one-step error of every epoch, shape (n_epochs,).

    Args:
        model: a recurrent model with ``input_size == output_size`` (the signal's width m).
        signal: training sequences (B, T, m); the inputs are s_0 … s_{T−2}, the targets
            s_1 … s_{T−1}.
        n_epochs: number of full-batch Adam steps.
        learning_rate: Adam's step size.

    A minimal full-batch loop: every input is the data, never the model's own output, so
    the loss sees only the driven system f(·, s_t) (Williams & Zipser, 1989).

    Example:
        >>> config = TeacherForcingConfig.preset("reduced")
        >>> model = make_model(config)
        >>> losses = train_teacher_forcing(model, sine_waves(32, 121, 20.0), 300, 1e-2)  # losses[-1] ≈ 1e-3
    """
    check_tensor("signal", signal, (None, "T", model.input_size))
    if signal.shape[1] < 2:
        raise ValueError(f"signal: expected at least 2 time steps, got shape {tuple(signal.shape)}")
    check_positive_int("n_epochs", n_epochs)
    inputs, targets = signal[:, :-1], signal[:, 1:]  # (B, T-1, m) each
    optimiser = torch.optim.Adam(model.parameters(), lr=learning_rate)
    losses = []
    with torch.enable_grad():
        for _ in range(n_epochs):
            optimiser.zero_grad()
            predictions, _ = model(inputs)  # (B, T-1, m)
            loss = F.mse_loss(predictions, targets)
            loss.backward()
            optimiser.step()
            losses.append(loss.detach())
    return torch.stack(losses)


def generate(model: RecurrentModel, prime: torch.Tensor, n_steps: int, feedback=identity) -> torch.Tensor:
    """Free-running outputs after a teacher-forced warm-up.

    Returns:
        The predictions of s_{T0+1} … s_{T0+n_steps}, shape (B, n_steps, o), made with the
        model's own outputs as inputs after it has read the true prime s_0 … s_{T0−1}.

    Args:
        model: a recurrent model.
        prime: the true beginning of each sequence, (B, T0, m).
        n_steps: number of free-running steps.
        feedback: the map from an output to the next input (identity for a signal).

    Example:
        >>> generated = generate(model, sine_waves(8, 60, 20.0), n_steps=400)  # (8, 400, 1)
    """
    _, state = model(prime)  # (B, d): its output g(state) predicts s_{T0} and becomes the first fed-back input
    return model.readout(orbit(closed_loop(model, feedback), state, n_steps))


def open_loop_fixed_points(model: RecurrentModel, constant_inputs: torch.Tensor, n_steps: int = 300) -> torch.Tensor:
    """The states x*(c) the driven system settles to under each constant input c, shape (C, d).

    Found by simulating ``n_steps`` steps from the zero state, which converges when the
    driven system is contracting (all its Lyapunov exponents negative, as after teacher
    forcing here). ``constant_inputs`` has shape (C, m).
    """
    check_tensor("constant_inputs", constant_inputs, (None, model.input_size))
    start = model.initial_state(constant_inputs.shape[0]).to(constant_inputs.dtype)
    return orbit(model.step, start, n_steps, inputs=constant_inputs)[:, -1]


def lyapunov_spectra(model: RecurrentModel, config: TeacherForcingConfig, attractor_states: torch.Tensor,
                     fixed_input: float, generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
    """The full Lyapunov spectrum of the three systems the trained weights define, each (B, d).

    Returns:
        A dict: ``"teacher forcing"``, the driven system fed a fresh sine wave;
        ``"constant input c*"``, the driven system under the closed-loop fixed point's
        input; ``"free running"``, the closed-loop system from ``attractor_states`` (B, d).

    Args:
        model: the trained scalar-signal model.
        config: supplies ``lyapunov_steps``, ``lyapunov_transient`` and ``period``.
        attractor_states: B states on the free-running attractor, (B, d); the driven
            systems start from the zero state.
        fixed_input: c*, the input of the free-running fixed point.
        generator: draws the phases of the driving sine waves.

    Method: :func:`rnnattr.dynamics.lyapunov.lyapunov_spectrum` on ``model.step`` (driven)
    and on :func:`rnnattr.dynamics.closed_loop.closed_loop` (free running).
    """
    batch = attractor_states.shape[0]
    dtype = attractor_states.dtype
    steps, transient = config.lyapunov_steps, config.lyapunov_transient
    wave = sine_waves(batch, steps, config.period, generator, dtype)  # (B, steps, 1)
    zero = model.initial_state(batch).to(dtype)
    constant = torch.full((batch, 1), fixed_input, dtype=dtype)
    return {
        "teacher forcing": lyapunov_spectrum(model.step, zero, wave, transient=transient),
        "constant input c*": lyapunov_spectrum(model.step, zero, constant, steps, transient=transient),
        "free running": lyapunov_spectrum(closed_loop(model, identity), attractor_states, n_steps=steps,
                                          transient=transient),
    }


def oscillation_period(y: torch.Tensor) -> torch.Tensor:
    """The mean number of steps between upward crossings of each series' mean, shape (B,).

    ``y`` is (B, T); a series needs at least two crossings (NaN otherwise).
    """
    check_tensor("y", y, (None, "T"))
    centred = y - y.mean(dim=1, keepdim=True)
    periods = []
    for series in centred:
        # interpolate each crossing between the samples around it, for sub-step resolution
        index = torch.nonzero((series[:-1] < 0) & (series[1:] >= 0))[:, 0]
        times = index + series[index] / (series[index] - series[index + 1])
        periods.append((times[-1] - times[0]) / (len(times) - 1) if len(times) > 1 else y.new_tensor(float("nan")))
    return torch.stack(periods)


def principal_plane(states: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The plane of the two largest principal components of states (N, d): ``(mean (d,), basis (d, 2))``."""
    mean = states.mean(dim=0)
    _, _, right = torch.linalg.svd(states - mean, full_matrices=False)  # right: (min(N, d), d)
    return mean, right[:2].T


def plot_free_running(signal, teacher_forced, generated, prime_steps, title):
    """One sequence's teacher-forced and free-running predictions (top), and the median
    absolute errors over every sequence (bottom, log scale)."""
    truth = signal[:, 1:, 0].numpy()  # (B, T-1): s_1 ...
    forced = teacher_forced[..., 0].numpy()
    free = generated[..., 0].numpy()
    steps = np.arange(1, truth.shape[1] + 1)
    free_steps = np.arange(prime_steps + 1, prime_steps + 1 + free.shape[1])
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 5.5), sharex=True)
    top.plot(steps, truth[0], color="k", linewidth=2.5, alpha=0.3, label="true signal $s_t$")
    top.plot(steps, forced[0], ".", markersize=3, label="teacher forced: $\\hat y$ from the true $s_{t-1}$")
    top.plot(free_steps, free[0], linewidth=1, label="free running: $\\hat y$ from its own $\\hat y_{t-1}$")
    top.axvline(prime_steps, color="grey", linestyle="--", linewidth=0.8)
    top.set(ylabel="signal", title=title, ylim=(-1.7, 1.2))  # room for the legend below the wave
    top.legend(loc="lower left", fontsize=8, ncol=3)
    bottom.semilogy(steps, np.median(np.abs(forced - truth), axis=0), label="teacher forced")
    free_truth = truth[:, prime_steps : prime_steps + free.shape[1]]
    bottom.semilogy(free_steps[: free_truth.shape[1]], np.median(np.abs(free[:, : free_truth.shape[1]] - free_truth),
                                                                    axis=0), label="free running")
    bottom.axvline(prime_steps, color="grey", linestyle="--", linewidth=0.8)
    bottom.set(xlabel="step t", ylabel="median $|\\hat y_t - s_t|$")
    bottom.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig


@torch.no_grad()
def plot_attractors(model, free_orbits, driven_orbits, constant_inputs, fixed_state, title):
    """Free-running orbits (left) and driven orbits under constant inputs (middle) in the
    principal plane of the free-running attractor, and the steady-state response (right).

    ``free_orbits`` (N, T, d) and ``driven_orbits`` (C, N, T, d) start from the same N
    states; the last quarter of each free orbit is drawn as the attractor. ``fixed_state``
    (1, d) is the free-running fixed point x*, marked with its input c* = g(x*) on the right.
    """
    tail = free_orbits.shape[1] // 4
    mean, basis = principal_plane(free_orbits[:, -tail:].reshape(-1, free_orbits.shape[-1]))

    def project(x):  # (..., d) -> (..., 2)
        return ((x - mean) @ basis).numpy()

    free, driven, star = project(free_orbits), project(driven_orbits), project(fixed_state)[0]
    colours = plt.cm.coolwarm(np.linspace(0, 1, len(constant_inputs)))
    fig, (left, middle, right) = plt.subplots(1, 3, figsize=(14, 4.5))
    for member in free:
        left.plot(member[: -tail, 0], member[: -tail, 1], color="grey", linewidth=0.4, alpha=0.6)
        left.plot(member[-tail:, 0], member[-tail:, 1], color="tab:blue", linewidth=1.5)
    left.set(title="free running: $x \\mapsto f(x, g(x))$", xlabel="PC 1", ylabel="PC 2")
    for colour, value, orbits in zip(colours, constant_inputs.tolist(), driven):
        for member in orbits:
            middle.plot(member[:, 0], member[:, 1], color=colour, linewidth=0.4, alpha=0.5)
        middle.plot(orbits[0, -1, 0], orbits[0, -1, 1], "o", color=colour, markeredgecolor="k", markersize=6,
                    label=f"$x^*(c)$, c = {value:+.1f}")
    middle.plot(free[0, -tail:, 0], free[0, -tail:, 1], color="tab:blue", linewidth=1, alpha=0.4)
    middle.set(title="driven by a constant input c: $x \\mapsto f(x, c)$", xlabel="PC 1", ylabel="PC 2")
    for axis in (left, middle):
        axis.plot(*star, "kx", markersize=9, markeredgewidth=2, label="free-running fixed point $x^*$")
        axis.legend(loc="upper right", fontsize=7)
    inputs = torch.linspace(-1.2, 1.2, 97, dtype=fixed_state.dtype)[:, None]
    response = model.readout(open_loop_fixed_points(model, inputs))[:, 0]
    right.plot(inputs[:, 0], response, label="steady-state output $g(x^*(c))$")
    right.plot(inputs[:, 0], inputs[:, 0], "k--", linewidth=0.8, label="$g = c$")
    fixed_input = model.readout(fixed_state)[0, 0].item()  # c* = g(x*), the input x* feeds back to itself
    right.plot([fixed_input], [fixed_input], "kx", markersize=9, markeredgewidth=2)
    right.set(title="free-running fixed points: $g(x^*(c)) = c$", xlabel="constant input c", ylabel="output")
    right.legend(loc="upper left", fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_spectra(open_eigenvalues, closed_eigenvalues, spectra, omega, title):
    """Jacobian eigenvalues at the closed-loop fixed point (left) and mean Lyapunov spectra (right)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 5))
    angle = np.linspace(0, 2 * np.pi, 400)
    left.plot(np.cos(angle), np.sin(angle), "k", linewidth=0.6)
    for sign in (1, -1):
        left.plot([0, 1.2 * np.cos(omega)], [0, sign * 1.2 * np.sin(omega)], ":", color="grey", linewidth=0.8)
    left.plot(open_eigenvalues.real, open_eigenvalues.imag, "o", fillstyle="none",
              label="driven: $\\partial f / \\partial x$")
    left.plot(closed_eigenvalues.real, closed_eigenvalues.imag, "x", markeredgewidth=1.5,
              label="free running: $\\partial f/\\partial x + \\partial f/\\partial z \\cdot \\partial g/\\partial x$")
    left.set(aspect="equal", xlabel="Re", ylabel="Im",
             title="Jacobian eigenvalues at $x^*$ (dotted: angle $\\pm\\omega$)")
    left.legend(loc="lower left", fontsize=8)
    for (name, exponents), marker in zip(spectra.items(), "osx"):
        mean = exponents.mean(dim=0).numpy()
        right.plot(np.arange(1, len(mean) + 1), mean, marker + "-", linewidth=0.8, label=name)
    right.axhline(0, color="k", linewidth=0.6)
    right.set(xlabel="index i", ylabel="$\\lambda_i$ per step", title="Lyapunov spectra")
    right.legend(loc="lower left", fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig
