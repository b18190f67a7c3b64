#!/usr/bin/env bash
# Start/stop the services Caseway's development and tests need, without systemd:
# the project's own Redis and clamd (plain background processes on 127.0.0.1,
# stopped by PID file) and a reachable PostgreSQL.
#
#   scripts/services.sh [start]   start (or reuse) and print `export ...` lines
#   scripts/services.sh env       print the env file written by `start`
#   scripts/services.sh status    print each service up/down (exit 1 if one is down)
#   scripts/services.sh stop      stop what we started
#
#   eval "$(scripts/services.sh start)"   or   source .run/services.env
#
# Each checkout keeps its own state in its .run/ folder: its own ports (free ones,
# chosen at the first start and kept in .run/ports.env), PID files, logs and env
# file, so two checkouts on one machine never share or stop each other's services.
#
# Settings (environment): CASEWAY_RUN_DIR (.run in the checkout), CASEWAY_REDIS_PORT,
# CASEWAY_CLAMD_PORT and CASEWAY_PG_PORT (chosen free ports), CASEWAY_PG_DIR
# (a folder under /tmp named for the checkout, where the postgres user may write),
# CASEWAY_OWN_POSTGRES=1 (always use our own cluster), CASEWAY_TEST_POSTGRES_URL
# (use this server if it answers).
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "$0")/.." && pwd -P)
RUN_DIR=${CASEWAY_RUN_DIR:-$REPO_ROOT/.run}
PORTS_FILE=$RUN_DIR/ports.env
CHECKOUT_ID=$(printf '%s' "$REPO_ROOT" | cksum | cut -d' ' -f1)
PG_DIR=${CASEWAY_PG_DIR:-/tmp/caseway-pg-$CHECKOUT_ID}
ENV_FILE=$RUN_DIR/services.env
REDIS_PIDFILE=$RUN_DIR/redis/redis.pid
CLAMD_CONF=$RUN_DIR/clamd/clamd.conf
CLAMD_PIDFILE=$RUN_DIR/clamd/clamd.pid
CLAMD_DB=$REPO_ROOT/clamav

log() { printf 'services: %s\n' "$*" >&2; }
die() { printf 'services: ERROR: %s\n' "$*" >&2; exit 1; }

need_cmd() {
    command -v "$1" >/dev/null 2>&1 \
        || die "'$1' not found: run scripts/setup.sh (as root) to install the system packages."
}

# ------------------------------------------------------------------ ports

# A port nothing listens on now, below Linux's ephemeral range (32768 and up) so that
# an outgoing connection never takes it while our service is stopped.
free_port() {
    python3 - <<'EOF'
import random, socket
for _ in range(200):
    port = random.randint(20000, 32000)
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            continue
    print(port)
    break
else:
    raise SystemExit("no free port found between 20000 and 32000")
EOF
}

# This checkout's ports: chosen once, then kept, so a restart finds its own services
# again and another checkout never lands on them.
choose_ports() {
    mkdir -p "$RUN_DIR"
    if [ ! -f "$PORTS_FILE" ]; then
        local tmp=$PORTS_FILE.tmp.$$
        {
            echo "REDIS_PORT=$(free_port)"
            echo "CLAMD_PORT=$(free_port)"
            echo "PG_PORT=$(free_port)"
        } >"$tmp"
        mv -f "$tmp" "$PORTS_FILE"
    fi
    # shellcheck disable=SC1090
    . "$PORTS_FILE"
    REDIS_PORT=${CASEWAY_REDIS_PORT:-$REDIS_PORT}
    CLAMD_PORT=${CASEWAY_CLAMD_PORT:-$CLAMD_PORT}
    PG_PORT=${CASEWAY_PG_PORT:-$PG_PORT}
}

# ------------------------------------------------------------------ probes

port_open() {  # port_open PORT: something accepts TCP connections on 127.0.0.1:PORT
    timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

redis_ping() {  # redis_ping PORT
    [ "$(timeout 2 redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null)" = PONG ]
}

clamd_ping() {  # clamd_ping PORT
    python3 - "$1" <<'EOF' 2>/dev/null
import socket, sys
try:
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), 2)
    s.settimeout(2)
    s.sendall(b"zPING\0")
    sys.exit(0 if s.recv(16).startswith(b"PONG") else 1)
except OSError:
    sys.exit(1)
EOF
}

pg_url_ok() {  # pg_url_ok URL
    PGCONNECT_TIMEOUT=3 psql "$1" -w -XAtq -c 'select 1' >/dev/null 2>&1
}

