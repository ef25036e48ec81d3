# Two commands do all the set-up on a fresh machine with Python 3.11:
#   make run    virtualenv, install, migrate, load the sample county, start the server
#   make test   install the dev requirements and run the whole suite
#   make test-fast  the same without the slow flights and real-SITL tests (-m "not slow and not sitl")
PYTHON ?= python3.11
VENV ?= .venv
PORT ?= 8000
HOST ?= 127.0.0.1
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
export DJANGO_SETTINGS_MODULE ?= config.settings.local

.PHONY: run dev test test-fast install install-dev messages migrate sample serve lint bench clean

$(VENV)/bin/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required: $(PYTHON) was not found (set PYTHON=/path/to/python3.11)."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt $(VENV)/bin/python
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

messages: install
	$(PY) manage.py compile_translations

migrate: install messages
	$(PY) manage.py migrate --noinput

# SIM_DRONES simulated drones on tcp:127.0.0.1:SIM_BASE_PORT + 10*i. The server gets both in its environment:
# the embedded telemetry bridge leaves closed the sample drones' links that no simulator listens on
# (SIM_DRONES=0: all of them; drones/bridge/embedded.py). One Ctrl+C stops the server and the simulators.
SIM_DRONES ?= 3
SIM_BASE_PORT ?= 5760
SERVE_SIM = SIM_DRONES=$(SIM_DRONES) SIM_BASE_PORT=$(SIM_BASE_PORT)

sample: migrate
	$(PY) manage.py load_sample_county
	$(PY) manage.py load_sample_basemap
	$(PY) manage.py load_sample_terrain
	$(PY) manage.py load_sample_airspace
	$(PY) manage.py load_sample_fleet --sim-base-port $(SIM_BASE_PORT)
	$(PY) manage.py load_sample_campaigns
	$(PY) manage.py load_sample_patrol
	$(PY) manage.py load_sample_incidents
	$(PY) manage.py load_sample_drills
	$(PY) manage.py load_sample_plans

run: sample
	$(PY) manage.py print_welcome --host $(HOST) --port $(PORT)
	$(SERVE_SIM) $(PY) manage.py serve --host $(HOST) --port $(PORT) --simulated-drones $(SIM_DRONES) --sim-base-port $(SIM_BASE_PORT)

# For developers: the same with DEBUG on (tracebacks in the browser). Never for a bureau.
dev: sample
	DEBUG=1 $(SERVE_SIM) $(PY) manage.py serve --host $(HOST) --port $(PORT) --simulated-drones $(SIM_DRONES) --sim-base-port $(SIM_BASE_PORT)

# The suite runs in TEST_WORKERS processes (pytest-xdist; a test file stays in one process). Much of it
# waits on simulated flights and browsers, so two processes pay even on two cores. TEST_WORKERS=0: one process.
TEST_WORKERS ?= 2
XDIST = $(if $(filter 0,$(TEST_WORKERS)),-p no:xdist,-n $(TEST_WORKERS) --dist loadfile)

test: install-dev messages
	DJANGO_SETTINGS_MODULE=config.settings.test $(VENV)/bin/pytest $(XDIST) $(PYTEST_ARGS)

# While iterating: everything but the tests marked slow (whole simulated flights, long replays) or sitl.
# PYTEST_ARGS still applies; a -m in it replaces this one (pytest keeps the last).
test-fast: install-dev messages
	DJANGO_SETTINGS_MODULE=config.settings.test $(VENV)/bin/pytest $(XDIST) -m "not slow and not sitl" $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: install-dev messages
	$(PY) -m benchmarks $(BENCH)

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
