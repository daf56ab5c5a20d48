"""Contractivity, attractors and long-term memory: the systems and figures of that chapter.

Small recurrent maps whose attractors can be drawn: 2-unit tanh RNNs x' = tanh(W x + U u + b)
with a single fixed point, four fixed points (after pitchfork bifurcations) or an invariant
circle (after a Neimark–Sacker bifurcation), and the paper's chaotic 2-unit LSTM. For each,
:func:`analyse` finds the fixed points, samples the attractors and colours a grid of initial
states by the attractor it converges to.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from matplotlib.colors import ListedColormap

from rnnattr.dynamics.basins import basin_labels
from rnnattr.dynamics.fixed_points import FixedPoints, fixed_points
from rnnattr.dynamics.jacobian import jacobian, lipschitz_estimate, sample_box
from rnnattr.dynamics.lyapunov import lyapunov_spectrum
from rnnattr.dynamics.orbit import orbit
from rnnattr.experiments.presets import select_preset
from rnnattr.models.chaotic import chaotic_lstm
from rnnattr.validation import check_positive_int, check_tensor


@dataclass(frozen=True)
class ContractivityConfig:
    """Sizes of the chapter's computations; every one is cheap, so full only refines the grids."""

    grid_size: int = 201  # points per axis of the basin pictures
    basin_steps: int = 300  # steps before a grid state is assigned to an attractor
    n_starts: int = 512  # starting states of each fixed-point search
    adam_steps: int = 300  # its descent on q before Newton; two units need few
    n_orbits: int = 16  # orbits drawn in each phase portrait (also used to find the attractors)
    orbit_steps: int = 2000  # steps of those orbits; the second half samples the attractors
    n_sweep: int = 301  # parameter values of the bifurcation sweeps
    lyapunov_steps: int = 3000  # steps behind each largest Lyapunov exponent (transient: a tenth)
    seed: int = 0

    def __post_init__(self):
        for name in ("grid_size", "basin_steps", "n_starts", "adam_steps", "n_orbits", "orbit_steps", "n_sweep",
                     "lyapunov_steps"):
            check_positive_int(name, getattr(self, name))
        for name in ("orbit_steps", "lyapunov_steps"):
            if getattr(self, name) < 10:
                raise ValueError(f"{name}: expected at least 10, got {getattr(self, name)}")

    @classmethod
    def preset(cls, size: str) -> "ContractivityConfig":
        """``"full"``: fine grids (a minute on a laptop CPU); ``"reduced"``: coarse ones, seconds."""
        return select_preset(PRESETS, size)


PRESETS = {
    "full": ContractivityConfig(),
    "reduced": ContractivityConfig(grid_size=61, basin_steps=200, n_starts=128, adam_steps=100, n_orbits=8,
                                   orbit_steps=1000, n_sweep=61, lyapunov_steps=500),
}


