# The two commands: `make run` (set up and serve on SQLite) and `make test` (the whole suite).
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
HOST ?= 127.0.0.1:8000
# The settings are production-safe by default (DEBUG off, SECRET_KEY required): the
# development targets run in development mode unless the environment says otherwise.
run demo migrate lint: export DEBUG ?= true

.PHONY: run test install lint migrate demo clean bench-load check-clients

$(PY):
	@python=$$(scripts/find-python) || exit 1; \
	echo "Creating $(VENV) with $$python"; \
	"$$python" -m venv $(VENV)

$(VENV)/.installed: requirements.txt $(PY)
	$(PIP) install -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt $(VENV)/.installed
	$(PIP) install -r requirements-dev.txt
	@touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo
	$(PY) manage.py seed_catalog
	$(PY) manage.py seed_orders

run: demo
	$(PY) manage.py runserver $(HOST)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(PY) manage.py makemigrations --check --dry-run

# The suite runs on every core (pytest-xdist); `make test PYTEST_ARGS="-n0 -x"` runs it in one process.
test: lint
	$(VENV)/bin/pytest -n auto --dist worksteal $(PYTEST_ARGS)

# A client generated from the API schema (openapi-python-client): no error, no warning.
check-clients: $(VENV)/.installed-dev
	scripts/check-python-client

# Load benchmark against gunicorn on PostgreSQL (see bench/README.md).
bench-load: install
	$(PY) bench/load.py

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles
