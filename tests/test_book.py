"""The book: every chapter executes at its reduced size, and the book builds without warnings.

One papermill run per chapter, several at once (a failure names the chapter and shows the
failing cell), then one Jupyter Book build of the executed copies with warnings as errors. The build
test is defined last so that pytest runs it after the chapters have executed.
"""

import ast

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from scripts.build_book import (
    HTML,
    ROOT,
    build_html,
    chapters,
    check_executed,
    execute_chapters,
    executed_path,
    recorded_duration,
)

CHAPTERS = chapters()


def test_every_chapter_notebook_is_in_the_toc():
    # A notebook missing from _toc.yml would silently be neither tested nor built.
    notebooks = {path.relative_to(ROOT) for path in ROOT.glob("chapters/**/*.ipynb")}
    notebooks = {path for path in notebooks if ".ipynb_checkpoints" not in path.parts}
    missing = sorted(str(path) for path in notebooks - set(CHAPTERS))
    assert not missing, f"chapter notebooks not listed in _toc.yml: {missing}"


@pytest.mark.parametrize("notebook", CHAPTERS, ids=[path.stem for path in CHAPTERS])
def test_chapter_defaults_to_reduced_size(notebook):
    # papermill runs each chapter with its default parameters: they must be the reduced ones.
    cells = nbformat.read(ROOT / notebook, as_version=4).cells
    parameters = [cell for cell in cells if "parameters" in cell.metadata.get("tags", [])]
    assert len(parameters) == 1, "expected exactly one cell tagged 'parameters'"
    assert 'SIZE = "reduced"' in parameters[0].source


TRAINING_CALLS = {"make_trainer", "run_sweep", "train_experiment"}  # what trains networks in a chapter


@pytest.mark.parametrize("notebook", CHAPTERS, ids=[path.stem for path in CHAPTERS])
def test_parameters_cell_documents_sizes_cost_and_device(notebook):
    # Colab readers: the parameters cell says what each size is and costs on a Colab T4, and a
    # chapter that trains networks trains them on the GPU when there is one.
    cells = nbformat.read(ROOT / notebook, as_version=4).cells
    parameters = next(cell.source for cell in cells if "parameters" in cell.metadata.get("tags", []))
    for word in ('"reduced":', '"full":', "T4"):
        assert word in parameters, f"the parameters cell does not mention {word}"
    calls = [node for cell in cells if cell.cell_type == "code" for node in ast.walk(ast.parse(cell.source))
             if isinstance(node, ast.Call) and getattr(node.func, "id", None) in TRAINING_CALLS]
    if calls:
        assert 'DEVICE = "auto"' in parameters, "a chapter that trains needs DEVICE = \"auto\" in its parameters"
        for call in calls:
            assert any(keyword.arg == "device" for keyword in call.keywords), (
                f"{call.func.id}(...) in line {call.lineno} of its cell does not pass the chapter's device")
    else:
        assert "CPU only" in parameters, "a chapter that trains nothing should say that it runs on the CPU only"


def _write_notebook(path, outputs):
    notebook = new_notebook(cells=[new_code_cell("1 + 1", outputs=outputs, execution_count=1)])
    nbformat.write(notebook, path)
    return path


def test_check_executed_passes_on_a_clean_notebook(tmp_path):
    clean = [new_output("execute_result", data={"text/plain": "2"}, execution_count=1)]
    check_executed(_write_notebook(tmp_path / "clean.ipynb", clean))


def test_check_executed_raises_on_an_error_output(tmp_path):
    error = [new_output("error", ename="ValueError", evalue="boom", traceback=[])]
    with pytest.raises(RuntimeError, match="'broken'.*ValueError: boom"):
        check_executed(_write_notebook(tmp_path / "broken.ipynb", error))


def test_check_executed_raises_on_a_missing_notebook(tmp_path):
    with pytest.raises(RuntimeError, match="'absent'.*missing"):
        check_executed(tmp_path / "absent.ipynb")


def _write_check(path, printed):
    cell = new_code_cell('with check_answer("Exercise 1"): ...', execution_count=1,
                         outputs=[new_output("stream", name="stdout", text=printed)] if printed else [])
    cell.metadata["tags"] = ["check"]
    nbformat.write(new_notebook(cells=[cell]), path)
    return path


def test_check_executed_passes_when_every_check_confirms_the_solution(tmp_path):
    check_executed(_write_check(tmp_path / "solved.ipynb", "Exercise 1: correct\n"))


@pytest.mark.parametrize("printed", ["Exercise 1: not right yet: not the period yet\n",
                                     "Exercise 1: not answered yet (`period` is not defined)\n", ""])
def test_check_executed_raises_when_a_check_does_not_confirm_the_solution(tmp_path, printed):
    with pytest.raises(RuntimeError, match="'unsolved'.*does not confirm the chapter's solution"):
        check_executed(_write_check(tmp_path / "unsolved.ipynb", printed))


@pytest.fixture(scope="module")
def chapter_errors(request):
    """Execute the chapters selected for this session (several at once); return each one's error or None."""
    selected = [item.callspec.params["notebook"] for item in request.session.items
                if getattr(item, "originalname", None) == "test_chapter_executes"]
    return execute_chapters(selected)


@pytest.mark.parametrize("notebook", CHAPTERS, ids=[path.stem for path in CHAPTERS])
def test_chapter_executes(notebook, chapter_errors):
    check_executed(executed_path(notebook))  # names the failing cell when the chapter raised
    assert chapter_errors[notebook] is None, f"{notebook}: {chapter_errors[notebook]}"


def test_recorded_duration_reads_papermills_record_and_is_infinite_without_one(tmp_path):
    timed = new_notebook(metadata={"papermill": {"duration": 12.5}})
    nbformat.write(timed, tmp_path / "timed.ipynb")
    nbformat.write(new_notebook(), tmp_path / "untimed.ipynb")
    assert recorded_duration(tmp_path / "timed.ipynb") == 12.5
    assert recorded_duration(tmp_path / "untimed.ipynb") == float("inf")
    assert recorded_duration(tmp_path / "absent.ipynb") == float("inf")


def test_execute_chapters_refuses_a_bad_worker_count():
    with pytest.raises(ValueError, match="workers: expected a positive integer"):
        execute_chapters(CHAPTERS[:1], workers=0)


def test_book_builds_without_warnings():
    html = build_html()
    assert html == ROOT / "_build" / "html" == HTML
    assert (html / "index.html").is_file()
    for notebook in CHAPTERS:
        assert (html / notebook.with_suffix(".html")).is_file(), f"no page for {notebook}"
