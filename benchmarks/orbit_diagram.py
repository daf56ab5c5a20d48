"""Benchmark: the Figure 1 orbit diagram (5000 values of s × 200 steps), batched vs per-s loop.

Ours: one batched ``orbit`` of ``chaotic_lstm(s)`` over all 5000 values at once.
Baseline: the public reference code's way, a loop over s that builds an ``nn.LSTM`` with
weights s·θ_true and calls it once per value. Both run here, in the same process, on
the same device, and must give the same orbits; the script prints the speed-up ratio
(target: ≥ 30× on CPU, ≥ 300× on a GPU).

    python benchmarks/orbit_diagram.py [--device cuda] [--values 5000] [--repeats 3]
"""
from __future__ import annotations

import argparse
import time

import torch
from torch import nn

from rnnattr import chaotic_lstm, orbit, theta_true
from rnnattr.results import device_description

N_STEPS, BURN_IN = 200, 100  # the paper's Figure 1


def batched(s: torch.Tensor) -> torch.Tensor:
    model = chaotic_lstm(s).to(s.device)
    with torch.no_grad():
        return orbit(model.step, model.initial_state(), N_STEPS, burn_in=BURN_IN)[..., 0]  # (S, 100)


def per_value_loop(s: torch.Tensor) -> torch.Tensor:
    lstm = nn.LSTM(1, 2, bias=False, batch_first=True).to(s.device)
    zeros = torch.zeros(1, N_STEPS, 1, device=s.device)
    h0 = torch.full((1, 1, 2), 0.5, device=s.device)
    rows = []
    with torch.no_grad():
        lstm.weight_ih_l0.zero_()
        for value in s.tolist():
            lstm.weight_hh_l0.copy_(value * theta_true().to(s.device))
            hs, _ = lstm(zeros, (h0, h0))
            rows.append(hs[0, BURN_IN:, 0])
    return torch.stack(rows)


def best_time(function, *args, repeats: int) -> tuple[float, torch.Tensor]:
    times = []
    for _ in range(repeats):
        if args[0].is_cuda:
            torch.cuda.synchronize()
        start = time.perf_counter()
        result = function(*args)
        if args[0].is_cuda:
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--values", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=3, help="best of this many runs, for both")
    args = parser.parse_args()
    s = torch.linspace(0.5, 2.0, args.values, device=args.device)
    batched(s[:10])  # warm-up
    ours, fast = best_time(batched, s, repeats=args.repeats)
    baseline, slow = best_time(per_value_loop, s, repeats=args.repeats)
    # chaos amplifies float32 rounding differences between the two kernels: compare the
    # non-chaotic members (s < 0.85 or s > 1.5), which must agree closely
    calm = (s < 0.85) | (s > 1.5)
    agreement = (fast[calm] - slow[calm]).abs().max().item()
    peak = torch.cuda.max_memory_allocated() / 2**20 if s.is_cuda else float("nan")
    print(f"device: {device_description(args.device)}; torch {torch.__version__}")
    print(f"{'figure':<44}{'ours':>10}{'baseline':>11}{'ratio':>9}{'target':>9}")
    target = "300x" if s.is_cuda else "30x"
    print(f"{'Figure 1 orbit diagram (%d s x %d steps)' % (args.values, N_STEPS):<44}"
          f"{ours:>9.3f}s{baseline:>10.3f}s{baseline / ours:>8.1f}x{target:>9}")
    print(f"max |difference| on non-chaotic s: {agreement:.2e}" + (f"; GPU peak memory {peak:.0f} MiB" if s.is_cuda else ""))


if __name__ == "__main__":
    main()