pg_ok() {  # pg_ok PORT: trust login as postgres works on 127.0.0.1:PORT
    PGCONNECT_TIMEOUT=3 psql -h 127.0.0.1 -p "$1" -U postgres -d postgres -w -XAtq \
        -c 'select 1' >/dev/null 2>&1
}

# pid_alive PIDFILE NAME: prints the PID if PIDFILE names a live process called NAME
# (a zombie counts as dead).
pid_alive() {
    local pid stat comm
    [ -f "$1" ] || return 1
    pid=$(tr -dc '0-9' <"$1")
    [ -n "$pid" ] || return 1
    stat=$(ps -o stat= -p "$pid" 2>/dev/null) || return 1
    case $stat in Z*) return 1 ;; esac
    comm=$(ps -o comm= -p "$pid" 2>/dev/null) || return 1
    case $comm in "$2"*) echo "$pid" ;; *) return 1 ;; esac
}

# stop_pid PID PORT NAME: SIGTERM, wait until the process is gone or a zombie
# (daemons are reparented to PID 1, which reaps late) or its port is closed;
# SIGKILL after 15 s.
stop_pid() {
    local pid=$1 port=$2 name=$3 i stat
    kill -TERM "$pid" 2>/dev/null || return 0
    for ((i = 0; i < 150; i++)); do
        stat=$(ps -o stat= -p "$pid" 2>/dev/null) || return 0
        case $stat in Z*) return 0 ;; esac
        if ! port_open "$port"; then
            # port closed: give the process a moment to finish exiting
            sleep 0.2
            return 0
        fi
        sleep 0.1
    done
    log "$name (pid $pid) did not stop after SIGTERM; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
}

# ------------------------------------------------------------------ Redis

start_redis() {
    need_cmd redis-server
    need_cmd redis-cli
    if redis_ping "$REDIS_PORT"; then
        log "redis: reusing the instance answering on 127.0.0.1:$REDIS_PORT"
        return 0
    fi
    if port_open "$REDIS_PORT"; then
        die "port $REDIS_PORT is taken by something that does not answer Redis PING; set CASEWAY_REDIS_PORT to a free port."
    fi
    local old
    if old=$(pid_alive "$REDIS_PIDFILE" redis-server); then
        log "redis: stopping our stale instance (pid $old, not on port $REDIS_PORT)"
        kill -TERM "$old" 2>/dev/null || true
        sleep 0.5
    fi
    mkdir -p "$RUN_DIR/redis"
    log "redis: starting on 127.0.0.1:$REDIS_PORT"
    redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" \
        --save "" --appendonly no --dir "$RUN_DIR/redis" \
        --pidfile "$REDIS_PIDFILE" --logfile "$RUN_DIR/redis/redis.log" 9>&- >&2 \
        || die "redis-server failed to start; see $RUN_DIR/redis/redis.log"
    local i
    for ((i = 0; i < 100; i++)); do
        redis_ping "$REDIS_PORT" && return 0
        sleep 0.1
    done
    tail -n 20 "$RUN_DIR/redis/redis.log" >&2 2>/dev/null || true
    die "redis did not answer PING on port $REDIS_PORT within 10 s; see $RUN_DIR/redis/redis.log"
}

stop_redis() {
    local pid
    if pid=$(pid_alive "$REDIS_PIDFILE" redis-server); then
        log "redis: stopping pid $pid"
        stop_pid "$pid" "$REDIS_PORT" redis
    elif redis_ping "$REDIS_PORT"; then
        log "redis: the instance on port $REDIS_PORT was not started from $RUN_DIR; leaving it alone"
    else
        log "redis: not running"
    fi
    rm -f "$REDIS_PIDFILE"
}

# ------------------------------------------------------------------ clamd

write_clamd_conf() {
    mkdir -p "$RUN_DIR/clamd/tmp"
    local tmp=$CLAMD_CONF.tmp.$$
    # clamd.conf: comments only on their own lines (an inline comment is a parse error)
    {
        echo "# written by $REPO_ROOT/scripts/services.sh"
        echo "DatabaseDirectory $CLAMD_DB"
        echo "TCPSocket $CLAMD_PORT"
        echo "TCPAddr 127.0.0.1"
        echo "Foreground no"
        if [ "$(id -u)" -eq 0 ]; then
            echo "User root"
        fi
        echo "PidFile $CLAMD_PIDFILE"
        echo "LogFile $RUN_DIR/clamd/clamd.log"
        echo "LogTime yes"
        echo "TemporaryDirectory $RUN_DIR/clamd/tmp"
        echo "# match the app's upload limit"
        echo "StreamMaxLength 50M"
        echo "MaxFileSize 50M"
        echo "MaxScanSize 100M"
        echo "# no periodic database re-check"
        echo "SelfCheck 0"
        echo "Bytecode no"
    } >"$tmp"
    mv -f "$tmp" "$CLAMD_CONF"
}

