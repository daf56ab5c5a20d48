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


def _cell(value) -> str:
    """A setting's value in a table: floats to 6 significant digits, None as a dash."""
    if isinstance(value, float):
        return f"{value:.6g}"
    return "—" if value is None else str(value)


def _row(cells) -> str:
    """One markdown table row; a "|" inside a cell is escaped so that it cannot split the cell."""
    return "| " + " | ".join(str(cell).replace("|", "\\|") for cell in cells) + " |"


def settings_table(settings: tuple[Setting, ...], run=None) -> str:
    """A markdown table of ``settings``: the paper's text, the reference code, ours, the full preset
    (with its source, and the reason for a departure), and, given a config ``run``, that run's value
    (in bold where it differs from the full preset: a reduced size, or a knob turned)."""
    header = "| setting | the paper's text | reference code | ours | full preset |" + (" this run |" if run else "")
    lines = [header, "|---|---|---|---|---|" + ("---|" if run else "")]
    for setting in settings:
        paper = _cell(setting.paper) if setting.paper is not None else (
            f"silent ({setting.paper_says})" if setting.paper_says else "silent")
        reference = _cell(setting.reference) + (f" (`{setting.reference_where}`)" if setting.reference_where else "")
        full = f"{_cell(setting.full)} ({setting.source})" + (f": {setting.departure}" if setting.departure else "")
        cells = [f"`{setting.field}`", paper, reference, _cell(setting.ours), full]
        if run is not None:
            value = getattr(run, setting.field)
            cells.append(_cell(value) if value == setting.full else f"**{_cell(value)}**")
        lines.append(_row(cells))
    return "\n".join(lines)


def departures_table(settings: tuple[Setting, ...], run, reasons: dict[str, str] | None = None,
                     extra: tuple[tuple[str, str, str, str], ...] = ()) -> str:
    """A markdown table of where a config ``run`` does not follow the paper's text, and why.

    One row per setting the paper fixes and ``run`` changes (why: ``reasons[field]``, else the full
    preset's :attr:`Setting.departure`, else "reduced size"), one per setting the paper does not give
    (why: the source of the value, the reference code or ours), then the ``extra`` rows
    ``(what, the paper's text, this run, why)`` for what no config field holds (a figure's length, a
    projection, the data). Columns: what, the paper's text, this run, why.
    """
    reasons = reasons or {}
    lines = ["| what | the paper's text | this run | why |", "|---|---|---|---|"]
    for setting in settings:
        value = getattr(run, setting.field)
        if setting.paper is not None and value == setting.paper:
            continue
        if setting.paper is not None:
            why = reasons.get(setting.field) or (setting.departure if value == setting.full and setting.departure
                                                 else "reduced size")
            paper = _cell(setting.paper)
        else:
            source = ("the reference code's value (`" + setting.reference_where + "`)"
                      if setting.source == "reference code" else "our value")
            why = reasons.get(setting.field) or (
                f"the paper does not give it; the full preset takes {source}"
                + (f": {setting.departure}" if setting.departure else "")
                + (f"; this run differs from the full preset ({_cell(setting.full)})" if value != setting.full else ""))
            paper = f"silent ({setting.paper_says})" if setting.paper_says else "silent"
        lines.append(_row([f"`{setting.field}`", paper, _cell(value), why]))
    lines += [_row(row) for row in extra]
    return "\n".join(lines)


MODELS = ("lstm", "slstm", "ornn")
TABLE_1_LENGTHS = (50, 100, 200, 300, 500)
_TABLE_1 = {50: ("1.00", "1.00", "1.000"), 100: ("1.00", "1.00", "1.000"), 200: ("1.00", "0.27", "0.999"),
            300: ("0.25", "0.26", "0.995"), 500: ("0.27", "0.26", "0.970")}  # as printed

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
    **{f"table_1_l{length}_{model}": Published(float(printed), "Section 5.2, Table 1", printed)
       for length, row in _TABLE_1.items() for model, printed in zip(MODELS, row)},
    "table_1_baseline": Published(0.25, "Section 5.2, Table 1 caption",
                                  "always predicting {p,p} would yield an accuracy of 0.25"),
    "symbols_max_epochs": Published(15000.0, "Section 5.2", "a total of 15000 epochs or until accuracy one is attained"),
    "symbols_slstm_linear_epochs": Published((1000.0, 10000.0), "Section 5.2 (Figure 6(a))",
                                             "the accuracy, however, increase at a very slow linear rate between "
                                             "epochs [1000, 10000]"),
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

