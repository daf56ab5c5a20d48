"""Recurrent models: each a dynamical system with a fast ``forward`` and an analysis ``step``."""
from rnnattr.models.base import RecurrentModel
from rnnattr.models.chaotic import THETA_TRUE, LSTMFamily, chaotic_lstm, lstm_family_step, theta_true
from rnnattr.models.factory import MODEL_LABELS, MODELS, make_model
from rnnattr.models.from_torch import TorchRecurrentView, from_torch
from rnnattr.models.gru import GRU, gru_update
from rnnattr.models.lstm import LSTM, StableLSTM, lstm_update
from rnnattr.models.orthogonal import OrthogonalRNN, modrelu
from rnnattr.models.tanh_rnn import TanhRNN

__all__ = [
    "RecurrentModel", "LSTM", "StableLSTM", "OrthogonalRNN", "TanhRNN", "GRU", "LSTMFamily",
    "chaotic_lstm", "lstm_family_step", "theta_true", "THETA_TRUE", "lstm_update", "modrelu",
    "gru_update", "MODELS", "MODEL_LABELS", "make_model", "from_torch", "TorchRecurrentView",
]
