"""Timing helpers shared by the benchmarks: wall-clock seconds with the device synchronised
around the timed region, so that queued GPU kernels are counted where they run."""
from __future__ import annotations

import statistics
import time

import torch


def synchronize(device: torch.device | str) -> None:
    """Wait for the device's queued work (CUDA); nothing to wait for on a CPU."""
    device = torch.device(device)
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def best_time(function, device: torch.device | str, repeats: int = 1) -> tuple[float, object]:
    """``(fewest seconds, result)`` over ``repeats`` calls of ``function()``; the result is the last call's.

    The minimum, not the mean: on a machine shared with other jobs the noise only ever adds time."""
    if repeats < 1:
        raise ValueError(f"repeats: expected a positive number, got {repeats}")
    times = []
    for _ in range(repeats):
        synchronize(device)
        start = time.perf_counter()
        result = function()
        synchronize(device)
        times.append(time.perf_counter() - start)
    return min(times), result


def median_time(function, device: torch.device | str, repeats: int, calls: int) -> float:
    """Median over ``repeats`` of the seconds per call of ``function(calls)``, after one warm-up ``function(1)``."""
    function(1)  # warm-up: allocations, kernels, cuSOLVER handles
    times = []
    for _ in range(repeats):
        seconds, _ = best_time(lambda: function(calls), device)
        times.append(seconds / calls)
    return statistics.median(times)
