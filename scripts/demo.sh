#!/usr/bin/env bash
# Install everything and run Caseway on the embedded default (SQLite and local file storage
# under instance/) with demo data: the portal on :5000, the back office on :5001, a worker.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
eval "$(scripts/services.sh start)"
.venv/bin/caseway db upgrade
.venv/bin/caseway seed-demo
exec .venv/bin/caseway serve "$@"
