"""Interactive explorers of the book that keep working without a kernel.

Each explorer renders its pictures in advance: one small PNG per value of the explored
parameter (the frames), held in an ``ipywidgets.Stack`` of ``Image`` widgets. A slider picks
the frame through a ``jslink`` between its value and the Stack's ``selected_index``, which
the browser follows by itself; no Python callback is involved. Saved with the notebook's
widget state, an explorer therefore works in the static HTML of the book too (MyST-NB
renders the state with ``@jupyter-widgets/html-manager``), not only in a live notebook.

``Stack`` arrived in ipywidgets 8, and Colab ships ipywidgets 7, whose kernel upgrading would
need a restart. Under ipywidgets 7 the explorers therefore build a :class:`KernelStack` (a box
that shows its selected child) joined to the controls by kernel-side links instead: the same
pictures and controls, followed by Python, so they work wherever a kernel runs (Colab), but
not in a static page (the book is built with ipywidgets 8).

* :func:`chaotic_lstm_explorer`: the chaotic LSTM's attractor, trajectory, V(s) and
  λ1(s) as s moves through [0.5, 2] (paper Figure 1).
* :func:`orbit_diagram_explorer`: the orbit diagrams recorded during training on the
  symbols task, for every constant input and output, epoch by epoch (paper Figure 7).
* :func:`attractor_gallery_explorer`: phase portraits, basins and Jacobian eigenvalues of
  2-unit tanh networks through a pitchfork and a Neimark–Sacker bifurcation.

Example::

    from rnnattr.widgets import chaotic_lstm_explorer
    chaotic_lstm_explorer(live, config)          # the chapter's run(config) result
"""
from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import ipywidgets as widgets
import numpy as np
import traitlets
import torch
import torch.nn.functional as F
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from PIL import Image

from rnnattr.dynamics.basins import basin_labels
from rnnattr.dynamics.fixed_points import FixedPoints, fixed_points
from rnnattr.dynamics.jacobian import sample_box
from rnnattr.dynamics.lyapunov import lyapunov_spectrum
from rnnattr.dynamics.orbit import orbit
from rnnattr.experiments.chaotic_lstm import ChaoticLSTMConfig, largest_lyapunov_exponent, simulation_cost
from rnnattr.experiments.contractivity_attractors import (
    BASIN_COLOURS,
    CIRCLE_ANGLE,
    MULTISTABLE_BIAS,
    MULTISTABLE_WEIGHT,
    STABILITY_MARKERS,
    Analysis,
    ContractivityConfig,
    find_attractors,
    rotation,
    tanh_map,
)
from rnnattr.experiments.symbols import CLASSES, SYMBOLS
from rnnattr.models.chaotic import chaotic_lstm
from rnnattr.validation import check_positive_int


FRAME_DPI = 72  # frames of 7-9 inches come out 520-650 pixels wide: ~5-25 kB each as PNG
PALETTE_COLOURS = 48  # frames are stored as palette PNGs: a third of the bytes of full colour
PLAY_INTERVAL_MS = 400  # the Play button's pause between frames


# -- the shared machinery: frames -> Stack, slider -> jslink ------------------------------------
def _figure(width: float, height: float) -> Figure:
    """A figure outside pyplot (a notebook shows nothing by itself), drawn by Agg."""
    figure = Figure(figsize=(width, height), dpi=FRAME_DPI)
    FigureCanvasAgg(figure)
    return figure


def _png(figure: Figure) -> bytes:
    """The figure's canvas as it was last drawn, as a palette PNG (the same picture, the same bytes)."""
    rgb = np.asarray(figure.canvas.buffer_rgba())[..., :3]  # (height, width, 3) uint8
    image = Image.fromarray(rgb).quantize(PALETTE_COLOURS, method=Image.Quantize.FASTOCTREE)
    buffer = io.BytesIO()
    image.save(buffer, format="png")
    return buffer.getvalue()


def _render_frames(figure: Figure, moving: Sequence, n_frames: int, update: Callable[[int], None]) -> list[bytes]:
    """``n_frames`` PNGs of ``figure``: the still part is drawn once, then for every frame i
    ``update(i)`` changes the ``moving`` artists, which alone are drawn on a copy of it (blitting).

    Frames cost a few milliseconds instead of a full draw (axes, ticks and labels) each; the
    axes' limits must not change between frames.
    """
    for artist in moving:
        artist.set_animated(True)  # left out of the full draw
    canvas = figure.canvas
    canvas.draw()
    still = canvas.copy_from_bbox(figure.bbox)
    frames = []
    for i in range(n_frames):
        update(i)
        canvas.restore_region(still)
        for artist in moving:
            figure.draw_artist(artist)
        frames.append(_png(figure))
    return frames


