"""Experiment 3 of the paper: a word-level language model on WikiText-2 and its attractors.

The model (:class:`rnnattr.models.language_model.WordLanguageModel`) embeds each word in 800
dimensions, applies dropout 0.5, runs an 800-unit LSTM, stable LSTM or orthogonal RNN,
applies dropout 0.5 again and decodes with the embedding matrix (tied). It is trained by
truncated back-propagation through time: the training text is cut into 100 parallel
streams, read in windows of 80 words, and the state reached at the end of one window is the
initial state of the next. Adam at 1e-3, ÷10 when the validation loss has not improved for
more than 7 epochs, until the learning rate falls below 1e-7; gradient clipping 0.25. The
paper reports test perplexities LSTM 99.2, stable LSTM 118.8, orthogonal RNN 185.3
(Ribeiro, Tiels, Aguirre & Schön, AISTATS 2020, Section 5.3 — :func:`rnnattr.papers.lm_test_perplexity`).

The attractors (cf. their Figure 8) are those of the trained network run on its own: under one
word held at the input for ever, and in generation mode, where the most likely next word is
fed back (:meth:`WordLanguageModel.generation_step`). Unlike the paper's Figure 8, which follows
them over training, they are computed once, for the trained network, and projected on the mean
of the hidden vector h and its first difference (the paper projects "the average of all outputs";
its reference code averages the decoder's V outputs, which with a tied decoder is another fixed
linear function of h). In the paper's generation mode the LSTM "presents, again, chaotic
attractors", while the stable LSTM and the orthogonal RNN settle into periodic behaviour: their
text repeats a few words.

In a notebook::

    config = LanguageModelConfig.preset("reduced")     # full: rnnattr.papers.LANGUAGE_MODEL_SETTINGS (a GPU)
    corpus = prepare_corpus(config)                     # WikiText-2 if found, else a generated corpus
    trainer = make_trainer(config, "lstm")
    trainer.fit(config.n_epochs)                        # stops early once lr < min_lr
    summarize(trainer, config)["test_ppl"]
    arrays, facts = attractor_analysis(trainer.model, corpus, config)

From the command line (downloads and verifies WikiText-2 into DIR where the network allows)::

    python -m rnnattr train lm --model lstm --size full --data DIR --out runs/lm-lstm
"""
from __future__ import annotations

import dataclasses
import functools
import math
import os
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch

from rnnattr.data import wikitext2
from rnnattr.data.corpus import Vocabulary, batchify, bptt_windows, read_tokens, synthetic_corpus, tokenize
from rnnattr.dynamics.lyapunov import lyapunov_spectrum
from rnnattr.dynamics.orbit import orbit
from rnnattr.dynamics.periodicity import repetition_onset
from rnnattr.experiments.presets import select_preset
from rnnattr.models.factory import MODEL_LABELS
from rnnattr.models.language_model import WordLanguageModel
from rnnattr.training.checkpoint import load_checkpoint
from rnnattr.training.engine import Trainer
from rnnattr.training.experiment import Experiment
from rnnattr.training.recorder import constant_input_orbits
from rnnattr.training.runner import CHECKPOINT_FILE, read_run
from rnnattr.validation import check_non_negative_int, check_positive_int

#: Texts of the generated corpus used where WikiText-2 is absent: (number of lines, seed).
SYNTHETIC_TEXTS = {"train": (6000, 0), "valid": (1000, 1), "test": (1000, 2)}
#: Words whose logits are the "token directions" of the attractor projections (those in the vocabulary).
DIRECTION_WORDS = ("the", ",", ".", "<eos>", "of", "and")
#: Words held at the input for the constant-input attractors.
CONSTANT_WORDS = ("the", ".", "<eos>")


