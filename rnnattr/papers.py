"""What the two papers printed, and where every setting of a ``full`` preset comes from.

The one place in the package that holds published numbers. Chapters, ``results/REPRODUCTION.md``
and the tests read them from here and never retype them.

* :data:`PUBLISHED`: every number the book quotes as the paper's, each with where it is printed
  (section, table, figure or equation) and the printed words around it.
* ``*_SETTINGS``: the settings of each experiment as three sources give them — the paper's
  text, the public reference code's default, and ours — with the rule a ``full`` preset
  follows: **the paper's text where it is explicit, the reference code where the paper is
  silent, our own choice only where both are silent** (:attr:`Setting.full`). Where a full
  preset deliberately departs from that rule, :attr:`Setting.departure` says why.

Sources:

* the paper: Ribeiro, Tiels, Aguirre & Schön, *Beyond exploding and vanishing gradients:
  analysing RNN training using attractors and smoothness*, AISTATS 2020 (PMLR 108);
* its reference code: github.com/antonior92/attractors-and-smoothness-RNN (``sine-generator/``,
  ``sequence-classification/``, ``word-language-model/``, ``chaotic_lstm.py``);
* flossing: Engelken, *Gradient flossing: improving gradient descent through dynamic control of
  Jacobians*, NeurIPS 2023, and its reference code github.com/RainerEngelken/GradientFlossing.

Example:
    >>> PUBLISHED["sine_final_mse_lstm"].value      # 0.0048, from the caption of Figure 5
    >>> {s.field: s.source for s in SINE_SETTINGS}  # {"hidden_size": "paper", "batch_size": "reference code", ...}
"""
from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Published:
    """A number the paper printed.

    Attributes:
        value: the number as printed (a float, or an interval as a tuple).
        where: where it is printed, e.g. ``"Section 5.1, Figure 5 caption"``.
        quote: the printed words around it, short.
    """

    value: float | tuple[float, float]
    where: str
    quote: str


@dataclass(frozen=True)
class Setting:
    """One setting of an experiment as the paper, its reference code and we give it.

    Attributes:
        field: the config dataclass field it sets (e.g. ``SineConfig.batch_size``).
        paper: the value the paper's text fixes, or None where the text is silent or ambiguous.
        paper_says: the paper's words on it (a short quote), or "" where it says nothing.
        reference: the reference code's default, or None where it has none.
        reference_where: the file and argument it comes from.
        ours: our own value, used only where both are silent or for a documented departure.
        departure: why the full preset departs from the rule (empty: it follows it).
    """

    field: str
    paper: object = None
    paper_says: str = ""
    reference: object = None
    reference_where: str = ""
    ours: object = None
    departure: str = ""

    @property
    def source(self) -> str:
        """``"paper"``, ``"reference code"`` or ``"ours"``: where the full preset's value comes from."""
        if self.departure:
            return "ours"
        if self.paper is not None:
            return "paper"
        if self.reference is not None:
            return "reference code"
        return "ours"

    @property
    def full(self) -> object:
        """The full preset's value: the paper's, else the reference code's, else ours (or ours, for a departure)."""
        return {"paper": self.paper, "reference code": self.reference, "ours": self.ours}[self.source]

    def __post_init__(self):
        if self.paper is None and self.reference is None and self.ours is None:
            raise ValueError(f"{self.field}: expected a value from at least one source")
        if self.departure and self.ours is None:
            raise ValueError(f"{self.field}: a departure needs our own value")


def published(key: str) -> float | tuple[float, float]:
    """The value of ``PUBLISHED[key]``; raises ``KeyError`` naming the known keys."""
    if key not in PUBLISHED:
        raise KeyError(f"key: expected one of {sorted(PUBLISHED)}, got {key!r}")
    return PUBLISHED[key].value


def table_1() -> dict[int, dict[str, float]]:
    """The paper's Table 1 as ``{length: {model: validation accuracy}}``."""
    return {length: {model: PUBLISHED[f"table_1_l{length}_{model}"].value for model in MODELS}
            for length in TABLE_1_LENGTHS}


def sine_final_mse() -> dict[str, float]:
    """The paper's final training MSE of the sine experiment (Figure 5), ``{model: MSE}``."""
    return {model: PUBLISHED[f"sine_final_mse_{model}"].value for model in MODELS}


def lm_test_perplexity() -> dict[str, float]:
    """The paper's WikiText-2 test perplexities (Section 5.3), ``{model: perplexity}``."""
    return {model: PUBLISHED[f"lm_test_perplexity_{model}"].value for model in MODELS}


