"""The kernel-free explorers: jslinks from every control to its Stack, frames in the parameter's
order, valid PNGs, readouts that match a direct computation, and a state that can be embedded."""
import dataclasses
import io
import json
import re

import ipywidgets as widgets
import numpy as np
import pytest
import torch
from ipywidgets.embed import dependency_state, embed_data
from ipywidgets.widgets.widget import _instances
from ipywidgets.widgets.widget_link import Link
from matplotlib.colors import to_rgb
from PIL import Image

from rnnattr.experiments.chaotic_lstm import ChaoticLSTMConfig, cost_and_gradient, largest_lyapunov_exponent
from rnnattr.experiments.contractivity_attractors import BASIN_COLOURS, ContractivityConfig, analyse, gallery
from rnnattr.experiments.symbols import SYMBOLS, SymbolsConfig, make_trainer
from rnnattr.widgets import (
    GALLERY_FAMILIES,
    KernelStack,
    _families,
    _family_analyses,
    _frame_explorer,
    attractor_gallery_explorer,
    chaotic_lstm_explorer,
    orbit_diagram_explorer,
)

f64 = torch.float64
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
CHAOS = ChaoticLSTMConfig(n_values=11, s_min=0.5, s_max=1.5, n_steps=120, burn_in=60, lyapunov_steps=150,
                          lyapunov_transient=30, grid_size=3)
GALLERY = ContractivityConfig(grid_size=25, basin_steps=150, n_starts=48, adam_steps=100, n_orbits=4,
                              orbit_steps=400, lyapunov_steps=200)


@pytest.fixture(scope="module", autouse=True)
def one_thread():  # module scope: set before the module-scoped explorers are built
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


# -- helpers: walk a widget tree, find its links, read its frames --------------------------------
def descendants(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from descendants(child)


def of_type(root, kind):
    return [w for w in descendants(root) if type(w) is kind]


def links_into(root) -> list[tuple]:
    """(source widget, source trait, target widget, target trait) of every jslink between widgets of ``root``."""
    inside = {id(w) for w in descendants(root)}
    return [(link.source[0], link.source[1], link.target[0], link.target[1]) for link in list(_instances.values())
            if isinstance(link, Link) and id(link.source[0]) in inside and id(link.target[0]) in inside]


def assert_drives(links, control, trait, stacks):
    """``control.trait`` is jslinked to ``selected_index`` of every stack in ``stacks``."""
    targets = [target for source, name, target, target_trait in links
               if source is control and name == trait and target_trait == "selected_index"]
    assert sorted(map(id, targets)) == sorted(map(id, stacks))


def image_stacks(root):
    return [s for s in of_type(root, widgets.Stack) if s.children and isinstance(s.children[0], widgets.Image)]


def solid_png(colour: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), colour).save(buffer, format="png")
    return buffer.getvalue()


def decode(frame) -> np.ndarray:
    """The RGB pixels of a frame (an Image widget's value), after checking that it is a PNG."""
    frame = bytes(frame)
    assert frame[:8] == PNG_MAGIC
    image = Image.open(io.BytesIO(frame))
    image.load()
    assert image.format == "PNG"
    return np.asarray(image.convert("RGB"))


def red_columns(picture: np.ndarray, rows: slice, columns: slice) -> float:
    """Mean column of the red (tab:red) pixels in a region: where a frame marks its parameter."""
    region = picture[rows, columns].astype(int)
    red = (region[..., 0] > 170) & (region[..., 1] < 110) & (region[..., 2] < 110)
    assert red.sum() > 5, "no red marker in the region"
    return float(np.nonzero(red)[1].mean())


def basin_colours(picture: np.ndarray) -> int:
    """How many of the basin colours cover more than 1% of a gallery frame's middle panel."""
    third = picture.shape[1] // 3
    middle = picture[:, third: 2 * third].reshape(-1, 3).astype(int)
    rgb = [np.array(to_rgb(colour)) * 255 for colour in BASIN_COLOURS]
    return sum((np.abs(middle - colour).sum(axis=-1) < 45).mean() > 0.01 for colour in rgb)


