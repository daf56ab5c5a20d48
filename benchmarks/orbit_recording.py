"""Benchmark: the cost of recording orbit diagrams during training, against training itself.

At the sine experiment's full preset (hidden 200, 100 sequences of length 400 in ten batches
of 10), this times, in one process and on one device, one training epoch and one recording
(10 constant inputs × 4 initial states as ONE batched ``orbit``, burn-in 1200 + 400 kept steps,
under no_grad), for the LSTM and the orthogonal RNN. A recording every
k epochs costs recording / (k × epoch) of the training time; the target is at most 10%.
The optional fixed-point eigenvalue search is timed separately and amortised over its own
interval (the preset's ``eigenvalue_every``).

    python benchmarks/orbit_recording.py [--device cuda] [--epochs 2] [--every 10]
"""
from __future__ import annotations

import argparse

import torch
from timing import best_time

from rnnattr.experiments.sine import SineConfig, make_trainer
from rnnattr.models.factory import MODEL_LABELS
from rnnattr.results import device_description
from rnnattr.training.recorder import constant_input_orbits, fixed_point_eigenvalues

TARGET = 0.10  # recording / training time at the full preset, from the issue


def measure(name: str, config: SineConfig, device: torch.device, epochs: int) -> dict[str, float]:
    """Seconds of one training epoch (best of ``epochs`` after a warm-up), one recording (best of 2) and one
    fixed-point eigenvalue search of the model ``name`` at ``config``."""
    trainer = make_trainer(config, name, device, progress=False)
    recorder = trainer.recorder
    record = lambda: constant_input_orbits(trainer.model, recorder.inputs, recorder.initial_states,  # noqa: E731
                                           recorder.burn_in, recorder.n_kept)
    trainer.train_epoch()  # warm-up (allocations, first-call overheads)
    record()
    epoch, _ = best_time(trainer.train_epoch, device, epochs)
    recording, (_, states) = best_time(record, device, 2)
    index = recorder.eigenvalue_inputs[0]
    eigen, _ = best_time(lambda: fixed_point_eigenvalues(trainer.model, recorder.inputs[index],
                                                         states[index].flatten(0, 1)), device)
    return {"epoch_s": epoch, "recording_s": recording, "eigenvalue_search_s": eigen}


def rows(device: str = "cpu", epochs: int = 2, every: int = SineConfig().record_every,
         models: tuple[str, ...] = ("lstm", "ornn")) -> list[dict]:
    """One table row per model: a recording every ``every`` epochs as a share of the training time
    (target ≤ 10 %); the eigenvalue search's share at the preset's own interval is kept beside it."""
    device = torch.device(device)
    config = SineConfig.preset("full")
    table = []
    for name in models:
        times = measure(name, config, device, epochs)
        share = times["recording_s"] / (every * times["epoch_s"])
        eigen_share = times["eigenvalue_search_s"] / (config.eigenvalue_every * times["epoch_s"])
        table.append({
            "figure": f"orbit recording every {every} epochs, sine full preset, {MODEL_LABELS[name]} "
                      f"({config.n_record_inputs} inputs × {config.n_initial_states} states, {config.burn_in} + "
                      f"{config.n_kept} steps): share of training time",
            "ours": f"{times['recording_s']:.3f} s per recording", "baseline": f"epoch {times['epoch_s']:.3f} s",
            "ratio": f"{100 * share:.1f} %", "target": f"≤ {100 * TARGET:g} %", "met": share <= TARGET,
            "model": name, "every": every, "share": share, "eigenvalue_every": config.eigenvalue_every,
            "eigenvalue_share": eigen_share, **times})
    return table


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
    for row in rows(device, args.epochs, args.every, tuple(args.models.split(","))):
        print(f"{row['model']:5s} epoch {row['epoch_s']:6.3f} s | recording {row['recording_s']:6.3f} s = "
              f"{100 * row['share']:5.2f}% of training at k = {args.every} | eigenvalue "
              f"search {row['eigenvalue_search_s']:6.3f} s = {100 * row['eigenvalue_share']:5.2f}% at every "
              f"{row['eigenvalue_every']} epochs")


if __name__ == "__main__":
    main()
