# 越巢 — the two commands: `make run` (the assistant) and `make test` (lint + every test).
# Both create .venv and install what is missing first, so they work on a fresh clone. The install
# steps read nothing from stdin, so sentences piped into `make run` reach the assistant.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench system-deps clean-venv

run: $(STAMP)
	$(PY) -m assistant start

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check .

bench: $(STAMP)
	for script in bench/*.py; do $(PY) $$script || exit 1; done

# Debian packages: speech (espeak-ng), sound (PortAudio), audio tools (sox) and the browser the
# web tests drive (chromium). Installed when we are root; otherwise the script says what to run.
system-deps:
	@bash deploy/system-deps.sh

$(STAMP): setup.py pyproject.toml
	@$(MAKE) --no-print-directory system-deps < /dev/null
	test -x $(PY) || $(PYTHON) -m venv $(VENV) < /dev/null
	$(PY) -m pip install -q --upgrade pip < /dev/null
	$(PY) -m pip install -q -e '.[server,dev]' < /dev/null
	touch $(STAMP)

clean-venv:
	rm -rf $(VENV)