class KernelStack(widgets.VBox):
    """ipywidgets 7's stand-in for ``ipywidgets.Stack``: shows ``pages[selected_index]`` as its one child.

    The selection is a kernel-side trait, so only a live kernel follows it (see the module's notes).
    """

    selected_index = traitlets.Int(0)

    def __init__(self, pages: Sequence[widgets.Widget], selected_index: int = 0):
        self.pages = tuple(pages)
        super().__init__(children=(self.pages[selected_index],))
        self.selected_index = selected_index

    @traitlets.observe("selected_index")
    def _show(self, change) -> None:
        self.children = (self.pages[change["new"]],)


def _stack(pages: Sequence[widgets.Widget]) -> widgets.Widget:
    """A Stack of ``pages`` showing the first: ``ipywidgets.Stack`` where it exists (ipywidgets 8),
    else a :class:`KernelStack`."""
    if hasattr(widgets, "Stack"):
        return widgets.Stack(list(pages), selected_index=0)
    return KernelStack(pages)


def _image_stack(frames: Sequence[bytes]) -> widgets.Widget:
    """A Stack of PNG images showing ``frames[0]``; all images share one Layout model."""
    layout = widgets.Layout(max_width="100%", height="auto")
    return _stack([widgets.Image(value=frame, format="png", layout=layout) for frame in frames])


def _link_index(control: widgets.Widget, trait: str, stack: widgets.Widget):
    """``control.trait`` -> ``stack.selected_index``: kept in sync by the browser (a jslink), or, for a
    :class:`KernelStack`, by the kernel (a Python link)."""
    link = widgets.link if isinstance(stack, KernelStack) else widgets.jslink
    return link((control, trait), (stack, "selected_index"))


def _named(name: str, control: widgets.Widget) -> widgets.HBox:
    """``control`` with ``name`` in an HTML widget before it, in place of its ``description``.

    @jupyter-widgets/html-manager typesets a description through MathJax 2's API
    (``MathJax.Hub.Queue``); the book's pages load MathJax 3, where that is a JavaScript
    error. An HTML widget is not typeset.
    """
    return widgets.HBox([widgets.HTML(f"<b>{name}</b>", layout=widgets.Layout(min_width="60px")), control])


def _stepper(labels: Sequence[str], description: str, play: bool = False) -> tuple[widgets.HBox, widgets.IntSlider]:
    """A slider over the frame indices, a readout of ``labels[index]`` and optionally a Play button, all jslinked.

    The readout is a Stack of HTML labels whose ``selected_index`` follows the slider: a slider's
    own readout could only show the index, and a Python observer would not run in the static book.
    """
    last = len(labels) - 1
    slider = widgets.IntSlider(value=0, min=0, max=last, step=1, readout=False, continuous_update=True)
    readout = _stack([widgets.HTML(value=label) for label in labels])
    _link_index(slider, "value", readout)
    controls = [_named(description, slider), readout]
    if play:
        player = widgets.Play(value=0, min=0, max=last, step=1, interval=PLAY_INTERVAL_MS)
        widgets.jslink((player, "value"), (slider, "value"))
        controls.insert(0, player)
    return widgets.HBox(controls), slider


def _check_play(play) -> bool:
    if not isinstance(play, bool):
        raise ValueError(f"play: expected True or False, got {play!r}")
    return play


def _frame_explorer(frames: Sequence[bytes], labels: Sequence[str], description: str, title: str = "",
                    play: bool = False) -> widgets.VBox:
    """Frames -> a slider (with a label readout, and a Play button if ``play``) that shows
    ``frames[i]`` and ``labels[i]``.

    Returns ``VBox([title?, controls, images])``; everything it shows is selected by jslinks.
    """
    if len(frames) != len(labels) or not frames:
        raise ValueError(f"frames: expected as many frames as labels (at least one), got {len(frames)} "
                         f"frames and {len(labels)} labels")
    controls, slider = _stepper(labels, description, play)
    images = _image_stack(frames)
    _link_index(slider, "value", images)
    return widgets.VBox(([widgets.HTML(f"<b>{title}</b>")] if title else []) + [controls, images])


def _parameter_grid(low: float, high: float, n_values: int) -> np.ndarray:
    """``n_values`` evenly spaced values on [low, high], rounded to 6 decimals so that round
    values such as s = 1 are met exactly (in the chaotic band V(1 + 1e-16) is not V(1))."""
    return np.round(np.linspace(low, high, n_values), 6)


def _check_frame_count(name: str, value) -> int:
    check_positive_int(name, value)
    if value < 2:
        raise ValueError(f"{name}: expected at least 2 frames, got {value}")
    return value