_CHAOTIC_REF = "chaotic_lstm.py"
#: The chaotic LSTM (Section 4.1, Figure 1) against ``ChaoticLSTMConfig``. The paper's text gives the
#: simulation length and burn-in; the range and number of values of s come from the reference code.
CHAOTIC_LSTM_SETTINGS = (
    Setting("n_values", None, "", 5000, f"{_CHAOTIC_REF} n_points: np.linspace(0.5, 2, 4999) plus s = 1"),
    Setting("s_min", None, "θ(s) = sθ_true, no range", 0.5, f"{_CHAOTIC_REF} min_scale"),
    Setting("s_max", None, "θ(s) = sθ_true, no range", 2.0, f"{_CHAOTIC_REF} max_scale"),
    Setting("n_steps", 200, "a simulation of 200 samples", 200, f"{_CHAOTIC_REF} seq_len"),
    Setting("burn_in", 100, "the first 100 samples were discarded to remove the transient", 100,
            f"{_CHAOTIC_REF} burnout"),
    Setting("lyapunov_steps", None, "", None, "", 2000),
    Setting("lyapunov_transient", None, "", None, "", 200),
    Setting("grid_size", None, "", 150, f"{_CHAOTIC_REF} n_points_s1, n_points_s2 (its 2-D cell does not run)", 101,
            "the reference code's 2-D cell does not run and spans another plane (through zero, θ_true and a "
            "torch.rand point); ours is an odd grid, so that its middle row is Figure 1's line b = 0"),
    Setting("direction_scale", None, "", None,
            f"{_CHAOTIC_REF} spans s2 in [-0.5, 0.5] towards an unnormalised torch.rand point", 0.5),
    Setting("seed", None, "", None, f"{_CHAOTIC_REF}: torch.rand unseeded", 0),
)

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