def control_name(root, control) -> str:
    """The name shown before ``control``: the HTML widget beside it (explorers set no ``description``)."""
    (name,) = [box.children[0].value for box in of_type(root, widgets.HBox) if box.children[1:] == (control,)]
    return re.sub(r"<[^>]+>", "", name)


def readouts(controls) -> list[str]:
    """The label texts of a stepper: its Stack of HTML."""
    (labels,) = [s for s in of_type(controls, widgets.Stack) if isinstance(s.children[0], widgets.HTML)]
    return [child.value for child in labels.children]


LAMBDA = "λ<sub>1</sub>\\(s\\)"  # as the chaotic LSTM's readout writes λ1(s)


def number(label: str, name: str) -> float:
    return float(re.search(rf"{name} = ([-+0-9.e]+)", label).group(1))


def assert_embeddable(root, models: set[str]):
    data = embed_data(views=[root])  # every widget alive, as a notebook saves it
    assert data["view_specs"][0]["model_id"] == root.model_id
    state = dependency_state([root])  # this explorer's own widgets and the links between them
    names = {entry["model_name"] for entry in state.values()}
    assert models <= names, models - names
    for link in links_into(root):
        source, target = link[0].model_id, link[2].model_id
        assert any(entry["model_name"] == "LinkModel" and entry["state"]["source"] == [f"IPY_MODEL_{source}", link[1]]
                   and entry["state"]["target"] == [f"IPY_MODEL_{target}", link[3]] for entry in state.values())
    json.dumps(embed_data(views=[root], state=state))  # what the notebook's metadata holds
    return state


# -- the shared helper ---------------------------------------------------------------------------
def test_frame_explorer_links_slider_label_and_images():
    frames = [solid_png(colour) for colour in ("red", "blue", "green")]
    box = _frame_explorer(frames, ["one", "two", "three"], "k", title="demo")
    (slider,), (images,) = of_type(box, widgets.IntSlider), image_stacks(box)
    links = links_into(box)
    assert_drives(links, slider, "value", [images, *[s for s in of_type(box, widgets.Stack) if s is not images]])
    assert len(links) == 2 and not of_type(box, widgets.Play)  # no Play unless asked: its icons fail in static HTML
    assert (slider.min, slider.max, slider.readout) == (0, 2, False)
    assert [image.value for image in images.children] == frames and images.selected_index == 0
    assert readouts(box.children[1]) == ["one", "two", "three"]
    with pytest.raises(ValueError, match="frames"):
        _frame_explorer(frames, ["one"], "k")


def test_frame_explorer_play_button_drives_the_slider():
    box = _frame_explorer([solid_png("red"), solid_png("blue")], ["one", "two"], "k", play=True)
    (slider,), (play,) = of_type(box, widgets.IntSlider), of_type(box, widgets.Play)
    assert (play, "value", slider, "value") in links_into(box) and play.max == slider.max == 1


def test_without_ipywidgets_8s_stack_the_kernel_follows_the_controls(monkeypatch):
    """ipywidgets 7 (Colab) has no Stack: a KernelStack shows the selected frame, driven by Python links."""
    monkeypatch.delattr(widgets, "Stack")
    frames = [solid_png(colour) for colour in ("red", "blue", "green")]
    box = _frame_explorer(frames, ["one", "two", "three"], "k", title="demo")
    (slider,) = of_type(box, widgets.IntSlider)
    stacks = of_type(box, KernelStack)
    (images,) = [stack for stack in stacks if isinstance(stack.pages[0], widgets.Image)]
    (labels,) = [stack for stack in stacks if isinstance(stack.pages[0], widgets.HTML)]
    for index in (2, 0, 1):
        slider.value = index  # what a reader's drag sends to the kernel
        assert images.children[0].value == frames[index] and len(images.children) == 1
        assert labels.children[0].value == ["one", "two", "three"][index]


def test_the_explorers_nest_kernel_stacks_under_ipywidgets_7(monkeypatch, training_run):
    monkeypatch.delattr(widgets, "Stack")
    root = orbit_diagram_explorer(training_run, n_epochs=2)
    inputs, outputs = of_type(root, widgets.ToggleButtons)
    (slider,) = of_type(root, widgets.IntSlider)
    outer = root.children[-1]
    assert isinstance(outer, KernelStack) and len(outer.pages) == len(SYMBOLS)
    inputs.index, outputs.index, slider.value = 3, 2, 1
    middle = outer.children[0]
    assert middle is outer.pages[3] and middle.children[0] is middle.pages[2]
    assert middle.children[0].children[0] is middle.pages[2].pages[1]  # input 3, output 2, second epoch


