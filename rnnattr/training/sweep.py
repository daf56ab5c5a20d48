"""A sweep: a grid of independent, resumable training runs (models × seeds × option values) and its table.

``run_sweep`` is what ``python -m rnnattr sweep`` does. Every configuration of the grid is
one run of :func:`rnnattr.training.runner.train_experiment` in its own directory under
``out``, named by its option values (in the order of ``experiment.options``), its model
and its seed::

    out/length=50/lstm/seed=0/        config.json, checkpoint.pt, history.csv, result.npz/.json, sweep.json
    out/length=50/lstm/seed=1/
    out/length=100/ornn/seed=0/  …
    out/runs.csv  out/table.csv  out/table.md

(with no option in the grid: ``out/lstm/seed=0``; with two: ``out/hidden_size=32/length=50/lstm/seed=0``).
``sweep.json`` records where the run ran (host, Dask worker, torch threads) and, for a
run whose loss became NaN, the error. A run directory that already holds a finished
result with the same ``config.json`` is skipped without being submitted, so a sweep
killed half-way and started again loses no finished run and repeats none; unfinished
runs resume from their last checkpoint. Only one sweep should write to ``out`` at a time.

The runs are independent tasks: local processes by default (joblib's loky backend), or
the workers of an existing Dask distributed cluster (``scheduler="tcp://HOST:8786"``,
through joblib's dask backend; every worker must be able to import ``rnnattr`` and
write to ``out``, i.e. a shared file system). Each task sets torch's thread count so
that the tasks running at once on a machine use at most its cores.

``aggregate`` turns the run directories into ``runs.csv`` (one row per run), ``table.csv``
(median, min and max of ``experiment.table_metric`` over the finished seeds and how many
of them solved the task, per option values and model) and ``table.md`` (the same as a
markdown table in the style of the paper's Table 1); ``load_table`` reads ``table.csv``
back.

Example:
    >>> rows = run_sweep(EXPERIMENTS["symbols"], "reduced", "runs/table1", models=["lstm", "slstm", "ornn"],
    ...                  seeds=range(5), grid={"length": [50, 100, 200, 300, 500]})
    >>> print(Path("runs/table1/table.md").read_text())
    >>> table = {(row["length"], row["model"]): row for row in load_table("runs/table1")}
"""
from __future__ import annotations

import contextlib
import csv
import io
import itertools
import json
import math
import os
import socket
import statistics
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import joblib
import torch

from rnnattr.results import write_text_atomic
from rnnattr.training.engine import NonFiniteLossError
from rnnattr.training.experiment import Experiment
from rnnattr.training.history import read_history
from rnnattr.training.runner import (
    CHECKPOINT_FILE,
    CONFIG_FILE,
    HISTORY_FILE,
    RESULT_NAME,
    check_run_directory,
    config_differences,
    resolve_device,
    run_config,
    train_experiment,
)
from rnnattr.validation import check_non_negative_int, check_positive_int

SWEEP_FILE, RESULT_FILE = "sweep.json", RESULT_NAME + ".json"
RUNS_CSV, TABLE_CSV, TABLE_MD = "runs.csv", "table.csv", "table.md"
_COUNTS = ("n_runs", "n_solved", "n_diverged", "n_unfinished")


@dataclass(frozen=True)
class SweepRun:
    """One configuration of a sweep: ``name`` is its directory relative to the sweep's ``out``
    (e.g. ``"length=50/lstm/seed=0"``), ``options`` its grid values, ``config`` the experiment config."""

    name: str
    model: str
    seed: int
    options: dict
    config: object


def run_name(options: Mapping[str, int | float], model: str, seed: int) -> str:
    """The run directory relative to a sweep's ``out``: ``"OPTION=VALUE/…/MODEL/seed=SEED"``.

    Options are written in the given order, ints as ``50``, floats by ``repr`` (``0.001``, ``1e-05``).

    Example:
        >>> run_name({"length": 50, "learning_rate": 0.01}, "lstm", 3)   # 'length=50/learning_rate=0.01/lstm/seed=3'
    """
    return "/".join([*(f"{name}={value!r}" for name, value in options.items()), model, f"seed={seed}"])


