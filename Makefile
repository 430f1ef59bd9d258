# Two commands matter: `make demo` and `make test`. Both install what is missing first.
VENV := .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: setup demo test bench vendor clean

setup:
	@bash scripts/setup.sh

vendor:
	@bash scripts/vendor_js.sh

demo: setup
	$(PY) -m v2c.cli demo --out runs/demo

test: setup
	$(PY) -m pytest -q $(PYTEST_ARGS)

bench: setup
	$(PY) benchmarks/render.py

clean:
	rm -rf runs .pytest_cache
