"""Benchmark: the cost of recording orbit diagrams during training, against training itself.

At the sine experiment's full preset (hidden 200, 100 sequences of length 400, one batch of
all 100), this times, in one process and on one device, one training epoch and one
recording (10 constant inputs × 4 initial states as ONE batched ``orbit``, burn-in 1200 +
200 kept steps, under no_grad), for the LSTM and the orthogonal RNN. A recording every
k epochs costs recording / (k × epoch) of the training time; the target is at most 10%.
The optional fixed-point eigenvalue search is timed separately and amortised over its own
interval (the preset's ``eigenvalue_every``).

    python benchmarks/orbit_recording.py [--device cuda] [--epochs 2] [--every 10]
"""
from __future__ import annotations

import argparse
import time

import torch

from rnnattr.experiments.sine import SineConfig, make_trainer
from rnnattr.results import device_description
from rnnattr.training.recorder import constant_input_orbits, fixed_point_eigenvalues


def timed(function, device: torch.device) -> float:
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    function()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--epochs", type=int, default=2, help="timed epochs per model (after one warm-up)")
    parser.add_argument("--every", type=int, default=SineConfig().record_every, help="recording interval k")
    parser.add_argument("--models", default="lstm,ornn")
    args = parser.parse_args()
    device = torch.device(args.device)
    config = SineConfig.preset("full")
    print(f"device: {device_description(device)}; full sine preset: hidden {config.hidden_size}, "
          f"{config.n_sequences} sequences × {config.length} steps, batch {config.batch_size}; recording "
          f"{config.n_record_inputs} inputs × {config.n_initial_states} states, burn-in {config.burn_in} + "
          f"{config.n_kept} kept, every k = {args.every} epochs")
    for name in args.models.split(","):
        trainer = make_trainer(config, name, device, progress=False)
        recorder = trainer.recorder
        record = lambda: constant_input_orbits(trainer.model, recorder.inputs, recorder.initial_states,  # noqa: E731
                                               recorder.burn_in, recorder.n_kept)
        trainer.train_epoch()  # warm-up (allocations, first-call overheads)
        record()
        epoch = min(timed(trainer.train_epoch, device) for _ in range(args.epochs))
        recording = min(timed(record, device) for _ in range(2))
        states = record()[1]
        index = recorder.eigenvalue_inputs[0]
        eigen = timed(lambda: fixed_point_eigenvalues(trainer.model, recorder.inputs[index],
                                                      states[index].flatten(0, 1)), device)
        every_eigen = config.eigenvalue_every
        print(f"{name:5s} epoch {epoch:6.3f} s | recording {recording:6.3f} s = "
              f"{100 * recording / (args.every * epoch):5.2f}% of training at k = {args.every} | eigenvalue "
              f"search {eigen:6.3f} s = {100 * eigen / (every_eigen * epoch):5.2f}% at every {every_eigen} epochs")


if __name__ == "__main__":
    main()
