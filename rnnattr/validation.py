"""Argument checks shared by the whole package.

Every public function validates its inputs *before* doing any work, and every error
names the argument, what was expected and what was received, e.g.::

    ValueError: x0: expected shape (B, 4), got (3,)
"""
from __future__ import annotations

from collections.abc import Sequence

import torch


def _describe(expected: Sequence[int | str | None]) -> str:
    parts = ["B" if e is None else str(e) for e in expected]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def check_tensor(
    name: str,
    value,
    shape: Sequence[int | str | None],
    *,
    floating: bool = True,
) -> torch.Tensor:
    """Return ``value`` if it is a tensor of the expected shape, else raise ``ValueError``.

    Args:
        name: the argument's name, used in the message.
        value: the object to check.
        shape: the expected shape; an ``int`` entry must match exactly, ``None`` or a
            string (a symbolic size such as ``"B"`` or ``"T"``) matches any positive size.
        floating: require a floating-point dtype.
    """
    expected = _describe(shape)
    if not isinstance(value, torch.Tensor):
        raise ValueError(f"{name}: expected a torch.Tensor of shape {expected}, got {type(value).__name__}")
    got = tuple(value.shape)
    if len(got) != len(shape) or any(
        (isinstance(e, int) and g != e) or g == 0 for e, g in zip(shape, got)
    ):
        raise ValueError(f"{name}: expected shape {expected}, got {got}")
    if floating and not value.is_floating_point():
        raise ValueError(f"{name}: expected a floating-point tensor, got dtype {value.dtype}")
    return value


def check_positive_int(name: str, value, *, allow_none: bool = False) -> int | None:
    """Return ``value`` if it is a positive ``int`` (or ``None`` when allowed), else raise."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{name}: expected a positive integer, got {value!r}")
    return value


def check_non_negative_int(name: str, value) -> int:
    """Return ``value`` if it is an ``int`` >= 0, else raise ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name}: expected a non-negative integer, got {value!r}")
    return value


def check_choice(name: str, value, choices: Sequence) -> object:
    """Return ``value`` if it is one of ``choices``, else raise ``ValueError`` listing them."""
    if isinstance(value, bool) or value not in choices:
        raise ValueError(f"{name}: expected one of {list(choices)}, got {value!r}")
    return value
