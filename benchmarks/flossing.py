"""Benchmark: the cost of one gradient-flossing update against one task training step, and its memory.

On a vanilla tanh RNN (``TanhRNN(1, N, 1, gain=1.0)``) driven by the delayed-copy task's binary
inputs, this times, in the same process:

- one task training step: ``nn.RNN`` forward over T = 300 steps, batch 16, binary
  cross-entropy with logits of the readout against the input ``DELAY`` steps earlier,
  backward, Adam;
- one flossing update (:func:`rnnattr.flossing.floss`, the reference's settings: k = 75
  exponents of N = 80 over 55 steps, 16 of them transient; timed over several updates and
  divided): batch 1 and 16, the exact gradient (``through_states=True``) and the one along
  a fixed trajectory, and the generic forward-mode Jacobian path (``jvp`` vectorised over
  the k tangents) instead of ``TanhRNN.tangent_step``'s closed form;

and prints each update's cost as a ratio to the task step (target: ≤ 3× at N = 80, k = 75).
Then it measures the peak memory of one update at N = k = 200 over 300 steps, beside the
size autograd must keep: per step and member, Q (N × k), R (k × k) and the Jacobian product
W Q (N × k).

    python benchmarks/flossing.py --threads 1       # CPU: about a minute on the 2-core dev machine
    python benchmarks/flossing.py --threads 1 --memory-batches 1    # quicker (the batch-16 row is ~25 s)
    python benchmarks/flossing.py --device cuda --repeats 5
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from dataclasses import replace

import torch
import torch.nn.functional as F
from timing import median_time, synchronize

from rnnattr import TanhRNN, lyapunov_spectrum
from rnnattr.flossing import FlossingConfig, floss
from rnnattr.results import device_description

HIDDEN, K = 80, 75  # the reference's flossed network (Engelken, 2023)
TASK_STEPS, TASK_BATCH, DELAY = 300, 16, 20  # the delayed-copy task; any delay costs the same
MEMORY_SIZE, MEMORY_STEPS = 200, 300  # N = k for the memory measurement
TARGET = 3.0  # flossing update / task step, from the issue


def binary_inputs(batch: int, n_steps: int):
    """The delayed-copy task's inputs as a ``floss`` sampler: generator -> (batch, n_steps, 1) of 0/1."""
    return lambda generator: torch.randint(0, 2, (batch, n_steps, 1), generator=generator).float()


def task_steps(model: TanhRNN, device: torch.device):
    """``run(n)``: n task training steps on one fixed batch of binary inputs."""
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    u = binary_inputs(TASK_BATCH, TASK_STEPS)(torch.Generator().manual_seed(0)).to(device)  # (B, T, 1)

    def run(n: int) -> None:
        for _ in range(n):
            optimizer.zero_grad(set_to_none=True)
            y, _ = model(u)  # (B, T, 1) logits
            loss = F.binary_cross_entropy_with_logits(y[:, DELAY:], u[:, :-DELAY])
            loss.backward()
            optimizer.step()
    return run


def flossing_updates(model: TanhRNN, config: FlossingConfig):
    """``run(n)``: ``floss`` with n updates (the closed-form ``tangent_step`` path)."""
    generator = torch.Generator().manual_seed(0)
    sampler = binary_inputs(config.batch_size, config.n_steps)
    return lambda n: floss(model, replace(config, n_updates=n), sampler, generator)


def generic_flossing_updates(model: TanhRNN, config: FlossingConfig):
    """``run(n)``: the updates of ``floss``, written out with a lambda as the step, so that
    ``lyapunov_spectrum`` takes the generic forward-mode Jacobian path (jvp vmapped over k)."""
    generator = torch.Generator().manual_seed(0)
    sampler = binary_inputs(config.batch_size, config.n_steps)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    parameter = next(model.parameters())

    def run(n: int) -> None:
        for _ in range(n):
            x0 = torch.randn(config.batch_size, model.state_dim, generator=generator) * config.initial_scale
            inputs = sampler(generator).to(parameter)
            optimizer.zero_grad(set_to_none=True)
            exponents = lyapunov_spectrum(lambda x, u: model.step(x, u), x0.to(parameter), inputs, config.n_steps,
                                          config.k, config.transient, detach_states=not config.through_states)
            exponents.pow(2).mean().backward()
            optimizer.step()
    return run


