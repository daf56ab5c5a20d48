"""The repository's address lives in _config.yml; every chapter's hidden install cell and the pages'
Colab paragraphs are derived from it (scripts/set_repository.py)."""
import json
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

from scripts import set_repository as repo

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))


def first_code_cell(path: Path) -> dict:
    return next(cell for cell in json.loads(path.read_text())["cells"] if cell["cell_type"] == "code")


def test_the_address_is_the_projects_and_every_derived_place_agrees_with_it():
    assert repo.read_repository() == ("rnnattr/rnnattr", "main")
    assert repo.stale_files() == []
    for path in CHAPTERS:
        cell = first_code_cell(path)
        assert {"colab-install", "remove-cell"} <= set(cell["metadata"]["tags"]), path.name  # hidden in the book
        assert "".join(cell["source"]) == repo.install_cell_source("rnnattr/rnnattr", "main"), path.name
        assert "rnnattr @ git+https://github.com/rnnattr/rnnattr@main" in "".join(cell["source"]), path.name
    for page in repo.PAGES:
        assert "https://colab.research.google.com/github/rnnattr/rnnattr/blob/main/chapters/" in (ROOT / page).read_text()


def test_another_repository_changes_every_derived_place_and_nothing_else(tmp_path):
    copy = tmp_path / "book"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(".venv", "_build", "runs", ".git", "__pycache__"))
    before = {path: path.read_bytes() for path in copy.rglob("*") if path.is_file()}
    changed = repo.set_repository("someone/fork", "course-2027", copy)
    after = {path: path.read_bytes() for path in copy.rglob("*") if path.is_file()}
    differing = {path for path in after if after[path] != before.get(path)}
    expected = {copy / "_config.yml", *(copy / page for page in repo.PAGES), *(copy / "chapters").glob("*.ipynb")}
    assert set(changed) == differing == expected
    assert repo.read_repository(copy) == ("someone/fork", "course-2027") and repo.stale_files(copy) == []
    for path in (copy / "chapters").glob("*.ipynb"):  # only the install cell of each chapter changed
        old = json.loads(before[path])["cells"]
        new = json.loads(after[path].decode())["cells"]
        assert [cell for cell in old if "colab-install" not in cell["metadata"].get("tags", [])] == \
               [cell for cell in new if "colab-install" not in cell["metadata"].get("tags", [])]
        assert "git+https://github.com/someone/fork@course-2027" in "".join(first_code_cell(path)["source"])
    assert "colab.research.google.com/github/someone/fork/blob/course-2027/chapters/" in (copy / "README.md").read_text()


def test_a_bad_repository_or_branch_is_refused_before_anything_is_written(tmp_path):
    copy = tmp_path / "book"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(".venv", "_build", "runs", ".git", "__pycache__"))
    config = (copy / "_config.yml").read_text()
    with pytest.raises(ValueError, match="repository: expected OWNER/NAME"):
        repo.set_repository("not-a-repository", "main", copy)
    with pytest.raises(ValueError, match="branch: expected a git branch name"):
        repo.set_repository("someone/fork", "bad branch", copy)
    assert (copy / "_config.yml").read_text() == config


def run_install_cell(modules: dict, monkeypatch, capsys) -> list:
    """Execute a chapter's install cell with ``sys.modules`` extended by ``modules`` and pip's command line
    captured instead of run; returns the captured command lines."""
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda command, **kwargs: calls.append((command, kwargs)))
    for name, module in modules.items():
        monkeypatch.setitem(sys.modules, name, module)
    exec("".join(first_code_cell(CHAPTERS[0])["source"]), {})
    return calls


def test_outside_colab_the_install_cell_does_nothing_and_prints_nothing(monkeypatch, capsys):
    assert run_install_cell({}, monkeypatch, capsys) == []
    assert capsys.readouterr() == ("", "")


def test_in_colab_it_installs_only_rnnattr_from_the_repository_and_keeps_colabs_torch(monkeypatch, capsys):
    google = types.ModuleType("google")
    colab = types.ModuleType("google.colab")
    calls = run_install_cell({"google": google, "google.colab": colab}, monkeypatch, capsys)
    assert capsys.readouterr() == ("", "")
    ((command, kwargs),) = calls
    assert command[:4] == [sys.executable, "-m", "pip", "install"] and kwargs == {"check": True}
    constraints = Path(command[6])
    assert command[4:] == ["--quiet", "--constraint", str(constraints),  # only rnnattr, from the repository
                           "rnnattr @ git+https://github.com/rnnattr/rnnattr@main"]
    import torch
    assert constraints.read_text() == f"torch=={torch.__version__}\n"  # pip may not reinstall or downgrade torch
