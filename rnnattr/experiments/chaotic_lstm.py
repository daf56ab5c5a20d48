"""The chaotic-LSTM experiment (paper Figure 1), extended with λ1(s), dV/ds and a 2-D landscape.

For θ(s) = s·θ_true the autonomous 2-unit LSTM is simulated from h0 = c0 = 0.5 for
``n_steps`` steps; the post-burn-in orbit of h1 against s is the orbit ("bifurcation")
diagram, and the cost

    V(s) = 1/(N − N0) Σ_{t > N0} ‖h_t(s) − h_t(1)‖² / H

is the mean squared error between the trajectory at s and the trajectory at s = 1, the
one that generated the "data". Run at full size from the command line::

    python -m rnnattr.experiments.chaotic_lstm --size full --out results/chaotic_lstm
"""
from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import torch

from rnnattr.dynamics import lyapunov_spectrum, orbit
from rnnattr.experiments.full_size import run_and_store
from rnnattr.experiments.presets import select_preset
from rnnattr.models.chaotic import CHAOTIC_INITIAL_VALUE, LSTMFamily, chaotic_lstm, theta_true
from rnnattr.validation import check_positive_int


@dataclass(frozen=True)
class ChaoticLSTMConfig:
    """Sizes of the chaotic-LSTM experiment; the defaults are the full preset: the paper's text where it is
    explicit, else the reference code, else ours (``rnnattr.papers.CHAOTIC_LSTM_SETTINGS``)."""

    n_values: int = 5000  # the reference code's count (chaotic_lstm.py n_points); the paper gives none
    s_min: float = 0.5  # the reference code's range of s; the paper's text gives none
    s_max: float = 2.0
    n_steps: int = 200  # paper (Section 4.1): "a simulation of 200 samples" ...
    burn_in: int = 100  # ... "the first 100 samples were discarded"
    lyapunov_steps: int = 2000  # not in the paper: steps behind each λ1(s), transient included
    lyapunov_transient: int = 200  # warms up the tangent vector as well as the state
    grid_size: int = 101  # not in the paper: points per axis of the 2-D landscape
    direction_scale: float = 0.5  # the landscape's second axis spans ±this × ‖θ_true‖
    seed: int = 0  # draws the landscape's second direction

    def __post_init__(self):
        for name in ("n_values", "n_steps", "lyapunov_steps", "grid_size"):
            check_positive_int(name, getattr(self, name))
        if not 0 <= self.burn_in < self.n_steps:
            raise ValueError(f"burn_in: expected 0 <= burn_in < n_steps={self.n_steps}, got {self.burn_in}")
        if not 0 <= self.lyapunov_transient < self.lyapunov_steps:
            raise ValueError(f"lyapunov_transient: expected 0 <= lyapunov_transient < lyapunov_steps="
                             f"{self.lyapunov_steps}, got {self.lyapunov_transient}")
        if not self.s_min < self.s_max:
            raise ValueError(f"s_max: expected s_max > s_min={self.s_min}, got {self.s_max}")

    @classmethod
    def preset(cls, size: str) -> "ChaoticLSTMConfig":
        """``"full"``: the settings of ``CHAOTIC_LSTM_SETTINGS``; ``"reduced"``: a few seconds on a laptop CPU."""
        return select_preset(PRESETS, size)


PRESETS = {
    "full": ChaoticLSTMConfig(),
    "reduced": ChaoticLSTMConfig(n_values=1000, lyapunov_steps=600, lyapunov_transient=100, grid_size=61),
}


