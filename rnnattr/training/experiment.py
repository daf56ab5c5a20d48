"""What the command line needs to know about an experiment it can train."""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import torch

from rnnattr.training.engine import EarlyStopping, Trainer

#: The recurrent models every experiment can be trained with (``--model``).
MODEL_NAMES = ("lstm", "slstm", "ornn")


@dataclass(frozen=True)
class Experiment:
    """An entry of the experiment registry (:data:`rnnattr.experiments.registry.EXPERIMENTS`).

    Attributes:
        name: the command-line name, e.g. ``"sine"``.
        description: one line for ``--help``.
        config_class: a frozen dataclass with ``preset(size)`` for ``"reduced"`` and
            ``"full"`` and at least the fields ``n_epochs`` and ``seed`` (set by ``--epochs``
            and ``--seed``); its fields are the run's identity in ``config.json``.
        build: ``build(config, model_name, device, progress) -> Trainer``, a trainer with
            its data, model, optimiser, schedule and orbit recorder, not yet trained; with
            ``takes_data``, also ``data=FOLDER``.
        summarize: ``summarize(trainer, config) -> {name: float}``, the final metrics stored
            in the result artifact.
        models: the ``--model`` values it accepts.
        options: int or float config fields exposed as experiment-specific flags: field
            ``length`` becomes ``--length`` (a positive number of the default's type, or
            zero too where the default is 0, e.g. ``floss_before``), overriding the preset.
        result_records: at most this many orbit records (evenly spaced) go into the result.
        result_steps: at most this many kept steps of each recorded orbit go into the result.
        table_metric: the ``summarize`` entry a sweep table reports per run (median and range
            over seeds), e.g. ``"val_accuracy"``.
        solved: when a run counts as having solved the task, for a sweep's success rate:
            a threshold on a ``summarize`` entry, e.g. ``EarlyStopping("val_accuracy", 0.99, "max")``.
        analyse: ``analyse(trainer, config, data) -> (arrays, facts)``, an analysis of the
            trained model stored in the result artifact (arrays in the ``.npz``, facts under
            ``"analysis"`` in the ``.json``), e.g. attractors that need the final weights.
        takes_data: the experiment reads a dataset from a folder: ``--data DIR`` on the
            command line, passed to ``build`` and ``analyse`` as ``data``.
    """

    name: str
    description: str
    config_class: type
    build: Callable[..., Trainer]
    summarize: Callable[[Trainer, object], dict[str, float]]
    models: tuple[str, ...] = MODEL_NAMES
    options: tuple[str, ...] = ()
    result_records: int | None = 100
    result_steps: int | None = 100
    table_metric: str = "loss"
    solved: EarlyStopping | None = None
    analyse: Callable[..., tuple[dict, dict]] | None = None
    takes_data: bool = False

    def __post_init__(self):
        fields = {field.name for field in dataclasses.fields(self.config_class)}
        missing = ({"n_epochs", "seed"} | set(self.options)) - fields
        if missing:
            raise ValueError(f"config_class: expected dataclass fields {sorted(missing)} in "
                             f"{self.config_class.__name__}, which has {sorted(fields)}")
        defaults = self.config_class()
        for name in self.options:
            value = getattr(defaults, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"options: expected int or float config fields, got {name}={value!r}")

    def config(self, size: str, **overrides) -> object:
        """The ``size`` preset with ``overrides`` (field name -> value; None means "keep")."""
        preset = self.config_class.preset(size)
        return dataclasses.replace(preset, **{name: value for name, value in overrides.items() if value is not None})

    def trainer(self, config, model_name: str, device: torch.device | str = "cpu", progress: bool = True,
                data: str | None = None) -> Trainer:
        """``build`` after checking ``model_name`` (and that ``data`` is only given where it is read)."""
        if model_name not in self.models:
            raise ValueError(f"model_name: expected one of {list(self.models)}, got {model_name!r}")
        if not self.takes_data:
            if data is not None:
                raise ValueError(f"data: the {self.name} experiment generates its data; expected None, got {data!r}")
            return self.build(config, model_name, torch.device(device), progress)
        return self.build(config, model_name, torch.device(device), progress, data=data)
