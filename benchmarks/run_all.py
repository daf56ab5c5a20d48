"""Run every benchmark, print one markdown table and write it, with the machine, as JSON.

Each benchmark times our way against the reference code's way in the same process (see each
script's docstring); this runs them one after the other with settings that keep the whole run
under 5 minutes on a 2-core CPU, and prints the table the README's Performance section shows:
figure | ours | baseline | ratio | target | met.

    python benchmarks/run_all.py                           # CPU; writes results/benchmarks/latest-cpu.json
    python benchmarks/run_all.py --device cuda --json results/benchmarks/latest-cuda.json
    python benchmarks/run_all.py --only lyapunov,recurrent_training
"""
from __future__ import annotations

import argparse
import datetime
import json
import platform
import sys
import time
import traceback
from pathlib import Path

import flossing
import from_torch_step
import language_model
import lyapunov
import orbit_diagram
import orbit_recording
import recurrent_training
import torch

from rnnattr.results import device_description, write_text_atomic

#: name -> (the benchmark's ``rows`` function, its settings for this run). On the 2-core dev machine
#: they take ~10, ~55, ~15, ~7, ~2, ~60 and ~5 s: ~2.5 minutes in all.
BENCHMARKS = {
    "orbit_diagram": (orbit_diagram.rows, {"values": 5000, "repeats": 3, "ours_repeats": 10}),
    "lyapunov": (lyapunov.rows, {}),
    "orbit_recording": (orbit_recording.rows, {"epochs": 2}),
    "recurrent_training": (recurrent_training.rows, {"epochs": 2}),
    "language_model": (language_model.rows, {"size": "reduced", "steps": 20}),
    "flossing": (flossing.rows, {"repeats": 3, "updates": 3, "memory_batches": (1, 16)}),
    "from_torch_step": (from_torch_step.rows, {}),
}
COLUMNS = ("figure", "ours", "baseline", "ratio", "target", "met")


def met_text(met: bool | None) -> str:
    return {True: "yes", False: "**no**", None: "—"}[met]


def markdown_table(rows: list[dict]) -> str:
    """The rows as a markdown table with the columns figure | ours | baseline | ratio | target | met."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for row in rows:
        cells = [met_text(row["met"]) if column == "met" else str(row[column]) for column in COLUMNS]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines)


def cpu_model() -> str:
    """The processor's name from /proc/cpuinfo (Linux), else ``platform.processor()``."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def run_all(device: str = "cpu", only: tuple[str, ...] | None = None) -> tuple[list[dict], dict[str, float]]:
    """``(rows, seconds per benchmark)`` of every benchmark in :data:`BENCHMARKS` (or those named in
    ``only``). A benchmark that raises gives one row saying so, and the others still run."""
    names = list(BENCHMARKS) if only is None else list(only)
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        raise ValueError(f"only: expected names from {list(BENCHMARKS)}, got {unknown}")
    rows, seconds = [], {}
    for name in names:
        function, settings = BENCHMARKS[name]
        print(f"running {name} …", file=sys.stderr, flush=True)
        start = time.perf_counter()
        try:
            new = function(device, **settings)
        except Exception as error:  # noqa: BLE001 — report it in the table, run the rest
            traceback.print_exc()
            new = [{"figure": f"`benchmarks/{name}.py`", "ours": f"failed: {type(error).__name__}: {error}",
                    "baseline": "", "ratio": "", "target": "", "met": False}]
        seconds[name] = time.perf_counter() - start
        print(f"  {seconds[name]:.0f} s", file=sys.stderr, flush=True)
        rows += [{"benchmark": name, **row} for row in new]
    return rows, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--json", default=None, help="where to write the JSON (default: "
                        "results/benchmarks/latest-<device type>.json)")
    parser.add_argument("--only", default=None, help=f"comma-separated subset of {','.join(BENCHMARKS)}")
    args = parser.parse_args()
    device = torch.device(args.device)
    only = None if args.only is None else tuple(args.only.split(","))
    if only is not None and any(name not in BENCHMARKS for name in only):
        parser.error(f"--only: expected names from {','.join(BENCHMARKS)}, got {args.only}")
    json_path = Path(args.json or f"results/benchmarks/latest-{device.type}.json")
    start = time.perf_counter()
    date = datetime.datetime.now(datetime.timezone.utc)
    rows, seconds = run_all(str(device), only)
    total = time.perf_counter() - start
    machine = device_description(device)
    print(f"Benchmarks on {machine}{'' if device.type == 'cuda' else ', ' + cpu_model()}; torch {torch.__version__}; "
          f"{date:%Y-%m-%d}; {total:.0f} s in all\n")
    print(markdown_table(rows))
    json_path.parent.mkdir(parents=True, exist_ok=True)
    record = {"machine": machine, "cpu": cpu_model(), "device": str(device), "torch_version": torch.__version__,
              "python": platform.python_version(), "date": date.isoformat(timespec="seconds"),
              "total_s": total, "seconds": seconds, "rows": rows}
    write_text_atomic(json_path, json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    print(f"\nwritten: {json_path}", file=sys.stderr)
    return 1 if any(row["ours"].startswith("failed:") for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
