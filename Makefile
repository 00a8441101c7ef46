# seglab: the README's commands. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON_BOOT ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install --quiet --disable-pip-version-check --no-compile
# The environment is installed from uv.lock: exact versions with their hashes, the same on every
# machine (`make lock` refreshes the lock). uv itself (pinned) lives in $(VENV)/.uv, outside the
# environment's site-packages, so the environment holds exactly what the lock lists.
UV_VERSION := 0.13.8
UV := $(VENV)/.uv/bin/uv
SYNC = UV_PROJECT_ENVIRONMENT=$(VENV) UV_PYTHON_DOWNLOADS=never UV_LINK_MODE=copy UV_COMPILE_BYTECODE=0 \
	$(UV) sync --locked --inexact --quiet
# `make report` installs only what a run needs (pyproject's dependencies); `make test` adds the
# test, Spark and PostgreSQL extras. EXTRAS=... adds extras to the run's install, e.g.
# `make report EXTRAS=postgres` for a PostgreSQL source.
EXTRAS ?=
TEST_EXTRAS := test spark postgres
comma := ,
space := $(empty) $(empty)
RUN_STAMP := $(VENV)/.seglab-run
TEST_STAMP := $(VENV)/.seglab-test
PARAMS ?= notebooks/params/default.yaml
PYTEST_ARGS ?=
# the unit and end-to-end tests run on two workers (pytest-xdist); the notebooks (nbval) run in
# order in one process because each stage reads the files the previous one wrote
TEST_WORKERS ?= 2
# idle OpenMP threads sleep instead of spinning: scikit-learn's fits stay fast when the other
# core is busy (two test workers, or anything else running on the machine)
export OMP_WAIT_POLICY ?= PASSIVE
# Packages are installed without compiling every module to bytecode (pip's default doubled the
# install time and wrote 200 MB of it); Python caches the bytecode of the modules seglab imports
# when it first imports them, so that cache must not be switched off for these commands.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: help env report test lint lab workshop-lab dist lock lock-check clean postgres java chromium catalogs readme workshop workshop-guide

help: ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

# The environment is (re)built when pyproject.toml or uv.lock is newer than the last install.
$(UV):
	@test -x $(PY) || $(PYTHON_BOOT) -m venv $(VENV)
	$(PIP) --target $(VENV)/.uv uv==$(UV_VERSION)

$(RUN_STAMP): pyproject.toml uv.lock | $(UV)
	$(SYNC) $(foreach e,$(EXTRAS),--extra $(e))
	@$(PRUNE)
	@touch $(RUN_STAMP)

$(TEST_STAMP): $(RUN_STAMP)
	$(SYNC) $(foreach e,$(TEST_EXTRAS) $(EXTRAS),--extra $(e))
	@$(PRUNE)
	@touch $(TEST_STAMP)

# What a run never reads is removed from the environment after each install: the installed
# libraries' own test suites (pandas 41 MB, scipy, numpy, pyarrow, matplotlib ...: about 130 MB)
# and the C/C++/Cython sources and headers they ship for building extensions (about 22 MB); and
# Babel's data for the ~1,000 locales seglab's pages do not speak (35 MB; kept: en, fa, ar).
PRUNE = find $(VENV)/lib -path '*/site-packages/*' -type d \( -name tests -o -name test \) -prune -exec rm -rf {} + ; \
	find $(VENV)/lib -path '*/site-packages/*' -type f \( -name '*.pyx' -o -name '*.pxd' -o -name '*.pxi' \
	  -o -name '*.h' -o -name '*.hpp' -o -name '*.c' -o -name '*.cpp' \) -delete ; \
	find $(VENV)/lib -path '*/site-packages/babel/locale-data/*.dat' ! -name root.dat ! -name en.dat \
	  ! -name fa.dat ! -name ar.dat -delete

env: $(RUN_STAMP) ## create or update the virtual environment (.venv) with what a run needs

report: $(RUN_STAMP) ## run the whole pipeline on the default data -> reports/<run>/index.html
	$(VENV)/bin/seglab run --params $(PARAMS)

# PostgreSQL server binaries for the database tests (the tests start their own server).
postgres: ## install Debian's PostgreSQL server binaries when missing (needs root)
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || \
	  { if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	    else echo "PostgreSQL not installed and not root: the PostgreSQL tests will be skipped"; fi; }

# Java for the Spark engine tests (features.engine: spark runs Spark in local mode).
java: ## install Debian's Java runtime when missing (needs root)
	@command -v java >/dev/null || \
	  { if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null; \
	    else echo "Java not installed and not root: the Spark tests will be skipped"; fi; }

# Chromium for the browser tests of the HTML reports (Playwright drives Debian's chromium).
chromium: ## install Debian's chromium when missing (needs root)
	@command -v chromium >/dev/null || \
	  { if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	    else echo "chromium not installed and not root: the browser tests will be skipped"; fi; }

test: $(TEST_STAMP) postgres java chromium ## run the whole test suite (unit, notebooks, end-to-end, browser, lint)
	$(VENV)/bin/ruff check src tests notebooks benchmarks
	$(VENV)/bin/ruff format --check src tests notebooks benchmarks
	$(VENV)/bin/pytest tests -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)
	$(VENV)/bin/pytest notebooks $(PYTEST_ARGS)

readme: $(RUN_STAMP) ## rewrite the README's generated tables (outputs, feature catalog) from the code
	$(PY) -c "from seglab.run import readme; readme.update_readme('README.md')"

catalogs: $(RUN_STAMP) ## collect every reader-visible text into src/seglab/locale (seglab.pot; the workshop's into src/seglab_workshop/locale) and merge it into the fa and ar catalogs
	$(PY) -m seglab.i18n.catalogs
	$(PY) -m seglab.i18n.catalogs --check || echo "translate the entries above in src/seglab/locale/{fa,ar}/LC_MESSAGES/seglab.po"
	$(PY) -m seglab_workshop.catalogs
	$(PY) -m seglab_workshop.catalogs --check || echo "translate the entries above in src/seglab_workshop/locale/fa/LC_MESSAGES/seglab_workshop.po"

WORKSHOP_LANGUAGE ?= en
workshop: $(RUN_STAMP) ## the workshop room: learner notebooks in workshop/, the instructor's (solutions, guide.html) in workshop-instructor/ (WORKSHOP_LANGUAGE=fa for Persian)
	$(VENV)/bin/seglab-workshop --out workshop --language $(WORKSHOP_LANGUAGE)
	$(VENV)/bin/seglab-workshop --out workshop-instructor --instructor --language $(WORKSHOP_LANGUAGE)
	@echo "learners: the notebooks of workshop/ (make workshop-lab); instructor: workshop-instructor/guide.html"

workshop-guide: $(RUN_STAMP) ## rewrite the expected answers in the workshop guides from the notebooks' computation
	$(PY) -c "from seglab_workshop import answers; print(answers.update_guides())"

lint: $(TEST_STAMP) ## ruff (rules and formatting) on the package, tests, notebooks and benchmarks
	$(VENV)/bin/ruff check src tests notebooks benchmarks
	$(VENV)/bin/ruff format --check src tests notebooks benchmarks

lab: $(RUN_STAMP) ## JupyterLab on the notebooks
	$(SYNC) $(foreach e,lab $(EXTRAS),--extra $(e))
	$(VENV)/bin/jupyter lab notebooks $$([ "$$(id -u)" = 0 ] && echo --allow-root)

workshop-lab: workshop ## JupyterLab on the learners' notebooks only (workshop/), not on notebooks/ where the workshop's source holds the solutions
	$(SYNC) $(foreach e,lab $(EXTRAS),--extra $(e))
	$(VENV)/bin/jupyter lab workshop $$([ "$$(id -u)" = 0 ] && echo --allow-root)

lock: | $(UV) ## refresh uv.lock to the newest releases pyproject.toml allows, and environment.yml from it
	UV_PYTHON_DOWNLOADS=never $(UV) lock --upgrade --python $(PY)
	$(PY) -m seglab.lockfile --write-conda environment.yml
	@echo "uv.lock and environment.yml refreshed: run make test, then commit both"

lock-check: $(RUN_STAMP) ## compare the installed packages with uv.lock (what pip freeze lists against the lock)
	$(PY) -m seglab.lockfile --check --extras $$(ls $(TEST_STAMP) >/dev/null 2>&1 && echo $(subst $(space),$(comma),$(TEST_EXTRAS)))

dist: | $(UV) ## build the wheel (dist/seglab-<version>-py3-none-any.whl): what `pip install` takes where there is no clone, e.g. a hosted notebook (seglab-workshop --install)
	rm -rf build  # (setuptools keeps the files of earlier builds there, and would pack them again)
	$(UV) build --wheel --quiet --out-dir dist

clean: ## remove generated data and reports (keeps the environment)
	find data/raw data/interim data/processed reports -mindepth 1 ! -name .gitkeep -exec rm -rf {} +
