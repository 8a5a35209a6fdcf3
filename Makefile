# The two commands of the README: `make demo` and `make test`. Each sets up .venv first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8000

.PHONY: demo test lint bench install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	DEBUG=1 $(BIN)/mandate migrate --noinput --verbosity 0
	DEBUG=1 $(BIN)/mandate demo
	@# The worker sends queued messages (console backend in the demo) beside the web server.
	DEBUG=1 $(BIN)/mandate worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=1 $(BIN)/mandate runserver 127.0.0.1:$(PORT)

test: $(STAMP)
	bash scripts/test

lint: $(STAMP)
	$(BIN)/ruff check src bench
	$(BIN)/ruff format --check src bench
	$(BIN)/mypy src

bench: $(STAMP)
	bash scripts/bench

clean:
	rm -rf $(VENV) var
