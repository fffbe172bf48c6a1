# kubelab — two commands on a fresh machine:
#   make workshop   set up, then open the workshop notebooks in JupyterLab
#   make test       set up, then run every test: unit tests, the notebooks under nbval, the docs build
#
# Set-up is idempotent: a virtualenv in .venv with kubelab installed editable and its
# extras; Graphviz's `dot` from Debian when we are root and it is missing, otherwise the
# `graphviz-pure` wheel from the `lab` extra renders the graphs.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
STAMP  := $(VENV)/.kubelab-installed
# JupyterLab refuses to start as root without --allow-root (containers, CI machines)
JUPYTER_ARGS ?= $(if $(filter 0,$(shell id -u)),--allow-root,)
PYTEST_ARGS  ?=

.PHONY: workshop test setup graphviz unit notebooks docs bench clean help

help:
	@echo "make workshop   set up and open the workshop in JupyterLab"
	@echo "make test       set up and run unit tests, notebooks (nbval) and the docs build"
	@echo "make bench      set up and print the benchmark figures (benchmarks/)"

$(PY):
	$(PYTHON) -m venv $(VENV)

# Reinstall when the dependencies change.
$(STAMP): pyproject.toml docs/requirements.txt | $(PY)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[lab,test,docs]'
	$(PIP) install --quiet -r docs/requirements.txt
	@touch $(STAMP)

graphviz:
	@if command -v dot >/dev/null 2>&1; then \
	  echo "graphviz: using $$(command -v dot)"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "graphviz: installing Debian's graphviz"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null; \
	else \
	  echo "graphviz: no system dot and not root; kubelab renders with graphviz-pure from the venv"; \
	fi

setup: $(STAMP) graphviz

workshop: setup
	$(VENV)/bin/jupyter lab notebooks/ $(JUPYTER_ARGS)

unit: setup
	$(PY) -m pytest tests $(PYTEST_ARGS)

# Every notebook runs top to bottom; cells marked NBVAL_CHECK_OUTPUT are compared.
notebooks: setup
	@if ls notebooks/*.ipynb >/dev/null 2>&1; then \
	  $(PY) -m pytest --nbval-lax --nbval-current-env -p no:cacheprovider notebooks/ $(PYTEST_ARGS); \
	else \
	  echo "notebooks: none yet"; \
	fi

# The docs build fails on any warning.
docs: setup
	$(PY) -m sphinx -W --keep-going -q -b html docs docs/_build/html

# All three stages run even when one fails (a full report), then the status is the worst.
test: setup
	@status=0; \
	$(MAKE) --no-print-directory unit || status=1; \
	$(MAKE) --no-print-directory notebooks || status=1; \
	$(MAKE) --no-print-directory docs || status=1; \
	if [ $$status -ne 0 ]; then echo "make test: FAILED (see above)"; fi; \
	exit $$status

# Speed and memory figures (not tests: these 2-core machines are shared). One command, printed figures.
bench: setup
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf docs/_build docs/notebooks .pytest_cache
