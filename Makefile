# Two commands do all the set-up: `make serve` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
SOURCES := pyproject.toml setup.py contract/VERSION clients/python/pyproject.toml $(wildcard authcore/_fast/*.pyx authcore/_fast/*.pxd)
# The contract as a pure-Python package (authcore.v1, authcore.client), which the server depends on.
CLIENT := ./clients/python

.PHONY: serve demo test lint release contract-release bench perf protos model model-check clean

# Three stamps, so that each command installs only what it needs and never twice: .venv itself;
# authcore with its serving dependencies (make serve, make demo); and the development extras
# (make test and the tools: pytest, mypy, LightGBM, XGBoost, scikit-learn, pyarrow, OpenTelemetry).
$(VENV)/.created:
	@echo "== creating $(VENV) with $(PYTHON)"
	$(PYTHON) -m venv $(VENV)
	@echo "== upgrading pip in $(VENV)"
	$(PY) -m pip install --quiet --upgrade pip
	touch $@

$(VENV)/.installed: $(VENV)/.created $(SOURCES)
	@echo "== installing authcore and its serving dependencies (grpcio, protobuf, numpy, cryptography, ...)"
	@echo "== and building the compiled kernels (Cython): about a minute the first time"
	$(PY) -m pip install --progress-bar on -e $(CLIENT) -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.created $(SOURCES)
	@echo "== installing authcore with the development extras (pytest, mypy, LightGBM, XGBoost, scikit-learn,"
	@echo "== pyarrow, OpenTelemetry, ...) and building the compiled kernels: a few minutes the first time"
	$(PY) -m pip install --progress-bar on -e $(CLIENT) -e ".[dev]"
	touch $@ $(VENV)/.installed

## Start the server on the embedded store (./authcore-data) on 127.0.0.1:50051 and run the demo through it.
## More serve flags: make serve ARGS="--port 50061".
serve: $(VENV)/.installed
	@echo "== starting authcore serve --demo $(ARGS)"
	$(VENV)/bin/authcore serve --demo $(ARGS)

## The scripted demo against an in-process server on a temporary store.
demo: $(VENV)/.installed
	$(VENV)/bin/authcore demo

# The npm packages of package-lock.json: buf; grpc-js with proto-loader for the Node.js contract test;
# protobuf-es, protoc-gen-es, TypeScript and @types/node for the Node.js client package (clients/node).
node_modules/.installed: package.json package-lock.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

## Every test (the Node.js contract test included).
test: $(VENV)/.installed-dev node_modules/.installed
	$(PY) -m pytest

## The contract's checks: buf lint (STANDARD) of proto/, and buf breaking (FILE) against the last
## release's image in contract/: a change that would break a client of that release fails.
lint: node_modules/.installed
	npx buf lint
	npx buf breaking --against $(RELEASE_IMAGE)

RELEASE_IMAGE := contract/authcore-v1-release.json

## Build a release into dist/release-VERSION: the Python client's wheel and sdist, the npm package of
## clients/node and the server's sdist, after checking that every place carries contract/VERSION and
## that buf lint and buf breaking pass. A new version: make release NEW_VERSION=0.2.0.
release: $(VENV)/.installed-dev node_modules/.installed
	$(PY) scripts/release.py $(if $(NEW_VERSION),--version $(NEW_VERSION))

## At a release: the contract as it is now becomes what buf breaking compares against.
contract-release: node_modules/.installed
	npx buf build --exclude-source-info -o $(RELEASE_IMAGE)
	python3 -c "import json, sys; p = sys.argv[1]; d = json.load(open(p)); json.dump(d, open(p, 'w'), indent=1, sort_keys=True)" $(RELEASE_IMAGE)

## Kernel benchmarks beside the plain-Python reference; ratios in .benchmarks/ratios.json.
bench: $(VENV)/.installed-dev
	$(PY) -m pytest benchmarks --benchmark-enable

## Every figure of docs/performance.md, measured now, and the report rewritten (about 10 minutes).
perf: $(VENV)/.installed-dev
	$(PY) -m pip install --quiet matplotlib
	$(PY) scripts/performance_report.py

## Train the default risk model on the simulator and evaluate it on a held-out simulation.
model: $(VENV)/.installed-dev
	$(PY) scripts/train_default_model.py

## Evaluate the shipped default model only.
model-check: $(VENV)/.installed-dev
	$(PY) scripts/train_default_model.py --check

## Regenerate clients/python/authcore/v1 from proto/ (tests fail when they drift).
protos: $(VENV)/.installed-dev
	$(PY) scripts/gen_protos.py

clean:
	rm -rf $(VENV) build *.egg-info authcore/_fast/*.c authcore/_fast/*.so
