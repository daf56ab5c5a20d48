"""Benchmark: the Figure 1 orbit diagram (5000 values of s × 200 steps), batched vs per-s loop.

Ours: one batched ``orbit`` of ``chaotic_lstm(s)`` over all 5000 values at once.
Baseline: the public reference code's way, a loop over s that builds an ``nn.LSTM`` with
weights s·θ_true and calls it once per value. Both run here, in the same process, on
the same device, and must give the same orbits; the script prints the speed-up ratio
(target: ≥ 30× on CPU, ≥ 300× on a GPU).

    python benchmarks/orbit_diagram.py [--device cuda] [--values 5000] [--repeats 3] [--ours-repeats 10]
"""
from __future__ import annotations

import argparse

import torch
from timing import best_time
from torch import nn

from rnnattr import chaotic_lstm, orbit, theta_true
from rnnattr.results import device_description

N_STEPS, BURN_IN = 200, 100  # the paper's Figure 1
TARGET_CPU, TARGET_GPU = 30, 300  # speed-ups, from the issue


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


def rows(device: str = "cpu", values: int = 5000, repeats: int = 3, ours_repeats: int = 10) -> list[dict]:
    """The benchmark's table row: ours (best of ``ours_repeats``), the per-s loop (best of ``repeats``),
    their ratio against the target; also the largest difference between the two on the non-chaotic
    values of s and (GPU) the peak memory. Ours takes ~0.1 s on a CPU, where a shared machine's noise
    is of the same size: more repeats of the short measurement, as ``timeit`` does."""
    s = torch.linspace(0.5, 2.0, values, device=device)
    batched(s[:10])  # warm-up
    ours, fast = best_time(lambda: batched(s), device, ours_repeats)
    baseline, slow = best_time(lambda: per_value_loop(s), device, repeats)
    # chaos amplifies float32 rounding differences between the two kernels: compare the
    # non-chaotic members (s < 0.85 or s > 1.5), which must agree closely
    calm = (s < 0.85) | (s > 1.5)
    agreement = (fast[calm] - slow[calm]).abs().max().item()
    if not agreement < 1e-4:
        raise AssertionError(f"batched and looped orbits differ by {agreement:.2e} on non-chaotic s")
    peak = torch.cuda.max_memory_allocated() / 2**20 if s.is_cuda else None
    target = TARGET_GPU if s.is_cuda else TARGET_CPU
    ratio = baseline / ours
    return [{"figure": f"Figure 1 orbit diagram ({values} s × {N_STEPS} steps): one batched `orbit` vs a loop "
                       "calling `nn.LSTM` once per s",
             "ours": f"{ours:.3f} s", "baseline": f"{baseline:.3f} s", "ratio": f"{ratio:.1f}×",
             "target": f"≥ {target:g}× on {'a GPU' if s.is_cuda else 'CPU'}", "met": ratio >= target,
             "ours_s": ours, "baseline_s": baseline, "ratio_value": ratio, "max_difference": agreement,
             "gpu_peak_mib": peak}]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--values", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=3, help="best of this many runs of the loop")
    parser.add_argument("--ours-repeats", type=int, default=10, help="best of this many batched runs")
    args = parser.parse_args()
    (row,) = rows(args.device, args.values, args.repeats, args.ours_repeats)
    print(f"device: {device_description(args.device)}; torch {torch.__version__}")
    print(f"{'figure':<44}{'ours':>10}{'baseline':>11}{'ratio':>9}{'target':>9}")
    target = "300x" if torch.device(args.device).type == "cuda" else "30x"
    print(f"{'Figure 1 orbit diagram (%d s x %d steps)' % (args.values, N_STEPS):<44}"
          f"{row['ours_s']:>9.3f}s{row['baseline_s']:>10.3f}s{row['ratio_value']:>8.1f}x{target:>9}")
    peak = row["gpu_peak_mib"]
    print(f"max |difference| on non-chaotic s: {row['max_difference']:.2e}"
          + (f"; GPU peak memory {peak:.0f} MiB" if peak is not None else ""))


if __name__ == "__main__":
    main()