def simulation_cost(outputs: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """V: mean squared error of output trajectories (S, T, H) against a reference (1, T, H) -> (S,)."""
    return (outputs - reference).pow(2).mean(dim=(-2, -1))


def _post_burn_in_outputs(model: LSTMFamily, config: ChaoticLSTMConfig) -> torch.Tensor:
    states = orbit(model.step, model.initial_state(), config.n_steps, burn_in=config.burn_in)
    return model.readout(states)  # (S, n_steps - burn_in, 2)


def cost_and_gradient(s: torch.Tensor, config: ChaoticLSTMConfig) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Simulate every s at once; returns ``(outputs (S, T, 2), V(s) (S,), dV/ds (S,))``.

    dV/ds comes from back-propagation through the simulation: since θ(s) = s·θ_true,
    dV/ds = ⟨∂V/∂θ, θ_true⟩. Each member's cost depends on its own weights only, so one
    backward pass of ΣV gives every member's derivative.
    """
    reference = _post_burn_in_outputs(chaotic_lstm(1.0, dtype=s.dtype), config).detach()
    model = chaotic_lstm(s, dtype=s.dtype)
    with torch.enable_grad():
        outputs = _post_burn_in_outputs(model, config)
        cost = simulation_cost(outputs, reference)
        (grad_weights,) = torch.autograd.grad(cost.sum(), model.weight_hh)
    gradient = (grad_weights * theta_true(s.dtype)).sum(dim=(-2, -1))
    return outputs.detach(), cost.detach(), gradient


def largest_lyapunov_exponent(s: torch.Tensor, config: ChaoticLSTMConfig) -> torch.Tensor:
    """λ1(s) per step for every value of s, shape (S,); λ1 > 0 marks chaos."""
    model = chaotic_lstm(s, dtype=s.dtype)
    with torch.no_grad():
        exponents = lyapunov_spectrum(model.step, model.initial_state(), n_steps=config.lyapunov_steps,
                                      k=1, transient=config.lyapunov_transient)
    return exponents[:, 0]


def landscape_2d(config: ChaoticLSTMConfig, dtype: torch.dtype = torch.float64):
    """V on the plane θ(a, b) = a·θ_true + b·D through 0 and θ_true.

    D is a random direction orthogonal to θ_true with ‖D‖ = ‖θ_true‖ (drawn with
    ``config.seed``); a spans [s_min, s_max] and b spans ±``direction_scale``. The
    reference trajectory is θ_true itself, (a, b) = (1, 0), so the line b = 0 is Figure 1's V(s).

    Returns:
        ``(a (G,), b (G,), V (G, G))`` with ``V[j, i]`` at ``(a[i], b[j])``.
    """
    generator = torch.Generator().manual_seed(config.seed)
    true = theta_true(dtype)  # (8, 2)
    direction = torch.randn(true.shape, generator=generator, dtype=dtype)
    direction = direction - (direction * true).sum() / true.pow(2).sum() * true  # ⊥ θ_true
    direction = direction * true.norm() / direction.norm()
    a = torch.linspace(config.s_min, config.s_max, config.grid_size, dtype=dtype)
    half = max((config.grid_size - 1) / 2, 1.0)  # symmetric, so an odd grid holds b = 0 exactly
    b = (torch.arange(config.grid_size, dtype=dtype) - (config.grid_size - 1) / 2) / half * config.direction_scale
    bb, aa = torch.meshgrid(b, a, indexing="ij")  # (G, G)
    weights = aa.reshape(-1, 1, 1) * true + bb.reshape(-1, 1, 1) * direction  # (G*G, 8, 2)
    plane = LSTMFamily(weights, initial_value=CHAOTIC_INITIAL_VALUE)
    with torch.no_grad():
        reference = _post_burn_in_outputs(chaotic_lstm(1.0, dtype=dtype), config)
        cost = simulation_cost(_post_burn_in_outputs(plane, config), reference)
    return a, b, cost.reshape(config.grid_size, config.grid_size)


def chaotic_band(s: torch.Tensor, exponent: torch.Tensor, threshold: float = 0.01) -> tuple[float, float]:
    """The smallest and largest s whose λ1 exceeds ``threshold`` (the chaotic band's edges)."""
    chaotic = s[exponent > threshold]
    if chaotic.numel() == 0:
        return float("nan"), float("nan")
    return float(chaotic.min()), float(chaotic.max())


def run(config: ChaoticLSTMConfig, dtype: torch.dtype = torch.float64) -> dict[str, np.ndarray]:
    """Every quantity of the chapter as numpy arrays: s, the h1 orbit diagram, V, dV/ds, λ1,
    and the 2-D landscape (a, b, V2d)."""
    s = torch.linspace(config.s_min, config.s_max, config.n_values, dtype=dtype)
    outputs, cost, gradient = cost_and_gradient(s, config)
    a, b, cost_2d = landscape_2d(config, dtype)
    return {
        "s": s.numpy(), "h1": outputs[..., 0].numpy(), "cost": cost.numpy(), "cost_gradient": gradient.numpy(),
        "lyapunov": largest_lyapunov_exponent(s, config).numpy(),
        "a": a.numpy(), "b": b.numpy(), "cost_2d": cost_2d.numpy(),
    }


def plot_figure_1(result, title):
    """Orbit diagram of h1 (top) and cost V(s) (bottom), as in the paper's Figure 1."""
    s, h1 = result["s"], result["h1"].astype(np.float64)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 6), sharex=True)
    top.plot(np.repeat(s, h1.shape[1]), h1.ravel(), ",", color="k", alpha=0.4, rasterized=True)
    top.set(ylabel="$h_1$ (post burn-in)", title=title)
    bottom.plot(s, result["cost"], linewidth=0.6)
    bottom.set(xlabel="s", ylabel="V(s)")
    fig.tight_layout()
    return fig


def plot_chaos(result, title):
    """λ1(s) and |dV/ds| on the orbit diagram's axis, the chaotic band (λ1 > 0.01) shaded."""
    s, exponent = result["s"], result["lyapunov"]
    low, high = chaotic_band(torch.from_numpy(s), torch.from_numpy(exponent))
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 6), sharex=True)
    top.plot(s, exponent, linewidth=0.6)
    top.axhline(0, color="k", linewidth=0.5)
    top.set(ylabel=r"$\lambda_1(s)$ per step", title=title)
    bottom.semilogy(s, np.abs(result["cost_gradient"]) + 1e-12, linewidth=0.5)
    bottom.set(xlabel="s", ylabel="|dV/ds|")
    for axis in (top, bottom):
        axis.axvspan(low, high, color="tab:red", alpha=0.1)
    fig.tight_layout()
    return low, high


def plot_landscape(result, title):
    fig, axis = plt.subplots(figsize=(7.5, 5))
    image = axis.pcolormesh(result["a"], result["b"], np.log10(result["cost_2d"] + 1e-6),
                            shading="auto", cmap="viridis", rasterized=True)
    axis.plot([1.0], [0.0], "r*", markersize=10, label=r"$\theta_{true}$")
    axis.set(xlabel="a (along $\\theta_{true}$)", ylabel="b (along D)", title=title)
    axis.legend(loc="upper right")
    fig.colorbar(image, label="$\\log_{10}(V + 10^{-6})$")
    fig.tight_layout()


def compact(result: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """What is stored of a run: the orbit sub-sampled to its last 50 points per s, float16."""
    return dict(result, h1=result["h1"][:, -50:].astype(np.float16))


def main(argv: list[str] | None = None) -> None:
    result, path = run_and_store("chaotic_lstm", __doc__.splitlines()[0], PRESETS, run, compact, argv)
    low, high = chaotic_band(torch.from_numpy(result["s"]), torch.from_numpy(result["lyapunov"]))
    print(f"chaotic band (λ1 > 0.01): s in [{low:.3f}, {high:.3f}]; wrote {path}.npz/.json")


if __name__ == "__main__":
    main()