def settings_table(settings: tuple[Setting, ...]) -> str:
    """A markdown table of ``settings``: field, the paper, the reference code, ours, the full preset's source."""
    def cell(value) -> str:
        return "—" if value is None else str(value)

    lines = ["| setting | the paper's text | reference code | ours | full preset |", "|---|---|---|---|---|"]
    for setting in settings:
        paper = cell(setting.paper) if setting.paper is not None else (
            f"silent ({setting.paper_says})" if setting.paper_says else "silent")
        reference = cell(setting.reference) + (f" (`{setting.reference_where}`)" if setting.reference_where else "")
        full = f"{cell(setting.full)} ({setting.source})" + (f": {setting.departure}" if setting.departure else "")
        lines.append(f"| `{setting.field}` | {paper} | {reference} | {cell(setting.ours)} | {full} |")
    return "\n".join(lines)


MODELS = ("lstm", "slstm", "ornn")
TABLE_1_LENGTHS = (50, 100, 200, 300, 500)
_TABLE_1 = {50: (1.00, 1.00, 1.000), 100: (1.00, 1.00, 1.000), 200: (1.00, 0.27, 0.999),
            300: (0.25, 0.26, 0.995), 500: (0.27, 0.26, 0.970)}

PUBLISHED: dict[str, Published] = {
    # Section 4.1, Figure 1: the chaotic LSTM
    "chaotic_band": Published((0.9, 1.45), "Section 4.1 (Figure 1)",
                              "a region with rich nonlinear and chaotic behavior for 0.9 ≲ s ≲ 1.45"),
    "chaotic_n_steps": Published(200.0, "Section 4.1", "a simulation of 200 samples"),
    "chaotic_burn_in": Published(100.0, "Section 4.1", "the first 100 samples were discarded"),
    # Section 5.1, Figures 4-5: sine-wave generation
    "sine_final_mse_lstm": Published(4.8e-3, "Section 5.1, Figure 5 caption",
                                     "The final performance of the LSTM after 4000 epochs is 4.8*10^-3"),
    "sine_final_mse_slstm": Published(0.49, "Section 5.1, Figure 5 caption", "the final performance of the sLSTM is 0.49"),
    "sine_final_mse_ornn": Published(4.1e-3, "Section 5.1, Figure 5 caption",
                                     "the final performance of the oRNN is 4.1*10^-3"),
    "sine_epochs": Published(4000.0, "Section 5.1, Figure 5 caption", "after 4000 epochs"),
    "sine_record_input": Published(0.218, "Section 5.1, Figure 4 caption", "for a constant input of 0.218"),
    "sine_burn_in": Published(1200.0, "Section 5.1, Figure 4 caption", "a burn-in period of 1200 samples"),
    "sine_figure_4_epochs": Published((300.0, 1500.0), "Section 5.1, Figure 4 caption", "The plot shows epochs 300 to 1500"),
    # Section 5.2, Table 1, Figures 6-7: sequence classification
    **{f"table_1_l{length}_{model}": Published(accuracy, "Section 5.2, Table 1",
                                              f"accuracy, l = {length}, {model}")
       for length, row in _TABLE_1.items() for model, accuracy in zip(MODELS, row)},
    "table_1_baseline": Published(0.25, "Section 5.2, Table 1 caption",
                                  "always predicting {p,p} would yield an accuracy of 0.25"),
    "symbols_max_epochs": Published(15000.0, "Section 5.2", "a total of 15000 epochs or until accuracy one is attained"),
    "figure_7_length": Published(100.0, "Section 5.2, Figure 7 caption", "for sequences of length 100"),
    "figure_7_epochs": Published((0.0, 400.0), "Section 5.2, Figure 7 caption", "epochs, that varies from 0 to 400"),
    "symbols_burn_in": Published(400.0, "Section 5.2, Figure 7 caption", "a burn-in period of 400 samples"),
    # Section 5.3, Figures 8-9: the word-level language model
    **{f"lm_test_perplexity_{model}": Published(value, "Section 5.3", quote)
       for model, value, quote in (("lstm", 99.2, "our LSTM model achieves a perplexity of 99.2 on the test set"),
                                   ("slstm", 118.8, "The stable LSTM has a perplexity of 118.8"),
                                   ("ornn", 185.3, "the orthogonal LSTM has a perplexity of 185.3"))},
    "lm_state_of_the_art": Published(39.14, "Section 5.3", "a perplexity ... of 39.14 (Gong et al., 2018)"),
    "lm_grave_lstm": Published(99.3, "Section 5.3", "99.3 obtained for a standard LSTM model in Edouard Grave (2017)"),
    "lm_miller_hardt": Published(113.2, "Section 5.3", "Miller and Hardt (2019), where they achieve a perplexity of 113.2"),
    "wikitext2_vocabulary": Published(33278.0, "Section 5.3", "a vocabulary of 33,278 distinct tokens"),
    "wikitext2_train_tokens": Published(2088628.0, "Section 5.3", "600 Wikipedia articles for training (2,088,628 tokens)"),
    "wikitext2_valid_tokens": Published(217646.0, "Section 5.3", "60 articles for validation (217,646 tokens)"),
    "wikitext2_test_tokens": Published(245569.0, "Section 5.3", "60 articles for testing (245,569 tokens)"),
    "lm_slstm_settling_tokens": Published(600.0, "Section 5.3",
                                          "sLSTM usually takes more than 600 tokens to reach this steady-state periodic behavior"),
    "lm_ornn_settling_tokens": Published(100.0, "Section 5.3", "for the oRNN this sometimes happens before 100 tokens"),
}

