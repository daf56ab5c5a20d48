"""The experiments ``python -m rnnattr train`` knows: name -> :class:`rnnattr.training.experiment.Experiment`."""
from __future__ import annotations

from rnnattr.experiments import delayed_tasks, language_model, sine, symbols

EXPERIMENTS = {experiment.name: experiment
               for experiment in (sine.EXPERIMENT, symbols.EXPERIMENT, language_model.EXPERIMENT,
                                   *delayed_tasks.EXPERIMENTS)}
