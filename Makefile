# Two commands do all the set-up: `make serve` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
SOURCES := pyproject.toml setup.py $(wildcard authcore/_fast/*.pyx authcore/_fast/*.pxd)

.PHONY: serve demo test lint bench perf protos model model-check clean

$(VENV)/.installed: $(SOURCES)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

## Start the server on the embedded store (./authcore-data) on 127.0.0.1:50051 and run the demo through it.
serve: $(VENV)/.installed
	$(VENV)/bin/authcore serve --demo

## The scripted demo against an in-process server on a temporary store.
demo: $(VENV)/.installed
	$(VENV)/bin/authcore demo

## Every test.
test: $(VENV)/.installed
	$(PY) -m pytest

## buf lint (STANDARD) of proto/, through the npm package @bufbuild/buf.
lint:
	npm install --no-audit --no-fund --loglevel=error
	npx buf lint

## Kernel benchmarks beside the plain-Python reference; ratios in .benchmarks/ratios.json.
bench: $(VENV)/.installed
	$(PY) -m pytest benchmarks --benchmark-enable

## Every figure of docs/performance.md, measured now, and the report rewritten (about 10 minutes).
perf: $(VENV)/.installed
	$(PY) -m pip install --quiet matplotlib
	$(PY) scripts/performance_report.py

## Train the default risk model on the simulator and evaluate it on a held-out simulation.
model: $(VENV)/.installed
	$(PY) scripts/train_default_model.py

## Evaluate the shipped default model only.
model-check: $(VENV)/.installed
	$(PY) scripts/train_default_model.py --check

## Regenerate authcore/v1 from proto/ (tests fail when they drift).
protos: $(VENV)/.installed
	$(PY) scripts/gen_protos.py

clean:
	rm -rf $(VENV) build *.egg-info authcore/_fast/*.c authcore/_fast/*.so