@dataclass(frozen=True)
class LanguageModelConfig:
    """Settings of the language-model experiment; the defaults are the full preset: the paper's text (Section 5.3)
    where it is explicit, else the reference code, else ours (:data:`rnnattr.papers.LANGUAGE_MODEL_SETTINGS`).

    A text is one of "train", "valid", "test" (the WikiText-2 files, or the generated
    corpus's texts of :data:`SYNTHETIC_TEXTS`), and its range the fractions of its tokens used.
    """

    corpus: str = "wikitext-2"  # "wikitext-2" or "synthetic" (generated; no download needed)
    train_text: str = "train"
    train_range: tuple[float, float] = (0.0, 1.0)
    valid_text: str = "valid"
    valid_range: tuple[float, float] = (0.0, 1.0)
    test_text: str = "test"
    test_range: tuple[float, float] = (0.0, 1.0)
    max_vocabulary: int = 0  # 0: every word of the training text (33,278 for WikiText-2); else the most frequent
    hidden_size: int = 800  # also the embedding size: the decoder is tied to the embedding
    dropout: float = 0.5
    batch_size: int = 100  # parallel streams of the training text
    bptt: int = 80  # words per window of truncated back-propagation (the reference code's default: 70)
    eval_batch_size: int = 10  # parallel streams of the validation and test texts
    learning_rate: float = 1e-3
    plateau_patience: int = 7  # lr ÷ 10 after more than this many epochs without a better validation loss
    min_lr: float = 1e-7  # training stops once the learning rate falls below this
    n_epochs: int = 1000  # at most; the min_lr rule ends a full run long before
    clip_norm: float = 0.25
    n_prompts: int = 8  # initial states of the attractor analysis: the states after 8 test-text prompts
    prompt_length: int = 100
    burn_in: int = 1000  # steps dropped before keeping an attractor's orbit
    n_kept: int = 1000  # steps kept (generated words analysed for repetition)
    lyapunov_steps: int = 1000  # steps averaged for the generation-mode λ1 (after the burn-in)
    seed: int = 0

    def __post_init__(self):
        if self.corpus not in ("wikitext-2", "synthetic"):
            raise ValueError(f"corpus: expected 'wikitext-2' or 'synthetic', got {self.corpus!r}")
        for name in ("train", "valid", "test"):
            text, (start, end) = getattr(self, f"{name}_text"), getattr(self, f"{name}_range")
            if text not in ("train", "valid", "test"):
                raise ValueError(f"{name}_text: expected 'train', 'valid' or 'test', got {text!r}")
            if not 0 <= start < end <= 1:
                raise ValueError(f"{name}_range: expected fractions 0 <= start < end <= 1, got {(start, end)}")
        check_non_negative_int("max_vocabulary", self.max_vocabulary)
        for name in ("hidden_size", "batch_size", "bptt", "eval_batch_size", "plateau_patience", "n_epochs",
                     "n_prompts", "prompt_length", "burn_in", "n_kept", "lyapunov_steps"):
            check_positive_int(name, getattr(self, name))
        if not 0 <= self.dropout < 1:
            raise ValueError(f"dropout: expected a probability in [0, 1), got {self.dropout}")
        for name in ("learning_rate", "min_lr", "clip_norm"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name}: expected a positive number, got {getattr(self, name)}")

    @classmethod
    def preset(cls, size: str) -> LanguageModelConfig:
        """``"full"``: :data:`rnnattr.papers.LANGUAGE_MODEL_SETTINGS` (a GPU, the WikiText-2 training
        split); ``"reduced"``: about 15 s per model on 2 CPU cores, from ``valid.txt``/``test.txt`` or,
        where those are absent, a generated corpus (:func:`reduced_corpus`, decided when the preset is asked for)."""
        if size == "reduced" and reduced_corpus() == "synthetic":
            return REDUCED_SYNTHETIC
        return select_preset(PRESETS, size)


def reduced_corpus() -> str:
    """``"wikitext-2"`` where WikiText-2's validation and test files can be found (without
    downloading), else ``"synthetic"``: the reduced preset runs everywhere."""
    return "wikitext-2" if wikitext2.locate(("valid", "test")) is not None else "synthetic"


_REDUCED = dict(max_vocabulary=2000, hidden_size=64, dropout=0.2, batch_size=20, bptt=40, plateau_patience=1,
                n_epochs=8, n_prompts=4, prompt_length=40, burn_in=300, n_kept=400, lyapunov_steps=400)
PRESETS = {
    "full": LanguageModelConfig(),
    # WikiText-2's training split is not on the development machines: train on the first 35 % of
    # valid.txt (76k words), validate on its last 20 %, test on the first 20 % of test.txt, with the
    # 2000 most frequent training words (the rest are <unk>), 64 units and 8 epochs
    "reduced": LanguageModelConfig(train_text="valid", train_range=(0.0, 0.35), valid_range=(0.8, 1.0),
                                   test_range=(0.0, 0.2), **_REDUCED),
}
#: The reduced preset where WikiText-2 cannot be found: the generated corpus's three texts, same sizes.
REDUCED_SYNTHETIC = LanguageModelConfig(corpus="synthetic", **_REDUCED)


