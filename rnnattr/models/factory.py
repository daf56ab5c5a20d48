"""The three models the paper's experiments compare, by the names the command line uses."""
from __future__ import annotations

import torch

from rnnattr.models.base import RecurrentModel
from rnnattr.models.lstm import LSTM, StableLSTM
from rnnattr.models.orthogonal import OrthogonalRNN

#: ``--model`` name -> class: the LSTM, the stable LSTM (Miller & Hardt) and the orthogonal RNN (expRNN).
MODELS = {"lstm": LSTM, "slstm": StableLSTM, "ornn": OrthogonalRNN}
#: ``--model`` name -> the label figures and tables use.
MODEL_LABELS = {"lstm": "LSTM", "slstm": "stable LSTM", "ornn": "orthogonal RNN"}


def model_label(name: str) -> str:
    """How figures name a run: the book's models by :data:`MODEL_LABELS`, any other run (your own network) by its key."""
    return MODEL_LABELS.get(name, name)


def make_model(name: str, input_size: int, hidden_size: int, output_size: int, seed: int) -> RecurrentModel:
    """``MODELS[name](input_size, hidden_size, output_size)`` initialised from ``seed``.

    The global random state is left untouched, so building a model never changes what a
    later draw (data, shuffling) gives.

    Example:
        >>> model = make_model("slstm", 6, 200, 4, seed=0)   # the symbols task's stable LSTM
    """
    if name not in MODELS:
        raise ValueError(f"name: expected one of {list(MODELS)}, got {name!r}")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return MODELS[name](input_size, hidden_size, output_size)
