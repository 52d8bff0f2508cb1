# LearnerPass: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install worker beat lint format messages check-system clean ob-venv vc-verifier

ob-venv: .ob-venv/.installed

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 11) else "LearnerPass needs Python 3.11 or newer.")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

# The official Open Badges validator lives in a virtualenv of its own: its pins clash
# with the project's (see badges/validator/requirements.txt).
OB_VENV := .ob-venv
$(OB_VENV)/.installed: badges/validator/requirements.txt
	test -x $(OB_VENV)/bin/python || $(PYTHON) -m venv $(OB_VENV)
	$(OB_VENV)/bin/pip install --quiet --no-deps -r badges/validator/requirements.txt
	touch $@

install: $(STAMP)

# Installs missing system packages (Pango, Chromium) with apt-get when run as root; otherwise it
# stops with the one command to run. See learnerpass/syscheck.py.
check-system: $(STAMP)
	@$(BIN)/python -m learnerpass.syscheck --browser --install

run: $(STAMP)
	@$(BIN)/python -m learnerpass.syscheck --install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py demo_data
	$(BIN)/python manage.py serve

# The independent Open Badges 3.0 verifier (Node.js); skipped where Node.js is missing (CI has it).
VC_VERIFIER := tests/vc_verifier
vc-verifier:
	@if command -v npm >/dev/null 2>&1; then \
	  if [ ! -f $(VC_VERIFIER)/node_modules/.installed ] || [ $(VC_VERIFIER)/package-lock.json -nt $(VC_VERIFIER)/node_modules/.installed ]; then \
	    (cd $(VC_VERIFIER) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) && touch $(VC_VERIFIER)/node_modules/.installed; \
	  fi; \
	else echo "npm not found: the independent credential verifier tests will be skipped"; fi

test: $(STAMP) $(OB_VENV)/.installed vc-verifier
	@$(BIN)/python -m learnerpass.syscheck --browser --install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# A worker alone (production: one or more per worker machine); `make run` starts its own.
worker: $(STAMP)
	$(BIN)/celery -A learnerpass worker -Q celery,pdf -c 2 --max-tasks-per-child 200 -l info

beat: $(STAMP)
	$(BIN)/celery -A learnerpass beat -l info

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix . && $(BIN)/ruff format .

# The French interface catalogue only: the other locales hold just the certificate texts, kept by hand.
# --no-wrap keeps one line per string (readable diffs); --no-obsolete drops strings the code no longer uses.
messages: $(STAMP)
	$(BIN)/python manage.py makemessages -l fr --no-wrap --no-obsolete --ignore=.venv --ignore=.ob-venv \
		--ignore=node_modules --ignore=tests/vc_verifier --ignore=bench
	$(BIN)/python manage.py compilemessages -l fr --ignore=.venv --ignore=.ob-venv

clean:
	rm -rf $(VENV) .ob-venv db.sqlite3 media staticfiles tests/vc_verifier/node_modules
