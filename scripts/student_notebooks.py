"""Write student versions of the chapters: exercises kept, solutions removed.

Usage::

    python scripts/student_notebooks.py                      # every chapter, into _build/student/
    python scripts/student_notebooks.py chapters/chaotic_lstm.ipynb --out handout/

Every chapter ends with exercises. In a chapter, a solution is one or more cells tagged
``solution`` (code hidden in the book with ``hide-cell``, Markdown in a dropdown), and a
check cell tagged ``check`` tests the answer with :func:`rnnattr.exercises.check_answer`.
The student version

* drops every ``solution`` cell; a code solution becomes an empty answer cell (tagged
  ``answer``) that names the variables the exercise's check cell expects;
* keeps the check cells, which print ``correct``, ``not right yet`` or ``not answered
  yet`` and never stop the notebook, so a student (or a grader) can run it top to bottom;
* has no outputs, and a note under the title saying what was removed.

See ``assignments.md`` (the book's page for teachers) for how to set a chapter as an
assignment.
"""

from __future__ import annotations

import argparse
import ast
import copy
import re
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script, `scripts` is not a package on sys.path

from scripts.build_book import chapters  # noqa: E402  (needs the path above)

DEFAULT_OUT = ROOT / "_build" / "student"
EXERCISE_LABEL = re.compile(r"\*\*(Exercise \d+)")
STUDENT_NOTE = (
    "*Student version: the solutions of the exercises at the end are removed. Write your "
    "answer in each empty answer cell, then run the check cell below it: it tells you "
    "whether the answer is right without showing it.*"
)


def tags(cell) -> list[str]:
    """Return a cell's tags (an empty list when it has none)."""
    return cell.metadata.get("tags", [])


def _syntax_tree(source: str) -> ast.Module:
    """A code cell parsed (never run), without its lines of IPython magic (``%``/``!``)."""
    return ast.parse("\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))))


def assigned_names(source: str) -> set[str]:
    """Return every name a code cell binds: assignments (in any block), parameters, defs, imports.

    Example: ``assigned_names("a, b = 1, 2\nwith c: d = 3")`` is ``{"a", "b", "d"}``.
    """
    names = set()
    for node in ast.walk(_syntax_tree(source)):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.arg):  # a parameter of a def or lambda
            names.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return names


def used_names(source: str) -> set[str]:
    """Return every name a code cell reads (``ast.Name`` in a load context)."""
    return {node.id for node in ast.walk(_syntax_tree(source))
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}


def answer_cell(label: str, names: list[str]):
    """Return the empty code cell, tagged ``answer``, that replaces a code solution."""
    wanted = f": define {', '.join(f'`{name}`' for name in names)}" if names else ""
    cell = new_code_cell(f"# Your answer to {label}{wanted}.\n")
    cell.metadata["tags"] = ["answer"]
    return cell


def student_version(notebook):
    """Return the student version of a chapter notebook (see the module docstring).

    Args:
        notebook: an ``nbformat`` v4 notebook with ``solution`` and ``check`` cells.

    Raises ``ValueError`` when the notebook has no ``solution`` cell (nothing would be
    removed) or a code solution comes before any ``**Exercise N.**`` heading.
    """
    if not any("solution" in tags(cell) for cell in notebook.cells):
        raise ValueError("notebook: expected exercises with cells tagged 'solution', found none")
    checks = [cell.source for cell in notebook.cells if "check" in tags(cell)]
    checked = set().union(*[used_names(source) - assigned_names(source) for source in checks])  # the answers
    student = copy.deepcopy(notebook)
    cells, label = [], None
    for cell in student.cells:
        if cell.cell_type == "markdown" and (match := EXERCISE_LABEL.search(cell.source)):
            label = match.group(1)
        if "solution" not in tags(cell):
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
            cells.append(cell)
        elif cell.cell_type == "code":
            if label is None:
                raise ValueError("notebook: a code cell tagged 'solution' comes before any '**Exercise N.**'")
            cells.append(answer_cell(label, sorted(assigned_names(cell.source) & checked)))
    cells.insert(1, new_markdown_cell(STUDENT_NOTE))
    student.cells = cells
    student.metadata.pop("papermill", None)
    return student


def write_student_versions(notebooks: list[Path], out: Path) -> list[Path]:
    """Write the student version of each notebook into ``out`` (same file names); return the paths."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for path in notebooks:
        target = out / path.name
        nbformat.write(student_version(nbformat.read(path, as_version=4)), target)
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="chapter notebooks (default: every chapter of _toc.yml)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default: {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    notebooks = args.notebooks or [ROOT / notebook for notebook in chapters()]
    for path in notebooks:
        if path.suffix != ".ipynb" or not path.is_file():
            parser.error(f"notebooks: expected existing .ipynb files, got {str(path)!r}")
    for path in write_student_versions(notebooks, args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