# One flossing update in a fresh interpreter, after a tiny warm-up update (libraries and kernels
# loaded): the peak RSS over the update (VmHWM, first reset to the current RSS through
# /proc/self/clear_refs) minus the RSS before it. Not ru_maxrss: a child's ru_maxrss starts at
# its parent's peak, which hides an update smaller than the parent. glibc's mmap threshold is
# pinned at 64 KiB so that every tensor block is mapped and unmapped on its own: by default the
# threshold grows as blocks are freed, later blocks come from the heap, and the freed heap stays
# resident, so RSS measures the allocator more than the update (1.7x at batch 16 on the dev machine).
PINNED_MMAP_THRESHOLD = {"MALLOC_MMAP_THRESHOLD_": str(64 * 1024)}
MEMORY_PROBE = """
import re, sys, torch
from rnnattr import TanhRNN
from rnnattr.flossing import FlossingConfig, floss
size, steps, batch, threads = map(int, sys.argv[1:5])
torch.set_num_threads(threads)
torch.manual_seed(0)
model = TanhRNN(1, size, 1, gain=1.0)
sampler = lambda b, t: lambda g: torch.randint(0, 2, (b, t, 1), generator=g).float()
floss(model, FlossingConfig(k=size, n_updates=1, n_steps=3, transient=1), sampler(1, 3))
kib = lambda field: int(re.search(field + r":\\s+(\\d+) kB", open("/proc/self/status").read()).group(1))
with open("/proc/self/clear_refs", "w") as clear_refs:
    clear_refs.write("5")  # VmHWM := VmRSS
before = kib("VmRSS")
floss(model, FlossingConfig(k=size, n_updates=1, n_steps=steps, batch_size=batch), sampler(batch, steps))
print(1024 * (kib("VmHWM") - before))
"""


def peak_memory(size: int, n_steps: int, batch: int, device: torch.device, pin_threshold: bool = True) -> float:
    """Bytes by which one flossing update (k = N = ``size``) raises the peak: GPU memory
    allocated on CUDA, resident memory of a fresh subprocess on CPU (Linux, glibc)."""
    if device.type == "cuda":
        model = TanhRNN(1, size, 1, gain=1.0).to(device)
        floss(model, FlossingConfig(k=size, n_updates=1, n_steps=3, transient=1), binary_inputs(1, 3))  # warm-up
        synchronize(device)
        before = torch.cuda.memory_allocated(device)
        torch.cuda.reset_peak_memory_stats(device)
        floss(model, FlossingConfig(k=size, n_updates=1, n_steps=n_steps, batch_size=batch),
              binary_inputs(batch, n_steps))
        synchronize(device)
        return torch.cuda.max_memory_allocated(device) - before
    environment = {**os.environ, **(PINNED_MMAP_THRESHOLD if pin_threshold else {})}
    result = subprocess.run([sys.executable, "-c", MEMORY_PROBE, str(size), str(n_steps), str(batch),
                             str(torch.get_num_threads())], capture_output=True, text=True, check=True,
                            env=environment)
    return float(result.stdout.split()[-1])


def saved_bytes(size: int, k: int, n_steps: int, batch: int, dtype: torch.dtype = torch.float32) -> int:
    """What autograd keeps for one update: per step and member Q (N × k), R (k × k), W Q (N × k)."""
    return n_steps * batch * (2 * size * k + k * k) * torch.finfo(dtype).bits // 8


def timing_rows(device: torch.device, repeats: int, updates: int) -> list[dict]:
    """One row per flossing update variant: its time as a ratio to one task step (target ≤ 3×)."""
    torch.manual_seed(0)
    initial = TanhRNN(1, HIDDEN, 1, gain=1.0).to(device).state_dict()

    def fresh() -> TanhRNN:  # every row starts from the same network
        model = TanhRNN(1, HIDDEN, 1).to(device)
        model.load_state_dict(initial)
        return model

    task = median_time(task_steps(fresh(), device), device, repeats, 3 * updates)
    reference = FlossingConfig(k=K)  # n_steps 55, transient 16, through_states True
    variants = [(f"floss, batch {b}{', through_states=False' if not states else ''}",
                 flossing_updates(fresh(), replace(reference, batch_size=b, through_states=states)))
                for states in (True, False) for b in (1, 16)]
    variants += [(f"generic jvp path, batch {b}",
                  generic_flossing_updates(fresh(), replace(reference, batch_size=b)))
                 for b in (1, 16)]
    table = []
    for name, run in variants:
        seconds = median_time(run, device, repeats, updates)
        ratio = seconds / task
        table.append({"figure": f"gradient flossing, tanh RNN N = {HIDDEN}, k = {K}, {reference.n_steps} steps: one "
                                f"update ({name}) vs one task step (`nn.RNN`, {TASK_BATCH} × {TASK_STEPS})",
                      "ours": f"{1e3 * seconds:.1f} ms", "baseline": f"task step {1e3 * task:.1f} ms",
                      "ratio": f"{ratio:.2f}×", "target": f"≤ {TARGET:g}×", "met": ratio <= TARGET,
                      "variant": name, "ours_s": seconds, "baseline_s": task, "ratio_value": ratio})
    return table


def memory_method(device: torch.device, default_malloc: bool) -> str | None:
    """How the memory rows are measured on ``device``; None where they cannot be (CPU off Linux)."""
    if device.type == "cuda":
        return "torch.cuda.max_memory_allocated − allocated before"
    if not sys.platform.startswith("linux"):
        return None
    return ("peak RSS (VmHWM after clear_refs) − RSS before, fresh subprocess, "
            + ("glibc's default malloc" if default_malloc else "MALLOC_MMAP_THRESHOLD_=65536"))


def memory_rows(device: torch.device, batches: tuple[int, ...], default_malloc: bool = False) -> list[dict]:
    """One row per flossing batch size: the peak memory of one update at N = k = 200 over 300 steps
    against the size of what autograd must keep (reported)."""
    method = memory_method(device, default_malloc)
    if method is None:
        return []
    table = []
    for batch in batches:
        measured = peak_memory(MEMORY_SIZE, MEMORY_STEPS, batch, device, pin_threshold=not default_malloc)
        saved = saved_bytes(MEMORY_SIZE, MEMORY_SIZE, MEMORY_STEPS, batch)
        table.append({"figure": f"gradient flossing: peak memory of one update, N = k = {MEMORY_SIZE} over "
                                f"{MEMORY_STEPS} steps, batch {batch}",
                      "ours": f"{measured / 2**20:.0f} MiB", "baseline": f"autograd-saved Q, R, W Q: "
                                                                         f"{saved / 2**20:.0f} MiB",
                      "ratio": f"{measured / saved:.2f}×", "target": "report", "met": None, "batch": batch,
                      "method": method,
                      "measured_bytes": measured, "saved_bytes": saved, "ratio_value": measured / saved})
    return table


def rows(device: str = "cpu", repeats: int = 3, updates: int = 3, memory_batches: tuple[int, ...] = (1, 16),
         default_malloc: bool = False) -> list[dict]:
    """The timing rows (:func:`timing_rows`) followed by the memory rows (:func:`memory_rows`)."""
    device = torch.device(device)
    return timing_rows(device, repeats, updates) + memory_rows(device, memory_batches, default_malloc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeats", type=int, default=3, help="median of this many timings of each")
    parser.add_argument("--updates", type=int, default=3, help="flossing updates (task steps: 3×) per timing")
    parser.add_argument("--threads", type=int, default=None,
                        help="CPU threads (default: torch's); 1 is steadier on a machine shared with other jobs")
    parser.add_argument("--memory-batches", default="1,16", help="flossing batch sizes of the memory rows")
    parser.add_argument("--default-malloc", action="store_true",
                        help="CPU: keep glibc's dynamic mmap threshold (RSS then includes freed heap blocks)")
    args = parser.parse_args()
    device = torch.device(args.device)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    start = time.perf_counter()
    print(f"device: {device_description(device)}; torch {torch.__version__}; TanhRNN(1, {HIDDEN}, 1, gain=1.0), "
          f"binary inputs; median of {args.repeats} timings after a warm-up")
    table = timing_rows(device, args.repeats, args.updates)
    print(f"task step (nn.RNN, batch {TASK_BATCH} × T = {TASK_STEPS}, BCE with logits, Adam): "
          f"{1e3 * table[0]['baseline_s']:.1f} ms")
    print(f"{'flossing update (N = %d, k = %d, %d steps)' % (HIDDEN, K, FlossingConfig().n_steps):<48}"
          f"{'time':>10}{'/ task step':>13}{'target':>9}{'met':>6}")
    for row in table:
        print(f"{row['variant']:<48}{1e3 * row['ours_s']:>8.1f}ms{row['ratio_value']:>12.2f}x"
              f"{'≤ %gx' % TARGET:>9}{'yes' if row['met'] else 'no':>6}")

    method = memory_method(device, args.default_malloc)
    if method is None:
        print(f"memory: the CPU measurement reads /proc/self/status (Linux); skipped on {sys.platform}")
        return
    print(f"memory of one update, N = k = {MEMORY_SIZE}, {MEMORY_STEPS} steps ({method}):")
    print(f"{'batch':>6}{'measured':>12}{'autograd-saved Q, R, WQ':>26}{'measured / saved':>18}")
    batches = tuple(int(b) for b in args.memory_batches.split(","))
    for row in memory_rows(device, batches, args.default_malloc):
        print(f"{row['batch']:>6}{row['measured_bytes'] / 2**20:>8.0f} MiB{row['saved_bytes'] / 2**20:>22.0f} MiB"
              f"{row['ratio_value']:>17.2f}x")
    print(f"total {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
