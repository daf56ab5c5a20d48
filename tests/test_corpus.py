"""Tokens, vocabulary, batch-first streams and BPTT windows (the PyTorch word_language_model layout)."""
import json
import math
from collections import Counter

import pytest
import torch

from rnnattr.data import Vocabulary, batchify, bptt_windows, read_tokens, synthetic_corpus, tokenize

TEXT = " \n = Title = \n \n the cat sat on the mat . \n\n a dog sat . \n"


def test_tokenize_counts_words_plus_one_eos_per_line(tmp_path):
    lines = TEXT.split("\n")[:-1]  # 6 lines, as a file iterates them
    tokens = tokenize(lines)
    # words per line: 0, 3, 0, 7, 0, 4  -> 14 words + 6 <eos>
    assert len(tokens) == 14 + 6
    assert tokens[:5] == ["<eos>", "=", "Title", "=", "<eos>"]
    assert tokens.count("<eos>") == 6
    path = tmp_path / "text.txt"
    path.write_text(TEXT, encoding="utf-8")
    assert read_tokens(path) == tokens
    with pytest.raises(ValueError, match="lines"):
        tokenize("a b c")


def test_vocabulary_orders_by_frequency_then_first_occurrence():
    tokens = "b a c a d b e a <eos>".split()  # a:3, b:2, then c d e <eos> once each, in that order
    vocab = Vocabulary.build(tokens)
    assert vocab.words == ["a", "b", "c", "d", "e", "<eos>"]
    assert vocab.index == {word: i for i, word in enumerate(vocab.words)}
    assert len(vocab) == 6 and vocab.unk_id is None and vocab.eos_id == 5


def test_capped_vocabulary_keeps_eos_and_adds_unk_last():
    tokens = "b a c a d b e a <eos>".split()
    vocab = Vocabulary.build(tokens, max_size=4)
    # 4 places: <eos> and <unk> are reserved, so the two most frequent others (a, b) stay
    assert vocab.words == ["a", "b", "<eos>", "<unk>"]
    assert vocab.encode(["a", "zebra", "e", "<eos>"]).tolist() == [0, 3, 3, 2]
    # a text's own <unk> keeps its frequency rank
    own = Vocabulary.build("x <unk> <unk> y x <unk> z".split(), max_size=2)
    assert own.words == ["<unk>", "x"]
    # an uncapped max_size still guarantees <unk>
    assert Vocabulary.build(["p", "q"], max_size=10).words == ["p", "q", "<unk>"]
    with pytest.raises(ValueError, match="max_size"):
        Vocabulary.build(tokens, max_size=1)  # no room for <eos> and <unk>
    with pytest.raises(ValueError, match="max_size"):
        Vocabulary.build(tokens, max_size=0)
    with pytest.raises(ValueError, match="tokens"):
        Vocabulary.build([])


def test_encode_decode_round_trip_and_storage():
    tokens = tokenize(synthetic_corpus(50, seed=3))
    vocab = Vocabulary.build(tokens)
    ids = vocab.encode(tokens)
    assert ids.dtype == torch.long and ids.shape == (len(tokens),)
    assert vocab.decode(ids) == tokens
    assert vocab.decode(ids.tolist()) == tokens
    stored = json.loads(json.dumps(vocab.to_dict()))
    assert Vocabulary.from_dict(stored).words == vocab.words
    with pytest.raises(ValueError, match="ids"):
        vocab.decode([len(vocab)])
    with pytest.raises(ValueError, match="ids"):
        vocab.decode([-1])


def test_unknown_word_without_unk_raises_naming_it():
    vocab = Vocabulary.build("a b <eos>".split())
    with pytest.raises(ValueError, match="'zebra'"):
        vocab.encode(["a", "zebra", "okapi"])
    with pytest.raises(ValueError, match="tokens"):
        vocab.encode("a b")
    with pytest.raises(ValueError, match="duplicates"):
        Vocabulary(["a", "b", "a"])
    with pytest.raises(ValueError, match="data"):
        Vocabulary.from_dict({"vocab": ["a"]})


def test_batchify_is_the_reference_layout_batch_first():
    ids = torch.arange(103)
    streams = batchify(ids, 4)
    length = 103 // 4
    assert torch.equal(streams, ids[: 4 * length].view(4, -1))
    # the reference example returns (N // B, B): ours is its transpose
    reference = ids[: 4 * length].view(4, -1).t().contiguous()
    assert torch.equal(streams, reference.t())
    # stream b continues contiguously, and stream b + 1 starts where stream b ends
    for b in range(4):
        assert torch.equal(streams[b], torch.arange(b * length, (b + 1) * length))


