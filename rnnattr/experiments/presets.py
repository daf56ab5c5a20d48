"""Size presets shared by every experiment: ``"reduced"`` (CI and laptops) and ``"full"`` (the paper's text where
it is explicit, the public reference code where it is silent, ours where both are: :mod:`rnnattr.papers`)."""
from __future__ import annotations

from typing import TypeVar

Config = TypeVar("Config")


def select_preset(presets: dict[str, Config], size: str) -> Config:
    """Return ``presets[size]``, or raise ``ValueError`` naming the allowed sizes."""
    if size not in presets:
        raise ValueError(f"size: expected one of {sorted(presets)}, got {size!r}")
    return presets[size]
