"""The command line: ``python -m rnnattr train EXPERIMENT --model M --size S --out DIR`` trains one run;
``python -m rnnattr sweep EXPERIMENT --size S --out DIR --models M … --seeds S … [--lengths L …]``
trains a grid of them (:mod:`rnnattr.training.sweep`) and prints its table.

Every mistake in the arguments — an unknown experiment, model or size, a non-positive
number, an unwritable directory, a directory holding a different run — is reported in one
line naming what is allowed, before any work starts, with exit status 2. A NaN or infinite
loss ends the run with status 1 (the last good checkpoint is kept); SIGINT/SIGTERM end it
after the current epoch with a checkpoint and status 130; running the same command again
resumes. A sweep exits with 0 when every run finished, 1 when some diverged (NaN loss),
130 when it was interrupted (run it again: finished runs are skipped, the others resume).

A sweep takes every experiment option (see ``train EXPERIMENT --help``) as a list: the
option's flag in the plural, formed by appending ``s`` unless it already ends in one
(``--length`` → ``--lengths``, ``--hidden-size`` → ``--hidden-sizes``, ``--learning-rate`` →
``--learning-rates``, ``--n-sequences`` stays ``--n-sequences``).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rnnattr.experiments.registry import EXPERIMENTS
from rnnattr.training.engine import NonFiniteLossError
from rnnattr.training.runner import CHECKPOINT_FILE, check_run_directory, resolve_device, run_config, train_experiment
from rnnattr.training.sweep import TABLE_MD, run_sweep

SIZES = ("reduced", "full")


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (no usage block), exit status 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _positive(kind, allow_zero: bool = False):
    """Parse a positive int or float (or zero too: for options whose 0 switches something off)."""
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not (value >= 0 if allow_zero else value > 0):
            raise argparse.ArgumentTypeError(f"expected a {'non-negative' if allow_zero else 'positive'} "
                                             f"{'integer' if kind is int else 'number'}, got {text!r}")
        return value
    return parse


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}")
    return value


def _device(text: str) -> str:
    try:
        resolve_device(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error).removeprefix("device: ")) from error
    return text


def _sweep_flag(field: str) -> str:
    """A sweep's list flag for an option: ``length`` -> ``--lengths``, ``n_sequences`` -> ``--n-sequences``."""
    return "--" + field.replace("_", "-") + ("" if field.endswith("s") else "s")


def _add_run_arguments(sub: argparse.ArgumentParser, out_help: str) -> None:
    """The arguments ``train`` and ``sweep`` share (their ``--device`` differs: a sweep checks it itself)."""
    sub.add_argument("--size", required=True, choices=SIZES, help="reduced: minutes on a CPU; full: the paper's")
    sub.add_argument("--out", required=True, metavar="DIR", help=out_help)
    sub.add_argument("--epochs", type=_positive(int), metavar="N", help="override the preset's epoch count")
    sub.add_argument("--checkpoint-every", type=_positive(int), default=50, metavar="N",
                     help="epochs between checkpoints (default 50; one is always written at exit)")
    sub.set_defaults(parser=sub)  # so that later checks report errors as this sub-command


def _experiment_list() -> str:
    return "\n".join(f"  {name:<10} {experiment.description}; models: {', '.join(experiment.models)}"
                     for name, experiment in EXPERIMENTS.items())


