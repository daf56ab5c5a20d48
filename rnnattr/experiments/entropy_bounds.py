"""Entropy of the state distribution under contractive, neutral and expansive maps (paper Figure 3).

A cloud of initial states drawn from a known distribution is pushed through a map with
Lipschitz constant L_f, and the differential entropy H_t of the cloud is followed step by
step three ways: the upper bound H_0 + t N_x log L_f, the exact change-of-variables
identity H_0 + Σ_s E[log|det J(x_s)|], and a nearest-neighbour estimate from the samples.
The lower bound H_0 + Σ_s N_x log ℓ_s, with ℓ_s the least stretching σ_min(J) over the cloud
at step s, is the direction the paper's Eq. 4 prints, with a lower Lipschitz constant in
place of L_f.
Linear maps on Gaussian clouds give the entropy in closed form; tanh RNNs with weights
W = g·Q (Q orthogonal, so L_f = g) give the nonlinear regimes.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import torch

from rnnattr.dynamics import linear_map, lipschitz_estimate, lyapunov_spectrum, orbit
from rnnattr.entropy import (
    gaussian_entropy,
    kozachenko_leonenko_entropy,
    log_abs_det_jacobian,
    smallest_singular_value,
)
from rnnattr.experiments.presets import select_preset
from rnnattr.models.tanh_rnn import TanhRNN
from rnnattr.validation import check_positive_int


@dataclass(frozen=True)
class EntropyBoundsConfig:
    """Sizes of the entropy-bound experiment; ``full`` only adds samples and Lyapunov steps."""

    state_dim: int = 6  # N_x: nearest-neighbour estimates stay accurate in a few dimensions
    n_samples: int = 10000  # N states per cloud
    n_steps: int = 20
    gains: tuple[float, ...] = (0.5, 1.0, 3.0)  # L_f of every map: contractive, neutral, expansive
    narrow_std: float = 1e-3  # a cloud this close to the fixed point 0 sees an almost linear map
    wide_std: float = 0.5  # a cloud this wide reaches the saturating part of tanh at once
    neighbours: int = 3  # k of the Kozachenko–Leonenko estimate
    linear_estimate_every: int = 4  # the linear maps' estimates only confirm straight lines
    lyapunov_steps: int = 5000
    lyapunov_transient: int = 500
    # draws Q, the non-normal map and the clouds. With this Q the L_f = 3 network is chaotic
    # (λ1 ≈ 0.1 from every initial state tried); most draws in 4–6 dimensions give periodic
    # or quasi-periodic attractors instead.
    seed: int = 28

    def __post_init__(self):
        for name in ("state_dim", "n_samples", "n_steps", "neighbours", "linear_estimate_every", "lyapunov_steps"):
            check_positive_int(name, getattr(self, name))
        if self.state_dim % 2:
            raise ValueError(f"state_dim: expected an even number (the non-normal map rotates planes), "
                             f"got {self.state_dim}")
        if not 0 <= self.lyapunov_transient < self.lyapunov_steps:
            raise ValueError(f"lyapunov_transient: expected 0 <= lyapunov_transient < lyapunov_steps="
                             f"{self.lyapunov_steps}, got {self.lyapunov_transient}")
        if min(self.gains) <= 0 or self.narrow_std <= 0 or self.wide_std <= 0:
            raise ValueError("gains, narrow_std, wide_std: expected positive numbers")

    @classmethod
    def preset(cls, size: str) -> "EntropyBoundsConfig":
        """``"full"``: 10⁴ states per cloud; ``"reduced"``: 2000, a few seconds on a laptop CPU."""
        return select_preset(PRESETS, size)


PRESETS = {
    "full": EntropyBoundsConfig(),
    "reduced": EntropyBoundsConfig(n_samples=2000, lyapunov_steps=300, lyapunov_transient=100),
}


def random_rotation(dim: int, generator: torch.Generator, dtype=torch.float64) -> torch.Tensor:
    """A Haar-random orthogonal matrix (dim, dim): QR of a Gaussian matrix, signs fixed by R's diagonal."""
    q, r = torch.linalg.qr(torch.randn(dim, dim, generator=generator, dtype=dtype))
    return q * torch.sign(r.diagonal())


