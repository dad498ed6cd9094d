# storepulse — every target creates or refreshes .venv first, installing the pinned versions.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)

.PHONY: demo test test-fast lint format docs bench lock clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $@

demo: $(STAMP)
	$(BIN)/storepulse demo

test: $(STAMP)
	$(BIN)/python -m pytest -q

# The inner loop, on both cores: no PostgreSQL, Prefect server, browser or process-level tests.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 -m "not slow and not postgres and not prefect and not browser"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

docs: $(STAMP)
	$(BIN)/python -m tasks.metrics.docs

# The Numenta Anomaly Benchmark's data: outside the repository, so say where it is.
NAB_DIR ?= ../shared/data/nab

bench: $(STAMP)
	STOREPULSE_NAB_DIR=$(NAB_DIR) $(BIN)/python -m benchmarks

# Re-resolve the newest allowed versions into constraints.txt (then run `make test`).
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet -e '.[dev]'
	.lock-venv/bin/python -m pip freeze --exclude-editable | grep -v '^-e' > constraints.txt
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