def test_batchify_rejects_bad_arguments():
    with pytest.raises(ValueError, match="batch_size"):
        batchify(torch.arange(5), 3)  # 5 // 3 = 1 token per stream
    with pytest.raises(ValueError, match="batch_size"):
        batchify(torch.arange(5), 0)
    with pytest.raises(ValueError, match="ids"):
        batchify(torch.arange(6).view(2, 3), 1)
    with pytest.raises(ValueError, match="ids"):
        batchify(torch.arange(6.0), 2)


def test_bptt_windows_tile_each_stream_and_shift_targets():
    streams = batchify(torch.arange(2 * 23), 2)  # (2, 23)
    inputs, targets = bptt_windows(streams, 5)
    n_windows = (23 - 1) // 5
    assert inputs.shape == targets.shape == (n_windows, 2, 5)
    for b in range(2):
        row_inputs = torch.cat(list(inputs[:, b]))  # consecutive windows continue the stream
        row_targets = torch.cat(list(targets[:, b]))
        assert torch.equal(row_inputs, streams[b, : n_windows * 5])
        assert torch.equal(row_targets, streams[b, 1 : n_windows * 5 + 1])
    # (23 - 1) mod 5 = 2 predictions per stream are dropped: the last target used is position 20
    assert targets[-1, 0, -1].item() == 20
    exact = bptt_windows(streams[:, :21], 5)[1]  # L - 1 = 20 is a multiple of 5: nothing dropped
    assert exact.shape[0] == 4 and exact[-1, 1, -1].item() == streams[1, 20].item()


def test_bptt_windows_rejects_bad_arguments():
    streams = torch.arange(12).view(2, 6)
    with pytest.raises(ValueError, match="bptt"):
        bptt_windows(streams, 6)  # needs L - 1 >= bptt
    with pytest.raises(ValueError, match="bptt"):
        bptt_windows(streams, 0)
    with pytest.raises(ValueError, match="streams"):
        bptt_windows(torch.arange(6), 2)


def test_synthetic_corpus_is_deterministic_and_wikitext_like():
    lines = synthetic_corpus(300, seed=0)
    assert len(lines) == 300
    assert lines == synthetic_corpus(300, seed=0)
    assert lines != synthetic_corpus(300, seed=1)
    assert synthetic_corpus(100, seed=0) == lines[:100]
    assert any(line.startswith(" = ") and not line.startswith(" = = ") for line in lines)
    assert any(line.startswith(" = = ") for line in lines)
    assert sum(not line.split() for line in lines) > 50  # empty lines between blocks
    counts = Counter(tokenize(synthetic_corpus(2000, seed=0)))
    assert 200 <= len(counts) <= 400
    ranked = sorted(counts.values(), reverse=True)
    assert ranked[5] > 10 * ranked[len(ranked) // 2]  # Zipf-like: a few words dominate
    with pytest.raises(ValueError, match="n_lines"):
        synthetic_corpus(0)
    with pytest.raises(ValueError, match="seed"):
        synthetic_corpus(10, seed=1.5)


def test_synthetic_corpus_bigram_beats_unigram():
    tokens = tokenize(synthetic_corpus(2000, seed=0))
    cut = int(0.8 * len(tokens))
    train, held_out = tokens[:cut], tokens[cut:]
    unigram = Counter(train)
    bigram = Counter(zip(train, train[1:]))
    n_types = len(unigram) + 1  # one slot for unseen words (add-one smoothing)

    def p_unigram(word):
        return (unigram[word] + 1) / (len(train) + n_types)

    def p_bigram(previous, word):  # interpolated with the unigram, so never zero
        if not unigram[previous]:
            return p_unigram(word)
        return 0.8 * bigram[previous, word] / unigram[previous] + 0.2 * p_unigram(word)

    pairs = list(zip(held_out, held_out[1:]))
    ppl_unigram = math.exp(-sum(math.log(p_unigram(w)) for _, w in pairs) / len(pairs))
    ppl_bigram = math.exp(-sum(math.log(p_bigram(v, w)) for v, w in pairs) / len(pairs))
    assert ppl_bigram < 0.7 * ppl_unigram