start_clamd() {
    need_cmd clamd
    need_cmd python3
    if clamd_ping "$CLAMD_PORT"; then
        log "clamd: reusing the instance answering on 127.0.0.1:$CLAMD_PORT"
        return 0
    fi
    if port_open "$CLAMD_PORT"; then
        die "port $CLAMD_PORT is taken by something that does not answer clamd PING; set CASEWAY_CLAMD_PORT to a free port."
    fi
    compgen -G "$CLAMD_DB/*.ndb" >/dev/null \
        || die "no signature database in $CLAMD_DB (expected caseway-test.ndb from the repo)."
    local old
    if old=$(pid_alive "$CLAMD_PIDFILE" clamd); then
        log "clamd: stopping our stale instance (pid $old, not answering on port $CLAMD_PORT)"
        kill -TERM "$old" 2>/dev/null || true
        sleep 0.5
    fi
    write_clamd_conf
    rm -f "$CLAMD_PIDFILE"
    log "clamd: starting on 127.0.0.1:$CLAMD_PORT with the database in $CLAMD_DB"
    clamd -c "$CLAMD_CONF" 9>&- >&2 \
        || die "clamd failed to start; see $RUN_DIR/clamd/clamd.log"
    local i
    for ((i = 0; i < 150; i++)); do
        clamd_ping "$CLAMD_PORT" && return 0
        sleep 0.1
    done
    tail -n 20 "$RUN_DIR/clamd/clamd.log" >&2 2>/dev/null || true
    die "clamd did not answer PING on port $CLAMD_PORT within 15 s; see $RUN_DIR/clamd/clamd.log"
}

stop_clamd() {
    local pid
    if pid=$(pid_alive "$CLAMD_PIDFILE" clamd); then
        log "clamd: stopping pid $pid"
        stop_pid "$pid" "$CLAMD_PORT" clamd
    elif clamd_ping "$CLAMD_PORT"; then
        log "clamd: the instance on port $CLAMD_PORT was not started from $RUN_DIR; leaving it alone"
    else
        log "clamd: not running"
    fi
    rm -f "$CLAMD_PIDFILE"
}

# ------------------------------------------------------------------ PostgreSQL

pg_bin() {  # directory of the server binaries: matching an existing cluster, else the newest
    local ver dir
    if [ -f "$PG_DIR/data/PG_VERSION" ]; then
        ver=$(cat "$PG_DIR/data/PG_VERSION")
        if [ -x "/usr/lib/postgresql/$ver/bin/pg_ctl" ]; then
            echo "/usr/lib/postgresql/$ver/bin"
            return 0
        fi
        die "$PG_DIR/data is a PostgreSQL $ver cluster but its binaries are not installed; remove $PG_DIR or install postgresql-$ver."
    fi
    dir=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)
    if [ -z "$dir" ] || [ ! -x "$dir/initdb" ]; then
        die "PostgreSQL server binaries not found under /usr/lib/postgresql: run scripts/setup.sh (as root)."
    fi
    echo "$dir"
}

