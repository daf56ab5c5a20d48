"""Check cells of the chapters' exercises: tell a student whether an answer is right.

A chapter's exercise is a question in Markdown, a solution (cells tagged ``solution``,
removed from the student version by ``scripts/student_notebooks.py``) and a check cell
(tagged ``check``) that tests the names the solution defines::

    with check_answer("Exercise 1"):
        assert hashlib.sha256(str(period).encode()).hexdigest() == "4b22...", "not the period yet"

The check prints exactly one line, ``"Exercise 1: correct"``, ``"Exercise 1: not right
yet: <the assertion's hint>"`` or ``"Exercise 1: not answered yet (`period` is not
defined)"``, so a student notebook runs from top to bottom whatever state its answers are
in. The hint is the assertion's message: write it so that it does not give the answer
away (compare hashes for discrete answers, and recompute continuous ones by a different
route than the solution takes). Any other exception is a bug in the check and is raised.

The book's own (solved) chapters must print ``correct`` for every check:
``scripts/build_book.py`` (:func:`check_executed`) fails the build otherwise.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

CORRECT = "correct"
NOT_RIGHT = "not right yet"
NOT_ANSWERED = "not answered yet"


@contextmanager
def check_answer(exercise: str) -> Iterator[None]:
    """Run the assertions of a check cell and print one verdict line for ``exercise``.

    Args:
        exercise: the label printed before the verdict, e.g. ``"Exercise 2"``.

    The body's ``AssertionError`` becomes ``"<exercise>: not right yet[: hint]"``, a
    ``NameError`` (the answer's variable does not exist yet) ``"<exercise>: not answered
    yet (`name` is not defined)"``; otherwise ``"<exercise>: correct"`` is printed.

    Example:
        >>> with check_answer("Exercise 1"):
        ...     assert 6 * 7 == 42, "not the product yet"
        Exercise 1: correct
    """
    if not isinstance(exercise, str) or not exercise.strip():
        raise ValueError(f"exercise: expected a non-empty label such as 'Exercise 1', got {exercise!r}")
    try:
        yield
    except NameError as error:
        print(f"{exercise}: {NOT_ANSWERED} (`{error.name}` is not defined)")
    except AssertionError as error:
        hint = f": {error}" if str(error) else ""
        print(f"{exercise}: {NOT_RIGHT}{hint}")
    else:
        print(f"{exercise}: {CORRECT}")
