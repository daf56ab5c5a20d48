"""Benchmark: one training epoch of the orthogonal RNN against one of ``nn.LSTM``, sine full preset.

At the sine experiment's full preset (hidden 200, 100 sequences of 400 steps in ten batches of
10, the reference code's), this times, in one process and on one device, one epoch of each model
as the experiment trains it (:func:`rnnattr.experiments.sine.make_trainer`: summed squared error
from a zero state, Adam at 1e-3, gradient clipping at 0.25):

- ours: the orthogonal RNN (expRNN, ``B = expm(A)`` once per forward; the recurrence is a
  Python loop over the 400 steps of ``F.linear`` and modReLU);
- baseline: the LSTM, whose forward is one ``nn.LSTM`` call (PyTorch's fused kernel; cuDNN on
  a GPU), the reference code's recurrent unit, with the same hidden size, readout and loss;

and prints the ratio (target: ≤ 1.5× on CPU, ≤ 3× on a GPU). ``--profile`` adds the operators
that take each epoch's time (torch.profiler).

    python benchmarks/recurrent_training.py [--device cuda] [--epochs 3] [--profile]
"""
from __future__ import annotations

import argparse

import torch
from timing import best_time

from rnnattr.experiments.sine import SineConfig, make_trainer
from rnnattr.results import device_description

TARGET_CPU, TARGET_GPU = 1.5, 3.0  # oRNN epoch / LSTM epoch, from the issue


def epoch_time(name: str, config: SineConfig, device: torch.device, epochs: int) -> float:
    """Seconds of one training epoch of the model ``name``: the best of ``epochs`` after a warm-up epoch."""
    trainer = make_trainer(config, name, device, progress=False)
    trainer.train_epoch()  # warm-up: allocations, first-call overheads
    return best_time(trainer.train_epoch, device, epochs)[0]


def rows(device: str = "cpu", epochs: int = 3) -> list[dict]:
    """The table row: the orthogonal RNN's epoch against the LSTM's, and their ratio against the target."""
    device = torch.device(device)
    config = SineConfig.preset("full")
    ours = epoch_time("ornn", config, device, epochs)
    baseline = epoch_time("lstm", config, device, epochs)
    ratio = ours / baseline
    target = TARGET_GPU if device.type == "cuda" else TARGET_CPU
    return [{"figure": f"one training epoch, sine full preset (hidden {config.hidden_size}, {config.n_sequences} × "
                       f"{config.length} steps, batch {config.batch_size}; squared error, Adam, clipping): orthogonal RNN vs "
                       "`nn.LSTM`",
             "ours": f"oRNN {ours:.3f} s", "baseline": f"LSTM {baseline:.3f} s", "ratio": f"{ratio:.2f}×",
             "target": f"≤ {target:g}× on {'a GPU' if device.type == 'cuda' else 'CPU'}", "met": ratio <= target,
             "ours_s": ours, "baseline_s": baseline, "ratio_value": ratio}]


def profile(device: str = "cpu", row_limit: int = 12) -> None:
    """Print the operators that take one epoch's time for each model (torch.profiler, after a warm-up epoch)."""
    from torch.profiler import ProfilerActivity
    from torch.profiler import profile as profiler

    device = torch.device(device)
    config = SineConfig.preset("full")
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device.type == "cuda" else [])
    for name in ("ornn", "lstm"):
        trainer = make_trainer(config, name, device, progress=False)
        trainer.train_epoch()
        with profiler(activities=activities) as run:
            trainer.train_epoch()
        print(f"{name}: one epoch")
        print(run.key_averages().table(sort_by="self_cpu_time_total", row_limit=row_limit))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--epochs", type=int, default=3, help="best of this many timed epochs per model")
    parser.add_argument("--profile", action="store_true", help="then print torch.profiler's top operators of each")
    args = parser.parse_args()
    print(f"device: {device_description(args.device)}; torch {torch.__version__}")
    (row,) = rows(args.device, args.epochs)
    print(f"{row['figure']}\n  {row['ours']} | {row['baseline']} | ratio {row['ratio']} "
          f"(target {row['target']}: {'met' if row['met'] else 'not met'})")
    if args.profile:
        profile(args.device)


if __name__ == "__main__":
    main()