def sweep_runs(experiment: Experiment, size: str, *, models, seeds, grid: Mapping | None = None,
               epochs: int | None = None) -> list[SweepRun]:
    """Every configuration of the grid models × seeds × option values, validated; touches no file.

    Args:
        experiment: a registry entry, e.g. ``EXPERIMENTS["symbols"]``.
        size: ``"reduced"`` or ``"full"``, the preset every run starts from.
        models: distinct names among ``experiment.models``.
        seeds: distinct non-negative integers.
        grid: ``{option: [values]}`` for options among ``experiment.options`` (positive ints or
            floats, by the field's type); options not in the grid keep the preset's value.
        epochs: every run's ``n_epochs`` (default: the preset's).

    Returns:
        the runs in order: option values (the grid's order), then model, then seed.

    Raises:
        ValueError: naming the argument and what was expected.
    """
    experiment.config(size)  # an unknown size raises here, naming the sizes
    models = _distinct("models", models)
    for model in models:
        if model not in experiment.models:
            raise ValueError(f"models: expected names among {list(experiment.models)}, got {model!r}")
    seeds = _distinct("seeds", seeds)
    for seed in seeds:
        check_non_negative_int("seeds", seed)
    check_positive_int("epochs", epochs, allow_none=True)
    grid = _check_grid(experiment, {} if grid is None else grid)
    runs = []
    for values in itertools.product(*grid.values()):
        options = dict(zip(grid, values))
        for model, seed in itertools.product(models, seeds):
            name = run_name(options, model, seed)
            try:
                config = experiment.config(size, n_epochs=epochs, seed=seed, **options)
            except (ValueError, TypeError) as error:
                raise ValueError(f"grid: {name} is not a valid {experiment.name} config: {error}") from error
            runs.append(SweepRun(name, model, seed, options, config))
    return runs


