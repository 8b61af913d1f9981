# Two commands matter: `make demo` and `make test`. Both install what they need.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MELTANO_VENV := .venv-meltano
MELTANO := $(MELTANO_VENV)/bin/meltano
ORCHESTRATE_VENV := .venv-orchestrate
PACKAGES := vendor-http vendor-sandbox vendor-testing tap-rickai tap-kameleoon target-calltouch-plans target-duckdb-sdk tap-trust tap-shopster
# uv as pinned in the dev group of pyproject.toml (one place for the version).
UV_VERSION := $(shell sed -n 's/^ *"uv==\([^"]*\)".*/\1/p' pyproject.toml)
MELTANO_VERSION := 4.4.1
# Installs write bytecode (.pyc) once: where PYTHONDONTWRITEBYTECODE is set, as on these
# machines and CI, Python would otherwise compile every module it imports on each start
# (meltano --version: 3.8 s instead of 1.1 s; each plugin start about 1.2 s more).
# uv sync, Meltano's uv backend (the plugins' venvs) and uv pip all read this.
export UV_COMPILE_BYTECODE := 1
# Meltano never phones home or prompts (CI has no stdin).
export MELTANO_SEND_ANONYMOUS_USAGE_STATS := false
# Run with Meltano's own venv first on PATH (its `uv` installs the plugins);
# scripts and tests find the executable in $MELTANO.
WITH_MELTANO := PATH="$(CURDIR)/$(MELTANO_VENV)/bin:$$PATH" MELTANO="$(CURDIR)/$(MELTANO)"

.PHONY: install meltano orchestrate demo test test-integration bench lint mutation readme hub dist clean

# The uv workspace (root pyproject.toml) exactly as uv.lock pins it: every package
# editable, their test groups and the tools (dev group). --locked fails if uv.lock
# is stale: run `.venv/bin/uv lock` after changing a dependency, and commit uv.lock.
install: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml uv.lock $(foreach p,$(PACKAGES),$(p)/pyproject.toml)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(BIN)/uv sync --quiet --locked --all-packages --all-groups --python $(BIN)/python
	touch $@

# Meltano lives in its own environment; `meltano install` puts each plugin in
# its own under .meltano/ (the plugins of this repository editable, tap-spreadsheets
# from PyPI). Redone when meltano.yml or a package's dependencies change.
meltano: $(MELTANO_VENV)/.installed
$(MELTANO_VENV)/.installed: meltano.yml $(foreach p,$(PACKAGES),$(p)/pyproject.toml)
	$(PYTHON) -m venv $(MELTANO_VENV)
	$(MELTANO_VENV)/bin/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(MELTANO_VENV)/bin/uv pip install --quiet --python $(MELTANO_VENV)/bin/python "meltano==$(MELTANO_VERSION)"
	$(WITH_MELTANO) $(MELTANO) install </dev/null
	mkdir -p output
	touch $@

# The orchestrator (orchestrate/: Dagster with dagster-meltano) in its own environment: it pins
# Dagster 1.9 (dagster-meltano needs dagster-shell, whose last release caps it) and shares
# nothing with the uv workspace.
orchestrate: $(ORCHESTRATE_VENV)/.installed
$(ORCHESTRATE_VENV)/.installed: orchestrate/pyproject.toml $(VENV)/.installed
	$(BIN)/uv venv --quiet --allow-existing --python $(PYTHON) $(ORCHESTRATE_VENV)
	$(BIN)/uv pip install --quiet --python $(ORCHESTRATE_VENV)/bin/python -e ./orchestrate
	touch $@

# Sandbox on a free port, the three jobs (scripts/demo.py), summary, sandbox stopped.
demo: install meltano
	$(WITH_MELTANO) $(BIN)/python scripts/demo.py </dev/null

# Tests run in parallel (pytest-xdist), the tests of one file on one worker (they may
# share a module's sandbox or the SDK's class-scoped runner). Most of a test's time is
# spent waiting for the sandbox (rate limits, polls), so more workers than CPUs help.
# TEST_WORKERS=0 runs them one after the other in this process.
TEST_WORKERS ?= 4
test: install meltano
	$(WITH_MELTANO) $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