as_pg() {  # postgres refuses to run as root: run as the postgres OS user then
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

start_own_pg() {
    local url="postgresql://postgres@127.0.0.1:$PG_PORT/postgres"
    if pg_ok "$PG_PORT"; then
        log "postgres: reusing the server answering on 127.0.0.1:$PG_PORT"
        PG_URL=$url
        return 0
    fi
    if port_open "$PG_PORT"; then
        die "port $PG_PORT is taken by something that does not accept 'psql -U postgres' (trust); set CASEWAY_PG_PORT to a free port."
    fi
    local bin
    bin=$(pg_bin)
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 \
            || die "no 'postgres' OS user: run scripts/setup.sh (as root) to install postgresql."
    fi
    mkdir -p "$PG_DIR"
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres:postgres "$PG_DIR"
    fi
    if [ ! -f "$PG_DIR/data/PG_VERSION" ]; then
        log "postgres: initdb $PG_DIR/data ($bin)"
        rm -rf "$PG_DIR/data"
        as_pg "$bin/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 \
            --locale=C.UTF-8 --no-sync >"$PG_DIR/initdb.log" 2>&1 \
            || { cat "$PG_DIR/initdb.log" >&2; die "initdb failed"; }
    fi
    log "postgres: starting own cluster on 127.0.0.1:$PG_PORT (data in $PG_DIR/data)"
    # throwaway test cluster: durability settings off for speed
    as_pg "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/postgres.log" -w -t 30 \
        -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start 9>&- >/dev/null \
        || { tail -n 20 "$PG_DIR/postgres.log" >&2 2>/dev/null || true; die "pg_ctl start failed; see $PG_DIR/postgres.log"; }
    local i
    for ((i = 0; i < 50; i++)); do
        if pg_ok "$PG_PORT"; then
            PG_URL=$url
            return 0
        fi
        sleep 0.2
    done
    die "own PostgreSQL started but 'psql -h 127.0.0.1 -p $PG_PORT -U postgres' fails; see $PG_DIR/postgres.log"
}

start_pg() {
    need_cmd psql
    PG_URL=
    if [ "${CASEWAY_OWN_POSTGRES:-}" = 1 ]; then
        start_own_pg
        return 0
    fi
    if [ -n "${CASEWAY_TEST_POSTGRES_URL:-}" ]; then
        if pg_url_ok "$CASEWAY_TEST_POSTGRES_URL"; then
            log "postgres: using CASEWAY_TEST_POSTGRES_URL from the environment"
            PG_URL=$CASEWAY_TEST_POSTGRES_URL
            return 0
        fi
        log "postgres: CASEWAY_TEST_POSTGRES_URL is set but not reachable; looking for another server"
    fi
    if pg_ok 5432; then
        log "postgres: using the server on 127.0.0.1:5432"
        PG_URL=postgresql://postgres@127.0.0.1:5432/postgres
        return 0
    fi
    start_own_pg
}

stop_pg() {
    if [ -f "$PG_DIR/data/postmaster.pid" ]; then
        local bin
        bin=$(pg_bin)
        log "postgres: stopping own cluster in $PG_DIR/data"
        as_pg "$bin/pg_ctl" -D "$PG_DIR/data" -m fast -w -t 30 stop >/dev/null 2>&1 \
            || log "postgres: pg_ctl stop failed; see $PG_DIR/postgres.log"
    else
        log "postgres: own cluster not running (a shared server, if used, is left alone)"
    fi
}

# ------------------------------------------------------------------ commands

cmd_start() {
    mkdir -p "$RUN_DIR"
    # one start/stop at a time, also across checkouts (fd 9 is closed for the daemons)
    exec 9>"$RUN_DIR/.lock"
    flock -w 120 9 || die "another services.sh is still running (lock $RUN_DIR/.lock)"
    start_redis
    start_clamd
    start_pg
    local tmp=$ENV_FILE.tmp.$$
    {
        echo "export CASEWAY_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0"
        echo "export CASEWAY_CLAMD_URL=tcp://127.0.0.1:$CLAMD_PORT"
        echo "export CASEWAY_TEST_POSTGRES_URL=$PG_URL"
    } >"$tmp"
    mv -f "$tmp" "$ENV_FILE"
    log "ready; env written to $ENV_FILE"
    cat "$ENV_FILE"
}

cmd_stop() {
    mkdir -p "$RUN_DIR"
    exec 9>"$RUN_DIR/.lock"
    flock -w 120 9 || die "another services.sh is still running (lock $RUN_DIR/.lock)"
    stop_redis
    stop_clamd
    stop_pg
    rm -f "$ENV_FILE"
}

cmd_env() {
    [ -f "$ENV_FILE" ] || die "$ENV_FILE not found: run scripts/services.sh start"
    cat "$ENV_FILE"
}

cmd_status() {
    local rc=0 pg_url=
    if redis_ping "$REDIS_PORT"; then
        echo "redis    up    redis://127.0.0.1:$REDIS_PORT/0"
    else
        echo "redis    down  (port $REDIS_PORT)"; rc=1
    fi
    if clamd_ping "$CLAMD_PORT"; then
        echo "clamd    up    tcp://127.0.0.1:$CLAMD_PORT"
    else
        echo "clamd    down  (port $CLAMD_PORT)"; rc=1
    fi
    if [ -f "$ENV_FILE" ]; then
        pg_url=$(sed -n 's/^export CASEWAY_TEST_POSTGRES_URL=//p' "$ENV_FILE")
    fi
    if [ -z "$pg_url" ]; then
        echo "postgres down  (not started: no $ENV_FILE)"; rc=1
    elif command -v psql >/dev/null 2>&1 && pg_url_ok "$pg_url"; then
        echo "postgres up    $pg_url"
    else
        echo "postgres down  ($pg_url)"; rc=1
    fi
    return "$rc"
}

case ${1:-start} in
    -h | --help | help) ;;
    *) choose_ports ;;
esac

case ${1:-start} in
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    env) cmd_env ;;
    -h | --help | help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//' ;;
    *) echo "usage: $0 [start|stop|status|env]" >&2; exit 2 ;;
esac
