# The two commands: `make run` (set up and serve on SQLite) and `make test` (the whole suite).
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
HOST ?= 127.0.0.1:8000
# The settings are production-safe by default (DEBUG off, SECRET_KEY required): the
# development targets run in development mode unless the environment says otherwise.
run demo migrate lint schema sdk sdk-check schema-lint check-clients: export DEBUG ?= true

.PHONY: run test install lint migrate demo clean bench-load check-clients schema sdk sdk-check schema-lint

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
check-clients: schema $(VENV)/.installed-dev
	scripts/check-python-client $(SCHEMA)

# The TypeScript SDK (clients/typescript, see its README): `make sdk` regenerates
# src/schema.d.ts from the API's schema, `make sdk-check` fails when the committed one
# differs from it, `make schema-lint` lints the schema (clients/redocly.yaml).
SDK := clients/typescript
SCHEMA := clients/openapi.json
NPM := npm --prefix $(SDK) --silent

$(SDK)/node_modules/.package-lock.json: $(SDK)/package-lock.json
	cd $(SDK) && npm ci --no-audit --no-fund

schema: install
	$(PY) manage.py export_openapi_schema --indent 2 --output $(SCHEMA)

sdk: schema $(SDK)/node_modules/.package-lock.json
	$(NPM) run generate -- $(CURDIR)/$(SCHEMA) --output $(CURDIR)/$(SDK)/src/schema.d.ts

sdk-check: schema $(SDK)/node_modules/.package-lock.json
	@generated=$$(mktemp --suffix=.d.ts) && trap 'rm -f "$$generated"' EXIT && \
	$(NPM) run generate -- $(CURDIR)/$(SCHEMA) --output "$$generated" && \
	diff -u $(SDK)/src/schema.d.ts "$$generated" \
	  || { echo "$(SDK)/src/schema.d.ts is not the schema's: run make sdk and commit it." >&2; exit 1; }

schema-lint: schema $(SDK)/node_modules/.package-lock.json
	cd clients && REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
	  typescript/node_modules/.bin/redocly lint --config redocly.yaml openapi.json

# Load benchmark against gunicorn on PostgreSQL (see bench/README.md).
bench-load: install
	$(PY) bench/load.py

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles $(SCHEMA) $(SDK)/node_modules $(SDK)/dist