# The heavy end-to-end tests (tests/integration/, left out of `make test`'s collection), which CI
# runs after `make test`: every tap through `meltano run` into the other Singer targets of
# meltano.yml (target-postgres on a real PostgreSQL the tests start with pgserver, from the
# integration group; target-csv; target-jsonl; `make meltano` installs them with the rest), and
# the orchestrator materialising an account-day partition through Meltano against the sandbox.
# The tests of one tap run on one worker (loadgroup).
test-integration: install meltano orchestrate
	$(WITH_MELTANO) ORCHESTRATE_PYTHON="$(CURDIR)/$(ORCHESTRATE_VENV)/bin/python" $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup tests/integration

bench: install meltano
	$(WITH_MELTANO) $(BIN)/python bench/rickai_bench.py
	$(BIN)/python bench/calltouch_bench.py
	$(BIN)/python bench/kameleoon_bench.py

lint: install
	$(BIN)/ruff check $(PACKAGES) orchestrate scripts bench tests conftest.py
	$(BIN)/ruff format --check $(PACKAGES) orchestrate scripts bench tests conftest.py
	$(BIN)/mypy

# Mutation testing (not in CI: it takes minutes), one module at a time with
# MUTATION_WORKERS workers, then a score per module; fails if one scores below
# MUTATION_MIN %. By default every module of vendor-http, then the plugins' own logic
# (PLUGIN_TARGETS in scripts/mutation.py). MUTATION_MODULES="retry dates" limits it to
# modules of vendor-http; MUTATION_TARGETS="target-calltouch-plans:plans
# tap-kameleoon:audiences:windows,resumable" to modules (or functions) of any package,
# judged with the test files of its pyproject's [tool.mutmut]. Equivalent mutants are
# listed in <package>/mutation-equivalents.md. MUTATION_FLAGS=--gaps judges again only
# what the last run did not catch (after adding tests); "--only-tests rate_budget" judges
# with those tests only, a quick lower bound (--keep, --report: see the script).
MUTATION_WORKERS ?= 2
MUTATION_MIN ?= 90
MUTATION_MODULES ?=
MUTATION_TARGETS ?=
MUTATION_FLAGS ?=
mutation: install
	$(BIN)/python scripts/mutation.py --max-children $(MUTATION_WORKERS) --fail-under $(MUTATION_MIN) $(MUTATION_FLAGS) \
		$(MUTATION_MODULES) $(MUTATION_TARGETS)

# Regenerate each plugin's settings table from `--about --format=markdown`, and the tables of
# vendor-sandbox/README.md from the sandbox's code (the same code as `vendor-sandbox --help`).
# The tests fail when they are out of date.
readme: install
	$(BIN)/python scripts/settings_table.py tap-rickai tap-kameleoon target-calltouch-plans tap-trust tap-shopster target-duckdb-sdk
	$(BIN)/python scripts/sandbox_readme.py

# Each plugin's Meltano Hub definition (hub/) and its definition in meltano.yml, from
# `--about --format=json`; the plugins are listed in publish.toml. The tests fail when
# they are out of date.
hub: install
	$(BIN)/python scripts/meltano_hub.py

# What a release publishes: sdist and wheel of every plugin and of the shared layer
# (publish.toml), checked by twine, in dist/. The tests build and check them too.
dist: install
	rm -rf dist
	for p in $$($(BIN)/python scripts/release.py packages); do $(BIN)/uv build --quiet --out-dir dist $$p || exit 1; done
	$(BIN)/twine check --strict dist/*

# output/ stays (it is in the repository: meltano.yml's warehouse and logs go there).
clean:
	rm -rf $(VENV) $(MELTANO_VENV) $(ORCHESTRATE_VENV) .venv-singer-tools .venv-singer-tools.lock .meltano dist
	find output -mindepth 1 ! -name .gitkeep -exec rm -rf {} +