# -- 1. the chaotic LSTM -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def chaos():
    return chaotic_lstm_explorer(None, CHAOS, n_frames=5, attractor_steps=100)


def test_chaotic_lstm_explorer_frames_follow_s(chaos):
    (slider,), (images,) = of_type(chaos, widgets.IntSlider), image_stacks(chaos)
    assert_drives(links_into(chaos), slider, "value", image_stacks(chaos) + [
        s for s in of_type(chaos, widgets.Stack) if s is not images])
    labels = readouts(chaos.children[0])
    s = [number(label, "s") for label in labels]
    assert s == [0.5, 0.75, 1.0, 1.25, 1.5] and len(images.children) == slider.max + 1 == 5
    pictures = [decode(image.value) for image in images.children]
    assert len({bytes(image.value) for image in images.children}) == 5  # every s its own picture
    height, width, _ = pictures[0].shape
    marks = [red_columns(p, slice(height // 2, height), slice(0, width // 2)) for p in pictures]  # on V(s)
    assert np.all(np.diff(marks) > 0)  # frame i marks s_i, left to right
    # the readout's V(s) and λ1(s) are the experiment's own, at that s
    values = torch.tensor(s, dtype=f64)
    _, cost, _ = cost_and_gradient(values, CHAOS)
    exponent = largest_lyapunov_exponent(values, CHAOS)
    for label, v, lam in zip(labels, cost.tolist(), exponent.tolist()):
        assert number(label, "V\\(s\\)") == pytest.approx(v, rel=5e-3, abs=1e-12)
        assert number(label, LAMBDA) == pytest.approx(lam, abs=6e-4)
    assert number(labels[2], "V\\(s\\)") < 1e-12 and number(labels[0], LAMBDA) < 0 < number(labels[2], LAMBDA)


def test_chaotic_lstm_explorer_is_embeddable(chaos):
    state = assert_embeddable(chaos, {"StackModel", "ImageModel", "LinkModel", "IntSliderModel", "HTMLModel"})
    assert sum(entry["model_name"] == "ImageModel" for entry in state.values()) == 5


def test_chaotic_lstm_explorer_takes_its_curves_from_the_result():
    short = dataclasses.replace(CHAOS, lyapunov_steps=60, lyapunov_transient=10)
    s = torch.linspace(0.6, 1.4, 9, dtype=f64)
    result = {"s": s.numpy(), "cost": cost_and_gradient(s, short)[1].numpy(),
              "lyapunov": largest_lyapunov_exponent(s, short).numpy()}
    box = chaotic_lstm_explorer(result, short, n_frames=2, attractor_steps=20)
    assert [number(label, "s") for label in readouts(box.children[0])] == [0.6, 1.4]  # the result's range


@pytest.mark.parametrize("arguments, match", [
    ({"config": "reduced"}, "config"),
    ({"result": {"s": np.ones(3)}}, "result"),
    ({"result": {"s": np.ones(3), "cost": np.ones(4), "lyapunov": np.ones(3)}}, "result"),
    ({"result": [1, 2]}, "result"),
    ({"n_frames": 1}, "n_frames"),
    ({"n_frames": 2.0}, "n_frames"),
    ({"n_frames": True}, "n_frames"),
    ({"attractor_steps": 0}, "attractor_steps"),
    ({"play": "yes"}, "play"),
])
def test_chaotic_lstm_explorer_rejects_bad_arguments(arguments, match):
    with pytest.raises(ValueError, match=match):
        chaotic_lstm_explorer(**{"result": None, "config": CHAOS, **arguments})


# -- 2. orbit diagrams during training -----------------------------------------------------------
@pytest.fixture(scope="module")
def training_run():
    """A real, tiny run of the symbols experiment: 4 epochs, a record after each."""
    config = SymbolsConfig(length=60, hidden_size=8, n_sequences=40, n_validation=40, n_epochs=4, batch_size=20,
                           record_every=1, n_initial_states=3, burn_in=30, n_kept=8, floss_k=8)
    trainer = make_trainer(config, "lstm", progress=False)
    trainer.fit(config.n_epochs)
    arrays = trainer.recorder.arrays()
    arrays["history_epoch"] = np.array([row["epoch"] for row in trainer.history])
    arrays["history_val_accuracy"] = np.array([row["val_accuracy"] for row in trainer.history])
    return arrays


@pytest.fixture(scope="module")
def orbits(training_run):
    return orbit_diagram_explorer(training_run, n_epochs=3, title="tiny LSTM")


def test_orbit_diagram_explorer_nests_one_stack_per_control(orbits, training_run):
    inputs, outputs = of_type(orbits, widgets.ToggleButtons)
    (slider,) = of_type(orbits, widgets.IntSlider)
    outer = orbits.children[-1]
    assert (inputs.options, outputs.options) == (("p", "q", "a", "b", "c", "d"), ("(p,p)", "(p,q)", "(q,p)", "(q,q)"))
    links = links_into(orbits)
    assert_drives(links, inputs, "index", [outer])
    assert_drives(links, outputs, "index", list(outer.children))  # 6 stacks of outputs
    grid = [list(middle.children) for middle in outer.children]
    assert [len(row) for row in grid] == [4] * 6
    labels_stack = [s for s in of_type(orbits, widgets.Stack) if isinstance(s.children[0], widgets.HTML)]
    assert_drives(links, slider, "value", [stack for row in grid for stack in row] + labels_stack)  # 24 + readout

    epochs = training_run["record_epochs"]
    assert list(epochs) == [0, 1, 2, 3, 4]
    labels = readouts(orbits.children[3])
    assert [int(re.search(r"epoch (\d+)", label).group(1)) for label in labels] == [0, 2, 4]  # first, middle, last
    assert "before training" in labels[0]
    accuracy = dict(zip(training_run["history_epoch"], training_run["history_val_accuracy"]))
    shown = float(re.search(r"validation accuracy ([0-9.]+)", labels[2]).group(1))
    assert shown == pytest.approx(accuracy[4], abs=5e-4)


def test_orbit_diagram_explorer_frames_move_with_the_epoch(orbits, training_run):
    grid = [[stack.children for stack in middle.children] for middle in orbits.children[-1].children]
    frames = [bytes(image.value) for row in grid for stack in row for image in stack]
    assert len(frames) == 6 * 4 * 3 and len(set(frames)) == len(frames)
    pictures = [decode(image.value) for image in grid[3][0]]  # input b, output (p,p), epochs 0, 2, 4
    height, width, _ = pictures[0].shape
    marks = [red_columns(p, slice(0, height), slice(0, width * 6 // 10)) for p in pictures]  # the epoch line
    assert np.all(np.diff(marks) > 0)
    assert all(len(frame) < 40_000 for frame in frames)  # small frames: a full explorer stays ~1-2 MB


def test_orbit_diagram_explorer_is_embeddable(orbits):
    state = assert_embeddable(orbits, {"StackModel", "ImageModel", "LinkModel", "ToggleButtonsModel", "IntSliderModel"})
    assert sum(entry["model_name"] == "LinkModel" for entry in state.values()) == 1 + 6 + 24 + 1


@pytest.mark.parametrize("change, match", [
    (lambda a: [1, 2], "arrays"),
    (lambda a: {"record_epochs": a["record_epochs"]}, "arrays"),
    (lambda a: dict(a, record_outputs=a["record_outputs"][:, :, 0]), "arrays"),
    (lambda a: dict(a, record_outputs=a["record_outputs"][:, :5]), "arrays"),
    (lambda a: dict(a, record_epochs=a["record_epochs"][:-1]), "arrays"),
])
def test_orbit_diagram_explorer_rejects_bad_records(training_run, change, match):
    with pytest.raises(ValueError, match=match):
        orbit_diagram_explorer(change(training_run))


def test_orbit_diagram_explorer_rejects_bad_counts(training_run):
    for bad in (0, -1, 2.5):
        with pytest.raises(ValueError, match="n_epochs"):
            orbit_diagram_explorer(training_run, bad)
    with pytest.raises(ValueError, match="play"):
        orbit_diagram_explorer(training_run, play=1)


# -- 3. the attractor gallery --------------------------------------------------------------------
@pytest.fixture(scope="module")
def gallery_explorer():
    return attractor_gallery_explorer(GALLERY, n_frames=3)


def test_attractor_gallery_explorer_links_and_frames(gallery_explorer):
    (chooser,), outer = of_type(gallery_explorer, widgets.ToggleButtons), gallery_explorer.children[1]
    links = links_into(gallery_explorer)
    assert_drives(links, chooser, "index", [outer])
    assert len(outer.children) == len(GALLERY_FAMILIES) == 2
    expected = {"a": [0.25, 0.75, 1.25], "g": [0.85, 1.1, 1.35]}
    for family in outer.children:
        (slider,), (images,) = of_type(family, widgets.IntSlider), image_stacks(family)
        assert_drives(links, slider, "value", [images] + [s for s in of_type(family, widgets.Stack) if s is not images])
        labels = readouts(family.children[0])
        parameter = control_name(family, slider)
        assert [number(label, parameter) for label in labels] == expected[parameter]
        pictures = [decode(image.value) for image in images.children]
        assert len({p.tobytes() for p in pictures}) == 3 and len({p.shape for p in pictures}) == 1
        attractors = [int(re.search(r"(\d+) attractors?", label).group(1)) for label in labels]
        assert [basin_colours(p) for p in pictures] == attractors  # frame i draws the basins of value i
    pitchfork = readouts(outer.children[0].children[0])
    assert "1 fixed point (1 stable), 1 attractor" in pitchfork[0]  # a = 0.25: a contraction
    assert "9 fixed points (4 stable), 4 attractors" in pitchfork[2]  # a = 1.25: past both pitchforks
    circle = readouts(outer.children[1].children[0])
    assert "(1 stable)" in circle[0] and "(0 stable)" in circle[2]  # the origin loses its stability at g = 1
    assert_embeddable(gallery_explorer, {"StackModel", "ImageModel", "LinkModel", "ToggleButtonsModel"})


@pytest.mark.parametrize("family, value, example", [("pitchfork", 1.0, 1), ("neimark_sacker", 1.3, 2)])
def test_attractor_gallery_frame_at_the_gallerys_value_is_the_gallerys_network(family, value, example):
    # a frame is analyse() of the family's network at its value: at the gallery's value, the gallery's column
    (result,) = _family_analyses(_families()[family], np.array([value]), GALLERY)
    reference = analyse(gallery()[example], GALLERY)
    assert result.fixed.stability == reference.fixed.stability
    torch.testing.assert_close(result.fixed.points, reference.fixed.points, atol=1e-9, rtol=0)
    assert result.largest_exponent == pytest.approx(reference.largest_exponent, abs=1e-6)
    assert torch.equal(result.labels, reference.labels)
    assert [len(a) for a in result.attractors] == [len(a) for a in reference.attractors]


@pytest.mark.parametrize("arguments, match", [
    ({"config": ChaoticLSTMConfig()}, "config"),
    ({"n_frames": 1}, "n_frames"),
    ({"families": ("pitchfork", "nope")}, "families"),
    ({"families": "pitchfork"}, "families"),
    ({"families": ()}, "families"),
    ({"families": ("pitchfork", "pitchfork")}, "families"),
    ({"play": None}, "play"),
])
def test_attractor_gallery_explorer_rejects_bad_arguments(arguments, match):
    with pytest.raises(ValueError, match=match):
        attractor_gallery_explorer(**{"config": GALLERY, **arguments})


def test_no_widget_has_a_description(chaos, orbits, gallery_explorer):
    # the HTML manager typesets descriptions with MathJax 2's API: a JavaScript error under the book's MathJax 3
    for explorer in (chaos, orbits, gallery_explorer):
        described = [w for w in descendants(explorer) if getattr(w, "description", "")]
        assert not described, f"widgets with a description: {described}"
    assert control_name(orbits, of_type(orbits, widgets.IntSlider)[0]) == "epoch"
