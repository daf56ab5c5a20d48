"""Checkpoints that survive a kill at any moment, and the random-number state they must carry.

A checkpoint is one ``torch.save`` file of plain data (tensors, dicts, lists, numbers,
strings), so it loads with ``torch.load(path, weights_only=True)``: loading one cannot run
code. It is written to ``PATH.partial`` in the same directory, flushed to disk with
``fsync`` and renamed over ``PATH`` with ``os.replace``, which is atomic on POSIX and
Windows: a kill mid-write leaves at worst a stale ``PATH.partial`` beside the intact last
good checkpoint.
"""
from __future__ import annotations

import os
import random
from collections import Counter
from pathlib import Path

import numpy as np
import torch


def _plain(value):
    """``value`` with every ``Counter`` (MultiStepLR's milestones) turned into a dict, which
    ``weights_only`` loading accepts on every torch version."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(item) for item in value)
    return value


def save_checkpoint(path: str | os.PathLike, state: dict) -> Path:
    """Write ``state`` to ``path`` atomically and durably; returns the path.

    Args:
        path: the checkpoint file, e.g. ``runs/sine-lstm/checkpoint.pt``.
        state: plain data only (tensors, dicts, lists, tuples, numbers, strings, None).

    The file is first written to ``path.partial`` in the same directory (``os.replace``
    is only atomic within one file system), ``fsync``-ed, renamed over ``path``, and the
    directory entry is ``fsync``-ed too, so that after a crash the rename is not lost.

    Example:
        >>> save_checkpoint("run/checkpoint.pt", {"epoch": 3, "model": model.state_dict()})
    """
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    try:
        with open(partial, "wb") as handle:
            torch.save(_plain(state), handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    if hasattr(os, "O_DIRECTORY"):  # POSIX: make the rename itself durable
        directory = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    return path


def load_checkpoint(path: str | os.PathLike, map_location: torch.device | str | None = None) -> dict:
    """Read a checkpoint written by :func:`save_checkpoint`, with ``weights_only=True``.

    Args:
        path: the checkpoint file (a leftover ``path.partial`` is ignored).
        map_location: where to put its tensors, e.g. ``"cpu"`` to inspect a GPU run.
    """
    return torch.load(Path(path), map_location=map_location, weights_only=True)


def rng_states() -> dict:
    """Every global random-number state a run may draw from, as plain data.

    Returns ``{"torch": ByteTensor, "cuda": [ByteTensor per device] (empty without CUDA),
    "numpy": {...}, "python": [...]}``; :func:`restore_rng_states` puts them back.
    """
    kind, keys, position, has_gauss, cached_gaussian = np.random.get_state()
    version, internal, gauss_next = random.getstate()
    return {
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "numpy": {"kind": kind, "keys": torch.from_numpy(keys.astype(np.int64)), "position": position,
                  "has_gauss": has_gauss, "cached_gaussian": cached_gaussian},
        "python": [version, list(internal), gauss_next],
    }


def restore_rng_states(states: dict) -> None:
    """Restore the global random-number states saved by :func:`rng_states`.

    CUDA states are restored only when this machine has as many CUDA devices as the one
    that saved them (a GPU run resumed on a CPU continues with the CPU states alone).
    """
    torch.set_rng_state(states["torch"].cpu())
    if states["cuda"] and torch.cuda.is_available() and torch.cuda.device_count() == len(states["cuda"]):
        torch.cuda.set_rng_state_all([state.cpu() for state in states["cuda"]])
    numpy_state = states["numpy"]
    np.random.set_state((numpy_state["kind"], numpy_state["keys"].cpu().numpy().astype(np.uint32), numpy_state["position"],
                         numpy_state["has_gauss"], numpy_state["cached_gaussian"]))
    version, internal, gauss_next = states["python"]
    random.setstate((version, tuple(internal), gauss_next))


def restore_counters(scheduler) -> None:
    """Undo :func:`_plain` on a loaded scheduler: MultiStepLR counts its milestones in a Counter."""
    if isinstance(getattr(scheduler, "milestones", None), dict) and not isinstance(scheduler.milestones, Counter):
        scheduler.milestones = Counter(scheduler.milestones)
