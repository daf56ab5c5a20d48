"""Student versions: solutions removed, answer cells in their place, checks that never stop the notebook.

One student notebook (the contractivity chapter, ~15 s) is executed with papermill with
its three exercises in the three states a student's notebook can be in: answered with
the chapter's own solution, answered wrongly, and not answered.
"""

import builtins

import nbformat
import papermill
import pytest

from rnnattr.exercises import CORRECT, NOT_ANSWERED, NOT_RIGHT
from scripts.build_book import ROOT, chapters
from scripts.student_notebooks import assigned_names, main, student_version, used_names

CHAPTERS = chapters()


def _tagged(notebook, tag):
    return [cell for cell in notebook.cells if tag in cell.metadata.get("tags", [])]


@pytest.mark.parametrize("notebook", CHAPTERS, ids=[path.stem for path in CHAPTERS])
def test_every_chapter_ends_with_exercises_and_has_a_student_version(notebook):
    original = nbformat.read(ROOT / notebook, as_version=4)
    headings = [line for cell in original.cells if cell.cell_type == "markdown"
                for line in cell.source.splitlines() if line.startswith("## ")]
    assert headings[-1] == "## Exercises", f"the last section is {headings[-1]!r}"
    student = student_version(original)
    assert not _tagged(student, "solution")
    assert all(not cell.get("outputs") for cell in student.cells if cell.cell_type == "code")
    solutions = [cell for cell in _tagged(original, "solution") if cell.cell_type == "code"]
    answers = _tagged(student, "answer")
    assert len(answers) == len(solutions) >= 1
    # every name a check cell reads is defined in the student's notebook or named in an answer cell
    kept = set().union(*[assigned_names(cell.source) for cell in student.cells
                         if cell.cell_type == "code" and "check" not in cell.metadata.get("tags", [])])
    named = {name.strip("`,.") for cell in answers for name in cell.source.split() if name.startswith("`")}
    for check in _tagged(student, "check"):
        missing = used_names(check.source) - assigned_names(check.source) - kept - named - set(dir(builtins))
        assert not missing, f"check cell reads {sorted(missing)}, defined nowhere in the student version"


def test_student_version_names_the_variables_each_check_expects():
    student = student_version(nbformat.read(ROOT / "chapters/contractivity_attractors.ipynb", as_version=4))
    assert [cell.source for cell in _tagged(student, "answer")] == [
        "# Your answer to Exercise 1: define `k_threshold`.\n",
        "# Your answer to Exercise 2: define `multiplier`, `x_star_15`.\n",
        "# Your answer to Exercise 3: define `radius_predicted`, `radius_simulated`.\n",
    ]


def test_student_version_rejects_a_notebook_without_solutions():
    with pytest.raises(ValueError, match="notebook: expected exercises"):
        student_version(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")]))


def test_names_are_read_from_the_syntax_tree():
    assert assigned_names("a, b = 1, 2\nwith c:\n    d = 3\nimport numpy as np\ndef f(x):\n    return x") == {
        "a", "b", "d", "np", "f", "x"}
    assert assigned_names("g = lambda y: y") == {"g", "y"}
    assert used_names("y = f(a) + b.c") == {"f", "a", "b"}
    assert used_names("%matplotlib inline\nprint(x)") == {"print", "x"}  # magic lines skipped, as in assigned_names


def test_script_writes_every_chapter(tmp_path, capsys):
    assert main(["--out", str(tmp_path)]) == 0
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(path.name for path in CHAPTERS)
    with pytest.raises(SystemExit):
        main([str(tmp_path / "absent.ipynb"), "--out", str(tmp_path)])
    assert "notebooks: expected existing .ipynb files" in capsys.readouterr().err


def test_a_student_notebook_runs_with_its_checks_answered_wrong_and_unanswered(tmp_path):
    chapter = ROOT / "chapters/contractivity_attractors.ipynb"
    original = nbformat.read(chapter, as_version=4)
    solutions = [cell.source for cell in _tagged(original, "solution") if cell.cell_type == "code"]
    student = student_version(original)
    first, second, third = _tagged(student, "answer")
    first.source += solutions[0]  # the chapter's own solution: correct
    second.source += solutions[1] + "\nmultiplier = 1.5 * (1 - x_star_15)  # a slip: (1 - x) instead of (1 - x²)"
    # the third stays empty: not answered
    path = tmp_path / chapter.name
    nbformat.write(student, path)
    executed = papermill.execute_notebook(str(path), str(tmp_path / "executed.ipynb"), kernel_name="python3",
                                          cwd=str(chapter.parent), progress_bar=False)
    verdicts = ["".join(output.get("text", "") for output in cell.outputs).strip()
                for cell in _tagged(executed, "check")]
    assert verdicts == [f"Exercise 1: {CORRECT}", f"Exercise 2: {NOT_RIGHT}: not f'(x*)",
                        f"Exercise 3: {NOT_ANSWERED} (`radius_simulated` is not defined)"]