def run_sweep(experiment: Experiment, size: str, out: str | os.PathLike, *, models, seeds, grid: Mapping | None = None,
              epochs: int | None = None, scheduler: str | None = None, jobs: int | None = None,
              threads: int | None = None, device: str = "auto", checkpoint_every: int | None = 50,
              log=print) -> list[dict]:
    """Train every configuration of a grid as an independent, resumable run under ``out``; returns its rows.

    Runs already finished in ``out`` with the same config are skipped (not submitted); the
    others are trained (or resumed) by :func:`rnnattr.training.runner.train_experiment`
    without progress bars, as independent tasks. At the end (also after Ctrl-C, which
    stops the runs in progress: they keep their last checkpoint) :func:`aggregate` writes
    ``runs.csv``, ``table.csv`` and ``table.md`` for every run in ``out``.

    Args:
        experiment, size, models, seeds, grid, epochs: the grid, see :func:`sweep_runs`.
        out: the sweep directory (created; one sub-directory per run, see :func:`run_name`).
        scheduler: the address of a running Dask scheduler, e.g. ``"tcp://10.0.0.5:8786"``;
            None runs on local processes. Needs ``pip install "dask[distributed]"``.
        jobs: runs at once (at most the number of runs to do); default every CPU here, or
            every thread of the Dask cluster.
        threads: torch threads per run; default the machine's cores // runs at once (a Dask
            worker's own thread count on a cluster). Set it to 1 when other work shares the
            cores: torch's idle threads spin and slow every run.
        device: ``"auto"`` (cuda where the task runs, if available), ``"cpu"``, ``"cuda"``, ``"cuda:N"``.
        checkpoint_every: epochs between checkpoints of each run (None: only at its end).
        log: where one-line progress messages go (the count of skipped runs, each run's end).

    Returns:
        one row per run of this grid (in grid order), as in ``runs.csv``: ``directory``, the
        grid's option values, ``model``, ``seed``, ``status`` (``"finished"``: result written;
        ``"diverged"``: the loss became NaN; ``"interrupted"``: checkpointed, not done; ``"pending"``: not started),
        ``epochs_completed``, the table metric, ``solved``, ``wall_time_s``, ``device``,
        ``host``, ``worker`` (the Dask worker's address; "" for local processes).

    Raises:
        ValueError: a bad argument, a run directory holding a different config, a directory
            in ``out`` that is not a run of this experiment (see :func:`aggregate`), an
            unreachable scheduler or a missing dask package (all before any work).
        RuntimeError: a run failed for a reason other than a NaN loss (named in the message).

    Example:
        >>> run_sweep(EXPERIMENTS["sine"], "reduced", "runs/sine-sweep", models=["lstm", "ornn"], seeds=[0, 1, 2],
        ...           grid={"hidden_size": [16, 32]}, epochs=200, jobs=2)
    """
    runs = sweep_runs(experiment, size, models=models, seeds=seeds, grid=grid, epochs=epochs)
    check_positive_int("jobs", jobs, allow_none=True)
    check_positive_int("threads", threads, allow_none=True)
    check_positive_int("checkpoint_every", checkpoint_every, allow_none=True)
    if scheduler is not None and (not isinstance(scheduler, str) or not scheduler):
        raise ValueError(f"scheduler: expected a Dask scheduler address such as 'tcp://HOST:8786', got {scheduler!r}")
    _check_device(device, local=scheduler is None)
    out = Path(out).absolute()  # tasks may run in another working directory (a Dask worker)
    if out.is_dir():
        _read_runs(experiment, out)  # what is already there can be tabulated with these runs
    identities = {run.name: run_config(experiment, run.model, size, run.config) for run in runs}
    for run in runs:  # read only: a clash is reported before any directory is created
        stored = out / run.name / CONFIG_FILE
        if stored.is_file():
            differences = config_differences(json.loads(stored.read_text()), identities[run.name])
            if differences:
                raise ValueError(f"out: {str(stored.parent)!r} holds a run with a different config: "
                                 f"{'; '.join(differences)}; use another directory or the stored settings")
    with contextlib.ExitStack() as stack:
        client = None if scheduler is None else stack.enter_context(_connect(scheduler))
        finished = {run.name for run in runs if _finished(out / run.name)}
        todo = [run for run in runs if run.name not in finished]
        for run in todo:
            directory = check_run_directory(out / run.name, identities[run.name])
            if not (directory / CONFIG_FILE).is_file():  # listed as "pending" until it starts
                write_text_atomic(directory / CONFIG_FILE, json.dumps(identities[run.name], indent=2) + "\n")
        if client is None:
            n_jobs = max(1, min(jobs or joblib.cpu_count(), len(todo)))
            backend, tasks_per_host, where = "loky", {"": n_jobs}, f"{n_jobs} local process(es)"
        else:
            workers = client.scheduler_info()["workers"]
            n_jobs, backend, tasks_per_host = jobs or -1, "dask", _tasks_per_host(workers)
            where = f"the Dask cluster at {scheduler} ({len(workers)} workers now)"
        log(f"{len(runs)} runs in {out}: {len(finished)} already finished (skipped), {len(todo)} to run"
            + (f" on {where}" if todo else ""))
        if todo:
            _execute(experiment, size, out, todo, backend, n_jobs, tasks_per_host, threads, device, checkpoint_every,
                     log)
    aggregate(experiment, out)
    log(f"tables: {out / TABLE_MD}, {out / TABLE_CSV}; every run: {out / RUNS_CSV}")
    rows = {row["directory"]: row for row in _read_runs(experiment, out)[1]}
    return [rows[run.name] for run in runs]


def _execute(experiment, size, out, todo, backend, n_jobs, tasks_per_host, threads, device, checkpoint_every,
             log) -> None:
    """Run ``todo`` through joblib; log each end; stop at the first interrupted run or on Ctrl-C."""
    tasks = (joblib.delayed(_train_run)(experiment, run.model, size, out / run.name, run.config, device,
                                        checkpoint_every, tasks_per_host, threads) for run in todo)
    try:
        with joblib.parallel_config(backend=backend), warnings.catch_warnings():
            # on a stop, joblib warns that it cancelled the queued runs: the log below says what to do
            warnings.filterwarnings("ignore", "[0-9]+ tasks which were still being processed", UserWarning)
            results = joblib.Parallel(n_jobs=n_jobs, batch_size=1, return_as="generator_unordered")(tasks)
            for done, record in enumerate(results, 1):
                place = record["host"] + (f" ({record['worker']})" if record["worker"] else "")
                log(f"[{done}/{len(todo)}] {Path(record['directory']).relative_to(out)}: {record['status']} "
                    f"on {place}: {'; '.join(record['messages'])}")
                if record["status"] == "interrupted":
                    log("sweep interrupted; run the same command again to resume")
                    break
    except KeyboardInterrupt:
        log("sweep interrupted (runs in progress keep their last checkpoint); run the same command again to resume")


