"""The command-line entry of experiments that run outside the training engine: run a
size preset once and store its result artifact (``OUT/SIZE.npz`` + ``OUT/SIZE.json``)."""
from __future__ import annotations

import argparse
import dataclasses
import time
from collections.abc import Callable

import numpy as np

from rnnattr.experiments.presets import select_preset
from rnnattr.results import device_description, save_result


def run_and_store(experiment: str, description: str, presets: dict, run: Callable[..., dict[str, np.ndarray]],
                  compact: Callable[[dict[str, np.ndarray]], dict[str, np.ndarray]],
                  argv: list[str] | None = None) -> tuple[dict[str, np.ndarray], str]:
    """Parse ``--size`` and ``--out``, run that preset on the CPU, store the artifact.

    Args:
        experiment: its name, recorded in the metadata and the default ``--out``
            (``results/<experiment>``).
        description: the ``--help`` text.
        presets: size name -> config dataclass.
        run: config -> named arrays.
        compact: named arrays -> what is stored (sub-sampled, lower precision).
        argv: the arguments (default: ``sys.argv[1:]``).

    Returns:
        ``(result, path)``: the full arrays and the artifact path without suffix.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--size", choices=sorted(presets), default="full")
    parser.add_argument("--out", default=f"results/{experiment}", help="directory of the result artifact")
    args = parser.parse_args(argv)
    config = select_preset(presets, args.size)
    start = time.perf_counter()
    result = run(config)
    path = f"{args.out}/{args.size}"
    save_result(path, compact(result), {"experiment": experiment, "size": args.size,
                                        "config": dataclasses.asdict(config), "device": device_description("cpu"),
                                        "wall_time_s": round(time.perf_counter() - start, 2)})
    return result, path
