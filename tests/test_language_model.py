"""The word-level language model (Experiment 3): fast path against analysis path, truncated BPTT
against one long sequence, perplexities that follow from counting, the data fallbacks and the CLI."""
import collections
import dataclasses
import json
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from rnnattr.cli import main
from rnnattr.data import wikitext2
from rnnattr.data.corpus import batchify, bptt_windows
from rnnattr.dynamics.orbit import orbit
from rnnattr.dynamics.periodicity import repetition_onset
from rnnattr.experiments import language_model as lm
from rnnattr.models import StableLSTM
from rnnattr.models.language_model import WordLanguageModel
from rnnattr.results import load_result

UNITS = ["lstm", "slstm", "ornn"]
SHARED = wikitext2.SHARED_FOLDER
needs_shared = pytest.mark.skipif(not (SHARED / "valid.txt").is_file(),
                                  reason=f"WikiText-2 validation/test files not at {SHARED}")


def small_model(unit, vocab=30, hidden=6, seed=0, dropout=0.0):
    torch.manual_seed(seed)
    return WordLanguageModel(unit, vocab, hidden, dropout).double().eval()


def test_the_decoder_is_the_embedding_and_the_stable_lstm_starts_on_its_stability_set():
    model = small_model("slstm", hidden=8)
    assert model.unit.decoder.weight is model.embedding.weight
    cell_parameters = sum(p.numel() for p in model.unit.cell.parameters())
    assert sum(p.numel() for p in model.parameters()) == 30 * 8 + 30 + cell_parameters  # E once, decoder bias, cell
    recurrent = model.unit.cell.weight_hh_l0.detach().abs().view(4, 8, 8).sum(-1)  # row sums per gate block
    for block, bound in enumerate(StableLSTM.RECURRENT_BOUNDS.values()):
        assert recurrent[block].max() <= bound * (1 + 1e-6)  # projected in float32