# The flossing paper's text here is its abstract only, which gives no number: every value below
# is the reference code's (github.com/RainerEngelken/GradientFlossing at 324d2a0), from the
# example call of its README.md (lines 32-33: N, E, Ef, Ei, Ep, Ni, B, S, T, Tp, Ti, ..., lr, ...,
# g, ..., delay, ..., nLE, task, ... = 80, 3001, 100, 500, 500, 2, 16, 1, 300, 55, 300, ...,
# 0.001, ..., 1.0, ..., 10, ..., 75, -1, ...) and the constants of GradientFlossing_ExampleCode.jl.
_FLOSS_CALL = "README.md l.33"
_FLOSS_CODE = "GradientFlossing_ExampleCode.jl"
_FLOSS_TASKS = "GradientFlossing_XOR.jl"
#: The delayed copy and XOR tasks of the flossing chapter against ``DelayedTaskConfig``.
FLOSSING_SETTINGS = (
    Setting("task", None, "", "xor", f"{_FLOSS_CALL} task=-1: the XOR of 2 bits ({_FLOSS_TASKS} l.13-17); "
            f"task=0 is the copy (l.11-12)", "copy",
            "DelayedTaskConfig is the delayed copy, the code's task 0, which the README's call does not run; "
            "DelayedXorConfig is the call's XOR (the chapter trains both)"),
    Setting("delay", None, "", 10, f"{_FLOSS_CALL} delay=10; with task=-1 the target is abs(s[t-10] - s[t-20]) "
            f"({_FLOSS_TASKS} l.16-17), a span of 20 steps", 40,
            "the delay is what the chapter varies (reduced: copy 10, 20, 30 and XOR 10, 20; full commands: 10 to "
            "80); 40 is only a single run's default. Our XOR's d is the whole span: d = 2 × the code's delay "
            "(y_t = x_{t-d/2} ⊕ x_{t-d})"),
    Setting("hidden_size", None, "", 80, f"{_FLOSS_CALL} N=80"),
    Setting("gain", None, "", 1.0, f"{_FLOSS_CALL} g=1.0, IC=1, gbar=0.0: J = g·randn(N, N)/√N + gbar/N "
            f"({_FLOSS_CODE} l.54)"),
    Setting("length", None, "", 300, f"{_FLOSS_CALL} T=300 steps per training sequence ({_FLOSS_CODE} l.203)"),
    Setting("n_sequences", None, "", None, f"none: one fresh batch every epoch, generateInputOutput(B, T, E*sIn + ei, "
            f"...) ({_FLOSS_CODE} l.203)", 320,
            "a fixed training set of 320 sequences (20 batches an epoch) instead of a fresh batch for every "
            "update, because the shared Trainer trains on a fixed data set; validation is on fresh sequences"),
    Setting("n_validation", None, "", None, f"none: getAccuracy on the training batch ({_FLOSS_CODE} l.76-87, "
            "l.97; never stored or printed)", 512,
            "validation accuracy on 512 fresh sequences, what a run is judged by; the code has none"),
    Setting("batch_size", None, "", 16, f"{_FLOSS_CALL} B=16"),
    Setting("learning_rate", None, "", 1e-3, f"{_FLOSS_CALL} lr=0.001f0: ADAMW(lr, (0.9, 0.999), decay=0) "
            f"({_FLOSS_CODE} l.164)"),
    Setting("clip_norm", None, "", 0.03, f"{_FLOSS_CODE} l.164 ClipNorm(0.03f0), hard-coded", 0.03,
            "the same threshold on a different norm: Flux's ClipNorm (Flux 0.11.3, packages.txt) rescales each "
            "parameter array's gradient on its own; our Trainer clips the norm of all gradients together"),
    Setting("n_epochs", None, "", 3001, f"{_FLOSS_CALL} E=3001 epochs of one update on one fresh batch "
            f"({_FLOSS_CODE} l.173-204)", 150,
            "epochs vs updates: our epoch is one pass over the 320 sequences, 20 updates, so 150 epochs are 3000 "
            "updates, one fewer than the code's 3001"),
    Setting("target_accuracy", None, "", None, "none: every run trains all E epochs; the code has no success "
            "criterion", 0.95,
            "our success threshold: a run is solved, and stops, at validation accuracy 0.95 (chance: 0.5); the "
            "abstract's \"success rate\" names no criterion"),
    Setting("floss_before", None, "\"applying gradient flossing prior to training\" (no number)", 500,
            f"{_FLOSS_CALL} Ep=500 updates before the first epoch ({_FLOSS_CODE} l.175-179, l.190)", 0,
            "the flossing condition is what the chapter varies: the default is no flossing, and its flossing "
            "runs set 500, the code's Ep"),
    Setting("floss_during", None, "\"gradient flossing during training\" (no number)", 500,
            f"{_FLOSS_CALL} Ei=500 updates per phase during training ({_FLOSS_CODE} l.181-184, l.190)", 0,
            "the flossing condition is what the chapter varies: the default is no flossing, and its runs with "
            "phases during training set 500, the code's Ei"),
    Setting("floss_epochs", None, "", (100, 200), f"{_FLOSS_CALL} Ef=100, Ni=2: a phase at the start of every "
            f"100th epoch, the first 2 ({_FLOSS_CODE} l.175)", (5, 10),
            "our epochs are 20 updates: phases after epochs 5 and 10 come after 100 and 200 updates; the code's "
            "come before the update of its epochs 100 and 200, after 99 and 199"),
    Setting("floss_k", None, "", 75, f"{_FLOSS_CALL} nLE=75; loss mean((λ_i - Lwnt)²), Lwnt=0.0 "
            f"({_FLOSS_CODE} l.20, l.111)"),
    Setting("floss_steps", None, "", 55, f"{_FLOSS_CALL} Tp=55: calcLyapunovSpectrum runs n = 1:Tp "
            f"({_FLOSS_CODE} l.129) along a Ti=300-step stream (l.193)"),
    Setting("floss_transient", None, "", 16, f"{_FLOSS_CODE} l.26, l.29, l.137: log(abs(R_ii)) summed for "
            "n > nStepTransient + ceil(Tp/10) = 10 + 6"),
    Setting("floss_batch", None, "", 1, f"{_FLOSS_CODE} l.176-177, l.193: B = 1 while flossing"),
    Setting("floss_learning_rate", None, "", 1e-3, f"{_FLOSS_CODE} l.165: ADAMW(lr, (b1, b2), decay), lr=0.001 "
            f"({_FLOSS_CALL}), no ClipNorm"),
)
