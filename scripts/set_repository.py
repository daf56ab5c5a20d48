"""Set the book's public repository in one place, ``_config.yml``, and rewrite every place derived from it.

Usage::

    python scripts/set_repository.py OWNER/NAME [--branch BRANCH]   # e.g. a fork publishing its own book
    python scripts/set_repository.py --check                        # exit 1 if a derived place disagrees

``_config.yml`` (``repository: url:`` and ``branch:``) is the one setting; Jupyter Book's Colab
button reads it. Derived from it, never typed by hand:

* the hidden first code cell of every chapter (tag ``colab-install``), which installs the
  package from that repository and branch when the notebook runs in Colab
  (:func:`install_cell_source`);
* the Colab paragraph of ``README.md``, ``intro.md`` and ``assignments.md``, between the markers
  ``<!-- colab:start -->`` and ``<!-- colab:end -->`` (:func:`colab_paragraph`).

The GitHub Pages workflow runs this script with the repository it runs in, so a published book
always points at the code it was built from. Standard library only: it runs before any install.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = "_config.yml"
PAGES = ("README.md", "intro.md", "assignments.md")
INSTALL_TAG = "colab-install"
MARKERS = ("<!-- colab:start -->", "<!-- colab:end -->")
_URL = re.compile(r"^(  url: )https://github\.com/(\S+?)/?$", re.M)
_BRANCH = re.compile(r"^(  branch: )(\S+)$", re.M)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$")


def read_repository(root: Path = ROOT) -> tuple[str, str]:
    """``(OWNER/NAME, branch)`` from ``_config.yml``'s ``repository:`` section."""
    text = (root / CONFIG).read_text()
    url, branch = _URL.search(text), _BRANCH.search(text)
    if url is None or branch is None:
        raise ValueError(f"{CONFIG}: expected 'repository:' with '  url: https://github.com/OWNER/NAME' and "
                         "'  branch: BRANCH' lines")
    return url.group(2), branch.group(2)


def install_spec(repository: str, branch: str) -> str:
    """The pip requirement that installs the package from ``repository`` at ``branch``."""
    return f"rnnattr @ git+https://github.com/{repository}@{branch}"


def install_cell_source(repository: str, branch: str) -> str:
    """The code of every chapter's hidden first cell: in Colab, install the package; elsewhere, nothing."""
    return f'''# Hidden in the book. In Colab: install this book's package from its repository; Colab's own torch
# (and its CUDA build) and ipywidgets are kept. Anywhere else this cell does nothing.
import sys

if "google.colab" in sys.modules:
    import importlib.metadata
    import pathlib
    import subprocess
    import tempfile

    keep = pathlib.Path(tempfile.mkdtemp()) / "keep-colab-torch.txt"
    keep.write_text(f"torch=={{importlib.metadata.version('torch')}}\\n")  # pip may not touch torch
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--constraint", str(keep),
                    "{install_spec(repository, branch)}"], check=True)'''


def colab_paragraph(repository: str, branch: str) -> str:
    """The pages' Colab paragraph, between the markers."""
    colab = f"https://colab.research.google.com/github/{repository}/blob/{branch}"
    return f"""{MARKERS[0]}
To run a chapter on Colab, press the rocket button at the top of its page and choose Colab, or
open `{colab}/chapters/<chapter>.ipynb` (for example
[sine_generation]({colab}/chapters/sine_generation.ipynb)). The chapter's first cell, hidden in
the book, installs the package from `github.com/{repository}` (branch `{branch}`) in Colab with
`pip install "{install_spec(repository, branch)}"`, keeping Colab's own torch and CUDA build and
its ipywidgets 7 (the explorers follow their controls through the kernel there), so the
runtime never needs a restart.
{MARKERS[1]}"""


def _replace_paragraph(text: str, paragraph: str, page: str) -> str:
    pattern = re.compile(re.escape(MARKERS[0]) + r".*?" + re.escape(MARKERS[1]), re.S)
    if len(pattern.findall(text)) != 1:
        raise ValueError(f"{page}: expected one Colab paragraph between {MARKERS[0]} and {MARKERS[1]}")
    return pattern.sub(lambda _: paragraph, text)


def _install_cell(cells: list[dict], notebook: str) -> dict:
    code = [cell for cell in cells if cell["cell_type"] == "code"]
    if not code or INSTALL_TAG not in code[0].get("metadata", {}).get("tags", []):
        raise ValueError(f"{notebook}: expected its first code cell to be the install cell (tag {INSTALL_TAG!r})")
    return code[0]


def derived_files(repository: str, branch: str, root: Path = ROOT) -> dict[Path, str]:
    """Every derived file's text as it must be for ``repository`` and ``branch``."""
    texts = {}
    for page in PAGES:
        path = root / page
        texts[path] = _replace_paragraph(path.read_text(), colab_paragraph(repository, branch), page)
    source = install_cell_source(repository, branch).splitlines(keepends=True)
    for path in sorted((root / "chapters").glob("*.ipynb")):
        notebook = json.loads(path.read_text())
        _install_cell(notebook["cells"], path.name)["source"] = source
        texts[path] = json.dumps(notebook, sort_keys=True, indent=1, ensure_ascii=False) + "\n"  # as nbformat writes
    return texts


def set_repository(repository: str, branch: str, root: Path = ROOT) -> list[Path]:
    """Write ``repository`` and ``branch`` into ``_config.yml`` and every derived place; returns the files changed."""
    if not _NAME.match(repository):
        raise ValueError(f"repository: expected OWNER/NAME, got {repository!r}")
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_./-]*", branch):
        raise ValueError(f"branch: expected a git branch name, got {branch!r}")
    read_repository(root)  # the config has the section to rewrite, before anything is written
    config = root / CONFIG
    text = _BRANCH.sub(lambda m: m.group(1) + branch,
                       _URL.sub(lambda m: m.group(1) + f"https://github.com/{repository}", config.read_text()))
    texts = {config: text, **derived_files(repository, branch, root)}
    changed = [path for path, new in texts.items() if path.read_text() != new]
    for path in changed:
        path.write_text(texts[path])
    return changed


def stale_files(root: Path = ROOT) -> list[Path]:
    """The derived files that disagree with ``_config.yml`` (notebooks compared as JSON, pages as text)."""
    def same(path: Path, text: str) -> bool:
        if path.suffix == ".ipynb":
            return json.loads(path.read_text()) == json.loads(text)
        return path.read_text() == text

    return [path for path, text in derived_files(*read_repository(root), root).items() if not same(path, text)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repository", nargs="?", help="OWNER/NAME on GitHub")
    parser.add_argument("--branch", help="the branch (default: the one in _config.yml)")
    parser.add_argument("--check", action="store_true", help="exit 1 if a derived place disagrees with _config.yml")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_files()
        for path in stale:
            print(f"{path.relative_to(ROOT)} disagrees with {CONFIG}: run python scripts/set_repository.py",
                  file=sys.stderr)
        return 1 if stale else 0
    if args.repository is None:
        parser.error("repository: expected OWNER/NAME (or --check)")
    changed = set_repository(args.repository, args.branch or read_repository()[1])
    print(f"{args.repository}@{args.branch or read_repository()[1]}: {len(changed)} file(s) rewritten")
    return 0


if __name__ == "__main__":
    sys.exit(main())
