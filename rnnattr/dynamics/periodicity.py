"""When a symbol sequence becomes periodic: how long generated text takes to start repeating."""
from __future__ import annotations

import numpy as np

from rnnattr.validation import check_positive_int


def repetition_onset(sequence, max_period: int | None = None, min_repeats: int = 3
                     ) -> tuple[int | None, int | None]:
    """The first position from which ``sequence`` repeats with a fixed period, and that period.

    Returns:
        ``(onset, period)``: the smallest t0 such that ``sequence[t] == sequence[t + p]`` for
        every t ≥ t0 (up to the end) with some period p ≤ ``max_period``, the periodic tail
        holding at least ``min_repeats`` periods (len − t0 ≥ min_repeats · p); of the periods
        giving that onset, the smallest. ``(None, None)`` when no such tail exists: within
        this horizon the sequence never settles into a cycle.

    Args:
        sequence: (T,) integers, e.g. generated word ids.
        max_period: the longest period looked for; default T // min_repeats.
        min_repeats: how many whole periods the tail must hold to count as repeating.

    A deterministic system whose orbit converges to a periodic attractor emits a sequence
    that is eventually periodic; on a chaotic attractor it does not repeat (Section 5.3 of
    Ribeiro et al., 2020: the generated text of their LSTM keeps changing, that of the
    orthogonal RNN and the stable LSTM falls into repeating a few words).

    Example:
        >>> repetition_onset([5, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3])
        (1, 3)
    """
    sequence = np.asarray(sequence)
    if sequence.ndim != 1 or len(sequence) < 2:
        raise ValueError(f"sequence: expected a one-dimensional sequence of at least 2 symbols, "
                         f"got shape {sequence.shape}")
    check_positive_int("min_repeats", min_repeats)
    length = len(sequence)
    max_period = length // min_repeats if max_period is None else check_positive_int("max_period", max_period)
    best: tuple[int | None, int | None] = (None, None)
    for period in range(1, min(max_period, length - 1) + 1):
        mismatches = np.flatnonzero(sequence[:-period] != sequence[period:])
        onset = 0 if len(mismatches) == 0 else int(mismatches[-1]) + 1
        if length - onset >= min_repeats * period and (best[0] is None or onset < best[0]):
            best = (onset, period)
    return best
