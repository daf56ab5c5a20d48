"""The smoothness theorem (paper Theorem 1), measured: ‖∇V_N‖ and ‖∇²V_N‖ against the horizon N.

Two families of systems are measured, each member of a batch with its own horizon N and
its own copy of the parameters (so that one simulation and one power iteration serve
every N at once):

* a linear model x_{t+1} = A x_t + B u_t, ŷ_t = C x_t with A = a·Q, Q orthogonal, so that
  its Lipschitz constant in x is exactly L_f = a (a = 0.8, 1, 1.1), parameters θ = (A, B);
* the chaotic 2-unit LSTM of Figure 1 at a stable and at a chaotic scale s, θ its 16
  recurrent weights, fitted to the trajectory at s = 1 (the data of Figure 1).

Run at full size from the command line::

    python -m rnnattr.experiments.smoothness_theorem --size full --out results/smoothness_theorem
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import matplotlib.pyplot as plt
import numpy as np
import torch

from rnnattr.dynamics import lipschitz_estimate, lyapunov_spectrum, orbit
from rnnattr.experiments.full_size import run_and_store
from rnnattr.experiments.presets import select_preset
from rnnattr.models.chaotic import CHAOTIC_INITIAL_VALUE, chaotic_lstm, lstm_family_step, theta_true
from rnnattr.smoothness import gradient_norm, hessian_spectral_norm, simulation_cost_over_horizons
from rnnattr.validation import check_positive_int

F64 = torch.float64


@dataclass(frozen=True)
class SmoothnessConfig:
    """Sizes of the measurement. The paper shows no measurement of Theorem 1; ``full`` is
    simply longer horizons, more replicates and converged power iterations."""

    linear_gains: tuple[float, ...] = (0.8, 1.0, 1.1)  # L_f = a: below, at and above 1
    linear_horizons: tuple[int, ...] = tuple(range(10, 201, 10))
    state_dim: int = 8  # even: Q is built from 2×2 rotations
    target_gain: float = 0.5  # the data come from the contractive system a = 0.5
    input_frequency: float = 0.2  # u_t = sin(ω t + φ); ω differs from Q's rotation angles
    lstm_scales: tuple[float, ...] = (0.8, 1.14)  # a stable period-3 orbit and a chaotic attractor
    lstm_horizons: tuple[int, ...] = tuple(range(5, 101, 5))
    n_replicates: int = 16  # input phases (linear) or initial states (LSTM) per horizon
    n_iterations: int = 100  # power-iteration steps at most
    rtol: float = 1e-6  # ... stopping once every estimate moves by less than this
    lyapunov_steps: int = 2000  # per initial state; λ1 is averaged over the replicates' ones
    lyapunov_transient: int = 200
    landscape_horizons: tuple[int, ...] = (10, 25, 100)
    landscape_values: int = 2000  # values of s in the V_N(s) plot
    landscape_center: float = 1.14  # the chaotic scale measured; the window holds periodic windows too
    landscape_half_width: float = 0.06
    seed: int = 0

    def __post_init__(self):
        for name in ("state_dim", "n_replicates", "n_iterations", "lyapunov_steps", "landscape_values"):
            check_positive_int(name, getattr(self, name))
        if self.state_dim % 2:
            raise ValueError(f"state_dim: expected an even number (Q is built from 2×2 rotations), got {self.state_dim}")
        for name in ("linear_horizons", "lstm_horizons", "landscape_horizons"):
            horizons = getattr(self, name)
            if len(horizons) < 2 or any(isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in horizons):
                raise ValueError(f"{name}: expected at least two positive integers, got {horizons!r}")
        if not 0 <= self.lyapunov_transient < self.lyapunov_steps:
            raise ValueError(f"lyapunov_transient: expected 0 <= lyapunov_transient < lyapunov_steps="
                             f"{self.lyapunov_steps}, got {self.lyapunov_transient}")

    @classmethod
    def preset(cls, size: str) -> "SmoothnessConfig":
        """``"full"``: about a minute on a laptop CPU; ``"reduced"``: about 10 s."""
        return select_preset(PRESETS, size)


PRESETS = {
    "full": SmoothnessConfig(),
    "reduced": SmoothnessConfig(linear_horizons=tuple(range(10, 101, 10)), lstm_horizons=tuple(range(5, 81, 5)),
                                n_replicates=8, n_iterations=20, rtol=1e-3, lyapunov_steps=300, lyapunov_transient=50,
                                landscape_values=800),
}


class Problem(NamedTuple):
    """A batch of costs: member m is V_{N_m} at its own copy of θ."""

    loss_fn: Callable  # params -> (M,) costs
    params: tuple[torch.Tensor, ...]  # θ, each tensor (M, ...)
    horizons: torch.Tensor  # (M,), horizon-major: member m = horizon m // R, replicate m % R


def orthogonal_matrix(state_dim: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """Q = P R Pᵀ, with R block-diagonal 2×2 rotations by angles evenly spaced on [0.5, 2.5]
    and P a random orthogonal basis: every eigenvalue has modulus 1, so ‖aQ‖₂ = a."""
    angles = torch.linspace(0.5, 2.5, state_dim // 2, dtype=F64)
    rotation = torch.zeros(state_dim, state_dim, dtype=F64)
    for k, angle in enumerate(angles.tolist()):
        c, s = math.cos(angle), math.sin(angle)
        rotation[2 * k : 2 * k + 2, 2 * k : 2 * k + 2] = torch.tensor([[c, -s], [s, c]], dtype=F64)
    basis, _ = torch.linalg.qr(torch.randn(state_dim, state_dim, generator=generator, dtype=F64))
    return basis @ rotation @ basis.T


def linear_step(recurrent: torch.Tensor, input_weights: torch.Tensor):
    """x' = A x + B u with one (A, B) per member: A (M, d, d), B (M, d, m)."""
    def step(x, u):
        return torch.einsum("mij,mj->mi", recurrent, x) + torch.einsum("mij,mj->mi", input_weights, u)
    return step