# -- data -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Corpus:
    """The encoded texts of a run: ``train``, ``valid``, ``test`` (int64, (N,)), the vocabulary, and
    ``source``, a sentence saying where the text came from."""

    vocabulary: Vocabulary
    train: torch.Tensor
    valid: torch.Tensor
    test: torch.Tensor
    source: str


def _text_tokens(config: LanguageModelConfig, text: str, folder: Path | None) -> list[str]:
    if config.corpus == "synthetic":
        n_lines, seed = SYNTHETIC_TEXTS[text]
        return tokenize(synthetic_corpus(n_lines, seed))
    return read_tokens(wikitext2.find_split(folder, text))


def _slice(tokens: list[str], fractions: tuple[float, float]) -> list[str]:
    start, end = (round(fraction * len(tokens)) for fraction in fractions)
    return tokens[start:end]


@functools.lru_cache(maxsize=4)
def _prepare(corpus_fields: tuple, folder: str | None) -> Corpus:
    config = LanguageModelConfig(**dict(corpus_fields))
    folder_path = None if folder is None else Path(folder)
    texts = {name: _slice(_text_tokens(config, getattr(config, f"{name}_text"), folder_path),
                          getattr(config, f"{name}_range")) for name in ("train", "valid", "test")}
    vocabulary = Vocabulary.build(texts["train"], max_size=config.max_vocabulary or None)
    if config.corpus == "synthetic":
        source = "a generated corpus (rnnattr.data.corpus.synthetic_corpus): WikiText-2 was not found here"
    else:
        source = f"WikiText-2 from {folder_path}"
    return Corpus(vocabulary, *(vocabulary.encode(texts[name]) for name in ("train", "valid", "test")), source)


def prepare_corpus(config: LanguageModelConfig, data: str | os.PathLike | None = None) -> Corpus:
    """The run's texts, encoded with the vocabulary of its training text (memoised per process).

    Args:
        config: which corpus, texts and ranges, and the vocabulary cap.
        data: a folder holding the WikiText-2 files (``train.txt`` or ``wiki.train.tokens``, …);
            default: :func:`rnnattr.data.wikitext2.locate` (``$RNNATTR_DATA``, the cache, the
            development copy). Files missing there are downloaded and verified where the
            network allows.

    Raises:
        FileNotFoundError: a needed WikiText-2 file is nowhere to be found or fetched; the
            message says which file and how to obtain it.
    """
    folder = None
    if config.corpus == "wikitext-2":
        splits = tuple(dict.fromkeys(getattr(config, f"{name}_text") for name in ("train", "valid", "test")))
        try:
            folder = wikitext2.locate(splits, folder=data, download_missing=True)
        except RuntimeError as error:  # not found, and the download failed (no network)
            raise FileNotFoundError(f"WikiText-2 {list(splits)} not found and not downloadable: {error}") from error
    corpus_fields = tuple((field.name, getattr(config, field.name)) for field in dataclasses.fields(config)
                          if field.name in _CORPUS_FIELDS)
    return _prepare(corpus_fields, None if folder is None else str(folder))


_CORPUS_FIELDS = ("corpus", "train_text", "train_range", "valid_text", "valid_range", "test_text", "test_range",
                  "max_vocabulary")