def _train_run(experiment, model, size, directory, config, device, checkpoint_every, tasks_per_host,
               threads=None) -> dict:
    """The task of one run, on a local process or a Dask worker: train it and write ``sweep.json``.

    torch uses ``threads`` threads, by default ``cores // tasks``, ``tasks`` being the runs at once on
    this machine (``tasks_per_host`` by worker address, "" locally; else the Dask worker's thread count).
    Returns ``{directory, status, host, worker, threads, messages}`` (+ ``error`` when diverged)."""
    worker, worker_threads = _dask_worker()
    threads = threads or max(1, joblib.cpu_count() // (tasks_per_host.get(worker) or worker_threads or 1))
    (Path(directory) / SWEEP_FILE).unlink(missing_ok=True)  # a stale record would outlive this attempt
    messages = []
    record = {"directory": str(directory), "host": socket.gethostname(), "worker": worker, "threads": threads,
              "messages": messages}
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        status = train_experiment(experiment, model, size, directory, config, device=device,
                                  checkpoint_every=checkpoint_every, progress=False, log=messages.append)
        record["status"] = "interrupted" if status == "interrupted" else "finished"
    except NonFiniteLossError as error:
        record.update(status="diverged", error=str(error))
        messages.append(str(error))
    except Exception as error:  # name the run; a ValueError from run_sweep means "nothing started"
        raise RuntimeError(f"run {directory} failed: {type(error).__name__}: {error}") from error
    finally:
        torch.set_num_threads(previous)
    write_text_atomic(Path(directory) / SWEEP_FILE, json.dumps(record, indent=2) + "\n")
    return record


def aggregate(experiment: Experiment, out: str | os.PathLike) -> list[dict]:
    """Write ``runs.csv``, ``table.csv`` and ``table.md`` for every run under ``out``; returns the table rows.

    ``runs.csv``: one row per run (see :func:`run_sweep`). ``table.csv``: one row per (option
    values, model): the options of the run directories' names, ``model``, ``metric`` (the
    name of ``experiment.table_metric``), ``n_runs`` (finished runs), ``median``, ``min``,
    ``max`` of the metric over them (NaN when none), ``n_solved`` (those meeting
    ``experiment.solved``; None without a criterion), ``n_diverged``, ``n_unfinished``
    (interrupted or pending). Unfinished and diverged runs are listed in ``runs.csv``
    but left out of the statistics. ``table.md``: one row per option values, one column
    per model, cells ``median [min, max] · solved/finished solved``. Files are replaced atomically.

    Raises:
        ValueError: ``out`` holds no run, or a directory that is not a run of this
            experiment in the layout of :func:`run_name`.
    """
    out = Path(out)
    options, runs = _read_runs(experiment, out)
    if not runs:
        raise ValueError(f"out: no run directories (with {CONFIG_FILE}) under {str(out)!r}")
    metric = experiment.table_metric
    groups = {}
    for run in runs:
        groups.setdefault((tuple(run[name] for name in options), run["model"]), []).append(run)
    table = []
    for (values, model), members in groups.items():
        done = [run for run in members if run["status"] == "finished"]
        scores = [run[metric] for run in done]
        table.append({**dict(zip(options, values)), "model": model, "metric": metric, "n_runs": len(done),
                      "median": statistics.median(scores) if scores else math.nan,
                      "min": min(scores, default=math.nan), "max": max(scores, default=math.nan),
                      "n_solved": None if experiment.solved is None else sum(run["solved"] for run in done),
                      "n_diverged": sum(run["status"] == "diverged" for run in members),
                      "n_unfinished": sum(run["status"] in ("interrupted", "pending") for run in members)})
    write_text_atomic(out / RUNS_CSV, _csv(runs))
    write_text_atomic(out / TABLE_CSV, _csv(table))
    write_text_atomic(out / TABLE_MD, _markdown(experiment, options, table))
    return table


def load_table(out: str | os.PathLike) -> list[dict]:
    """Read ``out/table.csv`` (written by :func:`aggregate`): returns its rows with numbers as numbers.

    Option values are ints or floats, ``n_*`` ints (``n_solved`` None without a criterion),
    ``median``/``min``/``max`` floats (NaN where no run finished).

    Example:
        >>> table = {(row["length"], row["model"]): row for row in load_table("runs/table1")}
        >>> table[300, "lstm"]["median"], table[300, "lstm"]["n_solved"]
    """
    path = Path(out) / TABLE_CSV
    if not path.is_file():
        raise FileNotFoundError(f"out: no {TABLE_CSV} in {str(out)!r}; run the sweep (or aggregate) first")
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))

    def value(key: str, text: str):
        if key in ("model", "metric"):
            return text
        if key in _COUNTS:
            return int(text) if text else None
        if key in ("median", "min", "max"):
            return float(text) if text else math.nan
        return _number(text)
    return [{key: value(key, text) for key, text in row.items()} for row in rows]


