"""Word-level corpora as the PyTorch ``word_language_model`` example reads them: tokens, a
vocabulary, batch-first streams and truncated-BPTT windows, plus a small generated corpus.

A text is read line by line; each line becomes its whitespace-separated words followed by
``"<eos>"`` (empty lines too, which is what gives WikiText-2's published token counts).
The id sequence is cut into ``B`` contiguous streams, one per batch row, and each stream
into windows of ``bptt`` steps; window ``w + 1`` continues window ``w`` in every row, so a
hidden state carried between windows keeps reading the same text.
"""
from __future__ import annotations

import numbers
import os
import random
from collections import Counter
from collections.abc import Iterable, Sequence

import torch

from rnnattr.validation import check_positive_int, check_tensor

EOS, UNK = "<eos>", "<unk>"


def tokenize(lines: Iterable[str]) -> list[str]:
    """Return the words of every line, each line followed by ``"<eos>"``.

    Example:
        >>> tokenize(["a b", "", "c"])
        ['a', 'b', '<eos>', '<eos>', 'c', '<eos>']
    """
    if isinstance(lines, str):
        raise ValueError("lines: expected an iterable of lines, got a str (wrap it in a list or use splitlines())")
    return [word for line in lines for word in (*line.split(), EOS)]


def read_tokens(path: str | os.PathLike) -> list[str]:
    """Return :func:`tokenize` of the UTF-8 text file at ``path``."""
    with open(path, encoding="utf-8") as handle:
        return tokenize(handle)


class Vocabulary:
    """An ordered list of words and its inverse ``index``; word ``words[i]`` has id ``i``.

    Build one from tokens with :meth:`build`; store one beside a trained model with
    :meth:`to_dict` / :meth:`from_dict`.

    Example:
        >>> vocab = Vocabulary.build("b a b <eos>".split())
        >>> vocab.words, vocab.encode(["a", "b"]).tolist()
        (['b', 'a', '<eos>'], [1, 0])
    """

    def __init__(self, words: Sequence[str]):
        words = list(words)
        if not words or not all(isinstance(word, str) and word for word in words):
            raise ValueError("words: expected a non-empty list of non-empty strings")
        duplicates = sorted(word for word, count in Counter(words).items() if count > 1)
        if duplicates:
            raise ValueError(f"words: expected distinct words, got duplicates {duplicates[:5]}")
        self.words = words
        self.index = {word: i for i, word in enumerate(words)}

    @classmethod
    def build(cls, tokens: Iterable[str], max_size: int | None = None) -> Vocabulary:
        """Return the vocabulary of ``tokens``: by descending frequency, ties by first occurrence.

        Args:
            tokens: the corpus, e.g. from :func:`read_tokens`.
            max_size: keep at most this many words: the most frequent ones, always with
                ``"<eos>"`` (when present) and ``"<unk>"`` (appended last if the text has none),
                so that every dropped or unseen word encodes as ``"<unk>"``. ``None`` keeps all.
        """
        check_positive_int("max_size", max_size, allow_none=True)
        counts = Counter(tokens)  # insertion order = first occurrence
        if not counts:
            raise ValueError("tokens: expected at least one token, got none")
        ordered = sorted(counts, key=lambda word: -counts[word])  # stable: ties keep first occurrence
        if max_size is None:
            return cls(ordered)
        reserved = [EOS] * (EOS in counts) + [UNK]
        if max_size < len(reserved):
            raise ValueError(f"max_size: expected at least {len(reserved)} (room for {reserved}), got {max_size}")
        others = [word for word in ordered if word not in reserved]
        keep = set(others[: max_size - len(reserved)]) | set(reserved)
        return cls([word for word in ordered if word in keep] + [UNK] * (UNK not in counts))

    def __len__(self) -> int:
        return len(self.words)

    def __repr__(self) -> str:
        return f"Vocabulary({len(self)} words: {self.words[:5]}{' ...' if len(self) > 5 else ''})"

    @property
    def unk_id(self) -> int | None:
        """The id of ``"<unk>"``, or ``None`` when the vocabulary has none."""
        return self.index.get(UNK)

    @property
    def eos_id(self) -> int | None:
        """The id of ``"<eos>"``, or ``None`` when the vocabulary has none."""
        return self.index.get(EOS)

    def encode(self, tokens: Iterable[str]) -> torch.Tensor:
        """Return the ids (N,) int64 of ``tokens``; unknown words become ``"<unk>"``'s id, or raise
        ``ValueError`` naming the first one when the vocabulary has no ``"<unk>"``."""
        if isinstance(tokens, str):
            raise ValueError("tokens: expected a sequence of words, got a str (split it first)")
        index, unk = self.index, self.unk_id
        if unk is not None:
            return torch.tensor([index.get(word, unk) for word in tokens], dtype=torch.long)
        try:
            return torch.tensor([index[word] for word in tokens], dtype=torch.long)
        except KeyError as error:
            raise ValueError(f"tokens: word {error.args[0]!r} is not in the vocabulary, which has no {UNK!r} "
                             f"to map it to (build it with max_size to get one)") from None

    def decode(self, ids: torch.Tensor | Iterable[int]) -> list[str]:
        """Return the words of ``ids`` (a 1-D integer tensor or array, or an iterable of ints)."""
        ids = ids.reshape(-1).tolist() if isinstance(ids, torch.Tensor) else list(ids)
        bad = [i for i in ids if isinstance(i, bool) or not isinstance(i, numbers.Integral) or not 0 <= i < len(self)]
        if bad:
            raise ValueError(f"ids: expected integers in [0, {len(self)}), got {bad[0]!r}")
        return [self.words[int(i)] for i in ids]

    def to_dict(self) -> dict:
        """Return ``{"words": [...]}``: plain JSON-able data that :meth:`from_dict` reads back."""
        return {"words": list(self.words)}

    @classmethod
    def from_dict(cls, data: dict) -> Vocabulary:
        """Return the vocabulary stored by :meth:`to_dict`."""
        if not isinstance(data, dict) or not isinstance(data.get("words"), list):
            raise ValueError(f"data: expected a dict with a 'words' list, got {type(data).__name__}")
        return cls(data["words"])


