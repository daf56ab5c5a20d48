"""The registry of what the papers printed (rnnattr.papers): its numbers, the full presets' rule,
and every number a chapter quotes as the paper's."""
import json
import math
import re
from pathlib import Path

import pytest

from rnnattr import papers
from rnnattr.experiments.chaotic_lstm import ChaoticLSTMConfig
from rnnattr.experiments.delayed_tasks import DelayedTaskConfig
from rnnattr.experiments.language_model import LanguageModelConfig
from rnnattr.experiments.sine import SineConfig
from rnnattr.experiments.symbols import SymbolsConfig

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))

PRESETS = {
    "sine": (papers.SINE_SETTINGS, SineConfig.preset("full")),
    "symbols": (papers.SYMBOLS_SETTINGS, SymbolsConfig.preset("full")),
    "language model": (papers.LANGUAGE_MODEL_SETTINGS, LanguageModelConfig.preset("full")),
    "chaotic LSTM": (papers.CHAOTIC_LSTM_SETTINGS, ChaoticLSTMConfig.preset("full")),
    "delayed tasks (flossing)": (papers.FLOSSING_SETTINGS, DelayedTaskConfig.preset("full")),
}


def same(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-12)
    return a == b


@pytest.mark.parametrize("experiment", list(PRESETS))
def test_full_presets_follow_the_paper_then_the_reference_code_then_ours(experiment):
    settings, config = PRESETS[experiment]
    for setting in settings:
        assert same(getattr(config, setting.field), setting.full), (
            f"{experiment}: full preset {setting.field} = {getattr(config, setting.field)!r}, but its {setting.source} "
            f"value is {setting.full!r}")


def test_where_the_paper_is_explicit_the_full_preset_takes_its_value():
    sine = {setting.field: setting for setting in papers.SINE_SETTINGS}
    assert sine["hidden_size"].source == "paper" and sine["batch_size"].source == "reference code"
    assert sine["record_every"].source == "ours"
    assert sine["milestones"].departure and sine["milestones"].source == "ours"
    assert SymbolsConfig.preset("full").learning_rate == papers.PUBLISHED["table_1_l50_lstm"].value * 1e-2  # 10^-2


def test_table_1_and_the_final_numbers_are_those_printed():
    table = papers.table_1()
    assert sorted(table) == [50, 100, 200, 300, 500]
    assert table[200] == {"lstm": 1.00, "slstm": 0.27, "ornn": 0.999}
    assert table[500]["ornn"] == 0.970 and table[300]["lstm"] == 0.25
    assert papers.sine_final_mse() == {"lstm": 4.8e-3, "slstm": 0.49, "ornn": 4.1e-3}
    assert papers.lm_test_perplexity() == {"lstm": 99.2, "slstm": 118.8, "ornn": 185.3}
    assert papers.published("chaotic_band") == (0.9, 1.45)
    with pytest.raises(KeyError, match="key: expected one of"):
        papers.published("table_2")


def test_a_setting_needs_a_value_and_a_departure_needs_ours():
    with pytest.raises(ValueError, match="at least one source"):
        papers.Setting("x")
    with pytest.raises(ValueError, match="departure needs our own value"):
        papers.Setting("x", paper=1, departure="because")


# -- what the chapters quote --------------------------------------------------------------------
# Cross-references and citations carry numbers that are not quoted values.
REFERENCES = re.compile(
    r"(Sections?|Eqs?\.?|Equations?|Figures?|Fig\.|Tables?|Theorem|Definitions?|Lemma|Remark|Supplementary Figures?|"
    r"Exercise|Experiment|Part|Chapter|step)\s*\(?\d+(\.\d+)*\)?([–-]\d+(\.\d+)*)?(\([a-z]\))?"
    r"|\b(19|20)\d\d\b|AISTATS|NeurIPS|PMLR\s*\d+|Eq\s*\(\d+\)|\(\d\)|\b[a-z]\)")
NUMBER = re.compile(r"(?<![\w.^_{])[-−]?\d+(?:\.\d+)?(?:e[-−+]?\d+)?(?![\w^])")
ATTRIBUTION = re.compile(r"\b(the paper|paper's|the paper’s|published|Ribeiro et al)", re.I)


