# Two commands on a fresh machine:  make demo  (print the sample cards)  and  make test.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
GENERATIONS := 2002 2006 2012 2022

.PHONY: demo test system venv lint bench clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

system:
	@sh scripts/system-deps.sh

demo: system venv
	@for gen in $(GENERATIONS); do \
	  $(BIN)/cardkit print --gen $$gen || exit 1; \
	  $(BIN)/cardkit print --gen $$gen --layout cards -o out/cards-$$gen-1up.pdf || exit 1; \
	done

test: system venv
	$(BIN)/python -m pytest -q

lint: venv
	$(BIN)/ruff check src tests

clean:
	rm -rf $(VENV) out build dist
