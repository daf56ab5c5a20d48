"""A word-level language model around any rnnattr recurrent unit (the paper's Experiment 3).

    e_t = E[w_t]                                  embedding, (V, H)
    x_{t+1} = f(x_t, dropout(e_t))                the recurrent unit (LSTM, stable LSTM, oRNN)
    z_t = E · dropout(h_{t+1}) + b                tied decoder: one logit per word

The decoder shares the embedding matrix E (Press & Wolf, 2017; Inan, Khosravi & Socher,
2017), which is why the embedding and the hidden vector have the same size (800 in the
paper). In eval mode dropout is the identity, and the model is the unit's dynamical system
driven by word embeddings; feeding back the embedding of the most likely next word makes
it the autonomous system that generates text (:meth:`WordLanguageModel.generation_step`).
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from rnnattr.dynamics.closed_loop import closed_loop
from rnnattr.models.factory import MODELS
from rnnattr.training.chunked_cross_entropy import linear_cross_entropy
from rnnattr.validation import check_positive_int, check_tensor

#: Embedding initialisation range of the PyTorch word-language-model example the paper's code builds on.
EMBEDDING_INIT_RANGE = 0.1


class WordLanguageModel(nn.Module):
    """Embedding → dropout → recurrent unit → dropout → tied softmax decoder.

    Args:
        unit: the recurrent unit's name in :data:`rnnattr.models.MODELS` ("lstm", "slstm", "ornn").
        vocab_size: V.
        hidden_size: H, also the embedding size (the decoder is tied to the embedding).
        dropout: the probability of both dropout layers.

    Attributes:
        embedding: ``nn.Embedding(V, H)``; its weight is also the decoder's.
        unit: the :class:`rnnattr.RecurrentModel` with input H and output V; its
            ``readout`` is the tied decoder, so ``unit.step`` / ``unit.readout`` are the
            analysis path of the whole model in eval mode.

    Example:
        >>> model = WordLanguageModel("lstm", vocab_size=10_000, hidden_size=64)
        >>> loss, x_last = model.loss(tokens, targets)       # tokens, targets: (B, T) int64
    """

    def __init__(self, unit: str, vocab_size: int, hidden_size: int, dropout: float = 0.5):
        super().__init__()
        if unit not in MODELS:
            raise ValueError(f"unit: expected one of {list(MODELS)}, got {unit!r}")
        check_positive_int("vocab_size", vocab_size)
        check_positive_int("hidden_size", hidden_size)
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
            raise ValueError(f"dropout: expected a probability in [0, 1), got {dropout!r}")
        self.embedding = nn.Embedding(vocab_size, hidden_size)
        self.unit = MODELS[unit](hidden_size, hidden_size, vocab_size)
        self.unit.decoder.weight = self.embedding.weight  # tied: one (V, H) matrix
        self.dropout = nn.Dropout(dropout)
        with torch.no_grad():
            self.embedding.weight.uniform_(-EMBEDDING_INIT_RANGE, EMBEDDING_INIT_RANGE)
            self.unit.decoder.bias.zero_()
        if hasattr(self.unit, "project_"):  # the stable LSTM: back onto its stability set
            self.unit.project_()
        self.vocab_size, self.hidden_size = vocab_size, hidden_size

    @property
    def state_dim(self) -> int:
        """Length of the unit's flat state (2H for an LSTM: ``cat([h, c])``)."""
        return self.unit.state_dim

    def initial_state(self, batch_size: int) -> torch.Tensor:
        """Zero flat states (batch_size, state_dim)."""
        return self.unit.initial_state(batch_size)

    def hidden_sequence(self, tokens: torch.Tensor, x0: torch.Tensor | None = None):
        """tokens (B, T) int64 -> (decoder inputs dropout(h_1..h_T) (B, T, H), x_last (B, state_dim))."""
        check_tensor("tokens", tokens, (None, "T"), floating=False)
        hs, x_last = self.unit.hidden_sequence(self.dropout(self.embedding(tokens)), x0)
        return self.dropout(hs), x_last

    def forward(self, tokens: torch.Tensor, x0: torch.Tensor | None = None):
        """tokens (B, T) -> (logits (B, T, V), x_last). Materialises every logit: for training use :meth:`loss`."""
        hs, x_last = self.hidden_sequence(tokens, x0)
        return self.unit.readout(hs), x_last

    def loss(self, tokens: torch.Tensor, targets: torch.Tensor, x0: torch.Tensor | None = None,
             *, reduction: str = "mean", chunk_size: int | None = None):
        """Next-word cross-entropy without the full logits tensor: returns ``(loss, x_last)``.

        Args:
            tokens, targets: (B, T) int64; targets are the tokens shifted by one.
            x0: the state carried over from the previous window (truncated BPTT), or None.
            reduction: ``"mean"`` (nats per token) or ``"sum"``.
            chunk_size: positions per block of logits
                (:func:`rnnattr.training.chunked_cross_entropy.linear_cross_entropy`).
        """
        check_tensor("targets", targets, tuple(tokens.shape), floating=False)
        hs, x_last = self.hidden_sequence(tokens, x0)  # (B, T, H)
        decoder = self.unit.decoder
        loss = linear_cross_entropy(hs.reshape(-1, self.hidden_size), decoder.weight, decoder.bias,
                                    targets.reshape(-1), reduction=reduction, chunk_size=chunk_size)
        return loss, x_last

    def input_step(self, x: torch.Tensor, words: torch.Tensor) -> torch.Tensor:
        """The driven system in eval mode: x (B, d), words (B,) int64 -> the next flat state."""
        return self.unit.step(x, self.embedding(words))

    def greedy_words(self, x: torch.Tensor, excluded_words: Sequence[int] = ()) -> torch.Tensor:
        """The most likely next word of each flat state x (..., d), leaving out ``excluded_words``
        (e.g. ``<unk>``, a placeholder for every rare word, not a word to write): int64 (...)."""
        return self._argmax(self.unit.readout(x), excluded_words)

    def generation_step(self, excluded_words: Sequence[int] = ()):
        """The free-running system of greedy generation: the most likely word is fed back.

        Returns ``step(x, None) -> x_next`` (see :func:`rnnattr.closed_loop`),
        x_{t+1} = f(x_t, E[w_t]) with w_t = :meth:`greedy_words` (x_t); the fed-back input is
        piecewise constant in x, so the Jacobian of this map is ∂f/∂x alone.
        """
        return closed_loop(self.unit, lambda logits: self.embedding(self._argmax(logits, excluded_words)))

    @staticmethod
    def _argmax(logits: torch.Tensor, excluded_words: Sequence[int]) -> torch.Tensor:
        if len(excluded_words):
            logits = logits.index_fill(-1, torch.as_tensor(list(excluded_words), device=logits.device), -math.inf)
        return logits.argmax(-1)
