#!/usr/bin/env bash
# Make sure PostgreSQL, Redis, Debian's chromium and anvil (npm) are there and running.
# Anything already answering is left alone; anything missing is installed from Debian's
# packages (PostgreSQL 15 on Debian 12, redis-server, chromium) and started.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_URL="${TEST_PG_ADMIN_URL:-postgres://postgres:postgres@127.0.0.1:5432/postgres}"
export DEBIAN_FRONTEND=noninteractive
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"

say() { echo "services: $*"; }
fail() { echo "services: $*" >&2; exit 1; }
apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then $SUDO apt-get update -qq; apt_updated=1; fi
  $SUDO apt-get install -y -qq "$@" >/dev/null
}
as_postgres() {  # run a command as the postgres OS user (peer auth on the local socket)
  if [ -z "$SUDO" ]; then (cd / && runuser -u postgres -- "$@"); else (cd / && sudo -u postgres "$@"); fi
}

# --- PostgreSQL ---------------------------------------------------------------------------
pg_up() { command -v pg_isready >/dev/null && pg_isready -h 127.0.0.1 -p 5432 -q; }
if ! pg_up; then
  if ! command -v pg_ctlcluster >/dev/null || ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
    say "installing PostgreSQL"
    apt_install postgresql postgresql-client
  fi
  version=$(ls /usr/lib/postgresql | sort -V | tail -1)
  if [ ! -d "/etc/postgresql/$version/main" ]; then
    say "creating cluster $version/main"
    $SUDO pg_createcluster "$version" main >/dev/null
  fi
  say "starting PostgreSQL $version"
  # The package's own start may already have run; "already running" is fine.
  $SUDO pg_ctlcluster "$version" main start 2>/dev/null || true
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  pg_up || fail "PostgreSQL did not start on 127.0.0.1:5432"
fi
command -v psql >/dev/null || apt_install postgresql-client
if ! psql "$PG_URL" -qtAc "select 1" >/dev/null 2>&1; then
  # A fresh Debian cluster asks for a password over TCP: give the postgres role the one the
  # test settings use.
  say "setting the postgres role's password for TCP logins"
  as_postgres psql -qc "ALTER USER postgres PASSWORD 'postgres'" >/dev/null
  psql "$PG_URL" -qtAc "select 1" >/dev/null || fail "cannot log in with $PG_URL"
fi

# --- Redis --------------------------------------------------------------------------------
redis_up() {
  command -v redis-cli >/dev/null && [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ]
}
if ! redis_up; then
  if ! command -v redis-server >/dev/null; then
    say "installing Redis"
    apt_install redis-server
  fi
  if ! redis_up; then
    say "starting Redis"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no >/dev/null
  fi
  for _ in $(seq 1 50); do redis_up && break; sleep 0.2; done
  redis_up || fail "Redis did not start on 127.0.0.1:6379"
fi

# --- chromium for the browser tests -------------------------------------------------------
if [ ! -x /usr/bin/chromium ]; then
  say "installing chromium for browser tests"
  apt_install chromium fonts-liberation
fi

# --- anvil (npm) --------------------------------------------------------------------------
if [ ! -x node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil ]; then
  command -v npm >/dev/null || { say "installing Node.js and npm"; apt_install nodejs npm; }
  npm ci --no-audit --no-fund --loglevel=error
fi
say "PostgreSQL, Redis, chromium and anvil ready"