def normalise(text: str) -> str:
    """Numbers as Python would write them: 4.8×10⁻³ and $4.8\\times10^{-3}$ -> 4.8e-3, 2,088,628 -> 2088628."""
    text = re.sub(r"\\times\s*10\^\{?(-?\d+)\}?", r"e\1", text)
    text = re.sub(r"\s*[×·*]\s*10\^?\{?([-−]?\d+)\}?", r"e\1", text)
    superscripts = str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")
    text = re.sub(r"\s*[×·]\s*10([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)", lambda m: "e" + m.group(1).translate(superscripts), text)
    text = re.sub(r"(?<=\d)(,|\{,\})(?=\d{3}\b)", "", text)
    text = re.sub(r"(\\pi|π)\s*/\s*\d+", " ", text)  # the task's frequency band [π/16, π/8]
    return text.replace("−", "-")


def allowed_numbers() -> set[float]:
    values: set[float] = set()

    def add(value):
        if isinstance(value, (tuple, list)):
            for item in value:
                add(item)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            values.add(round(float(value), 12))

    for entry in papers.PUBLISHED.values():
        add(entry.value)
    for name, (settings, _) in PRESETS.items():
        for setting in settings:
            add(setting.paper)
            if name == "delayed tasks (flossing)":  # the flossing paper's text is not here: its code is the source
                add(setting.reference)
    return values


def quoted_numbers(markdown: str) -> list[tuple[str, float]]:
    """``(sentence, number)`` for every number in a sentence that attributes something to the paper."""
    found = []
    for sentence in re.split(r"(?<=[.;:!?])\s+|\n\s*\n|\n[-*|#]", markdown):
        if not ATTRIBUTION.search(sentence) or re.search(r"\b(ours|our|we|the book)\b", sentence, re.I):
            continue
        text = REFERENCES.sub(" ", normalise(re.sub(r"`[^`]*`|\$\$.*?\$\$|https?://\S+", " ", sentence, flags=re.S)))
        for match in NUMBER.finditer(text):
            found.append((sentence.strip(), float(match.group().replace("−", "-"))))
    return found


def test_the_quote_check_catches_a_number_the_paper_did_not_print():
    assert [value for _, value in quoted_numbers("The paper's LSTM reaches $4.8\\times10^{-3}$ (Section 5.1).")] == [4.8e-3]
    assert [value for _, value in quoted_numbers("The paper reports a unigram perplexity near 1000.")] == [1000.0]
    assert quoted_numbers("Our LSTM reaches 0.37. The paper: see Figure 5.") == []


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_every_number_a_chapter_quotes_as_the_papers_is_in_the_registry(chapter):
    allowed = allowed_numbers()
    cells = json.loads(chapter.read_text())["cells"]
    markdown = "\n\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "markdown")
    unknown = [(sentence, value) for sentence, value in quoted_numbers(markdown)
               if not any(math.isclose(value, known, rel_tol=1e-9, abs_tol=1e-12) for known in allowed)
               and not (value.is_integer() and 0 <= value <= 10)]  # counts and indices: "two", "6 × 4"
    assert not unknown, "numbers quoted as the paper's that rnnattr.papers does not hold:\n" + "\n".join(
        f"  {value:g} in: {sentence[:160]}" for sentence, value in unknown)


def test_the_departures_table_lists_what_a_run_changes_and_why():
    reduced = SineConfig.preset("reduced")
    table = papers.departures_table(papers.SINE_SETTINGS, reduced, {"batch_size": "one batch per epoch"})
    rows = {line.split("|")[1].strip(" `"): line for line in table.splitlines()[2:]}
    assert "clip_norm" not in rows and "record_input" not in rows  # the paper's value, kept
    assert rows["hidden_size"].endswith("| 32 | reduced size |")  # the paper's value, changed
    assert rows["batch_size"].endswith("| one batch per epoch |")  # a reason given
    assert "the full preset takes the reference code's value" in rows["shuffle"]  # the paper is silent
    full = papers.departures_table(papers.SINE_SETTINGS, SineConfig.preset("full"))
    assert "| `hidden_size` |" not in full and "| `milestones` |" in full and "MSE kept jumping" in full
    settings = papers.settings_table(papers.SINE_SETTINGS, reduced)
    assert "| **32** |" in settings and "| 0.25 (paper) | 0.25 |" in settings  # bold where the run differs


def test_a_bar_inside_a_cell_does_not_split_the_table_row():
    setting = papers.Setting("clip_norm", None, "the norm of |g|", 0.03, "code: ClipNorm")
    row = papers.settings_table((setting,)).splitlines()[2]
    assert len(re.findall(r"(?<!\\)\|", row)) == 6 and "\\|g\\|" in row  # five cells