def lstm_step(weights: torch.Tensor):
    """The autonomous step of :func:`rnnattr.chaotic_lstm` with its recurrent weights
    (M, 4H, H) passed in, so that a cost is a pure function of them; equal to
    ``LSTMFamily.step`` with those weights."""
    return lambda x, u=None: lstm_family_step(x, None, weights)


def _members(horizons: tuple[int, ...], n_replicates: int) -> torch.Tensor:
    return torch.tensor(horizons).repeat_interleave(n_replicates)  # (M,)


def linear_problem(gain: float, config: SmoothnessConfig, *, noise_input: bool = False) -> Problem:
    """V_N of the linear model at A = gain·Q for every horizon of ``config.linear_horizons``.

    The data y_t are the outputs of the same model at A = target_gain·Q, driven by the same
    input from x_0 = 0. Replicates differ in the input: sinusoids u_t = sin(ω t + φ) with
    random phases φ, which keep every state bounded when gain ≤ 1, or, with
    ``noise_input=True``, Gaussian white noise, whose response at gain = 1 is a random walk.
    """
    generator = torch.Generator().manual_seed(config.seed)
    d, n_replicates = config.state_dim, config.n_replicates
    rotation = orthogonal_matrix(d, generator)
    input_weights = torch.randn(d, 1, generator=generator, dtype=F64) / math.sqrt(d)
    readout = torch.randn(1, d, generator=generator, dtype=F64) / math.sqrt(d)
    horizons = _members(config.linear_horizons, n_replicates)
    n_members, n_steps = len(horizons), max(config.linear_horizons)
    if noise_input:
        per_replicate = torch.randn(n_replicates, n_steps, 1, generator=generator, dtype=F64)
    else:
        phases = 2 * math.pi * torch.rand(n_replicates, 1, 1, generator=generator, dtype=F64)
        per_replicate = torch.sin(config.input_frequency * torch.arange(n_steps, dtype=F64)[:, None] + phases)
    inputs = per_replicate.repeat(len(config.linear_horizons), 1, 1)  # (M, T, 1), same order as horizons
    x0 = torch.zeros(n_members, d, dtype=F64)

    def outputs(x):
        return x @ readout.T

    def expand(matrix):
        return matrix.expand(n_members, *matrix.shape).clone()

    with torch.no_grad():
        truth = linear_step(expand(config.target_gain * rotation), expand(input_weights))
        targets = outputs(orbit(truth, x0, n_steps, inputs=inputs))  # (M, T, 1)

    def loss_fn(params):
        recurrent, input_matrix = params
        return simulation_cost_over_horizons(linear_step(recurrent, input_matrix), x0, targets, horizons,
                                             inputs=inputs, readout=outputs)

    return Problem(loss_fn, (expand(gain * rotation), expand(input_weights)), horizons)