def batchify(ids: torch.Tensor, batch_size: int) -> torch.Tensor:
    """Return ``batch_size`` contiguous streams (batch_size, N // batch_size) of the ids (N,).

    Row ``b`` is the ``b``-th slice ``ids[b L : (b + 1) L]`` with ``L = N // batch_size``; the
    last ``N mod batch_size`` ids are dropped. This is the reference example's ``batchify``,
    transposed to batch-first (it returns (L, B)).

    Example:
        >>> batchify(torch.arange(7), 2)
        tensor([[0, 1, 2],
                [3, 4, 5]])
    """
    check_tensor("ids", ids, ("N",), floating=False)
    if ids.dtype != torch.long:
        raise ValueError(f"ids: expected an int64 tensor, got dtype {ids.dtype}")
    check_positive_int("batch_size", batch_size)
    length = ids.numel() // batch_size
    if length < 2:
        raise ValueError(f"batch_size: expected at most {ids.numel() // 2} for {ids.numel()} ids (each stream needs "
                         f"an input and a target), got {batch_size}")
    return ids[: batch_size * length].reshape(batch_size, length)


def bptt_windows(streams: torch.Tensor, bptt: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Return ``(inputs, targets)``, each (W, B, bptt) with ``W = (L - 1) // bptt``, from streams (B, L).

    Window ``w`` holds positions ``[w bptt, (w + 1) bptt)`` of every stream and ``targets`` are
    the next tokens (positions shifted by one). The last incomplete window is dropped: each
    stream loses its last ``(L - 1) mod bptt`` predictions, ``B ((L - 1) mod bptt)`` in all.

    Example:
        >>> inputs, targets = bptt_windows(torch.arange(8).view(1, 8), 3)
        >>> inputs.tolist(), targets.tolist()
        ([[[0, 1, 2]], [[3, 4, 5]]], [[[1, 2, 3]], [[4, 5, 6]]])
    """
    check_tensor("streams", streams, ("B", "L"), floating=False)
    check_positive_int("bptt", bptt)
    batch, length = streams.shape
    n_windows = (length - 1) // bptt
    if n_windows == 0:
        raise ValueError(f"bptt: expected at most {length - 1} for streams of length {length}, got {bptt}")
    span = n_windows * bptt
    inputs = streams[:, :span].reshape(batch, n_windows, bptt).transpose(0, 1)  # (W, B, bptt)
    targets = streams[:, 1 : span + 1].reshape(batch, n_windows, bptt).transpose(0, 1)  # (W, B, bptt)
    return inputs.contiguous(), targets.contiguous()


# A tiny English-like grammar: word classes, Zipf-weighted within each class, and sentence
# templates; the first word of a sentence is capitalised, as in WikiText.
_WORDS = {
    "DET": "the a this its their one",
    "ADJ": "first new old great small large early late local national british american major main other same "
           "second final high long young royal northern southern western eastern short strong public military "
           "popular modern ancient famous heavy common single former original private",
    "NOUN": "game season film album song team city war ship river church village army band station school "
            "family battle episode series character player club division road building island forces music "
            "record palace house century government state party king company group line area track "
            "story book novel tour match league cup career power water system court bridge castle temple tower "
            "species bird storm hurricane fleet crew port border coast valley mountain lake forest garden park "
            "museum hospital college university office council election law trial design style version "
            "role show stage theatre network channel field attack regiment officer soldier general",
    "VERB": "played released built began won led included received found described made took became wrote "
            "reached moved joined opened returned followed used held formed produced recorded destroyed "
            "attacked defeated founded designed published announced replaced completed",
    "NAME": "John William James George Henry Charles Thomas Robert Edward Richard David Mary Elizabeth Anne "
            "London France England Germany Japan Texas Ohio Florida Paris Washington",
    "PREP": "in of on at with from by during after near",
    "ADV": "also later then still only never often again soon finally",
    "YEAR": "1914 1918 1939 1944 1945 1962 1971 1988 1999 2005 2010",
}
_TEMPLATES = [
    "DET ADJ NOUN VERB DET NOUN .",
    "NAME VERB DET NOUN PREP DET ADJ NOUN .",
    "PREP YEAR , NAME ADV VERB DET NOUN .",
    "DET NOUN PREP DET NOUN was ADJ .",
    "NAME and NAME VERB DET ADJ NOUN PREP NAME .",
    "DET NOUN , which was VERB PREP YEAR , VERB DET NOUN .",
]


def synthetic_corpus(n_lines: int, seed: int = 0) -> list[str]:
    """Return ``n_lines`` lines of generated English-like text laid out like WikiText.

    Articles open with ``" = Title = "``, sections with ``" = = Heading = = "``, headings and
    paragraphs are separated by empty lines, and paragraphs hold 1–5 sentences drawn from
    six templates over ~270 words (Zipf-weighted within each word class), so a bigram model
    predicts it much better than a unigram model. The same ``seed`` gives the same text.

    Example:
        >>> lines = synthetic_corpus(200, seed=1)   # for machines without WikiText-2
    """
    check_positive_int("n_lines", n_lines)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed: expected an integer, got {seed!r}")
    rng = random.Random(seed)
    classes = {name: words.split() for name, words in _WORDS.items()}
    weights = {name: [1 / (rank + 1) for rank in range(len(words))] for name, words in classes.items()}

    def fill(template: str) -> list[str]:
        words = [rng.choices(classes[t], weights[t])[0] if t in classes else t for t in template.split()]
        return [words[0][:1].upper() + words[0][1:], *words[1:]]

    lines: list[str] = []
    while len(lines) < n_lines:
        lines += [" ", " = " + " ".join(fill("NAME NOUN")) + " = ", " "]
        for section in range(rng.randint(1, 3)):
            if section:
                lines += [" = = " + " ".join(fill("ADJ NOUN")) + " = = ", " "]
            for _ in range(rng.randint(1, 3)):
                sentences = [fill(rng.choices(_TEMPLATES, [6, 5, 4, 3, 2, 1])[0]) for _ in range(rng.randint(1, 5))]
                lines += [" " + " ".join(word for sentence in sentences for word in sentence) + " ", " "]
    return lines[:n_lines]
