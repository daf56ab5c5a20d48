"""Benchmark: training speed of the word-level language model, tokens per second for each unit.

For each recurrent unit (LSTM, stable LSTM, orthogonal RNN) this times full training steps
(forward, chunked loss, backward, clipping, Adam, the stable LSTM's projection) on random
words at a preset's sizes, and prints tokens per second, the orthogonal RNN's speed as a
ratio to the LSTM's, and the chunked loss against ``F.cross_entropy`` on the full logits (the
reference code's way) in the same process. On a GPU it also prints the peak memory of each.

    python benchmarks/language_model.py                       # reduced preset, CPU
    python benchmarks/language_model.py --size full --device cuda
"""
from __future__ import annotations

import argparse

import torch
import torch.nn.functional as F
from timing import best_time

from rnnattr.experiments.language_model import LanguageModelConfig, make_model
from rnnattr.results import device_description

#: WikiText-2's vocabulary: the full preset's output layer.
FULL_VOCABULARY = 33_278
TARGET = 3.0  # the orthogonal RNN's tokens/s within this factor of the LSTM's, from the issue


def training_step(model, optimizer, tokens, targets, full_logits: bool):
    optimizer.zero_grad(set_to_none=True)
    if full_logits:  # the reference code: materialise (B, T, V) logits, then cross-entropy
        logits, _ = model(tokens)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
    else:
        loss, _ = model.loss(tokens, targets)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 0.25)
    optimizer.step()
    if hasattr(model.unit, "project_"):
        model.unit.project_()


def measure(unit: str, config: LanguageModelConfig, vocabulary: int, device: torch.device, steps: int,
            full_logits: bool = False) -> tuple[float, float | None]:
    """(tokens per second, peak GPU memory in GB or None on CPU) of ``steps`` training steps."""
    model = make_model(config, unit, vocabulary).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    generator = torch.Generator().manual_seed(0)
    tokens, targets = (torch.randint(0, vocabulary, (config.batch_size, config.bptt), generator=generator).to(device)
                       for _ in range(2))
    training_step(model, optimizer, tokens, targets, full_logits)  # warm-up: allocations, cuDNN plans
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)

    def run() -> None:
        for _ in range(steps):
            training_step(model, optimizer, tokens, targets, full_logits)
    elapsed, _ = best_time(run, device)
    peak = torch.cuda.max_memory_allocated(device) / 1e9 if device.type == "cuda" else None
    return steps * tokens.numel() / elapsed, peak


def rows(device: str = "cpu", size: str = "reduced", steps: int = 20) -> list[dict]:
    """The table rows: the orthogonal RNN's and the stable LSTM's training speed against the LSTM's
    (target: the oRNN within 3×), and the LSTM with our chunked loss against ``F.cross_entropy`` on
    the full logits (reported)."""
    device = torch.device(device)
    config = LanguageModelConfig.preset(size)
    vocabulary = config.max_vocabulary or FULL_VOCABULARY
    setting = (f"{size} preset (vocabulary {vocabulary}, hidden {config.hidden_size}, batch {config.batch_size} × "
               f"bptt {config.bptt})")
    speeds, peaks = {}, {}
    for unit in ("lstm", "slstm", "ornn"):
        speeds[unit], peaks[unit] = measure(unit, config, vocabulary, device, steps)
    full_speed, full_peak = measure("lstm", config, vocabulary, device, steps, full_logits=True)
    numbers = {"tokens_per_s": speeds, "full_logits_tokens_per_s": full_speed, "gpu_peak_gb": peaks,
               "full_logits_gpu_peak_gb": full_peak}
    ratio = speeds["ornn"] / speeds["lstm"]

    def tokens(speed: float, peak: float | None) -> str:
        return f"{speed / 1e3:.1f}k tokens/s" + ("" if peak is None else f", {peak:.2f} GB")
    return [
        {"figure": f"language-model training, {setting}: orthogonal RNN vs LSTM tokens/s",
         "ours": "oRNN " + tokens(speeds["ornn"], peaks["ornn"]),
         "baseline": "LSTM " + tokens(speeds["lstm"], peaks["lstm"]),
         "ratio": f"{ratio:.2f}", "target": f"oRNN within {TARGET:g}× of the LSTM (≥ {1 / TARGET:.2f})",
         "met": ratio >= 1 / TARGET, "ratio_value": ratio, **numbers},
        {"figure": "the same, stable LSTM vs LSTM",
         "ours": "stable LSTM " + tokens(speeds["slstm"], peaks["slstm"]),
         "baseline": "LSTM " + tokens(speeds["lstm"], peaks["lstm"]),
         "ratio": f"{speeds['slstm'] / speeds['lstm']:.2f}", "target": "report", "met": None,
         "ratio_value": speeds["slstm"] / speeds["lstm"]},
        {"figure": "the same, LSTM: our chunked loss (at most one 2²⁴-logit block alive) vs `F.cross_entropy` on "
                   "the full (B·T × V) logits",
         "ours": tokens(speeds["lstm"], peaks["lstm"]), "baseline": tokens(full_speed, full_peak),
         "ratio": f"{speeds['lstm'] / full_speed:.2f}", "target": "report", "met": None,
         "ratio_value": speeds["lstm"] / full_speed},
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="reduced", choices=["reduced", "full"])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--steps", type=int, default=20, help="timed training steps per measurement")
    args = parser.parse_args()
    device = torch.device(args.device)
    config = LanguageModelConfig.preset(args.size)
    vocabulary = config.max_vocabulary or FULL_VOCABULARY
    print(f"device: {device_description(device)}; {args.size} preset: vocabulary {vocabulary}, hidden "
          f"{config.hidden_size}, batch {config.batch_size} × bptt {config.bptt}; {args.steps} steps each")
    first = rows(device, args.size, args.steps)[0]
    speeds, peaks = first["tokens_per_s"], first["gpu_peak_gb"]
    for unit in ("lstm", "slstm", "ornn"):
        memory = "" if peaks[unit] is None else f", peak memory {peaks[unit]:.2f} GB"
        print(f"{unit:5s} {speeds[unit]:10,.0f} tokens/s{memory}")
    print(f"orthogonal RNN / LSTM speed: {speeds['ornn'] / speeds['lstm']:.2f} (target: within 3×, i.e. ≥ 0.33)")
    reference, reference_peak = first["full_logits_tokens_per_s"], first["full_logits_gpu_peak_gb"]
    memory = "" if reference_peak is None else f", peak memory {reference_peak:.2f} GB"
    print(f"lstm with F.cross_entropy on the full logits: {reference:10,.0f} tokens/s{memory}; "
          f"chunked / full-logits speed: {speeds['lstm'] / reference:.2f}")


if __name__ == "__main__":
    main()
