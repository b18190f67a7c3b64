#!/usr/bin/env bash
# Install everything, start the real services (Redis, clamd, PostgreSQL) and run the whole
# test suite: lint, formatting, types, import contracts (inside pytest) and every test.
# Extra arguments go to pytest, e.g. `scripts/test.sh tests/browser`. The tests run in two
# processes (pytest-xdist); CASEWAY_TEST_WORKERS sets how many (1 to 3).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
eval "$(scripts/services.sh start)"

echo "== ruff" >&2
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== mypy (strict: shared/, portal/, backoffice/)" >&2
.venv/bin/mypy
echo "== pytest" >&2
exec .venv/bin/pytest -n "${CASEWAY_TEST_WORKERS:-2}" "$@"
