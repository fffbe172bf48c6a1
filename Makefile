# kubelab — two commands on a fresh machine:
#   make workshop   set up, then open the workshop notebooks in JupyterLab
#   make test       set up, then run every test: unit tests, the notebooks under nbval, the docs build
# and two that CI (.ci/run) adds, each in a fresh venv of its own:
#   make check-wheel    build the wheel, install it alone (no extras), run the README's tour
#   make check-binder   install exactly what binder/ installs, run every notebook
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

.PHONY: workshop test setup graphviz unit notebooks docs bench clean help check-wheel check-binder

help:
	@echo "make workshop   set up and open the workshop in JupyterLab"
	@echo "make test       set up and run unit tests, notebooks (nbval) and the docs build"
	@echo "make bench      set up and print the benchmark figures (benchmarks/)"
	@echo "make check-wheel   the wheel alone in a fresh venv runs the README's tour (CI)"
	@echo "make check-binder  what binder/ installs, in a fresh venv, runs every notebook (CI)"

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

# Every notebook runs top to bottom; cells tagged nbval-check-output are compared.
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

# What a user gets from `pip install kubelab`: build the wheel, install it alone (no extras)
# in a fresh venv, run the README's python blocks and compare the output they show. It runs
# from a scratch directory so that the kubelab/ source folder cannot shadow the wheel.
CHECK_DIR ?= $(or $(TMPDIR),/tmp)/kubelab-check
check-wheel:
	rm -rf $(CHECK_DIR)/wheel && mkdir -p $(CHECK_DIR)/wheel
	$(PYTHON) -m venv $(CHECK_DIR)/wheel/venv
	$(CHECK_DIR)/wheel/venv/bin/python -m pip install --quiet --upgrade pip
	rm -rf build/lib  # setuptools builds in the tree; stale modules there would ride along
	$(CHECK_DIR)/wheel/venv/bin/python -m pip wheel --quiet --no-deps -w $(CHECK_DIR)/wheel/dist .
	$(CHECK_DIR)/wheel/venv/bin/python -m pip install --quiet $(CHECK_DIR)/wheel/dist/kubelab-*.whl
	cd $(CHECK_DIR)/wheel && venv/bin/python $(CURDIR)/tests/readme_tour.py $(CURDIR)/README.md

# What Binder gets: binder/requirements.txt (kubelab with the live extra) in a fresh venv, plus
# the notebook runner standing in for the Jupyter that Binder's base image provides
# (nbval runs each notebook top to bottom in a kernel of this venv, as `make notebooks`).
check-binder:
	rm -rf $(CHECK_DIR)/binder && mkdir -p $(CHECK_DIR)/binder
	$(PYTHON) -m venv $(CHECK_DIR)/binder/venv
	$(CHECK_DIR)/binder/venv/bin/python -m pip install --quiet --upgrade pip
	rm -rf build/lib
	$(CHECK_DIR)/binder/venv/bin/python -m pip install --quiet -r binder/requirements.txt
	$(CHECK_DIR)/binder/venv/bin/python -m pip install --quiet nbval ipykernel
	cd $(CHECK_DIR)/binder && venv/bin/python -c "import kubelab; print('kubelab from', kubelab.__path__[0])"
	cd $(CHECK_DIR)/binder && venv/bin/python -m pytest --nbval-lax --nbval-current-env -p no:cacheprovider \
	  --rootdir=. -c /dev/null $(CURDIR)/notebooks/

# Speed and memory figures (not tests: these 2-core machines are shared). One command, printed figures.
# The 5,000-node run stops each phase after SCALE_LIMIT wall seconds (its target is 10 minutes
# in all) and reports how far it got; run it alone without --limit for the full measure.
SCALE_LIMIT ?= 600
bench: setup
	@for b in benchmarks/bench_*.py; do echo "== $$b"; \
	  case $$b in *bench_5000_nodes.py) $(PY) $$b --limit $(SCALE_LIMIT) || exit 1;; \
	                                 *) $(PY) $$b || exit 1;; esac; done

clean:
	rm -rf docs/_build docs/notebooks .pytest_cache $(CHECK_DIR)