def lstm_initial_states(config: SmoothnessConfig) -> torch.Tensor:
    """One initial state per replicate: h0 = c0 = 0.5 (Figure 1) moved by up to ±0.1, (R, 4)."""
    generator = torch.Generator().manual_seed(config.seed)
    noise = 2 * torch.rand(config.n_replicates, 4, generator=generator, dtype=F64) - 1
    return CHAOTIC_INITIAL_VALUE + 0.1 * noise


def lstm_problem(s: float, config: SmoothnessConfig) -> Problem:
    """V_N of the chaotic LSTM at θ = s·θ_true, fitted to the trajectory at s = 1 (Figure 1's
    data) from the same initial state, for every horizon of ``config.lstm_horizons``."""
    horizons = _members(config.lstm_horizons, config.n_replicates)
    x0 = lstm_initial_states(config).repeat(len(config.lstm_horizons), 1)  # (M, 4)
    n_steps = max(config.lstm_horizons)
    with torch.no_grad():
        data = chaotic_lstm(1.0, dtype=F64)
        targets = data.readout(orbit(data.step, x0, n_steps))  # (M, T, 2)

    def loss_fn(weights):
        return simulation_cost_over_horizons(lstm_step(weights), x0, targets, horizons,
                                             readout=lambda x: x[:, :2])

    weights = (s * theta_true(F64)).expand(len(horizons), 8, 2).clone()
    return Problem(loss_fn, weights, horizons)


def measure(problem: Problem, config: SmoothnessConfig) -> tuple[torch.Tensor, torch.Tensor]:
    """‖∇V_N‖ and ‖∇²V_N‖₂ of every member, each reshaped to (horizons, replicates)."""
    generator = torch.Generator().manual_seed(config.seed)
    gradient = gradient_norm(problem.loss_fn, problem.params, batched=True)
    curvature = hessian_spectral_norm(problem.loss_fn, problem.params, n_iterations=config.n_iterations,
                                      rtol=config.rtol, generator=generator, batched=True)
    return gradient.reshape(-1, config.n_replicates), curvature.reshape(-1, config.n_replicates)