# -- 1. the chaotic LSTM (paper Figure 1) ----------------------------------------------------
def _check_curves(result, keys: tuple[str, ...]) -> dict[str, np.ndarray]:
    if not isinstance(result, Mapping) or any(key not in result for key in keys):
        raise ValueError(f"result: expected a mapping with the arrays {', '.join(keys)} (e.g. the chapter's "
                         f"run(config)), got {type(result).__name__}"
                         + (f" with keys {sorted(result)}" if isinstance(result, Mapping) else ""))
    curves = {key: np.asarray(result[key], dtype=np.float64) for key in keys}
    shapes = {curves[key].shape for key in keys}
    if len(shapes) != 1 or len(next(iter(shapes))) != 1 or next(iter(shapes))[0] < 2:
        raise ValueError(f"result: expected {', '.join(keys)} of one shape (S,) with S >= 2, got shapes "
                         f"{[curves[key].shape for key in keys]}")
    return curves


def _chaotic_lstm_frames(s: torch.Tensor, config: ChaoticLSTMConfig, attractor_steps: int
                         ) -> dict[str, np.ndarray]:
    """Everything one frame per s shows: outputs h_t for t = 0..T (S, T + 1, 2), the reference at
    s = 1 (T + 1, 2), V(s) (S,) and λ1(s) (S,); T = burn_in + max(attractor_steps, n_steps − burn_in)."""
    total = config.burn_in + max(attractor_steps, config.n_steps - config.burn_in)
    with torch.no_grad():
        outputs = []
        for model in (chaotic_lstm(s, dtype=s.dtype), chaotic_lstm(1.0, dtype=s.dtype)):
            x0 = model.initial_state()
            states = torch.cat([x0[:, None], orbit(model.step, x0, total)], dim=1)  # (S, T + 1, 4), t = 0..T
            outputs.append(model.readout(states))  # (S, T + 1, 2)
        h, reference = outputs
        window = slice(config.burn_in + 1, config.n_steps + 1)  # t = N0 + 1..N: the steps V averages
        cost = simulation_cost(h[:, window], reference[:, window])
    return {"h": h.numpy(), "reference": reference[0].numpy(), "cost": cost.numpy(),
            "lyapunov": largest_lyapunov_exponent(s, config).numpy()}


