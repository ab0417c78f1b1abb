# zhijian — two commands on a fresh machine: `make demo` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
export ZHIJIAN_VAR_DIR ?= ./var

.PHONY: demo test test-quick install lint bench system-deps clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

system-deps:
	bash scripts/system-deps.sh

demo: $(STAMP)
	mkdir -p var
	$(BIN)/zhijian db upgrade
	$(BIN)/zhijian demo
	$(BIN)/zhijian serve --host $(HOST) --port $(PORT)

test: $(STAMP) system-deps
	$(BIN)/ruff check src tests bench
	$(BIN)/python -m pytest -n 2 --dist loadgroup

# the suite without the slow (fault injection, fuzzing, crawling) and browser tests, for quick local runs
test-quick: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/python -m pytest -n 2 --dist loadgroup -m "not slow and not browser"

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

bench: $(STAMP)
	scripts/system-deps.sh --bench
	for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) var .pytest_cache
