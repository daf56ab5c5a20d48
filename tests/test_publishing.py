"""The GitHub Pages workflow builds the book with the README's command and publishes _build/html;
built HTML is never committed."""
import re
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "book.yml"


def readme_book_command() -> str:
    set_up = (ROOT / "README.md").read_text().split("## Set-up", 1)[1]
    block = re.search(r"```sh\n(.*?)```", set_up, re.S).group(1)
    return next(line.split("#")[0].strip() for line in block.splitlines() if "book" in line)


def test_the_workflow_builds_with_the_readme_command_on_push_to_main_and_deploys_the_html():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    triggers = workflow[True] if True in workflow else workflow["on"]  # YAML 1.1 reads the key `on` as True
    assert triggers["push"]["branches"] == ["main"]
    build, deploy = workflow["jobs"]["build"], workflow["jobs"]["deploy"]
    commands = [step["run"].strip() for step in build["steps"] if "run" in step]
    assert commands == [  # a fork's book points at the fork (scripts/set_repository.py), then the README's command
        'python scripts/set_repository.py "${{ github.repository }}" --branch "${{ github.ref_name }}"',
        readme_book_command()] and readme_book_command() == "make book"
    upload = next(step for step in build["steps"] if step.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == "_build/html"
    assert deploy["needs"] == "build"
    assert any(step.get("uses", "").startswith("actions/deploy-pages") for step in deploy["steps"])
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}


def test_built_html_is_ignored_and_never_committed():
    assert "_build/" in (ROOT / ".gitignore").read_text().splitlines()
    tracked = subprocess.run(["git", "ls-files", "*.html", "_build"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.split()
    assert tracked == []
