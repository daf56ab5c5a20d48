"""check_answer: one verdict line per check, and only assertion and name errors are caught.

PYTEST_DONT_REWRITE: the checks must see plain assertion messages, as in a notebook.
"""

import pytest

from rnnattr.exercises import check_answer


def test_a_passing_check_prints_correct(capsys):
    with check_answer("Exercise 1"):
        assert 6 * 7 == 42
    assert capsys.readouterr().out == "Exercise 1: correct\n"


def test_a_failing_assertion_prints_its_hint_only(capsys):
    with check_answer("Exercise 2"):
        answer = 41
        assert answer == 42, "not the product yet"
    assert capsys.readouterr().out == "Exercise 2: not right yet: not the product yet\n"
    with check_answer("Exercise 2"):
        assert answer == 42
    assert capsys.readouterr().out == "Exercise 2: not right yet\n"


def test_a_missing_answer_prints_its_name(capsys):
    with check_answer("Exercise 3"):
        assert undefined_answer == 1  # noqa: F821 (the student has not defined it yet)
    assert capsys.readouterr().out == "Exercise 3: not answered yet (`undefined_answer` is not defined)\n"


def test_other_errors_are_bugs_in_the_check_and_propagate(capsys):
    with pytest.raises(ZeroDivisionError):
        with check_answer("Exercise 4"):
            assert 1 / 0 == 1
    assert capsys.readouterr().out == ""


def test_the_label_is_validated():
    with pytest.raises(ValueError, match="exercise: expected a non-empty label"):
        with check_answer(" "):
            pass
