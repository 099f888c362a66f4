# The README's commands. `make run` starts the app; `make test` runs the whole suite.
# Both create .venv on first use. torch is installed first and pinned, because a plain
# `pip install torch` (or any open range) pulls a multi-GB CUDA build.

VENV ?= .venv
PYTHON ?= python3
TORCH ?= torch==2.13.0
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.ganlab-installed

.PHONY: install run test lint bench wheel chromium clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet "$(TORCH)"
	$(PIP) install --quiet -e '.[test,ray]'
	touch $(STAMP)

run: install
	$(VENV)/bin/ganlab serve

# Browser tests need Chromium. As root on Debian/Ubuntu it is installed here; elsewhere install
# it yourself (see README). Never `playwright install`: the tests use the system browser.
chromium:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	    else echo "note: Chromium not found; browser tests will be skipped (see README)"; fi; }

test: install chromium
	$(PY) -m pytest -q

lint: install
	$(VENV)/bin/ruff check ganlab tests benchmarks

bench: install
	$(PY) benchmarks/bench_engine.py

# dist/ganlab-<version>-py3-none-any.whl (and the sdist): what `pip install` gets, UI included.
wheel: install
	$(PY) -m build --no-isolation --outdir dist .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build dist ganlab.egg-info

# The README's and docs/ui.md's pictures of the GAN Lab tab, from a real server and Chromium
# (tests never rewrite tracked files, so this is a target of its own).
.PHONY: screenshots
screenshots: install chromium
	$(PY) -m tests.browser.screenshots
