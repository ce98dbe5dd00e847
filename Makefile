# Two commands on a fresh machine:  make demo  (print the sample cards)  and  make test.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
GENERATIONS := 2002 2006 2012 2022

.PHONY: demo test test-differential serve system browser venv lint bench clean i18n

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,serve]'
	touch $@

system:
	@sh scripts/system-deps.sh

# The browser tests (tests/serve, marked browser) drive Debian's chromium: make test installs
# it, make demo does not.
browser:
	@sh scripts/system-deps.sh --browser

demo: system venv
	@for gen in $(GENERATIONS); do \
	  $(BIN)/cardkit print --gen $$gen || exit 1; \
	  $(BIN)/cardkit print --gen $$gen --layout cards -o out/cards-$$gen-1up.pdf || exit 1; \
	done

# Under any locale; .ci/run runs it under zh_CN.UTF-8, then the locale-sensitive tests under C:
#   LANG=C make test PYTEST_ARGS='-m locale_sensitive'
# The tests run on every core (pytest-xdist), a worker taking tests from another's queue once
# its own is empty (worksteal: no core idles through the last slow tests): about 4 minutes on
# two cores, the browser flows included (3:40 to 5:07 measured in one evening, as the shared
# host's load and the virtual machine's stolen time varied; 4:18 to 4:32 without worksteal).
test: system browser venv
	$(BIN)/python -m pytest -q -n auto --dist worksteal $(PYTEST_ARGS)

# The differential test's whole all-pairs set (issue 21), not only the sample make test runs.
test-differential: system venv
	CARDKIT_DIFFERENTIAL=full $(BIN)/python -m pytest -q tests/render/test_differential.py

# The station's web page on http://127.0.0.1:8000 (Ctrl-C stops it); see README "cardkit serve".
serve: system venv
	$(BIN)/cardkit serve $(SERVE_ARGS)

bench: venv  # N = 10, 1000, 10000 beside a plain-WeasyPrint baseline; see bench/README.md
	$(BIN)/python bench/bench.py

lint: venv
	$(BIN)/ruff check src tests
	$(BIN)/mypy  # [tool.mypy] in pyproject.toml; tests/unit/test_types.py runs it too

# Messages: extract from the source and the click command tree (babel.cfg), merge into
# each catalogue, then compile the .mo files (committed, so installs need no Babel).
# Translate new entries in src/cardkit/locale/*/LC_MESSAGES/cardkit.po, then run it again.
LOCALE := src/cardkit/locale
i18n: venv
	@mkdir -p build
	$(BIN)/pybabel extract -F babel.cfg -k Nn_:1,2 --add-location=file --sort-output --no-wrap \
	  --project=cardkit --version=0.1.0 --copyright-holder="cardkit contributors" -o build/cardkit.pot .
	$(BIN)/pybabel update -i build/cardkit.pot -d $(LOCALE) -D cardkit -l zh_CN --init-missing \
	  --no-wrap --ignore-pot-creation-date
	$(BIN)/pybabel compile -d $(LOCALE) -D cardkit --statistics

clean:
	rm -rf $(VENV) out build dist
