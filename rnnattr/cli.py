"""The command line: ``python -m rnnattr train EXPERIMENT --model M --size S --out DIR``.

Every mistake in the arguments — an unknown experiment, model or size, a non-positive
number, an unwritable directory, a directory holding a different run — is reported in one
line naming what is allowed, before any work starts, with exit status 2. A NaN or infinite
loss ends the run with status 1 (the last good checkpoint is kept); SIGINT/SIGTERM end it
after the current epoch with a checkpoint and status 130; running the same command again
resumes.
"""
from __future__ import annotations

import argparse
import sys

from rnnattr.experiments.registry import EXPERIMENTS
from rnnattr.training.engine import NonFiniteLossError
from rnnattr.training.runner import CHECKPOINT_FILE, check_run_directory, resolve_device, run_config, train_experiment

SIZES = ("reduced", "full")


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (no usage block), exit status 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _positive(kind):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            value = None
        if value is None or not value > 0:
            raise argparse.ArgumentTypeError(f"expected a positive {'integer' if kind is int else 'number'}, "
                                             f"got {text!r}")
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


def _experiment_list() -> str:
    return "\n".join(f"  {name:<10} {experiment.description}; models: {', '.join(experiment.models)}"
                     for name, experiment in EXPERIMENTS.items())


def build_parser() -> argparse.ArgumentParser:
    """The ``rnnattr`` parser, with one ``train`` sub-parser per registered experiment."""
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
        sub.add_argument("--size", required=True, choices=SIZES, help="reduced: minutes on a CPU; full: the paper's")
        sub.add_argument("--out", required=True, metavar="DIR", help="run directory (created; resumed if it exists)")
        sub.add_argument("--epochs", type=_positive(int), metavar="N", help="override the preset's epoch count")
        sub.add_argument("--seed", type=_non_negative_int, metavar="S", help="override the preset's seed (0)")
        sub.add_argument("--device", type=_device, default="auto", metavar="D",
                         help="auto (cuda if available, else cpu), cpu, cuda or cuda:N")
        sub.add_argument("--checkpoint-every", type=_positive(int), default=50, metavar="N",
                         help="epochs between checkpoints (default 50; one is always written at exit)")
        sub.add_argument("--no-progress", action="store_true", help="no progress bar")
        sub.set_defaults(parser=sub)  # so that later checks report errors as this sub-command
        defaults = experiment.config_class()
        for field in experiment.options:
            kind = type(getattr(defaults, field))
            sub.add_argument("--" + field.replace("_", "-"), dest="option_" + field, metavar=field.upper(),
                             type=_positive(kind), help=f"override the preset's {field} ({kind.__name__})")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    experiment = EXPERIMENTS[args.experiment]
    sub = args.parser
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
                                  log=lambda message: print(message, file=sys.stderr))
    except NonFiniteLossError as error:
        where = "" if error.checkpoint_epoch is None else f" in {args.out}/{CHECKPOINT_FILE}"
        print(f"{sub.prog}: error: {error}{where}", file=sys.stderr)
        return 1
    return 130 if status == "interrupted" else 0
