"""Benchmark: full Lyapunov spectra of many trajectories of an LSTM, batched vs one trajectory at a time.

On a 200-unit LSTM (``rnnattr.LSTM(1, 200, 1)``, PyTorch's initialisation, seed 0; state
``cat([h, c])`` of 400 entries) under a constant input per trajectory, this computes the full
spectrum (k = 400) of 256 trajectories from random initial states with
:func:`rnnattr.lyapunov_spectrum`, in the same process:

- ours: one call on the batch of 256 trajectories;
- baseline: the reference implementations' way, a Python loop over the trajectories calling
  the same function on one trajectory at a time;

checks that the two give the same spectra and prints the speed-up (target: ≥ 20× on CPU).
Both run under ``no_grad`` in float64 with the LSTM's closed-form ``tangent_step``.

    python benchmarks/lyapunov.py                     # CPU: ~50 s on the 2-core dev machine
    python benchmarks/lyapunov.py --profile           # also the top operators of each, torch.profiler
    python benchmarks/lyapunov.py --device cuda --n-steps 100 --transient 20
"""
from __future__ import annotations

import argparse

import torch
from timing import best_time

from rnnattr import LSTM, lyapunov_spectrum
from rnnattr.results import device_description

HIDDEN, TRAJECTORIES = 200, 256  # the sizes
# a short run: the full spectrum costs ~0.5 GFLOP per trajectory and step (a 400 × 400 QR, Q formed,
# and the tangents' product with the 800 × 200 recurrent weight), the same batched or looped; on the
# 2-core dev machine (float64) the loop takes ~3.4 s per step of all 256 trajectories, so ~20 s here
N_STEPS, TRANSIENT = 6, 2
TARGET = 20.0  # batched / looped speed-up on CPU, from the issue


def problem(device: torch.device, dtype: torch.dtype, trajectories: int = TRAJECTORIES):
    """``(model, x0 (B, 400), inputs (B, 1))``: the LSTM, random initial states in [-1, 1] and a
    constant input per trajectory in [π/16, π/8] (the sine task's range), all drawn from seed 0."""
    generator = torch.Generator().manual_seed(0)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = LSTM(1, HIDDEN, 1)
    x0 = torch.rand(trajectories, model.state_dim, generator=generator, dtype=torch.float64) * 2 - 1  # (B, 2H)
    inputs = torch.pi / 16 * (1 + torch.rand(trajectories, 1, generator=generator, dtype=torch.float64))  # (B, 1)
    return model.to(device, dtype), x0.to(device, dtype), inputs.to(device, dtype)


@torch.no_grad()
def batched(model: LSTM, x0: torch.Tensor, inputs: torch.Tensor, n_steps: int, transient: int) -> torch.Tensor:
    """One ``lyapunov_spectrum`` call on all trajectories: (B, 2H)."""
    return lyapunov_spectrum(model.step, x0, inputs, n_steps, transient=transient)


@torch.no_grad()
def per_trajectory_loop(model: LSTM, x0: torch.Tensor, inputs: torch.Tensor, n_steps: int,
                        transient: int) -> torch.Tensor:
    """The reference's way: one ``lyapunov_spectrum`` call per trajectory, (B, 2H)."""
    return torch.cat([lyapunov_spectrum(model.step, x0[i : i + 1], inputs[i : i + 1], n_steps, transient=transient)
                      for i in range(x0.shape[0])])


def rows(device: str = "cpu", n_steps: int = N_STEPS, transient: int = TRANSIENT, repeats: int = 1,
         dtype: torch.dtype = torch.float64) -> list[dict]:
    """The table row: batched and looped seconds, their ratio against the target; the spectra must agree."""
    device = torch.device(device)
    model, x0, inputs = problem(device, dtype)
    batched(model, x0[:2], inputs[:2], 2, 0)  # warm-up: LAPACK / cuSOLVER handles
    ours, fast = best_time(lambda: batched(model, x0, inputs, n_steps, transient), device, repeats)
    baseline, slow = best_time(lambda: per_trajectory_loop(model, x0, inputs, n_steps, transient), device, repeats)
    difference = (fast - slow).abs().max().item()
    # the same LAPACK QR on the same matrices: they differ by rounding only, most in the bottom of the
    # spectrum (|R_ii| ~ e^-10), where float32 keeps ~4 digits of the exponent
    rtol = 1e-3 if dtype == torch.float32 else 1e-9
    if not torch.allclose(fast, slow, rtol=rtol, atol=rtol):
        raise AssertionError(f"batched and looped spectra differ by up to {difference:.2e} (rtol {rtol:g})")
    ratio = baseline / ours
    on_cpu = device.type == "cpu"
    return [{"figure": f"`lyapunov_spectrum`, {TRAJECTORIES} trajectories of a {HIDDEN}-unit LSTM, full spectrum "
                       f"(k = {2 * HIDDEN}), {n_steps} steps ({transient} transient), {str(dtype).split('.')[-1]}: "
                       "one batched call vs a loop over trajectories",
             "ours": f"{ours:.2f} s", "baseline": f"{baseline:.2f} s", "ratio": f"{ratio:.2f}×",
             "target": f"≥ {TARGET:g}× on CPU" if on_cpu else "report", "met": ratio >= TARGET if on_cpu else None,
             "ours_s": ours, "baseline_s": baseline, "ratio_value": ratio, "max_difference": difference,
             "n_steps": n_steps, "transient": transient}]


def profile(device: str = "cpu", n_steps: int = 3, dtype: torch.dtype = torch.float64, row_limit: int = 8) -> None:
    """Print the operators that take the time in each way, over ``n_steps`` steps (torch.profiler)."""
    from torch.profiler import ProfilerActivity
    from torch.profiler import profile as profiler

    device = torch.device(device)
    model, x0, inputs = problem(device, dtype)
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device.type == "cuda" else [])
    for name, function in (("batched", batched), ("looped", per_trajectory_loop)):
        with profiler(activities=activities) as run:
            function(model, x0, inputs, n_steps, 0)
        print(f"{name}, {n_steps} steps:")
        print(run.key_averages().table(sort_by="self_cpu_time_total", row_limit=row_limit))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--n-steps", type=int, default=N_STEPS, help="steps per spectrum, transient included")
    parser.add_argument("--transient", type=int, default=TRANSIENT, help="leading steps not averaged")
    parser.add_argument("--repeats", type=int, default=1, help="best of this many runs, for both")
    parser.add_argument("--dtype", default="float64", choices=["float32", "float64"],
                        help="float64 (default): float32 keeps ~4 digits of the most negative exponents")
    parser.add_argument("--profile", action="store_true", help="then print torch.profiler's top operators of each")
    args = parser.parse_args()
    dtype = getattr(torch, args.dtype)
    print(f"device: {device_description(args.device)}; torch {torch.__version__}")
    (row,) = rows(args.device, args.n_steps, args.transient, args.repeats, dtype)
    print(f"{row['figure']}\n  batched {row['ours']} | looped {row['baseline']} | ratio {row['ratio']} "
          f"(target {row['target']}: {'met' if row['met'] else 'not met'}) | max |difference| "
          f"{row['max_difference']:.2e}")
    if args.profile:
        profile(args.device, dtype=dtype)


if __name__ == "__main__":
    main()