# -- validation ------------------------------------------------------------------------------


def _distinct(name: str, values) -> list:
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise ValueError(f"{name}: expected a list of values, got {values!r}")
    values = list(values)
    if not values:
        raise ValueError(f"{name}: expected at least one value, got none")
    if len(set(values)) != len(values):
        raise ValueError(f"{name}: expected distinct values, got {values}")
    return values


def _check_grid(experiment: Experiment, grid: Mapping) -> dict[str, list]:
    """``grid`` in the order of ``experiment.options``, float options' values as floats."""
    if not isinstance(grid, Mapping):
        raise TypeError(f"grid: expected a dict {{option: [values]}}, got {type(grid).__name__}")
    unknown = [name for name in grid if name not in experiment.options]
    if unknown:
        raise ValueError(f"grid: expected options among {list(experiment.options)}, got {unknown}")
    defaults = experiment.config_class()
    checked = {}
    for name in (name for name in experiment.options if name in grid):
        default = getattr(defaults, name)
        kind, zero_allowed = type(default), default == 0  # an option whose default is 0 (off) takes 0
        values = _distinct(f"grid[{name!r}]", grid[name])
        allowed = (int,) if kind is int else (int, float)
        if any(isinstance(v, bool) or not isinstance(v, allowed) or not v < math.inf
               or not (v >= 0 if zero_allowed else v > 0) for v in values):
            raise ValueError(f"grid[{name!r}]: expected {'non-negative' if zero_allowed else 'positive'} "
                             f"{'integers' if kind is int else 'numbers'}, got {values}")
        checked[name] = [kind(value) for value in values]
    return checked


def _check_device(device, local: bool) -> None:
    """On a Dask cluster the device is resolved where each run goes, so only its name is checked here."""
    if local or str(device) == "auto":
        resolve_device(device)
        return
    try:
        kind = torch.device(device).type
    except (RuntimeError, TypeError):
        kind = None
    if kind not in ("cpu", "cuda"):
        raise ValueError(f"device: expected 'auto', 'cpu', 'cuda' or 'cuda:N', got {device!r}")


# -- Dask ------------------------------------------------------------------------------------


@contextlib.contextmanager
def _connect(scheduler: str):
    """A ``distributed.Client`` connected to ``scheduler`` (the default client while open)."""
    try:
        from distributed import Client
    except ImportError as error:
        raise ValueError('scheduler: running on a Dask cluster needs dask.distributed; pip install "dask[distributed]"'
                         ) from error
    try:
        client = Client(scheduler, timeout="10s")
    except (OSError, TimeoutError, ValueError) as error:
        raise ValueError(f"scheduler: cannot connect to a Dask scheduler at {scheduler!r} ({error})") from error
    with client:
        yield client


def _tasks_per_host(workers: dict) -> dict[str, int]:
    """Worker address -> the threads (tasks at once) of all workers on its host, from ``scheduler_info()``."""
    per_host = {}
    for info in workers.values():
        per_host[info["host"]] = per_host.get(info["host"], 0) + info["nthreads"]
    return {address: per_host[info["host"]] for address, info in workers.items()}


def _dask_worker() -> tuple[str, int | None]:
    """``(address, nthreads)`` of the Dask worker running this task; ``("", None)`` elsewhere."""
    try:
        from distributed import get_worker
        worker = get_worker()
    except (ImportError, ValueError):
        return "", None
    return worker.address, worker.state.nthreads


# -- reading and writing ---------------------------------------------------------------------


def _finished(directory: Path) -> bool:
    """A result is written last (atomically), so its presence means the run is complete."""
    return (directory / RESULT_FILE).is_file()


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text()) if path.is_file() else {}