def rotation(angle: float, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """The 2×2 rotation matrix R(angle)."""
    c, s = math.cos(angle), math.sin(angle)
    return torch.tensor([[c, -s], [s, c]], dtype=dtype)


def tanh_map(weight, bias=None, input_weight=None, dtype: torch.dtype = torch.float64):
    """The tanh RNN x' = tanh(W x + U u + b) as a step function on states (B, d).

    Args:
        weight: W, (d, d).
        bias: b, (d,); zero if ``None``.
        input_weight: U, (d, m); needed only when the step is given inputs u (B, m).
    """
    weight = check_tensor("weight", torch.as_tensor(weight, dtype=dtype), ("d", "d"))
    dim = weight.shape[0]
    if weight.shape[1] != dim:
        raise ValueError(f"weight: expected a square shape (d, d), got {tuple(weight.shape)}")
    bias = weight.new_zeros(dim) if bias is None else check_tensor("bias", torch.as_tensor(bias, dtype=dtype), (dim,))
    if input_weight is not None:
        input_weight = check_tensor("input_weight", torch.as_tensor(input_weight, dtype=dtype), (dim, "m"))

    def step(x, u=None):
        pre = F.linear(x, weight, bias)  # (B, d); one fused call, several times faster than x @ W.T + b
        if u is not None:
            pre = pre + F.linear(u, input_weight)
        return torch.tanh(pre)
    return step


@dataclass
class Example:
    """A system of the gallery: its step, the box its fixed points are sought in, and a plane.

    ``embed`` maps points (B, 2) of the drawn plane to states (B, d); for a 2-unit tanh RNN
    the plane is the state space itself.
    """

    title: str
    step: Callable
    low: torch.Tensor  # (d,) and high (d,): the box of starting states
    high: torch.Tensor
    plane_range: tuple[float, float] = (-1.2, 1.2)  # both axes of the basin grid
    embed: Callable | None = None
    portrait_range: tuple[float, float] | None = None  # zoom of the phase portrait; None: automatic

    def to_state(self, plane_points: torch.Tensor) -> torch.Tensor:
        return plane_points if self.embed is None else self.embed(plane_points)


#: The 2-unit weight matrices of the chapter.
CONTRACTIVE_WEIGHT = [[0.6, -0.5], [0.4, 0.5]]  # ‖W‖₂ ≈ 0.78 < 1
CONTRACTIVE_BIAS = [0.3, -0.2]
NON_NORMAL_WEIGHT = [[0.5, 2.0], [0.0, 0.5]]  # eigenvalues 0.5, 0.5 but ‖W‖₂ ≈ 2.12
MULTISTABLE_WEIGHT = [[2.0, 0.4], [0.4, 2.0]]  # two pitchforks: four stable fixed points
MULTISTABLE_BIAS = [0.15, -0.1]
CIRCLE_GAIN, CIRCLE_ANGLE = 1.3, 0.5  # tanh(g R(ω) x), past the Neimark–Sacker point g = 1


def gallery(dtype: torch.dtype = torch.float64) -> list[Example]:
    """The four systems of the gallery: one fixed point, four, an invariant circle, chaos."""
    box = torch.full((2,), 1.2, dtype=dtype)
    lstm = chaotic_lstm(1.0, dtype=dtype)
    lstm.requires_grad_(False)  # analysed, not trained

    def lstm_plane(h):  # (B, 2) -> (B, 4): the (h1, h2) plane at c = 0
        return torch.cat([h, torch.zeros_like(h)], dim=-1)
    lstm_box = torch.tensor([1.0, 1.0, 3.0, 3.0], dtype=dtype)  # |h| < 1; c wider
    return [
        Example("one fixed point (contractive)", tanh_map(CONTRACTIVE_WEIGHT, CONTRACTIVE_BIAS, dtype=dtype),
                -box, box),
        Example("four fixed points (pitchforks)", tanh_map(MULTISTABLE_WEIGHT, MULTISTABLE_BIAS, dtype=dtype),
                -box, box),
        Example("invariant circle (Neimark–Sacker)",
                tanh_map(CIRCLE_GAIN * rotation(CIRCLE_ANGLE, dtype), dtype=dtype), -box, box),
        Example("chaotic attractor (LSTM, s = 1)", lstm.step, -lstm_box, lstm_box, (-1.0, 1.0), lstm_plane,
                (-0.2, 0.3)),
    ]


@dataclass
class Analysis:
    """What :func:`analyse` finds for one :class:`Example`."""

    fixed: FixedPoints
    orbits: torch.Tensor  # (n_orbits, orbit_steps, d)
    attractors: list[torch.Tensor]  # point samples (K_a, d), stable fixed points first
    labels: torch.Tensor  # (G, G) attractor index per grid state, −1 for none; [row = 2nd axis, column = 1st]
    largest_exponent: float  # λ1 per step on the attractor reached by the first orbit


def find_attractors(fixed: FixedPoints, orbits: torch.Tensor, tolerance: float = 1e-3) -> list[torch.Tensor]:
    """Point samples of the attractors: each stable fixed point as (1, d), then the second half
    of the first orbit that ends at none of them, standing for the one other attractor.

    That a system has at most one attractor other than a fixed point holds for every
    example of the chapter; :func:`basin_labels` marks grid states that reach none of these
    samples, so a missing attractor shows up as unlabelled states.
    """
    stable = [point[None] for point, label in zip(fixed.points, fixed.stability) if label == "stable"]
    final = orbits[:, -1]  # (n, d)
    if stable:
        distance = torch.cdist(final, torch.cat(stable)).amin(dim=1)  # (n,)
        elsewhere = (distance > tolerance) & torch.isfinite(distance)
    else:
        elsewhere = torch.isfinite(final).all(dim=1)
    if elsewhere.any():
        first = int(elsewhere.nonzero()[0])
        stable.append(orbits[first, orbits.shape[1] // 2:])
    return stable


def analyse(example: Example, config: ContractivityConfig) -> Analysis:
    """Fixed points, orbits from random states, attractor samples and basins of one example."""
    generator = torch.Generator().manual_seed(config.seed)
    fixed = fixed_points(example.step, low=example.low, high=example.high, n_starts=config.n_starts,
                         n_iterations=config.adam_steps, generator=generator)
    with torch.no_grad():
        x0 = sample_box(config.n_orbits, example.low, example.high, generator)
        orbits = torch.cat([x0[:, None], orbit(example.step, x0, config.orbit_steps - 1)], dim=1)  # (n, T, d)
        attractors = find_attractors(fixed, orbits)
        axis = torch.linspace(*example.plane_range, config.grid_size, dtype=example.low.dtype)
        second, first = torch.meshgrid(axis, axis, indexing="ij")  # (G, G): rows follow the second axis
        plane = torch.stack([first.reshape(-1), second.reshape(-1)], dim=-1)  # (G*G, 2)
        labels = basin_labels(example.step, example.to_state(plane), attractors, config.basin_steps,
                              max_distance=0.1)
        exponent = lyapunov_spectrum(example.step, orbits[:1, -1], n_steps=config.lyapunov_steps, k=1,
                                     transient=config.lyapunov_steps // 10)
    return Analysis(fixed, orbits, attractors, labels.reshape(config.grid_size, config.grid_size), exponent.item())


STABILITY_MARKERS = {"stable": ("o", "k"), "unstable": ("o", "w"), "saddle": ("X", "w"), "marginal": ("D", "y")}
BASIN_COLOURS = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860"]


def _mark_fixed_points(axis, fixed: FixedPoints) -> None:
    for point, label in zip(fixed.points, fixed.stability):
        marker, face = STABILITY_MARKERS[label]
        axis.plot(point[0], point[1], marker, markerfacecolor=face, markeredgecolor="k", markersize=7, zorder=5)


def plot_gallery(examples: list[Example], analyses: list[Analysis]):
    """Three rows per example column: phase portrait, basins of attraction, Jacobian eigenvalues."""
    fig, axes = plt.subplots(3, len(examples), figsize=(3.6 * len(examples), 10.5))
    circle = np.exp(1j * np.linspace(0, 2 * np.pi, 200))
    for column, (example, result) in enumerate(zip(examples, analyses)):
        portrait, basins, spectrum = axes[:, column]
        for path in result.orbits:
            portrait.plot(path[:10, 0], path[:10, 1], "-", color="0.6", linewidth=0.6)  # transients
            portrait.plot(path[-300:, 0], path[-300:, 1], ".", color="tab:blue", markersize=1.5)  # attractor
        _mark_fixed_points(portrait, result.fixed)
        xlabel, ylabel = ("$h_1$", "$h_2$") if example.embed else ("$x_1$", "$x_2$")
        portrait.set(title=example.title, xlabel=xlabel, ylabel=ylabel)
        if example.portrait_range is not None:
            portrait.set(xlim=example.portrait_range, ylim=example.portrait_range)
        n_attractors = len(result.attractors)
        colours = ListedColormap(["0.85"] + BASIN_COLOURS[:n_attractors])  # grey: no attractor reached
        extent = [*example.plane_range, *example.plane_range]
        basins.imshow(result.labels.numpy() + 1, origin="lower", extent=extent, cmap=colours,
                      vmin=-0.5, vmax=n_attractors + 0.5, interpolation="nearest")
        for points in result.attractors:
            basins.plot(points[:, 0], points[:, 1], ".", color="k", markersize=1.5 if len(points) > 1 else 6)
        _mark_fixed_points(basins, result.fixed)
        basins.set(title=f"basins: {n_attractors} attractor{'s' * (n_attractors > 1)}; "
                         f"$\\lambda_1$ = {round(result.largest_exponent, 2) + 0.0:.2f}",  # + 0.0: no "-0.00"
                   xlabel=xlabel, ylabel=ylabel, xlim=example.plane_range, ylim=example.plane_range)
        spectrum.plot(circle.real, circle.imag, "k-", linewidth=0.7)
        for label in dict.fromkeys(result.fixed.stability):  # one legend entry per label, in order
            marker, face = STABILITY_MARKERS[label]
            values = result.fixed.eigenvalues[[s == label for s in result.fixed.stability]].reshape(-1)
            spectrum.plot(values.real, values.imag, marker, markerfacecolor=face, markeredgecolor="k",
                          linestyle="none", label=label)
        reach = 1.1 * max(1.0, result.fixed.eigenvalues.abs().max().item())
        spectrum.set(title="Jacobian eigenvalues", xlabel="Re λ", ylabel="Im λ", aspect="equal",
                     xlim=(-reach, reach), ylim=(-reach, reach))
        spectrum.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    return fig


def pitchfork_branches(weights: torch.Tensor, config: ContractivityConfig, per_value: int = 9) -> FixedPoints:
    """Fixed points of x' = tanh(w x) for every w (S,), in ONE search: w is passed as the input u,
    with ``per_value`` starts evenly spaced on [−1.5, 1.5] for each value."""
    check_tensor("weights", weights, ("S",))
    starts = torch.linspace(-1.5, 1.5, check_positive_int("per_value", per_value), dtype=weights.dtype)
    return fixed_points(lambda x, u: torch.tanh(u * x), weights.repeat_interleave(per_value)[:, None],
                        starts=starts.repeat(len(weights))[:, None], n_iterations=config.adam_steps)


def invariant_circle_radius(gains: torch.Tensor, config: ContractivityConfig, angle: float = CIRCLE_ANGLE):
    """Post-transient radii ‖x_t‖ of x' = tanh(g R(ω) x) for every gain g (S,): one batched orbit.

    Returns (S, 100): the radii of the last 100 of ``orbit_steps`` steps from x0 = (0.5, 0).
    """
    turn = rotation(angle, gains.dtype)

    def step(x, u):  # u (S, 1) holds the gain of each member
        return torch.tanh(u * (x @ turn.T))
    x0 = gains.new_tensor([0.5, 0.0]).expand(len(gains), 2)
    with torch.no_grad():
        states = orbit(step, x0, config.orbit_steps, inputs=gains[:, None], burn_in=config.orbit_steps - 100)
    return states.norm(dim=-1)


def plot_bifurcations(weights, branches: FixedPoints, gains, radii, angle: float = CIRCLE_ANGLE):
    """Left: the pitchfork of x' = tanh(w x). Middle: the invariant circle's radius against g.
    Right: the eigenvalues at the origin of both maps, crossing the unit circle at 1 and e^{±iω}."""
    fig, (left, middle, right) = plt.subplots(1, 3, figsize=(14, 4.2))
    points, w = branches.points[:, 0], branches.inputs[:, 0]
    for label, (marker, face) in STABILITY_MARKERS.items():
        chosen = np.array([s == label for s in branches.stability], dtype=bool)
        if chosen.any():
            left.plot(w[chosen], points[chosen], marker, markerfacecolor=face, markeredgecolor="k", markersize=3.5,
                      linestyle="none", label=label)
    left.set(xlabel="w", ylabel="fixed points x*", title="pitchfork: x' = tanh(w x)")
    left.legend()
    middle.plot(np.repeat(gains.numpy(), radii.shape[1]), radii.numpy().ravel(), ".", color="k", markersize=1)
    middle.axvline(1.0, color="tab:red", linewidth=0.6)
    middle.set(xlabel="g", ylabel=r"$\|x_t\|$ after the transient", title="Neimark–Sacker: x' = tanh(g R(ω) x)")
    circle = np.exp(1j * np.linspace(0, 2 * np.pi, 200))
    right.plot(circle.real, circle.imag, "k-", linewidth=0.7)
    w_np, g_np = weights.numpy(), gains.numpy()
    right.plot(w_np, np.zeros_like(w_np), ".", color="tab:blue", markersize=3, label=r"$\tanh(wx)$: $\lambda = w$")
    for sign in (1, -1):
        values = g_np * np.exp(sign * 1j * angle)
        right.plot(values.real, values.imag, ".", color="tab:orange", markersize=3,
                   label=r"$\tanh(gR(\omega)x)$: $\lambda = g\,e^{\pm i\omega}$" if sign == 1 else None)
    right.set(xlabel="Re λ", ylabel="Im λ", title="eigenvalues at the origin", aspect="equal",
              xlim=(-1.2, 1.8), ylim=(-1.2, 1.2))
    right.legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    return fig


def paired_distances(step, x0_a: torch.Tensor, x0_b: torch.Tensor, inputs: torch.Tensor) -> torch.Tensor:
    """‖x_t − x'_t‖ for t = 0..T of two batches of orbits (B, d) driven by the same inputs (B, T, m),
    shape (B, T + 1); both batches are one orbit call."""
    with torch.no_grad():
        both = orbit(step, torch.cat([x0_a, x0_b]), inputs=torch.cat([inputs, inputs]))  # (2B, T, d)
    both = torch.cat([torch.cat([x0_a, x0_b])[:, None], both], dim=1)  # prepend t = 0
    return (both[: len(x0_a)] - both[len(x0_a):]).norm(dim=-1)


def contraction_numbers(step, point: torch.Tensor, samples: torch.Tensor) -> dict[str, float]:
    """ρ(J(x*)) ≤ ‖J(x*)‖₂ ≤ L_f: spectral radius and norm of the Jacobian at a point (d,), and
    the largest ‖J‖₂ over ``samples`` (B, d) together with the point, a lower estimate of L_f."""
    at_point = jacobian(step, point[None])[0]  # (d, d)
    return {
        "spectral radius": torch.linalg.eigvals(at_point).abs().max().item(),
        "‖J(x*)‖₂": torch.linalg.matrix_norm(at_point, 2).item(),
        "L_f estimate": lipschitz_estimate(step, torch.cat([point[None], samples])).item(),
    }


def plot_distances(axis, distances, bounds: dict[str, np.ndarray], title: str) -> None:
    """Distances (B, T + 1) against t on a log axis, each bound (T + 1,) as a dashed line."""
    steps = np.arange(np.shape(distances)[1])
    for row in np.asarray(distances):
        axis.semilogy(steps, row, color="tab:blue", linewidth=0.8, alpha=0.6)
    for (label, bound), style in zip(bounds.items(), ("k--", "r:", "g-.")):
        axis.semilogy(steps, bound, style, linewidth=1.2, label=label)
    axis.set(xlabel="t", title=title, ylim=(1e-16, 1e2))
    if bounds:
        axis.legend(loc="lower left", fontsize=8)
