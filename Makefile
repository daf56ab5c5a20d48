# Two entry points, each bootstrapping its own virtual environment in .venv:
#   make book   execute every chapter at its reduced size, build the HTML into _build/html
#   make test   unit tests, one papermill run per chapter, and the book build (-W)
# The environment is (re)installed only when requirements.txt or pyproject.toml change.

PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: test book clean

test: $(STAMP)
	$(VENV)/bin/python -m pytest

book: $(STAMP)
	$(VENV)/bin/python scripts/build_book.py

clean:
	rm -rf _build

$(STAMP): requirements.txt pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -r requirements.txt
	$(VENV)/bin/pip install --no-deps -e .
	touch $@