def _read_runs(experiment: Experiment, out: Path) -> tuple[list[str], list[dict]]:
    """The options named by the run directories, and one dict per run directory under ``out`` (a
    ``runs.csv`` row), sorted by option values, model, seed."""
    records = []
    for config_path in Path(out).rglob(CONFIG_FILE):
        directory = config_path.parent
        identity = json.loads(config_path.read_text())
        parts = directory.relative_to(out).parts
        names = [part.partition("=")[0] for part in parts[:-2]]
        if (identity.get("experiment") != experiment.name or not set(names) <= set(experiment.options)
                or "/".join(parts) != run_name({name: identity[name] for name in names},
                                               identity.get("model"), identity.get("seed"))):
            raise ValueError(f"out: {str(directory)!r} is not a run of a {experiment.name} sweep "
                             f"(expected OPTION=VALUE/…/MODEL/seed=SEED holding a {experiment.name} config)")
        records.append((directory, identity, names))
    option_names = [name for name in experiment.options if any(name in names for _, _, names in records)]
    rows = [_run_row(experiment, out, directory, identity, option_names) for directory, identity, _ in records]
    order = {model: index for index, model in enumerate(experiment.models)}
    rows.sort(key=lambda row: (*(row[name] for name in option_names), order[row["model"]], row["seed"]))
    return option_names, rows


def _run_row(experiment: Experiment, out: Path, directory: Path, identity: dict, option_names: list[str]) -> dict:
    result, record = _read_json(directory / RESULT_FILE), _read_json(directory / SWEEP_FILE)
    if result:
        status = "finished"
    elif record.get("status") == "diverged":
        status = "diverged"
    else:
        status = "interrupted" if (directory / CHECKPOINT_FILE).is_file() else "pending"
    metrics = result.get("final_metrics", {})
    for name in {experiment.table_metric} | ({experiment.solved.metric} if experiment.solved else set()):
        if result and name not in metrics:
            raise ValueError(f"out: {directory / RESULT_FILE} has no final metric {name!r} (the experiment's "
                             f"table_metric or solved criterion); it has {sorted(metrics)}")
    if result:
        epochs = result["epochs_completed"]
    else:  # as of its last checkpoint
        history = directory / HISTORY_FILE
        epochs = len(read_history(history).get("epoch", [])) if history.is_file() else 0
    return {"directory": directory.relative_to(out).as_posix(), **{name: identity[name] for name in option_names},
            "model": identity["model"], "seed": identity["seed"], "status": status, "epochs_completed": epochs,
            experiment.table_metric: metrics.get(experiment.table_metric),
            "solved": experiment.solved.reached(metrics) if result and experiment.solved else None,
            "wall_time_s": result.get("wall_time_s"), "device": result.get("device"),
            "host": record.get("host"), "worker": record.get("worker")}


def _csv(rows: list[dict]) -> str:
    """CSV text: floats by shortest round-trip repr, NaN and None as empty cells, booleans as yes/no."""
    def cell(value):
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return ""
        if isinstance(value, bool):
            return "yes" if value else "no"
        return repr(value) if isinstance(value, float) else value
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows({key: cell(value) for key, value in row.items()} for row in rows)
    return buffer.getvalue()


def _markdown(experiment: Experiment, options: list[str], table: list[dict]) -> str:
    """One row per option values, one column per model; a caption line says what the cells are."""
    models = [model for model in experiment.models if any(row["model"] == model for row in table)]
    cells = {}
    for row in table:
        parts = [f"{row['median']:#.3g} [{row['min']:#.3g}, {row['max']:#.3g}]" if row["n_runs"] else "—"]
        if row["n_solved"] is not None and row["n_runs"]:
            parts.append(f"{row['n_solved']}/{row['n_runs']} solved")
        parts += [f"{row[key]} {label}" for key, label in (("n_diverged", "diverged"), ("n_unfinished", "unfinished"))
                  if row[key]]
        cells[tuple(row[name] for name in options), row["model"]] = " · ".join(parts)
    labels = list(dict.fromkeys(values for values, _ in cells))
    solved = experiment.solved
    caption = f"{experiment.table_metric}: median [min, max] over the finished seeds"
    if solved is not None:
        caption += f"; solved: {solved.metric} {'≥' if solved.mode == 'max' else '≤'} {solved.target:g}"
    lines = [caption, "", "| " + " | ".join([", ".join(options) or "runs", *models]) + " |",
             "|" + "---|" * (1 + len(models))]
    for values in labels:
        label = ", ".join(str(value) for value in values) or "all"
        lines.append("| " + " | ".join([label, *(cells.get((values, model), "") for model in models)]) + " |")
    return "\n".join(lines) + "\n"


def _number(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        return float(text)