_SINE_REF = "sine-generator/train.py"
#: Sine-wave generation (Section 5.1) against ``SineConfig``.
SINE_SETTINGS = (
    Setting("hidden_size", 200, "We use a hidden size of 200 and a single layer", 200, f"{_SINE_REF} --hidden_size"),
    Setting("n_sequences", 100, "We have 100 sequences of length 400", 100, f"{_SINE_REF} --n_sequences"),
    Setting("length", 400, "We have 100 sequences of length 400", 400, f"{_SINE_REF} --seq_len"),
    Setting("omega_min", math.pi / 16, "uniformly picked in the interval [π/16, π/8]", math.pi / 16,
            f"{_SINE_REF} --min_freq"),
    Setting("omega_max", math.pi / 8, "uniformly picked in the interval [π/16, π/8]", math.pi / 8,
            f"{_SINE_REF} --max_freq"),
    Setting("omega_spacing", None, "\"uniformly picked\": random draws or an even grid", "even",
            "sine-generator/sine_generator.py data_generator: np.linspace", "uniform"),
    Setting("n_epochs", 4000, "The final performance ... after 4000 epochs (Figure 5)", 10000, f"{_SINE_REF} --epochs"),
    Setting("batch_size", None, "", 10, f"{_SINE_REF} --batch_size"),
    Setting("shuffle", None, "", False, "sine-generator/sine_generator.py data_loader: fixed order"),
    Setting("loss_reduction", None, "Eq. (2) defines the cost as a mean; the training loss is not stated", "sum",
            f"{_SINE_REF}: F.mse_loss(..., reduction=\"sum\")"),
    Setting("learning_rate", 1e-3, "Adam ... with initial learning rate 10^-3", 1e-3, f"{_SINE_REF} --lr"),
    Setting("clip_norm", 0.25, "The gradient is clipped when its norm exceeds 0.25", 0.25, f"{_SINE_REF} --clip_value"),
    Setting("milestones", None, "For the stable model, we decrease the learning rate by 10 at epochs {500, 1000, 2000}",
            (500, 1000, 2000, 8000, 15000, 25000), f"{_SINE_REF} --milestones, every model", (500, 1000, 2000),
            "the paper names these steps for the stable model only and none for the LSTM and the oRNN; the full "
            "preset steps every model, as the reference code does (its steps after epoch 4000 never act). "
            "Without them our LSTM's MSE kept jumping between 0.14 and 0.72 up to epoch 1500"),
    Setting("record_every", None, "", None, f"{_SINE_REF} --interval_orbit (off by default)", 20),
    Setting("n_record_inputs", None, "", 10, "sine-generator/sine_generator.py generate_const_input"),
    Setting("record_input", 0.218, "The bifurcation diagram is for a constant input of 0.218 (Figure 4)", None, "", ),
    Setting("n_initial_states", None, "", 4, f"{_SINE_REF} --n_sequences_orbit"),
    Setting("initial_state_scale", None, "", 100.0, f"{_SINE_REF} --std_orbit"),
    Setting("burn_in", 1200, "a burn-in period of 1200 samples (Figure 4)", 1200, f"{_SINE_REF} --burnout_orbit"),
    Setting("n_kept", None, "", 400, f"{_SINE_REF} --seq_len_orbit 1600 minus the burn-in"),
    Setting("n_eigenvalues", None, "", None, "", 6),
    Setting("eigenvalue_every", None, "", None, "", 100),
)

