# Generative Chemistry with VAEs: the course's commands. `make help` lists them.
#   make lab    set up .venv (first time) and open JupyterLab on the course
#   make test   the whole test suite (CI runs exactly this)

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(abspath $(VENV))/bin
# nbgrader runs alembic and jupyter as subprocesses: the venv's bin/ must come first on PATH.
export PATH := $(BIN):$(PATH)
export MPLBACKEND ?= Agg

# PyTorch 2.13.0, installed first by scripts/install_torch.py: the CPU build where it can be had,
# so a CPU machine does not pull a multi-GB CUDA build, and PyPI alone is enough. On Linux it tries
# torch==2.13.0+cpu from pip's configured indexes, then from PyTorch's CPU index (TORCH_CPU_INDEX,
# default https://download.pytorch.org/whl/cpu), then torch==2.13.0 from PyPI (the CUDA build; it
# runs on CPU too); on macOS and Windows PyPI's torch==2.13.0 is the CPU build (README: "Installing PyTorch").
# Set either variable to install exactly that instead, e.g. for an NVIDIA GPU:
#   make setup TORCH_SPEC=torch==2.13.0 TORCH_INDEX=https://download.pytorch.org/whl/cu128
# (TORCH_INDEX alone: the CPU build, torch==2.13.0+cpu on Linux, with that --extra-index-url.)
TORCH_SPEC ?=
TORCH_INDEX ?=
TORCH_ARGS := $(strip $(if $(TORCH_SPEC),--spec "$(TORCH_SPEC)") $(if $(TORCH_INDEX),--index "$(TORCH_INDEX)"))
LAB_ARGS ?=
# Jupyter refuses to run as root (containers, CI) unless told to.
ROOT_ARG := $(if $(filter 0,$(shell id -u)),--allow-root,)
PYTEST_ARGS ?=
STAMP := $(VENV)/.installed

LAB ?= *
# Grading: the nbgrader course folder (gradebook.db, submitted/, autograded/, feedback/) and how many
# submissions run at once. Every submission runs in its own bubblewrap sandbox; SANDBOX=0 turns that
# off (with a warning on every run) for trusted notebooks only.
COURSE_DIR ?= $(CURDIR)
FEEDBACK_ARGS ?=
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
AUTOGRADE_ARGS ?=

.PHONY: help setup lab test test-fast test-gpu check colab lint release autograde integrity feedback grades \
	manual-export manual-import mistakes bench mutation book test-book hub-setup test-hub clean

help:
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

setup: $(STAMP) ## create or update .venv (quick when nothing changed)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -c 'import sys; assert sys.version_info >= (3, 10), "Python >= 3.10 needed, found " + sys.version' \
		|| { echo "Remove .venv and run: make setup PYTHON=python3.11"; exit 1; }
	$(BIN)/python scripts/install_torch.py $(TORCH_ARGS)
	$(BIN)/python -m pip install --quiet -e ".[dev,grading,lab]"
	@touch $(STAMP)
	@echo "Environment ready in $(VENV)"

lab: setup ## open JupyterLab on the course (LAB_ARGS="--no-browser --port=8888" to customise)
	$(BIN)/jupyter lab --ServerApp.root_dir=$(CURDIR) $(ROOT_ARG) $(LAB_ARGS)

test: setup ## the whole test suite, on both cores
	$(BIN)/python -m pytest -n auto --durations=40 $(PYTEST_ARGS)

test-fast: setup ## unit tests only (no slow tests), under 2 minutes
	$(BIN)/python -m pytest -n auto -m "not slow" $(PYTEST_ARGS)

GPU_NOTEBOOKS ?= solutions lectures
test-gpu: setup ## the solution and lecture notebooks under nbval on CUDA (COURSE_DEVICE=cpu: the same run on CPU)
	COURSE_DEVICE=$${COURSE_DEVICE:-cuda} $(BIN)/python -m pytest -n 0 --durations=0 \
		--nbval-sanitize-with tests/nbval_sanitize.cfg $(GPU_NOTEBOOKS) $(PYTEST_ARGS)

check: setup ## self-study: run one lab's visible tests, report per question (LAB=lab02, or NB=path; HIDDEN=1: the hidden tests too; SANDBOX=1: in the grading sandbox)
	$(BIN)/python -m course_grading.selfcheck "$(if $(NB),$(NB),$(LAB))" $(if $(filter 1,$(HIDDEN)),--hidden,)

lint: setup ## ruff on code and notebooks
	$(BIN)/ruff check .

release: setup ## regenerate labs/ (student notebooks) from solutions/ with nbgrader
	@shopt -s nullglob; for d in solutions/*/; do a=$$(basename $$d); \
		echo "nbgrader generate_assignment $$a"; \
		$(BIN)/nbgrader generate_assignment "$$a" --no-db --force --log-level=ERROR || exit 1; done

colab: setup ## refresh the Colab badge and install cell of every notebook (URL: pyproject Repository), then release
	$(BIN)/python scripts/colab.py
	$(MAKE) --no-print-directory release

# a short lab name (LAB=lab01) becomes the lab's id, or make stops with the list of labs
RESOLVE = lab=$$(cd "$(COURSE_DIR)" && $(BIN)/python -m course_grading.collect resolve "$(LAB)") || exit 2

autograde: setup ## grade submitted/<student>/<lab>/ (LAB=lab01), JOBS at once, each in its own sandbox; integrity scan; feedback made current
	@$(RESOLVE); cd "$(COURSE_DIR)" && \
	echo "nbgrader generate_assignment $$lab (records the lab's cells in gradebook.db)" && \
	$(BIN)/nbgrader generate_assignment "$$lab" --force --log-level=ERROR && \
	{ $(BIN)/python -m course_grading.autograde "$$lab" --create --jobs=$(JOBS) --log-level=WARN $(AUTOGRADE_ARGS); \
	  rc=$$?; $(BIN)/python -m course_grading.refresh "$$lab" || { [ $$rc -ne 0 ] || rc=1; }; exit $$rc; }

integrity: setup ## report answer cells in submitted/ that could fool the tests (__eq__, monkeypatching, exec)
	cd "$(COURSE_DIR)" && $(BIN)/python -m course_grading.integrity submitted

feedback: setup ## make the HTML feedback of LAB current, in feedback/ (only pages whose grades changed; FEEDBACK_ARGS=--all: every page)
	@$(RESOLVE); cd "$(COURSE_DIR)" && $(BIN)/python -m course_grading.refresh "$$lab" $(FEEDBACK_ARGS)

grades: setup ## export every grade to grades.csv: one row per student and lab, with status and pending points
	cd "$(COURSE_DIR)" && $(BIN)/python -m course_grading.grades grades.csv

manual-export: setup ## write every answer waiting for hand-grading to manual-grading-<lab>.csv (LAB=lab01)
	@$(RESOLVE); cd "$(COURSE_DIR)" && $(BIN)/python -m course_grading.manual export "$$lab"

manual-import: setup ## record the scores and comments of a filled-in manual-grading file (FILE=...), all or nothing
	@test -n "$(FILE)" || { echo "manual-import: name the file: make manual-import FILE=manual-grading-<lab>.csv"; exit 2; }
	cd "$(COURSE_DIR)" && $(BIN)/python -m course_grading.manual import "$(abspath $(FILE))"

mistakes: setup ## run each lab's catalogue of classic mistakes (tests/submissions/<lab>/mistake_*.py): caught where, named? (LAB=lab01)
	$(BIN)/python -m course_grading.mistakes $(filter-out *,$(LAB))

bench: setup ## measure run times and course results; writes bench/results.json
	$(BIN)/python scripts/bench.py

mutation: setup ## mutation score of each course_utils module on its fast tests, and the surviving mutants (MODULES=vae,crystal)
	$(BIN)/python mutation/run.py $(if $(MODULES),--modules "$(MODULES)",)

# The course as a website (scripts/book.py, book/conf.py): Sphinx + MyST-NB + the book theme from PyPI (the
# `book` extra), MathJax from the npm registry (served by the site itself, no CDN), Debian's Chromium for the
# browser checks (book/test_site.py; Playwright drives it and never downloads a browser).
MATHJAX_VERSION ?= 3.2.2
BOOK_STAMP := $(VENV)/.installed-book

# $(call extra_and_npm,EXTRA,FOLDER,PACKAGE@VERSION,WHAT): the pip extra EXTRA, then one npm package into
# $(VENV)/FOLDER (no lock file, nothing saved in the repository), then the stamp; a clear stop without npm.
define extra_and_npm
	$(BIN)/python -m pip install --quiet -e ".[dev,grading,lab,$(1)]"
	@command -v npm >/dev/null || { echo "$(4) needs npm (Node.js >= 20) to install $(3) from the npm registry:" \
		"apt-get install nodejs npm (Debian), or your system's Node.js package"; exit 2; }
	npm install --silent --no-audit --no-fund --no-save --no-package-lock --prefix $(VENV)/$(2) $(3)
	@touch $@
endef

$(BOOK_STAMP): $(STAMP) pyproject.toml
	$(call extra_and_npm,book,book-vendor,mathjax@$(MATHJAX_VERSION),make book)

book: $(BOOK_STAMP) ## build the course website into build/book/html (lectures run, labs as released); offline, strict
	$(BIN)/python scripts/book.py

test-book: book ## open every page of the built book in headless Chromium: no errors, images, math, links; screenshots
	@bash scripts/install_chromium.sh
	$(BIN)/python -m pytest -n 0 book/test_site.py $(PYTEST_ARGS)

# A class on JupyterHub (hub/, hub/README.md): JupyterHub from PyPI (the `hub` extra) and its proxy,
# configurable-http-proxy, from the npm registry into .venv/hub-vendor (Node.js from the system).
# hub/test_hub.py starts a real hub with hub/jupyterhub_config.py; it needs root (it makes Unix users).
# The Kubernetes deployment's exchange (hub/k8s/, hub/test_ngshare.py): ngshare, a hub service, in a virtual
# environment of its own (.venv/hub-vendor/ngshare) as its own image runs it, with SQLAlchemy 1.4 (ngshare 0.6.0
# with SQLAlchemy 2 answers "released" and stores nothing); its nbgrader client ngshare_exchange in .venv without
# its dependencies (it pins jupyter-core < 4.11.2, which nbgrader 0.9 cannot use; it needs only requests and
# rapidfuzz, both in the hub extra). hub/k8s/Dockerfile installs the same versions the same way.
CHP_VERSION ?= 5.3.0
NGSHARE_VERSION ?= 0.6.0
NGSHARE_EXCHANGE_VERSION ?= 0.5.3
HUB_STAMP := $(VENV)/.installed-hub

$(HUB_STAMP): $(STAMP) pyproject.toml
	@test -x $(VENV)/hub-vendor/ngshare/bin/python || $(BIN)/python -m venv $(VENV)/hub-vendor/ngshare
	$(VENV)/hub-vendor/ngshare/bin/python -m pip install --quiet "ngshare==$(NGSHARE_VERSION)" "SQLAlchemy>=1.4,<2"
	$(BIN)/python -m pip install --quiet --no-deps "ngshare_exchange==$(NGSHARE_EXCHANGE_VERSION)"
	$(call extra_and_npm,hub,hub-vendor,configurable-http-proxy@$(CHP_VERSION),make hub-setup)

hub-setup: $(HUB_STAMP) ## install JupyterHub (pip), configurable-http-proxy (npm, into .venv/hub-vendor) and ngshare

test-hub: hub-setup ## as root: a real JupyterHub on 127.0.0.1 with temporary Unix users: logins, roster, spawns, isolation; one term of lab 01 through nbgrader's exchange
	@bash scripts/install_chromium.sh
	@$(BIN)/python -c "import playwright" 2>/dev/null || $(BIN)/python -m pip install --quiet "playwright>=1.50,<2"
	$(BIN)/python -m pytest -n 0 hub/test_hub.py hub/test_exchange.py hub/test_browser.py hub/test_ngshare.py hub/test_k8s_files.py $(PYTEST_ARGS)

clean: ## remove caches (keeps .venv)
	find . -name __pycache__ -not -path './.venv/*' -prune -exec rm -rf {} +
	rm -rf .pytest_cache .ruff_cache