def chaotic_lstm_explorer(result: Mapping[str, np.ndarray] | None = None, config: ChaoticLSTMConfig | None = None,
                          n_frames: int = 61, attractor_steps: int = 300, *, play: bool = False) -> widgets.VBox:
    """chaotic_lstm_explorer(result=None, config=None, n_frames=61, attractor_steps=300, *, play=False) -> VBox

    A slider over s that shows, for the chaotic LSTM θ(s) = s·θ_true at that s, its
    attractor, its trajectory, and where it sits on the curves V(s) and λ1(s).

    Args:
        result: the curves, a mapping with arrays ``s``, ``cost`` (V) and ``lyapunov`` (λ1),
            all (S,), e.g. :func:`rnnattr.experiments.chaotic_lstm.run` or a stored result;
            ``None`` computes them on ``config.n_values`` values of s.
        config: the simulation lengths (``n_steps``, ``burn_in``, ``lyapunov_steps``, …) of the
            frames; default the reduced preset.
        n_frames: values of s, evenly spaced over the range of ``result["s"]`` (rounded to 6
            decimals, so that 61 frames on [0.5, 2] hold s = 1 exactly).
        attractor_steps: post-burn-in steps drawn in the (h1, h2) plane.
        play: add a Play button that steps through the frames. Keep ``False`` for the book:
            its icons are Font Awesome glyphs that html-manager 1.0.6 fetches relative to the
            page, so in the static HTML they are missing (blank buttons, 404s in the console).

    Returns:
        ``VBox([controls, Stack of frames])``. Frame i: top left, the attractor (h1 against h2
        after the burn-in); top right, h1(t) at s and at s = 1, the trajectory V compares it
        with (burn-in shaded); bottom, V(s) and λ1(s) from ``result`` with the values of this s,
        computed for the frame, marked. The readout gives s, V(s) and λ1(s).

    V(s) is the mean squared error of the post-burn-in outputs against those at s = 1 and λ1
    the largest Lyapunov exponent (Benettin et al. 1980), as in
    :mod:`rnnattr.experiments.chaotic_lstm`; Ribeiro, Tiels, Aguirre & Schön (AISTATS 2020),
    Figure 1.

    Example:
        >>> config = ChaoticLSTMConfig.preset("reduced")
        >>> chaotic_lstm_explorer(run(config), config)   # 61 frames, ~1.1 MB
    """
    if config is None:
        config = ChaoticLSTMConfig.preset("reduced")
    if not isinstance(config, ChaoticLSTMConfig):
        raise ValueError(f"config: expected a ChaoticLSTMConfig or None, got {type(config).__name__}")
    if result is not None:
        curves = _check_curves(result, ("s", "cost", "lyapunov"))
    _check_frame_count("n_frames", n_frames)
    check_positive_int("attractor_steps", attractor_steps)
    _check_play(play)
    if result is None:
        s_all = torch.linspace(config.s_min, config.s_max, config.n_values, dtype=torch.float64)
        curves = {"s": s_all.numpy(), **{key: value for key, value in _chaotic_lstm_frames(s_all, config, 1).items()
                                         if key in ("cost", "lyapunov")}}

    values = _parameter_grid(curves["s"].min(), curves["s"].max(), n_frames)
    data = _chaotic_lstm_frames(torch.from_numpy(values), config, attractor_steps)
    h = data["h"]
    attractor = h[:, config.burn_in + 1: config.burn_in + 1 + attractor_steps]  # (F, attractor_steps, 2)
    times = np.arange(config.n_steps + 1)

    figure = _figure(8.4, 5.0)
    (plane, series), (cost_axis, exponent_axis) = figure.subplots(2, 2)
    (points,) = plane.plot([], [], ".", color="tab:blue", markersize=2)
    low, high = np.nanmin(attractor, axis=(0, 1)), np.nanmax(attractor, axis=(0, 1))
    pad = 0.05 * (high - low) + 1e-3
    plane.set(xlim=(low[0] - pad[0], high[0] + pad[0]), ylim=(low[1] - pad[1], high[1] + pad[1]),
              xlabel="$h_1$", ylabel="$h_2$")
    plane_title = plane.set_title("attractor", fontsize=10)
    series.axvspan(0, config.burn_in, color="0.9")
    series.plot(times, data["reference"][: len(times), 0], "--", color="0.5", linewidth=0.8)
    (trajectory,) = series.plot([], [], "-", color="tab:blue", linewidth=0.8)
    series.set(xlim=(0, config.n_steps), ylim=(np.nanmin(h[..., 0]) - 0.05, np.nanmax(h[..., 0]) + 0.05),
               xlabel="step t (burn-in shaded)", ylabel="$h_1$")
    series.set_title("$h_1(t)$ at this s (blue) and at s = 1 (grey)", fontsize=10)
    markers = []
    for axis, key, label in ((cost_axis, "cost", "V(s)"), (exponent_axis, "lyapunov", r"$\lambda_1(s)$")):
        axis.plot(curves["s"], curves[key], linewidth=0.6, color="k")
        if key == "lyapunov":
            axis.axhline(0, color="0.5", linewidth=0.5)
        line = axis.axvline(values[0], color="tab:red", linewidth=0.8)
        (dot,) = axis.plot([], [], "o", color="tab:red", markersize=5)
        axis.set(xlabel="s", ylabel=label)
        markers.append((line, dot, data[key]))
    figure.tight_layout()

    def update(i: int) -> None:
        s = values[i]
        points.set_data(attractor[i, :, 0], attractor[i, :, 1])
        trajectory.set_data(times, h[i, : len(times), 0])
        plane_title.set_text(f"attractor at s = {s:.3f}")
        for line, dot, value in markers:
            line.set_xdata([s, s])
            dot.set_data([s], [value[i]])

    moving = [points, trajectory, plane_title] + [artist for line, dot, _ in markers for artist in (line, dot)]
    frames = _render_frames(figure, moving, len(values), update)
    labels = [f"s = {s:.3f} &nbsp; V(s) = {cost:.3g} &nbsp; λ<sub>1</sub>(s) = {exponent:+.3f}"
              for s, cost, exponent in zip(values, data["cost"], data["lyapunov"])]
    return _frame_explorer(frames, labels, "s", play=play)


# -- 2. orbit diagrams during training (paper Figure 7) ---------------------------------------
def _check_records(arrays, input_names: Sequence[str], output_names: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(arrays, Mapping) or "record_epochs" not in arrays or "record_outputs" not in arrays:
        raise ValueError("arrays: expected a run's result arrays with record_epochs (R,) and record_outputs "
                         f"(R, I, S, n, o), got {type(arrays).__name__}")
    epochs, outputs = np.asarray(arrays["record_epochs"]), np.asarray(arrays["record_outputs"])
    if epochs.ndim != 1 or outputs.ndim != 5 or len(epochs) != len(outputs) or 0 in outputs.shape:
        raise ValueError(f"arrays: expected record_epochs (R,) and record_outputs (R, I, S, n, o), got shapes "
                         f"{epochs.shape} and {outputs.shape}")
    if outputs.shape[1] != len(input_names) or outputs.shape[-1] != len(output_names):
        raise ValueError(f"arrays: expected {len(input_names)} inputs and {len(output_names)} outputs (input_names, "
                         f"output_names), got record_outputs of shape {outputs.shape}")
    return epochs, outputs.astype(np.float32)


def _epoch_label(epoch: int, arrays: Mapping[str, np.ndarray]) -> str:
    """``"epoch E"``, with the validation accuracy after that epoch where the history has it."""
    label = f"epoch {epoch}"
    if "history_epoch" in arrays and "history_val_accuracy" in arrays:
        rows = np.flatnonzero(np.asarray(arrays["history_epoch"]) == epoch)
        if len(rows):
            label += f" &nbsp; validation accuracy {float(np.asarray(arrays['history_val_accuracy'])[rows[0]]):.3f}"
        elif epoch == 0:
            label += " (before training)"
    return label


def orbit_diagram_explorer(arrays: Mapping[str, np.ndarray], n_epochs: int = 12, *,
                           input_names: Sequence[str] = SYMBOLS, output_names: Sequence[str] = CLASSES,
                           title: str = "", play: bool = False) -> widgets.VBox:
    """orbit_diagram_explorer(arrays, n_epochs=12, *, input_names=SYMBOLS, output_names=CLASSES, title="",
    play=False) -> VBox

    The orbit diagrams recorded during training (what the paper calls bifurcation diagrams
    during training), one (constant input, output) pair at a time, with an epoch slider that
    shows the recorded orbits at that epoch.

    Args:
        arrays: one run's result arrays (:func:`rnnattr.results.load_result`), with
            ``record_epochs`` (R,) and ``record_outputs`` (R, I, S, n, o) from
            :class:`rnnattr.training.recorder.OrbitRecorder`; ``history_epoch`` and
            ``history_val_accuracy``, if present, add the accuracy to the readout.
        n_epochs: records shown, evenly spaced, first and last included (all if R is smaller).
        input_names: the I constant inputs (default: the symbols task's six symbols).
        output_names: the o outputs (default: its four class logits).
        title: shown above the controls.
        play: add a Play button that steps through the frames. Keep ``False`` for the book:
            its icons are Font Awesome glyphs that html-manager 1.0.6 fetches relative to the
            page, so in the static HTML they are missing (blank buttons, 404s in the console).

    Returns:
        ``VBox([title?, input buttons, output buttons, epoch controls, images])``: nested
        Stacks — input (I) of output (o) of epoch frames — each selected by its own jslink.
        Frame (i, k, r), left: the diagram of output k under input i against the epoch, every
        record and initial state, a red line at epoch r; right: those orbits at epoch r over
        their n kept steps. One value: a fixed point; several: several attractors; lines that
        keep moving: a periodic, quasi-periodic or chaotic orbit.

    Example:
        >>> arrays, _ = load_result(run_dir / run_name({"length": 50}, "lstm", 0) / "result")
        >>> orbit_diagram_explorer(arrays, title="LSTM, l = 50")   # 6 × 4 × 12 frames, ~1.3 MB
    """
    epochs, outputs = _check_records(arrays, input_names, output_names)
    check_positive_int("n_epochs", n_epochs)
    _check_play(play)
    records = np.unique(np.linspace(0, len(epochs) - 1, n_epochs).round().astype(int))  # (E,)
    labels = [_epoch_label(int(epochs[r]), arrays) for r in records]
    n_kept = outputs.shape[3]

    figure = _figure(7.2, 2.4)
    diagram, snapshot = figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.6, 1]})
    (cloud,) = diagram.plot([], [], ",", color="k", alpha=0.6)
    now = diagram.axvline(0, color="tab:red", linewidth=0.8)
    lines = snapshot.plot(np.zeros((n_kept, outputs.shape[2])), "-", color="tab:blue", linewidth=0.8,
                          marker=".", markersize=2)
    diagram.set(xlim=(epochs.min() - 0.5, epochs.max() + 0.5), xlabel="epoch")
    snapshot.set(xlim=(-0.5, n_kept - 0.5), xlabel="kept step after the burn-in")
    snapshot_title = snapshot.set_title("", fontsize=10)
    figure.subplots_adjust(left=0.09, right=0.98, bottom=0.2, top=0.87, wspace=0.25)

    selected = epochs[records]
    image_stacks = []  # [input][output] -> a Stack over the selected epochs
    for i, input_name in enumerate(input_names):
        image_stacks.append([])
        for k, output_name in enumerate(output_names):
            values = outputs[:, i, :, :, k]  # (R, S, n)
            finite = values[np.isfinite(values)]
            low, high = (finite.min(), finite.max()) if finite.size else (-1.0, 1.0)
            pad = 0.08 * (high - low) + 1e-3
            cloud.set_data(np.broadcast_to(epochs[:, None, None], values.shape).ravel(), values.ravel())
            diagram.set(ylim=(low - pad, high + pad), ylabel=f"output {output_name}")
            diagram.set_title(f"input {input_name} → output {output_name}", fontsize=10)
            snapshot.set_ylim(low - pad, high + pad)

            def update(j: int, values=values) -> None:
                now.set_xdata([selected[j], selected[j]])
                for line, orbit_values in zip(lines, values[records[j]]):  # (n,) per initial state
                    line.set_ydata(orbit_values)
                snapshot_title.set_text(f"the {values.shape[1]} orbits at epoch {selected[j]}")

            frames = _render_frames(figure, [now, snapshot_title, *lines], len(records), update)
            image_stacks[i].append(_image_stack(frames))

    input_buttons = widgets.ToggleButtons(options=list(input_names), index=0, style={"button_width": "48px"})
    output_buttons = widgets.ToggleButtons(options=list(output_names), index=0, style={"button_width": "64px"})
    epoch_controls, slider = _stepper(labels, "epoch", play)
    per_input = []
    for per_output in image_stacks:
        middle = _stack(per_output)
        _link_index(output_buttons, "index", middle)
        for images in per_output:
            _link_index(slider, "value", images)
        per_input.append(middle)
    outer = _stack(per_input)
    _link_index(input_buttons, "index", outer)
    return widgets.VBox(([widgets.HTML(f"<b>{title}</b>")] if title else [])
                        + [_named("input", input_buttons), _named("output", output_buttons), epoch_controls, outer])


