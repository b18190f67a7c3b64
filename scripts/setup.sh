#!/usr/bin/env bash
# Install everything Caseway needs for development, tests and CI.
# Idempotent; fast when everything is already there. Run as root on a fresh
# machine (apt step); afterwards it works as any user.
set -euo pipefail

cd "$(dirname "$0")/.."

log() { printf 'setup: %s\n' "$*" >&2; }

# Print pip's output without the harmless machine-wide "WARNING: Location ...
# is ignored" lines; grep's own exit status must not fail the script.
filter_pip() { grep -v 'WARNING: Location' >&2 || true; }

pkg_installed() {
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = installed ]
}

# ---------------------------------------------------------------- 1. apt
missing=()
need_pkg() {  # need_pkg PACKAGE [COMMAND]
    if ! pkg_installed "$1" || { [ -n "${2:-}" ] && ! command -v "$2" >/dev/null 2>&1; }; then
        missing+=("$1")
    fi
}
need_pkg redis-server redis-server
if ! command -v redis-cli >/dev/null 2>&1; then missing+=(redis-tools); fi
need_pkg clamav-daemon clamd
need_pkg clamav clamscan
need_pkg postgresql
if ! command -v psql >/dev/null 2>&1; then missing+=(postgresql-client); fi
if ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then missing+=(postgresql); fi
need_pkg libmagic1
need_pkg chromium chromium
# The resident's PDF copy of a case (WeasyPrint): Pango, and fonts for every shipped
# script (Latin and Arabic from Noto, Simplified Chinese from WenQuanYi).
need_pkg libpango-1.0-0
need_pkg libpangoft2-1.0-0
need_pkg fonts-noto-core
need_pkg fonts-wqy-microhei
if ! command -v node >/dev/null 2>&1; then missing+=(nodejs npm); fi
if [ ! -x .venv/bin/python ] && ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    missing+=(python3-venv)
fi

if [ "${#missing[@]}" -gt 0 ]; then
    # de-duplicate, keep order
    mapfile -t missing < <(printf '%s\n' "${missing[@]}" | awk '!seen[$0]++')
    if [ "$(id -u)" -ne 0 ]; then
        log "missing system packages: ${missing[*]}"
        log "run this script as root once (e.g. 'sudo scripts/setup.sh') to install them."
        exit 1
    fi
    log "installing: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# ---------------------------------------------------------------- 2. Python
if [ ! -x .venv/bin/python ]; then
    log "creating .venv"
    python3 -m venv .venv
    .venv/bin/python -m pip install -q --upgrade pip 2>&1 | filter_pip
    rm -f .venv/.caseway-installed
fi
if [ .venv/.caseway-installed -nt pyproject.toml ]; then
    log "python packages up to date (.venv/.caseway-installed newer than pyproject.toml)"
else
    log "pip install -e '.[test]'"
    .venv/bin/pip install -q -e '.[test]' 2>&1 | filter_pip
    touch .venv/.caseway-installed
fi

# ---------------------------------------------------------------- 3. front end
frontend="skipped (no package.json)"
if [ -f package.json ]; then
    if ! command -v npm >/dev/null 2>&1; then
        log "node is installed but npm is not; install npm (e.g. 'apt-get install npm') and rerun."
        exit 1
    fi
    if [ -f package-lock.json ]; then
        if [ node_modules/.package-lock.json -nt package-lock.json ] \
            && [ node_modules/.package-lock.json -nt package.json ]; then
            log "node_modules up to date"
        else
            log "npm ci"
            npm ci --no-audit --no-fund >&2
        fi
    else
        log "npm install (no package-lock.json)"
        npm install --no-audit --no-fund >&2
    fi
    # npm install may write package-lock.json after node_modules/.package-lock.json:
    # mark node_modules as current so the next run skips the install
    if [ -f node_modules/.package-lock.json ]; then touch node_modules/.package-lock.json; fi
    log "npm run build"
    npm run build >&2
    frontend="built"
else
    log "no package.json yet: skipping the front-end step"
fi

# ---------------------------------------------------------------- 4. translations
translations="none"
if compgen -G 'translations/*/LC_MESSAGES/messages.po' >/dev/null; then
    # -q is a global pybabel option: 'pybabel compile -q' is rejected (exit 2)
    .venv/bin/pybabel -q compile -d translations
    translations="compiled"
fi

# ---------------------------------------------------------------- 5. summary
echo "setup done: .venv ($(.venv/bin/python --version 2>&1)), front end ${frontend}, translations ${translations}; start services with scripts/services.sh start"