# -- training ---------------------------------------------------------------------------------
class CarriedStateLoss:
    """Truncated BPTT: ``loss(model, inputs (1, B, T), targets (1, B, T))`` starts each window from
    the state the previous window ended in (detached), and from zero at window 0 of every epoch.

    Used with ``Trainer(..., batch_size=1, shuffle=False)`` over the windows of
    :func:`rnnattr.data.corpus.bptt_windows`, so that the windows come in text order.
    """

    def __init__(self, n_windows: int):
        self.n_windows = check_positive_int("n_windows", n_windows)
        self.position, self.state = 0, None

    def __call__(self, model: WordLanguageModel, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        if self.position == 0:
            self.state = None
        loss, x_last = model.loss(inputs[0], targets[0], self.state)
        self.state = x_last.detach()
        self.position = (self.position + 1) % self.n_windows
        return loss


def mean_loss(model: WordLanguageModel, ids: torch.Tensor, batch_size: int, bptt: int) -> float:
    """Mean next-word cross-entropy (nats per word) of ``model`` on the text ``ids`` (N,), read as
    ``batch_size`` streams in windows of ``bptt`` with the state carried across windows. Its
    exponential is the perplexity."""
    inputs, targets = bptt_windows(batchify(ids, batch_size), bptt)  # (W, B, T) each
    device = next(model.parameters()).device
    state, total = None, torch.zeros((), dtype=torch.float64, device=device)  # 245k words: sum in float64
    with torch.no_grad():
        for window_inputs, window_targets in zip(inputs.to(device), targets.to(device)):
            loss, state = model.loss(window_inputs, window_targets, state, reduction="sum")
            total += loss
    return total.item() / targets.numel()


def make_model(config: LanguageModelConfig, unit: str, vocab_size: int) -> WordLanguageModel:
    """The language model of ``config`` around ``unit``, initialised from ``config.seed``."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        return WordLanguageModel(unit, vocab_size, config.hidden_size, config.dropout)


def make_trainer(config: LanguageModelConfig, model_name: str, device: torch.device | str = "cpu",
                 progress: bool = True, data: str | os.PathLike | None = None) -> Trainer:
    """The language-model experiment for one recurrent unit, ready to ``fit(config.n_epochs)``.

    Adam (β = 0.9, 0.999) at ``learning_rate``, ``ReduceLROnPlateau`` on the validation loss
    (÷10 after more than ``plateau_patience`` epochs without improvement), training ends once
    the learning rate is below ``min_lr``; clipping at ``clip_norm``; the stable LSTM is
    projected after every step. After every epoch the validation and test losses and
    perplexities join the history (``val_loss``, ``val_ppl``, ``test_loss``, ``test_ppl``):
    the test perplexity reported is the one at the best validation epoch.

    Example:
        >>> trainer = make_trainer(LanguageModelConfig.preset("reduced"), "lstm")
        >>> trainer.fit(2); trainer.history[-1]["val_ppl"]
    """
    device = torch.device(device)
    corpus = prepare_corpus(config, data)
    inputs, targets = bptt_windows(batchify(corpus.train, config.batch_size), config.bptt)  # (W, B, T) each
    model = make_model(config, model_name, len(corpus.vocabulary)).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate, betas=(0.9, 0.999))
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.1, patience=config.plateau_patience)

    def evaluate(model: WordLanguageModel) -> dict[str, float]:
        metrics = {}
        for name, ids in (("val", corpus.valid), ("test", corpus.test)):
            loss = mean_loss(model, ids, config.eval_batch_size, config.bptt)
            metrics.update({f"{name}_loss": loss, f"{name}_ppl": math.exp(loss)})
        return metrics

    return Trainer(model, (inputs.to(device), targets.to(device)), CarriedStateLoss(len(inputs)), optimizer,
                   scheduler=scheduler, plateau_metric="val_loss", batch_size=1, shuffle=False,
                   clip_norm=config.clip_norm, seed=config.seed,
                   after_step=(lambda model: model.unit.project_()) if model_name == "slstm" else None,
                   evaluate=evaluate, min_lr=config.min_lr, progress=progress)


def summarize(trainer: Trainer, config: LanguageModelConfig) -> dict[str, float]:
    """Final metrics: the best validation perplexity, the test perplexity at that epoch (the paper's
    number), that epoch, the training perplexity there, and the epochs run."""
    best = min(trainer.history, key=lambda row: row["val_loss"])
    return {"val_ppl": best["val_ppl"], "test_ppl": best["test_ppl"], "best_epoch": float(best["epoch"]),
            "train_ppl": math.exp(best["loss"]), "epochs": float(trainer.epoch)}


def load_trained_model(directory: str | os.PathLike, data: str | os.PathLike | None = None
                       ) -> tuple[WordLanguageModel, LanguageModelConfig]:
    """The model of a ``python -m rnnattr train lm`` run directory at its last checkpoint (CPU, eval
    mode) and the run's config. The vocabulary is rebuilt from the corpus (``data``)."""
    directory, model_name, config = read_run(directory, "lm", LanguageModelConfig)
    corpus = prepare_corpus(config, data)
    model = make_model(config, model_name, len(corpus.vocabulary))
    model.load_state_dict(load_checkpoint(directory / CHECKPOINT_FILE, map_location="cpu")["model"])
    return model.eval(), config


# -- attractors -------------------------------------------------------------------------------
def prompt_states(model: WordLanguageModel, corpus: Corpus, config: LanguageModelConfig) -> torch.Tensor:
    """The states (n_prompts, d) the model reaches after reading ``n_prompts`` prompts of
    ``prompt_length`` test words, taken at evenly spaced places in the test text."""
    starts = torch.linspace(0, len(corpus.test) - config.prompt_length - 1, config.n_prompts).long()
    prompts = torch.stack([corpus.test[s : s + config.prompt_length] for s in starts.tolist()])  # (P, L)
    device = next(model.parameters()).device
    with torch.no_grad():
        _, states = model.hidden_sequence(prompts.to(device))
    return states


def project(model: WordLanguageModel, states: torch.Tensor, word_ids: torch.Tensor) -> dict[str, torch.Tensor]:
    """The projections of orbits ``states`` (..., T, d) that Figure 8 plots: ``mean`` (..., T), the
    mean of the hidden vector h over its units; ``mean_difference`` (..., T − 1), its first
    difference; ``logits`` (..., T, K), the decoder's logits of the words ``word_ids`` (K,) —
    the state seen along a few token directions."""
    hidden = states[..., : model.hidden_size]
    mean = hidden.mean(-1)
    decoder = model.unit.decoder
    return {"mean": mean, "mean_difference": mean.diff(dim=-1),
            "logits": hidden @ decoder.weight[word_ids].T + decoder.bias[word_ids]}


def attractor_analysis(model: WordLanguageModel, corpus: Corpus, config: LanguageModelConfig
                       ) -> tuple[dict[str, np.ndarray], dict]:
    """Figure 8 and the generated text: the trained model's attractors in generation mode and under
    constant words, from the states after :func:`prompt_states`.

    Returns:
        ``(arrays, facts)``. Arrays (float16 where large): ``generation_mean`` (P, n_kept),
        ``generation_mean_difference`` (P, n_kept − 1), ``generation_logits`` (P, n_kept, K),
        ``generation_words`` (P, burn_in + n_kept) int, ``constant_mean`` (C, P, n_kept),
        ``constant_mean_difference``, ``constant_logits`` (C, P, n_kept, K),
        ``generation_lyapunov`` (P,) (λ1 of the generation-mode map, per step). Facts (JSON):
        ``direction_words`` (K), ``constant_words`` (C), ``generated_text`` (the first
        prompt's generated words), ``repetition_onset`` and ``repetition_period`` per prompt
        (in generated words, None where the text never settles into a cycle; see
        :func:`rnnattr.dynamics.periodicity.repetition_onset`).

    The generated words are the argmax decoded at every step from the prompt's state on
    (greedy decoding, ``<unk>`` left out), i.e. the model run as
    :meth:`WordLanguageModel.generation_step`.
    """
    model = model.eval()
    vocabulary = corpus.vocabulary
    directions = [word for word in DIRECTION_WORDS if word in vocabulary.index]
    constants = [word for word in CONSTANT_WORDS if word in vocabulary.index]
    device = next(model.parameters()).device
    direction_ids = torch.tensor([vocabulary.index[word] for word in directions], device=device)
    x0 = prompt_states(model, corpus, config)  # (P, d)
    n_steps = config.burn_in + config.n_kept
    excluded = [] if vocabulary.unk_id is None else [vocabulary.unk_id]
    generate = model.generation_step(excluded)
    with torch.no_grad():
        free = orbit(generate, x0, n_steps)  # (P, n_steps, d)
        words = model.greedy_words(free, excluded)  # (P, n_steps): the word emitted on reaching each state
        generation = project(model, free[:, config.burn_in :], direction_ids)
        constant_inputs = model.embedding(torch.tensor([vocabulary.index[w] for w in constants], device=device))
        _, constant_states = constant_input_orbits(model.unit, constant_inputs, x0, config.burn_in, config.n_kept)
        constant = project(model, constant_states, direction_ids)  # (C, P, n_kept, ...)
    lyapunov = lyapunov_spectrum(generate, free[:, config.burn_in - 1].detach(),
                                 n_steps=config.lyapunov_steps, k=1)[:, 0]  # (P,)
    first = [vocabulary.words[i] for i in words[0].tolist()]
    onsets = [repetition_onset(row.cpu().numpy()) for row in words]

    def half(tensor: torch.Tensor) -> np.ndarray:
        return tensor.detach().cpu().numpy().astype(np.float16)

    arrays = {"generation_mean": half(generation["mean"]),
              "generation_mean_difference": half(generation["mean_difference"]),
              "generation_logits": half(generation["logits"]),
              "generation_words": words.cpu().numpy().astype(np.int32),
              "constant_mean": half(constant["mean"]), "constant_mean_difference": half(constant["mean_difference"]),
              "constant_logits": half(constant["logits"]),
              "generation_lyapunov": lyapunov.detach().cpu().numpy().astype(np.float64)}
    facts = {"direction_words": directions, "constant_words": constants, "generated_text": " ".join(first),
             "repetition_onset": [onset for onset, _ in onsets], "repetition_period": [period for _, period in onsets],
             "corpus_source": corpus.source}
    return arrays, facts


def analyse(trainer: Trainer, config: LanguageModelConfig, data: str | os.PathLike | None = None
            ) -> tuple[dict[str, np.ndarray], dict]:
    """:func:`attractor_analysis` of a finished run, for its result artifact."""
    return attractor_analysis(trainer.model, prepare_corpus(config, data), config)


# -- figures ----------------------------------------------------------------------------------
def plot_perplexity_histories(histories: dict[str, dict[str, np.ndarray]], title: str = ""):
    """Figure 9: validation perplexity against epoch, one line per model.

    ``histories[model]`` holds ``history_epoch`` and ``history_val_ppl`` arrays (a result
    artifact's, or built from ``trainer.history``)."""
    fig, axis = plt.subplots(figsize=(6, 3.5))
    for name, arrays in histories.items():
        axis.plot(arrays["history_epoch"], arrays["history_val_ppl"], marker=".", label=MODEL_LABELS[name])
    axis.set(xlabel="epoch", ylabel="validation perplexity", yscale="log", title=title)
    axis.legend()
    fig.tight_layout()
    return fig


def plot_attractors(results: dict[str, tuple[dict[str, np.ndarray], dict]], title: str = ""):
    """Figure 8: for each model (column), the mean hidden state against its first difference under
    a constant word (top) and in generation mode (middle), one colour per prompt; and the
    generation-mode orbit along two token directions (bottom).

    ``results[model]`` is a run's result artifact ``(arrays, metadata)`` (:func:`rnnattr.results.load_result`),
    whose ``metadata["analysis"]`` and arrays come from :func:`attractor_analysis`."""
    fig, axes = plt.subplots(3, len(results), figsize=(4 * len(results), 9.5), squeeze=False)
    for column, (name, (arrays, metadata)) in enumerate(results.items()):
        facts = metadata["analysis"]
        constant_word = facts["constant_words"][0]
        for row, (prefix, label) in enumerate((("constant", f"constant input '{constant_word}'"),
                                               ("generation", "generation mode"))):
            mean = arrays[f"{prefix}_mean"].astype(np.float32)
            difference = arrays[f"{prefix}_mean_difference"].astype(np.float32)
            if prefix == "constant":
                mean, difference = mean[0], difference[0]  # the first constant word
            for member in range(mean.shape[0]):
                axes[row, column].plot(mean[member, 1:], difference[member], ".", markersize=1.5)
            axes[row, column].set(xlabel=r"$\bar h_t$", ylabel=r"$\bar h_t - \bar h_{t-1}$",
                                  title=f"{MODEL_LABELS[name]}: {label}")
            axes[row, column].locator_params(nbins=4)  # a fixed point's tiny range would crowd the ticks
        logits = arrays["generation_logits"].astype(np.float32)
        words = facts["direction_words"]
        for member in range(logits.shape[0]):
            axes[2, column].plot(logits[member, :, 0], logits[member, :, 1], ".", markersize=1.5)
        axes[2, column].set(xlabel=f"logit of '{words[0]}'", ylabel=f"logit of '{words[1]}'",
                            title=f"{MODEL_LABELS[name]}: generation, token directions")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


EXPERIMENT = Experiment(
    name="lm",
    description="word-level language model on WikiText-2 (embedding, recurrent unit, tied decoder)",
    config_class=LanguageModelConfig,
    build=make_trainer,
    summarize=summarize,
    options=("hidden_size", "batch_size", "bptt", "learning_rate"),
    table_metric="test_ppl",
    analyse=analyse,
    takes_data=True,
)
