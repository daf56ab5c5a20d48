"""Benchmark: the step of a ``from_torch`` view of ``nn.LSTM`` against ``rnnattr.LSTM.step``.

On a 200-unit LSTM (``rnnattr.LSTM(1, 200, 1)``, PyTorch's initialisation, seed 0) and a batch
of 256 states and inputs, this times, in the same process and on the same weights:

- ours: ``from_torch(model.cell).step``, the view of the model's own ``nn.LSTM``, which reads
  the module's parameters by name and runs the stack layer by layer;
- baseline: ``model.step``, rnnattr's own one-layer LSTM step;

checks that the two give the same states and prints ours / baseline (target: ≤ 1.2×). Both run
``STEPS`` steps per call under ``no_grad`` in float32, the way orbits and spectra call them.

    python benchmarks/from_torch_step.py                  # CPU: a few seconds
    python benchmarks/from_torch_step.py --device cuda
"""
from __future__ import annotations

import argparse

import torch
from timing import best_time

from rnnattr import LSTM, from_torch
from rnnattr.results import device_description

HIDDEN, BATCH, STEPS = 200, 256, 20  # the sizes; 20 steps per timed call
TARGET = 1.2  # view / rnnattr step time, from the issue


def stepper(step, x0: torch.Tensor, u: torch.Tensor):
    """``run(calls)``: ``calls`` times ``STEPS`` steps of ``step`` from x0 under the constant input u."""
    @torch.no_grad()
    def run(calls: int) -> torch.Tensor:
        for _ in range(calls):
            x = x0
            for _ in range(STEPS):
                x = step(x, u)
        return x
    return run


def rows(device: str = "cpu", repeats: int = 10, calls: int = 3) -> list[dict]:
    """The table row: seconds per step of the view and of ``rnnattr.LSTM`` (each the fewest of ``repeats``
    interleaved timings of ``calls`` × ``STEPS`` steps), their ratio against the target."""
    device = torch.device(device)
    generator = torch.Generator().manual_seed(0)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = LSTM(1, HIDDEN, 1).to(device)
    view = from_torch(model.cell)
    x0 = (torch.rand(BATCH, model.state_dim, generator=generator) * 2 - 1).to(device)  # (B, 2H)
    u = torch.rand(BATCH, 1, generator=generator).to(device)  # (B, 1)
    ours_run, baseline_run = stepper(view.step, x0, u), stepper(model.step, x0, u)
    difference = (ours_run(1) - baseline_run(1)).abs().max().item()
    if difference > 1e-5:
        raise AssertionError(f"the view's and rnnattr.LSTM's states differ by {difference:.2e} after {STEPS} steps")
    # interleaved, fewest seconds of each: on a shared machine the noise only ever adds time, to either
    seconds = {ours_run: [], baseline_run: []}
    for _ in range(repeats):
        for run in seconds:
            seconds[run].append(best_time(lambda: run(calls), device)[0] / (calls * STEPS))
    ours, baseline = min(seconds[ours_run]), min(seconds[baseline_run])
    ratio = ours / baseline
    return [{"figure": f"`from_torch(nn.LSTM).step` vs `rnnattr.LSTM.step`, hidden {HIDDEN}, batch {BATCH}, float32, "
                       "per step",
             "ours": f"{ours * 1e6:.0f} µs", "baseline": f"{baseline * 1e6:.0f} µs", "ratio": f"{ratio:.2f}×",
             "target": f"≤ {TARGET:g}×", "met": ratio <= TARGET,
             "ours_s": ours, "baseline_s": baseline, "ratio_value": ratio, "max_difference": difference}]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeats", type=int, default=10, help="fewest seconds of this many timings of each")
    parser.add_argument("--calls", type=int, default=3, help=f"calls of {STEPS} steps per timing")
    args = parser.parse_args()
    print(f"device: {device_description(args.device)}; torch {torch.__version__}")
    (row,) = rows(args.device, args.repeats, args.calls)
    print(f"{row['figure']}\n  view {row['ours']} | rnnattr.LSTM {row['baseline']} | ratio {row['ratio']} "
          f"(target {row['target']}: {'met' if row['met'] else 'not met'}) | max |difference| "
          f"{row['max_difference']:.2e}")


if __name__ == "__main__":
    main()
