# Two commands matter: `make demo` and `make test`. Both install what they need.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MELTANO_VENV := .venv-meltano
MELTANO := $(MELTANO_VENV)/bin/meltano
PACKAGES := vendor-http vendor-sandbox vendor-testing tap-rickai tap-kameleoon target-calltouch-plans
# Meltano never phones home or prompts (CI has no stdin).
export MELTANO_SEND_ANONYMOUS_USAGE_STATS := false
# Run with Meltano's own venv first on PATH (its `uv` installs the plugins);
# scripts and tests find the executable in $MELTANO.
WITH_MELTANO := PATH="$(CURDIR)/$(MELTANO_VENV)/bin:$$PATH" MELTANO="$(CURDIR)/$(MELTANO)"

.PHONY: install meltano demo test bench lint readme clean

install: $(VENV)/.installed
$(VENV)/.installed: $(foreach p,$(PACKAGES),$(p)/pyproject.toml)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python \
		-e ./vendor-http -e ./vendor-sandbox -e ./vendor-testing -e "./tap-rickai[test]" -e "./tap-kameleoon[test]" -e "./target-calltouch-plans[test]" \
		"pytest>=8" "duckdb>=1.1" "msgspec>=0.19" "ruff>=0.6"
	touch $@

# Meltano lives in its own environment; `meltano install` puts each plugin in
# its own under .meltano/ (tap-rickai editable from this repository, target-duckdb
# from PyPI). Redone when meltano.yml or a package's dependencies change.
meltano: $(MELTANO_VENV)/.installed
$(MELTANO_VENV)/.installed: meltano.yml $(foreach p,$(PACKAGES),$(p)/pyproject.toml)
	$(PYTHON) -m venv $(MELTANO_VENV)
	$(MELTANO_VENV)/bin/python -m pip install --quiet --disable-pip-version-check uv
	$(MELTANO_VENV)/bin/uv pip install --quiet --python $(MELTANO_VENV)/bin/python "meltano~=4.4"
	$(WITH_MELTANO) $(MELTANO) install </dev/null
	mkdir -p output
	touch $@

# Sandbox on a free port, `meltano run tap-rickai target-duckdb`, summary, sandbox stopped.
demo: install meltano
	$(WITH_MELTANO) $(BIN)/python scripts/demo.py </dev/null

test: install meltano
	$(WITH_MELTANO) $(BIN)/python -m pytest

bench: install
	$(BIN)/python bench/rickai_bench.py
	$(BIN)/python bench/calltouch_bench.py

lint: install
	$(BIN)/ruff check $(PACKAGES) scripts bench
	$(BIN)/ruff format --check $(PACKAGES) scripts bench

# Regenerate each plugin's settings table from `--about --format=markdown`.
readme: install
	$(BIN)/python scripts/settings_table.py tap-rickai tap-kameleoon target-calltouch-plans

# output/ stays (it is in the repository: meltano.yml's warehouse and logs go there).
clean:
	rm -rf $(VENV) $(MELTANO_VENV) .meltano
	find output -mindepth 1 ! -name .gitkeep -exec rm -rf {} +