def build_parser() -> argparse.ArgumentParser:
    """The ``rnnattr`` parser, with one ``train`` and one ``sweep`` sub-parser per registered experiment."""
    formatter = argparse.RawDescriptionHelpFormatter
    parser = _Parser(prog="python -m rnnattr", formatter_class=formatter,
                     description="Train the experiments of the rnnattr book; runs checkpoint and resume.",
                     epilog=f"experiments (python -m rnnattr train EXPERIMENT --help):\n{_experiment_list()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    train = commands.add_parser("train", formatter_class=formatter, help="train one model on one experiment",
                                description="Train one model on one experiment, checkpointing into --out; "
                                            "the same command again resumes.",
                                epilog=f"experiments:\n{_experiment_list()}")
    experiments = train.add_subparsers(dest="experiment", metavar="EXPERIMENT", required=True)
    for name, experiment in EXPERIMENTS.items():
        sub = experiments.add_parser(name, help=experiment.description, description=experiment.description)
        sub.add_argument("--model", required=True, choices=experiment.models, help="the recurrent model")
        _add_run_arguments(sub, "run directory (created; resumed if it exists)")
        sub.add_argument("--seed", type=_non_negative_int, metavar="S", help="override the preset's seed (0)")
        sub.add_argument("--device", type=_device, default="auto", metavar="D",
                         help="auto (cuda if available, else cpu), cpu, cuda or cuda:N")
        sub.add_argument("--no-progress", action="store_true", help="no progress bar")
        if experiment.takes_data:
            sub.add_argument("--data", metavar="DIR", help="the dataset folder (downloaded and verified there "
                                                           "where missing and the network allows)")
        defaults = experiment.config_class()
        for field in experiment.options:
            default = getattr(defaults, field)
            sub.add_argument("--" + field.replace("_", "-"), dest="option_" + field, metavar=field.upper(),
                             type=_positive(type(default), allow_zero=default == 0),
                             help=f"override the preset's {field} ({type(default).__name__}"
                                  f"{', 0 for none' if default == 0 else ''})")
    sweep = commands.add_parser("sweep", formatter_class=formatter, help="train a grid of runs and tabulate them",
                                description="Train every combination of models, seeds and option values as an "
                                            "independent run under --out (OPTION=VALUE/.../MODEL/seed=S), on local "
                                            "processes or a Dask cluster, and write runs.csv, table.csv and "
                                            "table.md there; the same command again skips finished runs and "
                                            "resumes the others. Option lists: the option's flag + s "
                                            "(--lengths, --hidden-sizes; --n-sequences stays).",
                                epilog=f"experiments:\n{_experiment_list()}")
    experiments = sweep.add_subparsers(dest="experiment", metavar="EXPERIMENT", required=True)
    for name, experiment in EXPERIMENTS.items():
        sub = experiments.add_parser(name, help=experiment.description, description=experiment.description)
        sub.add_argument("--models", required=True, nargs="+", choices=experiment.models, metavar="M",
                         help=f"the recurrent models ({', '.join(experiment.models)})")
        sub.add_argument("--seeds", required=True, nargs="+", type=_non_negative_int, metavar="S",
                         help="the seeds, e.g. 0 1 2 3 4")
        _add_run_arguments(sub, "sweep directory: one sub-directory per run, the tables beside them")
        sub.add_argument("--jobs", type=_positive(int), metavar="N",
                         help="runs at once (default: every CPU here, or every thread of the Dask cluster)")
        sub.add_argument("--threads", type=_positive(int), metavar="N",
                         help="torch threads per run (default: CPUs // runs at once; 1 when other work shares "
                              "the cores)")
        sub.add_argument("--scheduler", metavar="ADDRESS", help="run on the Dask cluster at ADDRESS, e.g. "
                                                                 'tcp://HOST:8786 (pip install "dask[distributed]")')
        sub.add_argument("--device", default="auto", metavar="D",
                         help="auto (cuda where the run goes, if available), cpu, cuda or cuda:N")
        defaults = experiment.config_class()
        for field in experiment.options:
            default = getattr(defaults, field)
            sub.add_argument(_sweep_flag(field), dest="grid_" + field, nargs="+", metavar=field.upper(),
                             type=_positive(type(default), allow_zero=default == 0),
                             help=f"{field} values ({type(default).__name__}"
                                  f"{', 0 for none' if default == 0 else ''}; default: the preset's)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    experiment = EXPERIMENTS[args.experiment]
    sub = args.parser
    if args.command == "sweep":
        return _sweep(experiment, args)
    overrides = {field: getattr(args, "option_" + field) for field in experiment.options}
    try:
        config = experiment.config(args.size, n_epochs=args.epochs, seed=args.seed, **overrides)
    except ValueError as error:
        sub.error(str(error))
    try:
        check_run_directory(args.out, run_config(experiment, args.model, args.size, config))
    except ValueError as error:
        sub.error(str(error).removeprefix("out: ").join(["argument --out: ", ""]))
    try:
        status = train_experiment(experiment, args.model, args.size, args.out, config, device=args.device,
                                  checkpoint_every=args.checkpoint_every, progress=not args.no_progress,
                                  data=getattr(args, "data", None), log=lambda message: print(message, file=sys.stderr))
    except FileNotFoundError as error:  # a dataset file missing and not downloadable: before any training
        sub.error(f"argument --data: {error}")
    except NonFiniteLossError as error:
        where = "" if error.checkpoint_epoch is None else f" in {args.out}/{CHECKPOINT_FILE}"
        print(f"{sub.prog}: error: {error}{where}", file=sys.stderr)
        return 1
    return 130 if status == "interrupted" else 0


def _sweep(experiment, args) -> int:
    """``python -m rnnattr sweep``: prints the markdown table; 0 all finished, 1 some diverged, 130 interrupted."""
    grid = {field: getattr(args, "grid_" + field) for field in experiment.options
            if getattr(args, "grid_" + field) is not None}
    try:
        rows = run_sweep(experiment, args.size, args.out, models=args.models, seeds=args.seeds, grid=grid,
                         epochs=args.epochs, scheduler=args.scheduler, jobs=args.jobs, threads=args.threads,
                         device=args.device, checkpoint_every=args.checkpoint_every,
                         log=lambda message: print(message, file=sys.stderr))
    except ValueError as error:  # raised before any run starts
        args.parser.error(str(error))
    print((Path(args.out) / TABLE_MD).read_text(), end="")
    statuses = {row["status"] for row in rows}
    return 130 if statuses & {"interrupted", "pending"} else 1 if "diverged" in statuses else 0