# -- 3. the attractor gallery through its bifurcations -----------------------------------------
@dataclass(frozen=True)
class _Family:
    """A one-parameter family of 2-unit tanh networks x' = tanh(p·(W x) + b) of the gallery."""

    name: str  # the selector's label
    parameter: str  # the slider's description
    low: float
    high: float
    weight: torch.Tensor  # W (2, 2)
    bias: torch.Tensor  # b (2,)
    formula: str

    def batched_step(self, x: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
        """Every member its own parameter value: x (B, 2), u (B, 1) holds p."""
        return torch.tanh(u * F.linear(x, self.weight) + self.bias)

    def step(self, value: float) -> Callable:
        """The network at one value of p, as the chapter builds it (:func:`tanh_map`)."""
        return tanh_map(value * self.weight, self.bias)


def _families() -> dict[str, _Family]:
    f64 = torch.float64
    return {
        # a = 1: the gallery's four-attractor network; small a: a contraction (one fixed point)
        "pitchfork": _Family("pitchforks: one → four fixed points", "a", 0.25, 1.25,
                             torch.tensor(MULTISTABLE_WEIGHT, dtype=f64), torch.tensor(MULTISTABLE_BIAS, dtype=f64),
                             r"$x' = \tanh(a\,W x + b)$"),
        # g = 1.3: the gallery's invariant-circle network; g < 1: a stable focus at the origin
        "neimark_sacker": _Family("Neimark–Sacker: an invariant circle", "g", 0.85, 1.35,
                                  rotation(CIRCLE_ANGLE, f64), torch.zeros(2, dtype=f64),
                                  r"$x' = \tanh(g\,R(\omega) x)$"),
    }


#: The bifurcations :func:`attractor_gallery_explorer` can show, by name.
GALLERY_FAMILIES = tuple(_families())
_BOX = 1.2  # the gallery's: fixed points sought, orbits started and basins drawn in [−1.2, 1.2]²


def _family_analyses(family: _Family, values: np.ndarray, config: ContractivityConfig) -> list[Analysis]:
    """:func:`rnnattr.experiments.contractivity_attractors.analyse` of the family at every value,
    batched over the values: one fixed-point search (the value passed as each start's input),
    one orbit and one Lyapunov estimate for all of them; the basins one grid per value, each
    against that value's attractors. Every value gets the starts and initial states that
    ``analyse`` draws, so the frame at the gallery's value shows the gallery's network."""
    f64 = torch.float64
    parameter = torch.from_numpy(values).to(f64)  # (V,)
    n_values = len(values)
    box = torch.full((2,), _BOX, dtype=f64)
    generator = torch.Generator().manual_seed(config.seed)
    starts = sample_box(config.n_starts, -box, box, generator)  # (N, 2): analyse's draws, in its order
    x0 = sample_box(config.n_orbits, -box, box, generator)  # (n, 2)
    found = fixed_points(family.batched_step, parameter.repeat_interleave(config.n_starts)[:, None],
                         starts=starts.repeat(n_values, 1), n_iterations=config.adam_steps)
    axis = torch.linspace(-_BOX, _BOX, config.grid_size, dtype=f64)
    second, first = torch.meshgrid(axis, axis, indexing="ij")  # (G, G): rows follow the second axis
    plane = torch.stack([first.reshape(-1), second.reshape(-1)], dim=-1)  # (G*G, 2)
    with torch.no_grad():
        start = x0.repeat(n_values, 1)  # (V·n, 2)
        members = parameter.repeat_interleave(config.n_orbits)[:, None]  # (V·n, 1)
        orbits = torch.cat([start[:, None], orbit(family.batched_step, start, config.orbit_steps - 1, inputs=members)],
                           dim=1).view(n_values, config.n_orbits, config.orbit_steps, 2)
        exponents = lyapunov_spectrum(family.batched_step, orbits[:, 0, -1], inputs=parameter[:, None],
                                      n_steps=config.lyapunov_steps, k=1, transient=config.lyapunov_steps // 10)
    analyses = []
    for v, value in enumerate(values):
        mine = found.inputs[:, 0] == parameter[v] if len(found) else torch.zeros(0, dtype=torch.bool)
        fixed = FixedPoints(found.points[mine], found.eigenvalues[mine],
                            tuple(label for label, keep in zip(found.stability, mine.tolist()) if keep),
                            found.residuals[mine], found.inputs[mine])
        attractors = find_attractors(fixed, orbits[v])
        labels = basin_labels(family.step(float(value)), plane, attractors, config.basin_steps, max_distance=0.1)
        analyses.append(Analysis(fixed, orbits[v], attractors, labels.reshape(config.grid_size, config.grid_size),
                                 float(exponents[v, 0])))
    return analyses


def _analysis_label(parameter: str, value: float, analysis: Analysis) -> str:
    n_fixed, n_attractors = len(analysis.fixed), len(analysis.attractors)
    stable = sum(label == "stable" for label in analysis.fixed.stability)
    return (f"{parameter} = {value:.3f} &nbsp; {n_fixed} fixed point{'s' * (n_fixed != 1)} ({stable} stable), "
            f"{n_attractors} attractor{'s' * (n_attractors != 1)}, "
            f"λ<sub>1</sub> = {round(analysis.largest_exponent, 2) + 0.0:.2f}")  # + 0.0: no "-0.00"


def _gallery_frames(family: _Family, values: np.ndarray, analyses: list[Analysis]) -> list[bytes]:
    """Per value: phase portrait, basins of attraction and Jacobian eigenvalues, as in the chapter's gallery
    (:func:`rnnattr.experiments.contractivity_attractors.plot_gallery`), on axes shared by every frame."""
    figure = _figure(9.0, 3.1)
    portrait, basins, spectrum = figure.subplots(1, 3)
    n_orbits = analyses[0].orbits.shape[0]
    transients = portrait.plot(np.zeros((10, n_orbits)), np.zeros((10, n_orbits)), "-", color="0.6", linewidth=0.6)
    tails = portrait.plot(np.zeros((2, n_orbits)), np.zeros((2, n_orbits)), ".", color="tab:blue", markersize=1.5)
    colours = ListedColormap(["0.85"] + BASIN_COLOURS)  # grey: no attractor reached; label k, colour k + 1
    grid_size = analyses[0].labels.shape[0]
    image = basins.imshow(np.zeros((grid_size, grid_size)), origin="lower", extent=(-_BOX, _BOX, -_BOX, _BOX),
                          cmap=colours, vmin=-0.5, vmax=len(BASIN_COLOURS) + 0.5, interpolation="nearest")
    (samples,) = basins.plot([], [], ".", color="k", markersize=1.5)  # attractors other than fixed points
    circle = np.exp(1j * np.linspace(0, 2 * np.pi, 200))
    spectrum.plot(circle.real, circle.imag, "k-", linewidth=0.7)
    points = {}  # (axis, stability) -> one Line2D of every fixed point (or eigenvalue) with that label
    for axis in (portrait, basins, spectrum):
        for label, (marker, face) in STABILITY_MARKERS.items():
            (points[axis, label],) = axis.plot([], [], marker, markerfacecolor=face, markeredgecolor="k",
                                               linestyle="none", markersize=6 if axis is spectrum else 7,
                                               label=label, zorder=5)
    reach = 1.1 * max([1.0] + [a.fixed.eigenvalues.abs().max().item() for a in analyses if len(a.fixed)])
    for axis in (portrait, basins):
        axis.set(xlim=(-_BOX, _BOX), ylim=(-_BOX, _BOX), xlabel="$x_1$")
    portrait.set_ylabel("$x_2$")
    spectrum.set(xlim=(-reach, reach), ylim=(-reach, reach), aspect="equal", xlabel="Re λ", ylabel="Im λ")
    spectrum.set_title("Jacobian eigenvalues", fontsize=9)
    spectrum.legend(loc="lower left", fontsize=6, ncols=2)
    titles = [portrait.set_title(" ", fontsize=9), basins.set_title(" ", fontsize=9)]
    figure.tight_layout()

    def update(i: int) -> None:
        result = analyses[i]
        for path, transient, tail in zip(result.orbits.numpy(), transients, tails):
            transient.set_data(path[:10, 0], path[:10, 1])
            tail.set_data(path[-300:, 0], path[-300:, 1])
        image.set_data(result.labels.numpy() + 1)
        others = torch.cat([a for a in result.attractors if len(a) > 1] or [torch.zeros(0, 2)]).numpy()
        samples.set_data(others[:, 0], others[:, 1])
        chosen = {label: np.array([s == label for s in result.fixed.stability], dtype=bool)
                  for label in STABILITY_MARKERS}
        located, eigenvalues = result.fixed.points.numpy(), result.fixed.eigenvalues.numpy()  # (P, 2) each
        for (axis, label), line in points.items():
            if axis is spectrum:
                mine = eigenvalues[chosen[label]].reshape(-1)
                line.set_data(mine.real, mine.imag)
            else:
                line.set_data(located[chosen[label], 0], located[chosen[label], 1])
        n_attractors = len(result.attractors)
        titles[0].set_text(f"{family.formula}, {family.parameter} = {values[i]:.3f}")
        titles[1].set_text(f"basins: {n_attractors} attractor{'s' * (n_attractors != 1)}; "
                           f"$\\lambda_1$ = {round(result.largest_exponent, 2) + 0.0:.2f}")  # + 0.0: no "-0.00"

    moving = [*transients, *tails, image, samples, *points.values(), *titles]
    return _render_frames(figure, moving, len(values), update)


def attractor_gallery_explorer(config: ContractivityConfig | None = None, n_frames: int = 21,
                               families: Sequence[str] = GALLERY_FAMILIES, *, play: bool = False) -> widgets.VBox:
    """attractor_gallery_explorer(config=None, n_frames=21, families=GALLERY_FAMILIES, *, play=False) -> VBox

    The gallery of attractors of *Contractivity, attractors and long-term memory*, with a
    parameter slider that moves each network through its bifurcations.

    Args:
        config: sizes of the analysis (``grid_size``, ``basin_steps``, ``n_orbits``,
            ``orbit_steps``, ``n_starts``, ``adam_steps``, ``lyapunov_steps``, ``seed``), as for
            the chapter's gallery; default the reduced preset.
        n_frames: parameter values per family, evenly spaced.
        families: which of :data:`GALLERY_FAMILIES`, in order:
            ``"pitchfork"``, x' = tanh(a W x + b) with the gallery's four-attractor W and b,
            a ∈ [0.25, 1.25]: a contraction with one fixed point for small a, four stable fixed
            points (and four saddles) at a = 1, created by saddle-node/pitchfork bifurcations;
            ``"neimark_sacker"``, x' = tanh(g R(ω) x), g ∈ [0.85, 1.35]: a stable focus for
            g < 1, an invariant circle beyond (the gallery's g = 1.3).
        play: add a Play button that steps through the frames. Keep ``False`` for the book:
            its icons are Font Awesome glyphs that html-manager 1.0.6 fetches relative to the
            page, so in the static HTML they are missing (blank buttons, 404s in the console).

    Returns:
        ``VBox([family buttons, Stack of per-family explorers])``; each family has its own
        slider (with a readout of the fixed points, attractors and λ1) over a Stack of
        frames. Frame: phase portrait (first steps of a few orbits in grey, their last 300
        states in blue, fixed points ● stable ○ unstable ✕ saddle), basins of attraction
        (grey: no attractor reached) and the eigenvalues of the Jacobian at every fixed point
        with the unit circle. Each frame is
        :func:`rnnattr.experiments.contractivity_attractors.analyse` of the network at that
        value, batched over the values.

    Example:
        >>> attractor_gallery_explorer(ContractivityConfig.preset("reduced"))   # 2 × 21 frames, ~0.35 MB
    """
    if config is None:
        config = ContractivityConfig.preset("reduced")
    if not isinstance(config, ContractivityConfig):
        raise ValueError(f"config: expected a ContractivityConfig or None, got {type(config).__name__}")
    _check_frame_count("n_frames", n_frames)
    if isinstance(families, str) or not families or any(name not in GALLERY_FAMILIES for name in families) \
            or len(set(families)) != len(families):
        raise ValueError(f"families: expected distinct names among {GALLERY_FAMILIES}, got {families!r}")
    _check_play(play)
    available = _families()
    explorers = []
    for name in families:
        family = available[name]
        values = _parameter_grid(family.low, family.high, n_frames)
        analyses = _family_analyses(family, values, config)
        labels = [_analysis_label(family.parameter, value, result) for value, result in zip(values, analyses)]
        explorers.append(_frame_explorer(_gallery_frames(family, values, analyses), labels, family.parameter,
                                         play=play))
    chooser = widgets.ToggleButtons(options=[available[name].name for name in families], index=0,
                                    style={"button_width": "280px"})
    stack = _stack(explorers)
    _link_index(chooser, "index", stack)
    return widgets.VBox([_named("bifurcation", chooser), stack])