def volume_preserving_non_normal(dim: int, generator: torch.Generator, dtype=torch.float64):
    """A map S = P R P⁻¹ similar to a rotation R, and the covariance P Pᵀ it leaves invariant.

    |det S| = 1 and S P Pᵀ Sᵀ = P Pᵀ, so a Gaussian cloud N(0, P Pᵀ) keeps its shape and its
    entropy under S; yet S is not normal, its singular values differ, and ‖S‖₂ > 1.

    Returns:
        ``(S (dim, dim), P Pᵀ (dim, dim))``.
    """
    angles = torch.rand(dim // 2, generator=generator, dtype=dtype) * math.pi  # one per rotation plane
    cos, sin = torch.cos(angles), torch.sin(angles)
    blocks = torch.stack([torch.stack([cos, -sin], -1), torch.stack([sin, cos], -1)], -2)  # (dim/2, 2, 2)
    rotation = torch.block_diag(*blocks)
    # P with singular values from 1 to 2, so 1 < ‖S‖₂ ≤ cond(P) = 2 and the cloud stays round enough
    # for the nearest-neighbour estimate
    singular_values = torch.logspace(0, math.log10(2.0), dim, dtype=dtype)
    basis = random_rotation(dim, generator, dtype) * singular_values @ random_rotation(dim, generator, dtype)
    return basis @ rotation @ torch.linalg.inv(basis), basis @ basis.T


def scaled_orthogonal_rnn(rotation: torch.Tensor, gain: float) -> TanhRNN:
    """The autonomous tanh RNN x' = tanh(g Q x): zero biases, recurrent weights g·Q, float64.

    Its Jacobian diag(1 − x'²) g Q has norm at most g, reached at x = 0: L_f = g exactly.
    """
    dim = rotation.shape[0]
    model = TanhRNN(1, dim, 1).double()
    with torch.no_grad():
        model.cell.weight_hh_l0.copy_(gain * rotation)
        model.cell.bias_hh_l0.zero_()
        model.cell.bias_ih_l0.zero_()
    return model


def entropy_along_orbit(step, x0: torch.Tensor, n_steps: int, initial_entropy: float, k: int):
    """The entropy of a cloud of states x0 (N, d) at t = 0, …, n_steps, two ways.

    Returns:
        ``(estimate (T+1,), identity (T+1,))``: the Kozachenko–Leonenko estimate from the
        cloud at each t, and H_0 + Σ_{s<t} mean_i log|det J(x_s^i)|, the change-of-variables
        identity, exact for an invertible step up to the Monte Carlo error of the mean.
    """
    states = torch.cat([x0[:, None], orbit(step, x0, n_steps)], dim=1)  # (N, T+1, d)
    estimate = kozachenko_leonenko_entropy(states.transpose(0, 1), k=k)  # (T+1,)
    n, steps, dim = states.shape
    log_det = log_abs_det_jacobian(step, states[:, :-1].reshape(-1, dim)).reshape(n, steps - 1)  # (N, T)
    increments = torch.cat([log_det.new_zeros(1), log_det.mean(0).cumsum(0)])  # (T+1,)
    return estimate, initial_entropy + increments


def run_linear(config: EntropyBoundsConfig) -> dict[str, np.ndarray]:
    """Linear maps with ‖A‖₂ = L_f for every gain, on the Gaussian cloud N(0, P Pᵀ).

    Two maps per gain: ``isotropic`` A = L_f Q (all singular values L_f: the bound is
    attained) and ``non_normal`` A = L_f S/‖S‖₂ (unequal singular values: strictly below).
    Each has exact entropies ½ log det(2πe A^t Σ_0 A^tᵀ), (G, T+1), estimates from the
    propagated samples at the steps ``linear_estimate_t`` (every ``linear_estimate_every``-th),
    its lower Lipschitz constant ℓ = σ_min(A), ``linear_<map>_lower_lipschitz`` (G,), and the
    lower bound H_0 + t N_x log ℓ, ``linear_<map>_lower_bound`` (G, T+1).
    """
    generator = torch.Generator().manual_seed(config.seed)
    dim, steps = config.state_dim, config.n_steps
    rotation = random_rotation(dim, generator)
    shear, covariance = volume_preserving_non_normal(dim, generator)
    noise = torch.randn(config.n_samples, dim, generator=generator, dtype=torch.float64)
    x0 = noise @ torch.linalg.cholesky(covariance).T  # (N, d), drawn from N(0, P Pᵀ)
    h0 = gaussian_entropy(covariance).item()
    t = torch.arange(steps + 1)
    estimate_t = t[::config.linear_estimate_every]
    result = {"linear_bound": np.array([h0 + t.numpy() * dim * math.log(g) for g in config.gains]),
              "linear_estimate_t": estimate_t.numpy()}
    for name, base in (("isotropic", rotation), ("non_normal", shear / torch.linalg.matrix_norm(shear, ord=2))):
        exact, estimate, lower = [], [], []
        for gain in config.gains:
            matrix = gain * base
            # ℓ = σ_min(A), the lower Lipschitz constant: ‖Ax − Aw‖ ≥ ℓ‖x − w‖
            lower.append(torch.linalg.svdvals(matrix)[-1].item())
            powers = torch.stack([torch.linalg.matrix_power(matrix, int(s)) for s in t])  # (T+1, d, d)
            exact.append(gaussian_entropy(powers @ covariance @ powers.mT))
            states = torch.cat([x0[:, None], orbit(linear_map(matrix), x0, steps)], dim=1)  # (N, T+1, d)
            estimate.append(kozachenko_leonenko_entropy(states[:, estimate_t].transpose(0, 1), k=config.neighbours))
        result[f"linear_{name}_exact"] = torch.stack(exact).numpy()
        result[f"linear_{name}_estimate"] = torch.stack(estimate).numpy()
        result[f"linear_{name}_lower_lipschitz"] = np.array(lower)
        result[f"linear_{name}_lower_bound"] = np.array([h0 + t.numpy() * dim * math.log(ell) for ell in lower])
    result["linear_non_normal_norm"] = np.array(torch.linalg.matrix_norm(shear, ord=2).item())
    return result


def run_tanh(config: EntropyBoundsConfig) -> dict[str, np.ndarray]:
    """Tanh RNNs x' = tanh(g Q x) for every gain g, from a narrow and a wide Gaussian cloud.

    Returns arrays ``tanh_estimate``, ``tanh_identity``, ``tanh_bound`` of shape (2, G, T+1)
    (clouds × gains × time), the least stretching over each cloud at each step,
    ``tanh_lower_lipschitz`` (2, G, T): ℓ_t = min_i σ_min(J(x_t^i)), and the lower bound
    ``tanh_lower_bound`` (2, G, T+1), H_0 + Σ_{s<t} N_x log ℓ_s; the Lipschitz estimate on the
    visited states ``tanh_lipschitz`` (G,) and the Lyapunov spectrum ``tanh_lyapunov`` (G, d),
    averaged over 4 orbits.
    """
    generator = torch.Generator().manual_seed(config.seed)
    dim = config.state_dim
    rotation = random_rotation(dim, generator)
    noise = torch.randn(config.n_samples, dim, generator=generator, dtype=torch.float64)
    stds = (config.narrow_std, config.wide_std)
    t = np.arange(config.n_steps + 1)
    estimate, identity, bound, lower_bound = (np.zeros((2, len(config.gains), len(t))) for _ in range(4))
    lower_lipschitz = np.zeros((2, len(config.gains), config.n_steps))
    lipschitz = []
    for j, gain in enumerate(config.gains):
        model = scaled_orthogonal_rnn(rotation, gain)
        with torch.no_grad():
            for c, std in enumerate(stds):
                h0 = 0.5 * dim * math.log(2 * math.pi * math.e * std**2)  # N(0, std² I)
                curves = entropy_along_orbit(model.step, std * noise, config.n_steps, h0, config.neighbours)
                estimate[c, j], identity[c, j] = (curve.numpy() for curve in curves)
                bound[c, j] = h0 + t * dim * math.log(gain)
                states = torch.cat([std * noise[:, None], orbit(model.step, std * noise, config.n_steps)], 1)[:, :-1]
                stretch = smallest_singular_value(model.step, states.reshape(-1, dim))  # (N T,)
                lower_lipschitz[c, j] = stretch.reshape(config.n_samples, config.n_steps).amin(0).numpy()
                lower_bound[c, j] = h0 + np.concatenate([[0.0], np.cumsum(dim * np.log(lower_lipschitz[c, j]))])
            # states visited from the wide cloud, and the origin, where ‖J‖₂ = g is attained
            visited = orbit(model.step, config.wide_std * noise[:200], config.n_steps).reshape(-1, dim)
            visited = torch.cat([visited, visited.new_zeros(1, dim)])
            lipschitz.append(lipschitz_estimate(model.step, visited).item())
    # tanh(g Q x) is the g = 1 network applied to g x, so one batched system holds every gain
    unit = scaled_orthogonal_rnn(rotation, 1.0)
    member_gain = torch.tensor(config.gains, dtype=torch.float64).repeat_interleave(4)[:, None]  # (4G, 1)
    with torch.no_grad():
        spectra = lyapunov_spectrum(lambda x, u: unit.step(member_gain * x, u),
                                    (config.wide_std * noise[:4]).repeat(len(config.gains), 1),
                                    n_steps=config.lyapunov_steps, transient=config.lyapunov_transient)  # (4G, d)
    return {"tanh_estimate": estimate, "tanh_identity": identity, "tanh_bound": bound,
            "tanh_lower_lipschitz": lower_lipschitz, "tanh_lower_bound": lower_bound,
            "tanh_lipschitz": np.array(lipschitz),
            "tanh_lyapunov": spectra.reshape(len(config.gains), 4, dim).mean(1).numpy(),
            "cloud_stds": np.array(stds)}


def run(config: EntropyBoundsConfig) -> dict[str, np.ndarray]:
    """Every quantity of the chapter, as numpy arrays (see :func:`run_linear`, :func:`run_tanh`)."""
    return {"t": np.arange(config.n_steps + 1), "gains": np.array(config.gains),
            "state_dim": np.array(config.state_dim), **run_linear(config), **run_tanh(config)}


def _regime(gain: float) -> str:
    return "contractive" if gain < 1 else "neutral" if gain == 1 else "expansive"


def plot_linear(result):
    """Entropy of a Gaussian cloud under linear maps with ‖A‖₂ = L_f: bound, exact, estimated."""
    t, gains = result["t"], result["gains"]
    fig, axes = plt.subplots(1, len(gains), figsize=(12, 3.6))
    for j, (axis, gain) in enumerate(zip(axes, gains)):
        # the bound on top, dashed, so that a curve lying on it still shows through the gaps
        axis.plot(t, result["linear_bound"][j], "k--", linewidth=1.2, zorder=3, label=r"bound $H_0 + tN_x\log L_f$")
        for name, colour, label in (("isotropic", "tab:blue", r"$A = L_f Q$"),
                                    ("non_normal", "tab:orange", r"$A = L_f S/\Vert S\Vert_2$")):
            axis.plot(t, result[f"linear_{name}_exact"][j], color=colour, linewidth=1.5, label=f"{label}, exact")
            axis.plot(result["linear_estimate_t"], result[f"linear_{name}_estimate"][j], "o", color=colour,
                      markersize=4, markerfacecolor="none", label=f"{label}, k-NN estimate")
        axis.set(title=f"$L_f = {gain:g}$ ({_regime(gain)})", xlabel="step t")
    axes[0].set_ylabel("entropy $H_t$ (nats)")
    axes[0].legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    return fig


def plot_figure_3(result):
    """Entropy of the state cloud of tanh RNNs with L_f = g (columns) from two clouds (rows): the
    bound, the change-of-variables identity, the k-NN estimate and the ceiling N_x log 2."""
    t, gains = result["t"], result["gains"]
    box_entropy = int(result["state_dim"]) * math.log(2)  # the uniform distribution on (−1, 1)^N_x
    fig, axes = plt.subplots(2, len(gains), figsize=(12, 6.5), sharex=True)
    for c, std in enumerate(result["cloud_stds"]):
        for j, gain in enumerate(gains):
            axis = axes[c, j]
            if result["tanh_bound"][c, j].max() > box_entropy:  # the ceiling matters only where the bound reaches it
                axis.axhline(box_entropy, color="0.6", linestyle=":", linewidth=1.2,
                             label=r"$N_x \log 2$, the largest entropy on $(-1, 1)^{N_x}$")
            axis.plot(t, result["tanh_bound"][c, j], "k--", linewidth=1.2, zorder=3,
                      label=r"bound $H_0 + tN_x\log L_f$")
            axis.plot(t, result["tanh_identity"][c, j], color="tab:green", linewidth=1.5,
                      label=r"identity $H_0 + \sum_s E\log|\det J|$")
            axis.plot(t, result["tanh_estimate"][c, j], "o", color="tab:purple", markersize=3.5,
                      markerfacecolor="none", label="k-NN estimate")
            axis.set_title(f"$L_f = {gain:g}$ ({_regime(gain)}), $\\sigma_0 = {std:g}$", fontsize=10)
            low, high = axis.get_ylim()
            if high - low < 4:  # a constant entropy: show it on a scale of nats, not of its estimation error
                axis.set_ylim((low + high) / 2 - 2, (low + high) / 2 + 2)
        axes[c, 0].set_ylabel("entropy $H_t$ (nats)")
    for axis in axes[-1]:
        axis.set_xlabel("step t")
    fig.legend(*axes[0, -1].get_legend_handles_labels(), loc="lower center", ncol=4, fontsize=8)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig
