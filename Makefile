# Two commands: `make run` (set up everything, serve http://localhost:3000) and
# `make test` (set up everything, run ruff, mypy and every test). Re-runs skip finished steps.
# Also: `make fuzz` (the property tests unseeded, many examples), `make lock` (re-resolve
# pyproject.toml's dependencies into requirements.txt), `make bench-*`.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
PORT ?= 3000
# Loopback only: serving beyond it needs hosted mode's accounts (README: Security).
HOST ?= 127.0.0.1
VENV := .venv
BIN := $(VENV)/bin
NPM_TOOLS := .tools/npm
BUN := $(CURDIR)/$(NPM_TOOLS)/node_modules/.bin/bun
BUN_VERSION := 1.4.4
TIKTOKEN_NPM_VERSION := 1.0.22
# The browser tests' accessibility checks (tests/e2e/test_layout.py inject it into the page).
AXE_CORE_VERSION := 4.14.1
TIKTOKEN_DIR := .cache/tiktoken
STAMP := .tools/stamps
# uv installs the locked requirements (seconds with a warm cache, where pip took minutes).
UV_VERSION := 0.13.9
UV := .tools/uv/bin/uv
export UV_LINK_MODE ?= copy
export UV_PYTHON_DOWNLOADS := never

# Reflex: bun from the npm registry (its own download needs the internet), no telemetry,
# no version check, and the npm registry this machine's npm is configured with.
export REFLEX_BUN_PATH := $(BUN)
export REFLEX_CHECK_LATEST_VERSION := false
export REFLEX_TELEMETRY_ENABLED := false
export NPM_CONFIG_REGISTRY ?= $(shell npm config get registry 2>/dev/null)
export NEURAL_TERMINAL_TIKTOKEN_DIR ?= $(CURDIR)/$(TIKTOKEN_DIR)
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: setup run url test lint typecheck pytest fuzz lock chromium nginx migrate clean \
	export serve-backend hosted \
	bench-stream bench-load bench-upstream bench-context bench-library bench-imports \
	bench-telemetry bench-picker bench-transcript

setup: $(STAMP)/python $(STAMP)/npm $(STAMP)/tiktoken migrate

$(UV):
	$(PYTHON) -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
		--target .tools/uv \
		uv==$(UV_VERSION)

# requirements.txt is the lock: every package pinned with its hashes; sync installs exactly it.
$(STAMP)/python: requirements.txt | $(UV)
	@mkdir -p $(STAMP)
	test -x $(BIN)/python || $(UV) venv --quiet --python $(PYTHON) $(VENV)
	$(UV) pip sync --quiet --python $(BIN)/python --require-hashes requirements.txt
	@touch $@

lock: | $(UV)
	$(UV) pip compile pyproject.toml --extra dev --generate-hashes --universal \
		--python-version 3.11 --quiet --custom-compile-command "make lock" -o requirements.txt

$(STAMP)/npm: Makefile
	@mkdir -p $(STAMP) $(NPM_TOOLS)
	npm install --silent --no-audit --no-fund --prefix $(NPM_TOOLS) \
		bun@$(BUN_VERSION) tiktoken@$(TIKTOKEN_NPM_VERSION) axe-core@$(AXE_CORE_VERSION)
	$(BUN) --version
	@touch $@

$(STAMP)/tiktoken: $(STAMP)/npm $(STAMP)/python
	$(BIN)/python -m neural_terminal.provision \
		$(NPM_TOOLS)/node_modules/tiktoken/encoders $(TIKTOKEN_DIR)
	@touch $@

migrate: $(STAMP)/python
	$(BIN)/alembic upgrade head

# Migrates, builds the frontend only when its inputs changed (neural_terminal/launch), serves.
run: $(STAMP)/python $(STAMP)/npm $(STAMP)/tiktoken
	$(BIN)/python -m neural_terminal.launch --host $(HOST) --port $(PORT)

# The address `make run` prints (with local mode's token), again.
url: $(STAMP)/python
	@$(BIN)/python -m neural_terminal url --port $(PORT)

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else \
	    echo "Browser tests need Chromium: run 'sudo apt-get install chromium'"; exit 1; \
	  fi; }

# Debian's nginx, for the hosted stack (`make hosted` and its tests), installed like chromium.
nginx:
	@command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx; \
	  else \
	    echo "The hosted stack needs nginx: run 'sudo apt-get install nginx'"; exit 1; \
	  fi; }

