"""Execute every chapter once with papermill, then build the book's HTML from the results.

Run as a script (``python scripts/build_book.py``, which is what ``make book`` does) or
import the functions (``tests/test_book.py`` does, so a failing chapter shows up as a
failing test named after it). The steps:

1. :func:`execute_chapters` runs the chapter notebooks of ``_toc.yml`` with their
   default parameters (``SIZE = "reduced"``), several at once in separate processes
   (:func:`execute_chapter` runs one), and writes the executed copies under
   ``_build/executed/``.
2. :func:`build_html` stages the book sources into ``_build/source/``, taking every
   notebook from its executed copy (checked by :func:`check_executed`), and runs
   Jupyter Book with warnings as errors. ``_config.yml`` turns notebook execution off,
   so each chapter runs exactly once per build. The HTML lands in ``_build/html/``.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
import papermill
import yaml

from rnnattr.exercises import CORRECT
from rnnattr.validation import check_positive_int

ROOT = Path(__file__).resolve().parent.parent  # the repository root
BUILD = ROOT / "_build"
EXECUTED = BUILD / "executed"  # papermill's executed copies, same layout as the repo
SOURCE = BUILD / "source"  # what Jupyter Book builds: the staged book sources
HTML = BUILD / "html"  # jupyter-book writes <path-output>/_build/html, see build_html

# always staged
BOOK_FILES = ["_config.yml", "_toc.yml", "_ext/unique_scripts.py", "_static/widgets-requirejs-paths.js"]
OPTIONAL_FILES = ["references.bib"]  # staged when present
ANSI_COLOUR = re.compile(r"\x1b\[[0-9;]*m")  # Jupyter Book colours its output even in a pipe


def toc_files() -> list[str]:
    """Return every ``file:`` entry of ``_toc.yml`` (root first), in reading order.

    Entries are paths relative to the repository root without an extension, such as
    ``"chapters/chaotic_lstm"``; they may sit at any depth (parts, chapters, sections).
    """
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = []

    def walk(node):
        if isinstance(node, dict):
            for key in ("root", "file"):
                if key in node:
                    files.append(str(node[key]))
            for value in node.values():
                if isinstance(value, (dict, list)):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    return files


def _without_suffix(entry: str) -> Path:
    """``chapters/x``, ``chapters/x.ipynb`` and ``chapters/x.md`` all name ``chapters/x``."""
    path = Path(entry)
    return path.with_suffix("") if path.suffix in (".ipynb", ".md") else path


def chapters() -> list[Path]:
    """Return the chapter notebooks, in ``_toc.yml`` order, relative to the repo root.

    A toc entry is a notebook chapter when ``<entry>.ipynb`` exists, e.g.
    ``Path("chapters/chaotic_lstm.ipynb")``. Markdown pages are not chapters here.
    """
    notebooks = []
    for entry in toc_files():
        notebook = _without_suffix(entry).with_suffix(".ipynb")
        if (ROOT / notebook).is_file():
            notebooks.append(notebook)
    return notebooks


def executed_path(notebook: str | Path) -> Path:
    """Return where the executed copy of ``notebook`` (relative to the repo) is written."""
    return EXECUTED / Path(notebook)


def execute_chapter(notebook: str | Path) -> Path:
    """Execute one chapter notebook with papermill and return its executed copy's path.

    The notebook runs with its default parameters (so at ``SIZE = "reduced"``), in the
    ``python3`` kernel, with the notebook's own folder as working directory. The copy is
    written to ``_build/executed/<notebook>``; any earlier copy is deleted first, so a
    stale copy can never reach the book. Raises ``papermill.PapermillExecutionError``
    (which shows the failing cell) when a cell raises.
    """
    notebook = Path(notebook)
    source = ROOT / notebook
    output = executed_path(notebook)
    output.unlink(missing_ok=True)
    output.parent.mkdir(parents=True, exist_ok=True)
    papermill.execute_notebook(
        str(source),
        str(output),
        kernel_name="python3",
        cwd=str(source.parent),
        progress_bar=False,
    )
    return output


def _execute_in_worker(notebook: Path, threads: int) -> str | None:
    """Execute one chapter in a worker process whose kernels use ``threads`` threads; return the error or None.

    A failure is returned, not raised, so that every chapter gets its own verdict; the
    failing cell is in the executed copy, where :func:`check_executed` finds it.
    """
    for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):  # read by the kernel's torch at start-up
        os.environ[variable] = str(threads)
    try:
        execute_chapter(notebook)
    except Exception as error:  # reported per chapter by the caller
        return f"{type(error).__name__}: {error}"
    return None


def recorded_duration(path: str | Path) -> float:
    """Seconds papermill recorded for the executed notebook at ``path``, or infinity when there is no record."""
    try:
        return float(nbformat.read(path, as_version=4).metadata.papermill.duration)
    except (OSError, AttributeError, TypeError, ValueError):
        return math.inf


def execute_chapters(notebooks: list[str | Path], workers: int | None = None) -> dict[Path, str | None]:
    """Execute ``notebooks`` (see :func:`execute_chapter`), ``workers`` at a time; return each one's error or None.

    Each chapter runs in its own process and kernel, with ``cores // workers`` threads
    for torch, so the chapters share the cores instead of contending for them. The
    slowest chapters (by their last executed copies, see :func:`recorded_duration`; never
    executed ones count as slowest) start first, which keeps the last chapter from
    starting late. ``workers`` defaults to the number of cores, at most one per chapter.

    Raises:
        ValueError: ``workers`` is not a positive int (before any chapter runs).
    """
    check_positive_int("workers", workers, allow_none=True)
    notebooks = [Path(notebook) for notebook in notebooks]
    cores = os.cpu_count() or 1
    workers = max(1, min(workers or cores, len(notebooks)))
    order = sorted(notebooks, key=lambda notebook: recorded_duration(executed_path(notebook)), reverse=True)
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no state forked from the caller
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = {notebook: pool.submit(_execute_in_worker, notebook, max(1, cores // workers)) for notebook in order}
        return {notebook: futures[notebook].result() for notebook in notebooks}


def check_executed(path: str | Path) -> None:
    """Raise ``RuntimeError`` naming the chapter unless ``path`` is a clean executed notebook.

    Clean means: the file exists, no code cell has an output of type ``"error"``,
    papermill's metadata does not record an exception, and every exercise's check cell
    (tagged ``check``, see :mod:`rnnattr.exercises`) printed that the chapter's own
    solution is correct.
    """
    path = Path(path)
    name = path.stem
    if not path.is_file():
        raise RuntimeError(
            f"chapter {name!r}: executed notebook {path} is missing; execute the chapter "
            "first (python scripts/build_book.py executes every chapter)"
        )
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                raise RuntimeError(
                    f"chapter {name!r}: cell In [{cell.get('execution_count')}] of {path} "
                    f"has an error output: {output.get('ename')}: {output.get('evalue')}"
                )
    if notebook.metadata.get("papermill", {}).get("exception"):
        raise RuntimeError(f"chapter {name!r}: papermill recorded an exception in {path}")
    for cell in notebook.cells:
        if "check" in cell.metadata.get("tags", []):
            printed = "".join(output.get("text", "") for output in cell.get("outputs", [])
                              if output.get("output_type") == "stream").strip()
            if not printed.endswith(f": {CORRECT}"):
                raise RuntimeError(
                    f"chapter {name!r}: the check cell In [{cell.get('execution_count')}] of {path} "
                    f"does not confirm the chapter's solution: {printed or 'it printed nothing'!r}"
                )


def stage_sources() -> None:
    """Copy the book sources into ``_build/source/``, notebooks from their executed copies.

    Stages ``_config.yml``, ``_toc.yml``, ``references.bib`` when present, and every page
    that ``_toc.yml`` names: a Markdown page as it is, a notebook as its executed copy.

    Raises ``RuntimeError`` when a toc entry has no source file, or when an executed copy
    is missing, failed (see :func:`check_executed`) or is older than its notebook.
    """
    shutil.rmtree(SOURCE, ignore_errors=True)
    SOURCE.mkdir(parents=True)
    names = BOOK_FILES + [name for name in OPTIONAL_FILES if (ROOT / name).is_file()]
    for name in names:
        (SOURCE / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, SOURCE / name)

    for entry in toc_files():
        stem = _without_suffix(entry)
        markdown, notebook = stem.with_suffix(".md"), stem.with_suffix(".ipynb")
        if (ROOT / notebook).is_file():
            source, executed = ROOT / notebook, executed_path(notebook)
            check_executed(executed)
            if executed.stat().st_mtime < source.stat().st_mtime:
                raise RuntimeError(
                    f"chapter {stem.name!r}: {executed} is older than {notebook}; "
                    "execute the chapter again"
                )
            copy_from, target = executed, notebook
        elif (ROOT / markdown).is_file():
            copy_from, target = ROOT / markdown, markdown
        else:
            raise RuntimeError(f"_toc.yml names {entry!r}: no {markdown} or {notebook}")
        (SOURCE / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(copy_from, SOURCE / target)


def build_html() -> Path:
    """Stage the sources and build the book's HTML with warnings as errors; return its folder.

    Runs ``jupyter-book build _build/source --path-output <repo> --all -W --keep-going``.
    Jupyter Book 1 writes to ``<path-output>/_build/html``, i.e. ``<repo>/_build/html``.
    ``--all`` rebuilds every page from a fresh environment, so a warning from an
    unchanged page is reported again rather than hidden by Sphinx's cache;
    ``--keep-going`` lists every warning before failing. Raises ``RuntimeError`` with the
    build's output when the build fails or warns.
    """
    stage_sources()
    shutil.rmtree(HTML, ignore_errors=True)  # no page of an earlier build survives
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    command = [str(jupyter_book), "build", str(SOURCE), "--path-output", str(ROOT)]
    command += ["--all", "-W", "--keep-going"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        output = ANSI_COLOUR.sub("", f"{result.stdout}\n{result.stderr}")
        raise RuntimeError(
            f"jupyter-book build failed (exit code {result.returncode}):\n"
            f"$ {' '.join(command)}\n{output}"
        )
    return HTML


def main() -> int:
    """Execute every chapter (several at once), then build the HTML; return the exit status."""
    try:
        notebooks = chapters()
        print(f"executing {len(notebooks)} chapters", flush=True)
        failed = {notebook: error for notebook, error in execute_chapters(notebooks).items() if error}
        if failed:
            raise RuntimeError("\n".join(f"{notebook}: {error}" for notebook, error in failed.items()))
        html = build_html()
    except RuntimeError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"book built: {html / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
