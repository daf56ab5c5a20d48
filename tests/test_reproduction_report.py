"""results/REPRODUCTION.md is generated from the registry and the stored results, and kept up to date."""
from scripts import reproduction_report
from rnnattr import papers


def test_the_stored_report_is_what_the_registry_and_the_stored_results_give():
    assert reproduction_report.REPORT.read_text() == reproduction_report.render(), (
        "results/REPRODUCTION.md is out of date: run python scripts/reproduction_report.py")


def test_the_report_quotes_every_published_number_of_the_experiments_from_the_registry():
    text = reproduction_report.render()
    for length in papers.TABLE_1_LENGTHS:
        printed = " / ".join(papers.PUBLISHED[f"table_1_l{length}_{model}"].quote for model in papers.MODELS)
        assert f"| Table 1, l = {length}: LSTM / sLSTM / oRNN | {printed} |" in text
    for model, mse in papers.sine_final_mse().items():
        assert f"final MSE: " in text and f"| {mse:.2g} |" in text
    assert " / ".join(f"{value:g}" for value in papers.lm_test_perplexity().values()) in text


def test_check_mode_fails_on_a_stale_report(tmp_path, monkeypatch):
    stale = tmp_path / "REPRODUCTION.md"
    stale.write_text("# an old report\n")
    monkeypatch.setattr(reproduction_report, "REPORT", stale)
    assert reproduction_report.main(["--check"]) == 1
    reproduction_report.main([])
    assert reproduction_report.main(["--check"]) == 0