# Hosting (README: Hosting). PUBLIC_URL is where browsers reach the instance (baked into the
# export); the workers listen on the ports after HOSTED_PORT.
HOSTED_PORT ?= 8480
WORKERS ?= $(or $(NEURAL_TERMINAL_WORKERS),2)
PUBLIC_URL ?= http://127.0.0.1:$(HOSTED_PORT)
HOSTED := $(BIN)/python -m neural_terminal.launch.hosted --port $(HOSTED_PORT) \
	--workers $(WORKERS) --public-url $(PUBLIC_URL)

# The static frontend, for nginx (or any web server): .cache/hosted/web/build/client.
export: $(STAMP)/python $(STAMP)/npm $(STAMP)/tiktoken
	$(HOSTED) --export-only

# The backend workers alone (a proxy elsewhere serves the export in front of them).
serve-backend: $(STAMP)/python $(STAMP)/npm $(STAMP)/tiktoken
	$(HOSTED) --no-nginx

# The whole stack on this machine: PostgreSQL and Redis (defaults: the local ones), two
# workers, nginx on 127.0.0.1:$(HOSTED_PORT).
hosted: $(STAMP)/python $(STAMP)/npm $(STAMP)/tiktoken nginx
	$(HOSTED)

lint: $(STAMP)/python
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)/python
	$(BIN)/mypy neural_terminal tests rxconfig.py $(wildcard bench/*.py)

# Most of the suite's time is waiting (replies streaming into a browser, timeouts over real
# sockets), so it runs in four pytest processes side by side: the browser tests in two shares
# of their modules (each with its own port and frontend build), the integration tests, and
# the rest in the foreground; the background lanes' output follows. `pytest` alone runs the
# whole suite in one process.
LANES := e2e-1 e2e-2 integration
pytest: setup chromium nginx nginx
	@mkdir -p test-artifacts; pids=""; status=0; \
	for lane in $(LANES); do \
	  case $$lane in \
	    e2e-*) share=$${lane#e2e-}/2; set -- tests/e2e;; \
	    *) share=1/1; set -- tests/$$lane;; \
	  esac; \
	  NEURAL_TERMINAL_E2E_SHARE=$$share $(BIN)/pytest -q -p no:cacheprovider "$$@" \
	    > test-artifacts/$$lane.log 2>&1 & pids="$$pids $$!"; \
	done; \
	trap 'kill $$pids 2>/dev/null' INT TERM; \
	echo "pytest: $(LANES) in the background (test-artifacts/*.log), the rest here"; \
	$(BIN)/pytest -q --ignore=tests/e2e --ignore=tests/integration || status=1; \
	for pid in $$pids; do wait $$pid || status=1; done; \
	for lane in $(LANES); do echo "--- $$lane ---"; cat test-artifacts/$$lane.log; done; \
	exit $$status

# The browser shares' frontends build while ruff and mypy run (a build is reused until its
# inputs change), then every test runs.
test: setup chromium nginx
	@mkdir -p test-artifacts; \
	$(BIN)/python -m tests.e2e.frontends 2 test-artifacts > test-artifacts/frontends.log 2>&1 & \
	  build=$$!; \
	$(MAKE) --no-print-directory lint typecheck; checks=$$?; \
	wait $$build || { echo "frontend build failed:"; cat test-artifacts/frontend-*.log; exit 1; }; \
	cat test-artifacts/frontends.log; \
	$(MAKE) --no-print-directory pytest && exit $$checks

# The same properties as the suite, unseeded and with many more examples (tests/conftest.py);
# a failure is replayed first on the next run until it is fixed and named as an @example.
fuzz: setup
	NEURAL_TERMINAL_HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest -q -m property -p no:cacheprovider

# Benches print figures (see README, Performance); they are not part of `make test`.
bench-stream: setup chromium
	$(BIN)/python -m bench.stream

bench-transcript: setup chromium
	$(BIN)/python -m bench.transcript

bench-load: setup
	$(BIN)/python -m bench.load

bench-upstream: setup
	$(BIN)/python -m bench.upstream

bench-context: setup
	$(BIN)/python -m bench.context

bench-library: setup
	$(BIN)/python -m bench.library

bench-imports: setup
	$(BIN)/python -m bench.imports

bench-telemetry: setup
	$(BIN)/python -m bench.telemetry

bench-picker: setup chromium
	$(BIN)/python -m bench.picker

clean:
	rm -rf $(VENV) .tools .cache .web