def fit_start(n_horizons: int) -> int:
    """Index of the first horizon a growth fit uses: the longer half, and at least two points."""
    return min(n_horizons // 2, n_horizons - 2)


def growth_rate(horizons, values, scale: str) -> tuple[float, float]:
    """The growth of ``values`` (horizons, replicates) with N, fitted on the longer half of the horizons.

    ``scale="power"``: the exponent p of values ∝ N^p (a log-log slope);
    ``scale="exponential"``: the rate r per step of values ∝ e^{rN} (a log-linear slope).
    Replicates are averaged in log (a geometric mean), the typical member's growth. The
    shorter horizons are left out: there transients and the polynomial factors in front of
    an exponential still bend the curve. Returns ``(slope, intercept)`` of the fitted line.
    """
    if scale not in ("power", "exponential"):
        raise ValueError(f"scale: expected 'power' or 'exponential', got {scale!r}")
    horizons = np.asarray(horizons, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    if horizons.ndim != 1 or len(horizons) < 2 or values.ndim != 2 or len(values) != len(horizons):
        raise ValueError(f"values: expected shape ({len(horizons)}, R) for {len(horizons)} horizons (at least 2), "
                         f"got {values.shape}")
    log_values = np.log(values).mean(axis=1)
    longer = slice(fit_start(len(horizons)), None)
    abscissa = np.log(horizons) if scale == "power" else horizons
    slope, intercept = np.polyfit(abscissa[longer], log_values[longer], 1)
    return float(slope), float(intercept)


def lstm_exponents_and_lipschitz(config: SmoothnessConfig) -> tuple[torch.Tensor, torch.Tensor]:
    """For each LSTM scale s: λ1 per step, averaged over the replicates' initial states, and
    the largest Jacobian norm on the states the measured trajectories visit, a lower
    estimate of L_f; both (S,)."""
    x0 = lstm_initial_states(config)  # (R, 4)
    n_replicates = len(x0)
    scales = torch.tensor(config.lstm_scales, dtype=F64).repeat_interleave(n_replicates)  # (S·R,)
    family = chaotic_lstm(scales, dtype=F64)
    with torch.no_grad():
        exponent = lyapunov_spectrum(family.step, x0.repeat(len(config.lstm_scales), 1), n_steps=config.lyapunov_steps,
                                     k=1, transient=config.lyapunov_transient)[:, 0]
        visited = orbit(family.step, x0.repeat(len(config.lstm_scales), 1), max(config.lstm_horizons))  # (S·R, T, 4)
        lipschitz = [lipschitz_estimate(chaotic_lstm(s, dtype=F64).step, states.reshape(-1, 4))
                     for s, states in zip(config.lstm_scales, visited.split(n_replicates))]
    return exponent.reshape(-1, n_replicates).mean(1), torch.stack(lipschitz)


def cost_against_scale(config: SmoothnessConfig) -> tuple[torch.Tensor, torch.Tensor]:
    """V_N(s) of Figure 1's LSTM (h0 = c0 = 0.5, data from s = 1, no burn-in) on a window of
    s, for each N in ``config.landscape_horizons``: returns ``(s (S,), V (K, S))``."""
    s = torch.linspace(config.landscape_center - config.landscape_half_width,
                       config.landscape_center + config.landscape_half_width, config.landscape_values, dtype=F64)
    n_horizons, n_steps = len(config.landscape_horizons), max(config.landscape_horizons)
    horizons = torch.tensor(config.landscape_horizons).repeat_interleave(len(s))  # (K·S,)
    weights = s.repeat(n_horizons)[:, None, None] * theta_true(F64)  # (K·S, 8, 2)
    x0 = torch.full((len(horizons), 4), CHAOTIC_INITIAL_VALUE, dtype=F64)
    with torch.no_grad():
        data = chaotic_lstm(1.0, dtype=F64)
        targets = data.readout(orbit(data.step, x0[:1], n_steps)).expand(len(horizons), -1, -1)
        cost = simulation_cost_over_horizons(lstm_step(weights), x0, targets, horizons, readout=lambda x: x[:, :2])
    return s, cost.reshape(n_horizons, len(s))


def run(config: SmoothnessConfig) -> dict[str, np.ndarray]:
    """Every quantity of the chapter as numpy arrays: norms (systems, horizons, replicates)
    for the linear model and the LSTM, the LSTM's λ1 and L_f estimates, and V_N(s)."""
    linear = [measure(linear_problem(gain, config), config) for gain in config.linear_gains]
    lstm = [measure(lstm_problem(s, config), config) for s in config.lstm_scales]
    exponent, lipschitz = lstm_exponents_and_lipschitz(config)
    s, cost = cost_against_scale(config)
    return {
        "linear_gains": np.array(config.linear_gains), "linear_horizons": np.array(config.linear_horizons),
        "linear_gradient": torch.stack([g for g, _ in linear]).numpy(),
        "linear_hessian": torch.stack([h for _, h in linear]).numpy(),
        "lstm_scales": np.array(config.lstm_scales), "lstm_horizons": np.array(config.lstm_horizons),
        "lstm_gradient": torch.stack([g for g, _ in lstm]).numpy(),
        "lstm_hessian": torch.stack([h for _, h in lstm]).numpy(),
        "lstm_lyapunov": exponent.numpy(), "lstm_lipschitz": lipschitz.numpy(),
        "landscape_s": s.numpy(), "landscape_horizons": np.array(config.landscape_horizons),
        "landscape_cost": cost.numpy(),
    }


def _theorem_rate(lipschitz: float, quantity: str) -> tuple[float, str]:
    """Theorem 1's rate for a given L_f, as ``(rate, scale)``: N^rate or e^{rate·N}."""
    k = 0 if quantity == "gradient" else 1
    if lipschitz < 1:
        return 0.0, "power"
    if lipschitz == 1:
        return (1.0, 3.0)[k], "power"
    return (2, 3)[k] * math.log(lipschitz), "exponential"


def rates(result: dict[str, np.ndarray]) -> list[dict]:
    """One row per system and quantity (gradient, hessian): L_f, λ1, Theorem 1's rate with its
    scale, the rate the mechanism of the chapter predicts and the fitted rate, both on the
    ``scale`` of the fit (``"power"``: exponent of N, ``"exponential"``: rate per step)."""
    rows = []
    for i, gain in enumerate(result["linear_gains"]):
        gain = float(gain)
        scale = "exponential" if gain > 1 else "power"
        for k, quantity in enumerate(("gradient", "hessian")):
            # f linear in x has no curvature in x: the Hessian loses one factor (N, or L_f^N)
            predicted = {"power": ((0.0, 0.0), (1.0, 2.0))[gain == 1][k], "exponential": 2 * math.log(gain)}[scale]
            rows.append(dict(system=f"linear, a = {gain:g}", key=("linear", i), lipschitz=gain,
                             lyapunov=math.log(gain), quantity=quantity, theorem=_theorem_rate(gain, quantity),
                             scale=scale, predicted=predicted,
                             fitted=growth_rate(result["linear_horizons"], result[f"linear_{quantity}"][i], scale)[0]))
    for i, s in enumerate(result["lstm_scales"]):
        exponent, lipschitz = float(result["lstm_lyapunov"][i]), float(result["lstm_lipschitz"][i])
        scale = "exponential" if exponent > 0 else "power"
        for k, quantity in enumerate(("gradient", "hessian")):
            # bounded states keep the error bounded; on the attractor Jacobian products grow like e^{λ1 t}
            predicted = (k + 1) * exponent if exponent > 0 else 0.0
            rows.append(dict(system=f"chaotic LSTM, s = {s:g}", key=("lstm", i), lipschitz=lipschitz,
                             lyapunov=exponent, quantity=quantity, theorem=_theorem_rate(lipschitz, quantity),
                             scale=scale, predicted=predicted,
                             fitted=growth_rate(result["lstm_horizons"], result[f"lstm_{quantity}"][i], scale)[0]))
    return rows


def _rate_text(rate: float, scale: str, digits: int) -> str:
    if scale == "power":
        return "1" if rate == 0 and digits == 0 else f"N^{{{rate:.{digits}f}}}"
    return f"e^{{{rate:.3f} N}}"


def rates_table(result: dict[str, np.ndarray]) -> str:
    """Theorem 1's rates, the chapter's predictions and the fitted rates, as a Markdown table."""
    lines = ["| system | $L_f$ | $\\lambda_1$ | quantity | Theorem 1 | predicted | fitted |",
             "|---|---|---|---|---|---|---|"]
    for row in rates(result):
        name = "$\\lVert\\nabla V_N\\rVert$" if row["quantity"] == "gradient" else "$\\lVert\\nabla^2 V_N\\rVert_2$"
        lines.append(f"| {row['system']} | {row['lipschitz']:.2f} | {row['lyapunov']:.3f} | {name} | "
                     f"$O({_rate_text(*row['theorem'], 0)})$ | $O({_rate_text(row['predicted'], row['scale'], 0)})$ | "
                     f"${_rate_text(row['fitted'], row['scale'], 2)}$ |")
    return "\n".join(lines)


def _shape(rate: float, scale: str):
    return (lambda n: n ** rate) if scale == "power" else (lambda n: np.exp(rate * n))


def _plot_row(axis, horizons, values, row, color, label):
    """Replicates as faint dots, their geometric mean as markers and the fitted line solid;
    Theorem 1's rate dashed and the predicted rate dotted, both anchored where the fit starts."""
    horizons = np.asarray(horizons, dtype=np.float64)
    mean = np.exp(np.log(values).mean(1))  # geometric mean over replicates
    axis.plot(np.repeat(horizons, values.shape[1]), values.ravel(), ".", color=color, alpha=0.15, markersize=3)
    axis.plot(horizons, mean, "o", color=color, markersize=4, label=label)
    slope, intercept = growth_rate(horizons, values, row["scale"])
    start = fit_start(len(horizons))
    axis.plot(horizons[start:], np.exp(intercept) * _shape(slope, row["scale"])(horizons[start:]), "-", color=color)
    lines = [(row["theorem"], "--", "Theorem 1")]
    if (row["predicted"], row["scale"]) != row["theorem"]:
        lines.append(((row["predicted"], row["scale"]), ":", "predicted"))
    for (rate, scale), style, name in lines:
        shape = _shape(rate, scale)
        axis.plot(horizons, mean[start] * shape(horizons) / shape(horizons[start]), style, color=color,
                  linewidth=1, label=f"{name}: $O({_rate_text(rate, scale, 0)})$")


def plot_linear(result, title):
    """Gradient (top) and Hessian (bottom) norms of the linear model against N, one column
    per gain a = L_f: measured, fitted (solid), Theorem 1 (dashed), predicted (dotted)."""
    gains, horizons = result["linear_gains"], result["linear_horizons"]
    rows = {(row["key"], row["quantity"]): row for row in rates(result)}
    fig, axes = plt.subplots(2, len(gains), figsize=(4 * len(gains), 6.5), squeeze=False)
    for j, gain in enumerate(gains):
        for i, (quantity, symbol) in enumerate((("gradient", r"\|\nabla V_N\|"), ("hessian", r"\|\nabla^2 V_N\|_2"))):
            row, axis = rows[(("linear", j), quantity)], axes[i, j]
            _plot_row(axis, horizons, result[f"linear_{quantity}"][j], row, f"C{j}", "measured")
            fitted = _rate_text(row["fitted"], row["scale"], 2)
            axis.set(xscale="log" if row["scale"] == "power" else "linear", yscale="log", xlabel="horizon N",
                     ylabel=f"${symbol}$", title=f"$a = L_f = {gain:g}$: fit ${fitted}$")
            axis.legend(fontsize=8, loc="upper left")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_lstm(result, title):
    """Gradient and Hessian norms of the chaotic LSTM against N at each scale s: measured,
    fitted (solid), Theorem 1 with the estimated L_f (dashed, leaving the axes almost at
    once) and the Lyapunov prediction (dotted)."""
    horizons = result["lstm_horizons"]
    rows = {(row["key"], row["quantity"]): row for row in rates(result)}
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
    for axis, (quantity, symbol) in zip(axes, (("gradient", r"\|\nabla V_N\|"), ("hessian", r"\|\nabla^2 V_N\|_2"))):
        values = result[f"lstm_{quantity}"]
        for i, s in enumerate(result["lstm_scales"]):
            label = f"s = {s:g}: $\\lambda_1$ = {result['lstm_lyapunov'][i]:.2f}, $L_f \\geq$ {result['lstm_lipschitz'][i]:.1f}"
            _plot_row(axis, horizons, values[i], rows[(("lstm", i), quantity)], f"C{i}", label)
        axis.set(yscale="log", xlabel="horizon N", ylabel=f"${symbol}$",
                 ylim=(values.min() / 10, values.max() * 1e3))
        axis.legend(fontsize=7, loc="upper left")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_cost_against_scale(result, title):
    """V_N(s) on a window of s, one panel per horizon N: smooth for short N, jagged for long.
    The dashed line marks the window's centre, the chaotic scale measured in the chapter."""
    s, horizons, cost = result["landscape_s"], result["landscape_horizons"], result["landscape_cost"]
    fig, axes = plt.subplots(len(horizons), 1, figsize=(9, 2.1 * len(horizons)), sharex=True, squeeze=False)
    for axis, n, values in zip(axes[:, 0], horizons, cost):
        axis.plot(s, values, linewidth=0.7)
        axis.axvline(s.mean(), color="k", linestyle="--", linewidth=0.6)
        axis.set(ylabel=f"$V_{{{n}}}(s)$")
    axes[-1, 0].set(xlabel="s")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def compact(result: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """What is stored of a run: V_N(s) as float32 (it is only plotted)."""
    return dict(result, landscape_cost=result["landscape_cost"].astype(np.float32))


def main(argv: list[str] | None = None) -> None:
    result, path = run_and_store("smoothness_theorem", __doc__.splitlines()[0], PRESETS, run, compact, argv)
    for row in rates(result):
        print(f"{row['system']:>24} {row['quantity']:>8}: Theorem 1 O({_rate_text(*row['theorem'], 3)}), "
              f"predicted O({_rate_text(row['predicted'], row['scale'], 3)}), "
              f"fitted {_rate_text(row['fitted'], row['scale'], 3)}")
    print(f"wrote {path}.npz/.json")


if __name__ == "__main__":
    main()
