"""Data for the word-level language model: corpora, vocabularies, batches, and WikiText-2's files."""
from rnnattr.data import wikitext2
from rnnattr.data.corpus import Vocabulary, batchify, bptt_windows, read_tokens, synthetic_corpus, tokenize

__all__ = ["tokenize", "read_tokens", "Vocabulary", "batchify", "bptt_windows", "synthetic_corpus", "wikitext2"]