@pytest.mark.parametrize("unit", UNITS)
def test_fast_path_equals_the_step_function_loop(unit):
    model = small_model(unit)
    tokens = torch.randint(0, 30, (4, 12), generator=torch.Generator().manual_seed(1))
    x0 = model.initial_state(4).normal_(0, 0.3)
    with torch.no_grad():
        hs, x_last = model.hidden_sequence(tokens, x0)
        x, looped = x0, []
        for t in range(tokens.shape[1]):
            x = model.input_step(x, tokens[:, t])
            looped.append(x[:, : model.hidden_size])
    torch.testing.assert_close(hs, torch.stack(looped, dim=1), rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(x_last, x, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("unit", UNITS)
def test_chunked_loss_equals_cross_entropy_of_the_full_logits(unit):
    model = small_model(unit)
    generator = torch.Generator().manual_seed(2)
    tokens, targets = torch.randint(0, 30, (2, 2, 9), generator=generator)
    logits, _ = model(tokens)
    expected = F.cross_entropy(logits.reshape(-1, 30), targets.reshape(-1))
    for chunk_size in (None, 5):
        loss, _ = model.loss(tokens, targets, chunk_size=chunk_size)
        assert loss.item() == pytest.approx(expected.item(), rel=1e-12)


@pytest.mark.parametrize("unit", UNITS)
def test_carried_state_windows_give_the_loss_of_one_long_sequence(unit):
    model = small_model(unit)
    ids = torch.randint(0, 30, (3 * 41,), generator=torch.Generator().manual_seed(3))
    inputs, targets = bptt_windows(batchify(ids, 3), 8)  # 5 windows of 8 over streams of 41
    carried = lm.CarriedStateLoss(len(inputs))
    with torch.no_grad():
        window_losses = [carried(model, inputs[w : w + 1], targets[w : w + 1]).item() for w in range(len(inputs))]
        whole, _ = model.loss(inputs.permute(1, 0, 2).reshape(3, -1), targets.permute(1, 0, 2).reshape(3, -1))
        restarted = carried(model, inputs[:1], targets[:1]).item()  # window 0 of the next epoch: from zero again
    assert np.mean(window_losses) == pytest.approx(whole.item(), rel=1e-12)
    assert restarted == pytest.approx(window_losses[0], rel=1e-12)
    assert lm.mean_loss(model, ids, 3, 8) == pytest.approx(whole.item(), rel=1e-12)


def test_a_model_with_zero_decoder_has_perplexity_equal_to_the_vocabulary_size():
    model = small_model("lstm", vocab=37)
    with torch.no_grad():
        model.embedding.weight.zero_()  # also the decoder: every logit is 0
    ids = torch.randint(0, 37, (200,), generator=torch.Generator().manual_seed(4))
    assert math.exp(lm.mean_loss(model, ids, 4, 10)) == pytest.approx(37, rel=1e-12)


@pytest.mark.parametrize("unit", UNITS)
def test_generation_mode_feeds_back_the_most_likely_allowed_word(unit):
    model = small_model(unit)
    x0 = model.initial_state(3).normal_(0, 0.5, generator=torch.Generator().manual_seed(5))
    excluded = [int(model.greedy_words(x0)[0])]  # forbid the first state's favourite word
    with torch.no_grad():
        states = orbit(model.generation_step(excluded), x0, 20)
        x, looped = x0, []
        for _ in range(20):
            x = model.input_step(x, model.greedy_words(x, excluded))
            looped.append(x)
    torch.testing.assert_close(states, torch.stack(looped, dim=1), rtol=1e-12, atol=1e-12)
    assert not (model.greedy_words(states, excluded) == excluded[0]).any()


def test_reduced_preset_falls_back_to_the_generated_corpus_and_says_so(monkeypatch, tmp_path):
    monkeypatch.setenv("RNNATTR_DATA", str(tmp_path / "empty"))
    monkeypatch.setattr(wikitext2, "SHARED_FOLDER", tmp_path / "nowhere")
    config = lm.LanguageModelConfig.preset("reduced")
    assert config == lm.REDUCED_SYNTHETIC and config.corpus == "synthetic"
    corpus = lm.prepare_corpus(config)
    assert "generated corpus" in corpus.source and "WikiText-2 was not found" in corpus.source
    assert min(len(corpus.train), len(corpus.valid), len(corpus.test)) > 5000


@needs_shared
def test_reduced_preset_reads_slices_of_the_shared_wikitext_files():
    config = lm.LanguageModelConfig.preset("reduced")
    assert config.corpus == "wikitext-2" and config.train_text == "valid"
    corpus = lm.prepare_corpus(config)
    # 217,646 and 245,569 tokens in valid.txt and test.txt (the shared README): the preset's fractions of them
    assert (len(corpus.train), len(corpus.valid), len(corpus.test)) == (
        round(0.35 * 217_646), 217_646 - round(0.8 * 217_646), round(0.2 * 245_569))
    words = (SHARED / "valid.txt").read_text(encoding="utf-8").replace("\n", " <eos> ").split()[: len(corpus.train)]
    counts = collections.Counter(words)
    assert len(corpus.vocabulary) == 2000
    assert [count for _, count in counts.most_common(2000)] == [counts[word] for word in corpus.vocabulary.words]
    assert str(SHARED) in corpus.source


def unigram_perplexity(train, evaluated, vocab_size):
    """Perplexity of the add-one unigram model of ``train`` on ``evaluated``, by counting."""
    counts = np.bincount(train.numpy(), minlength=vocab_size) + 1.0
    return float(np.exp(-np.log(counts / counts.sum())[evaluated.numpy()].mean()))


def test_a_reduced_lstm_learns_well_beyond_word_frequencies():
    config = dataclasses.replace(lm.REDUCED_SYNTHETIC, n_epochs=6)
    corpus = lm.prepare_corpus(config)
    trainer = lm.make_trainer(config, "lstm", progress=False)
    trainer.fit(config.n_epochs)
    unigram = unigram_perplexity(corpus.train, corpus.valid, len(corpus.vocabulary))
    summary = lm.summarize(trainer, config)
    assert summary["val_ppl"] < 0.6 * unigram
    best = min(trainer.history, key=lambda row: row["val_loss"])
    assert summary["test_ppl"] == best["test_ppl"] == pytest.approx(math.exp(best["test_loss"]))


def test_cli_run_stores_perplexities_and_attractors_and_resumes(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("RNNATTR_DATA", str(tmp_path / "empty"))
    monkeypatch.setattr(wikitext2, "SHARED_FOLDER", tmp_path / "nowhere")  # the generated corpus: fast
    out = tmp_path / "run"
    argv = ["train", "lm", "--model", "ornn", "--size", "reduced", "--epochs", "2", "--out", str(out), "--no-progress"]
    assert main(argv) == 0
    arrays, metadata = load_result(out / "result")
    history = {column: arrays[f"history_{column}"] for column in ("val_loss", "test_loss", "epoch")}
    best = int(np.argmin(history["val_loss"]))
    assert metadata["final_metrics"]["test_ppl"] == pytest.approx(math.exp(history["test_loss"][best]))
    analysis = metadata["analysis"]
    words = arrays["generation_words"]
    config = lm.REDUCED_SYNTHETIC
    assert words.shape == (config.n_prompts, config.burn_in + config.n_kept)
    assert arrays["generation_mean"].shape == (config.n_prompts, config.n_kept)
    assert arrays["constant_logits"].shape[:3] == (len(analysis["constant_words"]), config.n_prompts, config.n_kept)
    assert [list(repetition_onset(row)) for row in words] == [
        [onset, period] for onset, period in zip(analysis["repetition_onset"], analysis["repetition_period"])]
    model, stored_config = lm.load_trained_model(out)
    corpus = lm.prepare_corpus(stored_config)
    assert analysis["generated_text"].split() == corpus.vocabulary.decode(words[0])
    assert lm.mean_loss(model, corpus.test, config.eval_batch_size, config.bptt) == pytest.approx(
        float(history["test_loss"][-1]), rel=1e-5)
    capsys.readouterr()
    assert main(argv) == 0
    assert "already finished" in capsys.readouterr().err


def test_full_preset_without_data_or_network_fails_naming_the_file_and_the_way_to_get_it(capsys, tmp_path,
                                                                                          monkeypatch):
    monkeypatch.setattr(wikitext2, "ARCHIVE", dataclasses.replace(wikitext2.ARCHIVE,
                                                                  urls=((tmp_path / "no.zip").as_uri(),)))
    monkeypatch.setattr(wikitext2, "FILE_URLS", ((tmp_path / "no-{split}.txt").as_uri(),))
    data = tmp_path / "data"
    status = None
    try:
        status = main(["train", "lm", "--model", "lstm", "--size", "full", "--data", str(data),
                       "--out", str(tmp_path / "run"), "--no-progress"])
    except SystemExit as exit:
        status = exit.code
    error = capsys.readouterr().err
    assert status == 2 and "argument --data" in error and "train" in error and "no.zip" in error
    assert not (tmp_path / "run" / "checkpoint.pt").exists()
    assert not list(data.glob("*.txt")) and not list(data.glob("*.partial"))


def test_config_refuses_bad_values():
    with pytest.raises(ValueError, match="corpus: expected 'wikitext-2' or 'synthetic', got 'ptb'"):
        lm.LanguageModelConfig(corpus="ptb")
    with pytest.raises(ValueError, match=r"train_range: expected fractions 0 <= start < end <= 1, got \(0.5, 0.2\)"):
        lm.LanguageModelConfig(train_range=(0.5, 0.2))
    with pytest.raises(ValueError, match="dropout: expected a probability in"):
        lm.LanguageModelConfig(dropout=1.0)
    with pytest.raises(ValueError, match="unit: expected one of"):
        WordLanguageModel("gru", 10, 4)


def test_the_full_preset_is_the_papers():
    config = lm.LanguageModelConfig.preset("full")
    assert (config.hidden_size, config.dropout, config.batch_size, config.bptt, config.learning_rate,
            config.plateau_patience, config.min_lr, config.clip_norm, config.max_vocabulary) == (
        800, 0.5, 100, 80, 1e-3, 7, 1e-7, 0.25, 0)
    assert (config.train_text, config.valid_text, config.test_text) == ("train", "valid", "test")
    assert json.loads(json.dumps(dataclasses.asdict(config)))  # a config.json can hold it
