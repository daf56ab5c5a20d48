"""repetition_onset: when a symbol sequence becomes periodic."""
import numpy as np
import pytest

from rnnattr.dynamics.periodicity import repetition_onset


def test_an_eventually_periodic_sequence_gives_its_transient_length_and_least_period():
    transient, cycle = [9, 8, 7, 6, 5], [1, 2, 1, 3]  # least period 4 (1,2,1,3 has no shorter one)
    assert repetition_onset(transient + cycle * 10) == (5, 4)
    assert repetition_onset(cycle * 10) == (0, 4)
    assert repetition_onset([4] * 12) == (0, 1)


def test_a_transient_that_happens_to_match_the_cycle_is_absorbed():
    # the last transient symbol equals the symbol one period later: the cycle starts one step earlier
    assert repetition_onset([9, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3]) == (1, 3)


def test_the_thue_morse_sequence_never_repeats():
    thue_morse = np.array([bin(n).count("1") % 2 for n in range(1024)])  # aperiodic (Thue, 1912)
    assert repetition_onset(thue_morse) == (None, None)


def test_symbolic_orbit_of_the_logistic_map_in_its_period_4_window():
    # r = 3.5 lies in the period-4 window (3.449 < r < 3.544): the attractor is the 4-cycle
    # 0.383, 0.827, 0.501, 0.875, whose itinerary left/right of x = 1/2 is L R R R
    x, symbols = 0.2, []
    for _ in range(400):
        x = 3.5 * x * (1 - x)
        symbols.append(int(x > 0.5))
    onset, period = repetition_onset(symbols)
    assert period == 4 and onset < 100
    assert sorted(symbols[onset:onset + 4]) == [0, 1, 1, 1]


def test_a_tail_shorter_than_min_repeats_periods_does_not_count():
    sequence = list(range(10)) + [1, 2, 1, 2]  # two periods of 2 at the end
    assert repetition_onset(sequence) == (None, None)
    assert repetition_onset(sequence, min_repeats=2) == (10, 2)
    assert repetition_onset(list(range(10)) + [1, 2] * 3, max_period=1) == (None, None)


@pytest.mark.parametrize("sequence, kwargs, message", [
    ([1], {}, "sequence: expected a one-dimensional sequence of at least 2 symbols"),
    ([[1, 2], [3, 4]], {}, "sequence: expected a one-dimensional"),
    ([1, 2, 3], {"min_repeats": 0}, "min_repeats: expected a positive integer"),
    ([1, 2, 3], {"max_period": 0}, "max_period: expected a positive integer"),
])
def test_bad_arguments_are_named(sequence, kwargs, message):
    with pytest.raises(ValueError, match=message):
        repetition_onset(sequence, **kwargs)