_SYMBOLS_REF = "sequence-classification/train.py"
#: Sequence classification (Section 5.2) against ``SymbolsConfig``.
SYMBOLS_SETTINGS = (
    Setting("hidden_size", 200, "We use a hidden size of 200 and a single layer", 50,
            "sequence-classification/sequence_classification.py hidden_size"),
    Setting("n_sequences", 1000, "Training and validation datasets each contain 1000 sequences", 1000,
            f"{_SYMBOLS_REF} --n_sequences"),
    Setting("n_validation", 1000, "Training and validation datasets each contain 1000 sequences", 1000,
            f"{_SYMBOLS_REF} --n_sequences_val"),
    Setting("n_epochs", 15000, "run the optimization for a total of 15000 epochs or until accuracy one is attained",
            10000, f"{_SYMBOLS_REF} --epochs"),
    Setting("target_accuracy", 1.0, "or until accuracy one is attained", None, f"{_SYMBOLS_REF}: no early stop"),
    Setting("batch_size", 100, "The batch size is 100", 100, f"{_SYMBOLS_REF} --batch_size"),
    Setting("learning_rate", 1e-2, "an initial learning rate of 10^-2", 1e-3, f"{_SYMBOLS_REF} --lr"),
    Setting("milestones", (500, 1000, 2000), "We decrease the learning rate by 10 at epochs {500,1000,2000}",
            (500, 1000, 2000), f"{_SYMBOLS_REF} --milestones (with --gamma 0.25)"),
    Setting("clip_norm", 0.25, "The gradient is clipped when its norm exceeds 0.25", 0.25, f"{_SYMBOLS_REF} --clip_value"),
    Setting("loss_reduction", None, "", "sum", "sequence-classification/sequence_classification.py: reduction=\"sum\""),
    Setting("n_initial_states", None, "", 10, f"{_SYMBOLS_REF} --n_sequences_orbit"),
    Setting("initial_state_scale", None, "", 100.0, f"{_SYMBOLS_REF} --std_orbit"),
    Setting("burn_in", 400, "a burn-in period of 400 samples (Figure 7)", 400, f"{_SYMBOLS_REF} --burnout_orbit"),
    Setting("n_kept", None, "", 400, f"{_SYMBOLS_REF} --seq_len_orbit 800 minus the burn-in", 50,
            "50 kept steps tell a fixed point from a short cycle and keep the stored records small"),
    Setting("record_every", None, "", None, f"{_SYMBOLS_REF} --interval_orbit (off by default)", 25),
)

_LM_REF = "word-language-model/train.py"
#: The word-level language model (Section 5.3) against ``LanguageModelConfig``.
LANGUAGE_MODEL_SETTINGS = (
    Setting("hidden_size", 800, "an embedding layer outputting a size 800 vector to a recurrent unit ... with "
            "hidden size 800", 800, f"{_LM_REF} --hidden_size, --embed_size"),
    Setting("dropout", 0.5, "A dropout layer is included before and after the LSTM layer with a dropout rate of 0.5",
            0.5, f"{_LM_REF} --dropout"),
    Setting("batch_size", 100, "The batch size is 100", 100, f"{_LM_REF} --batch_size"),
    Setting("bptt", 80, "the gradient is not backpropagated for a sequence length larger than 80", 70,
            f"{_LM_REF} --seq_len"),
    Setting("learning_rate", 1e-3, "The learning rate starts at 10^-3", 1e-3, f"{_LM_REF} --lr"),
    Setting("plateau_patience", 7, "divided by 10 when the cost function plateaus for more than 7 epochs", 7,
            f"{_LM_REF} --patience"),
    Setting("min_lr", 1e-7, "The training is stopped when the learning rate drops below 10^-7", 1e-7,
            f"{_LM_REF} --min_lr"),
    Setting("clip_norm", 0.25, "The gradient norm is clipped when it exceeds 0.25", 0.25, f"{_LM_REF} --clip_value"),
    Setting("n_epochs", None, "", 100, f"{_LM_REF} --epochs", 1000,
            "a cap only: the paper's stopping rule (learning rate below 10^-7) ends a run first, and the "
            "reference code's 100 epochs could cut it short"),
    Setting("burn_in", None, "", 0, f"{_LM_REF} --burnout_orbit", 1000,
            "our attractor analysis starts from the states after test-text prompts and drops 1000 steps; the "
            "reference code starts from N(0, 100²) states and keeps all 1600 steps of its orbits"),
)
