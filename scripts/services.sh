#!/usr/bin/env bash
# Make sure PostgreSQL, Redis and Debian's chromium are installed and running; anvil comes
# from npm (node_modules). Installs from Debian's packages only when something is missing.
set -euo pipefail

PG_URL="${TEST_PG_ADMIN_URL:-postgres://postgres:postgres@127.0.0.1:5432/postgres}"
apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if ! command -v pg_ctlcluster >/dev/null || ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
  echo "services: installing PostgreSQL"
  apt_install postgresql postgresql-client
fi
if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  echo "services: starting PostgreSQL"
  version=$(ls /etc/postgresql | sort -V | tail -1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || pg_ctlcluster "$version" main start
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
if ! psql "$PG_URL" -qtAc "select 1" >/dev/null 2>&1; then
  # A fresh Debian cluster uses password auth over TCP: give the postgres role the password
  # the test settings use.
  su postgres -c "psql -qc \"ALTER USER postgres PASSWORD 'postgres'\""
fi

if ! command -v redis-server >/dev/null; then
  echo "services: installing Redis"
  apt_install redis-server
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "services: starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no
  for _ in $(seq 1 30); do redis-cli ping >/dev/null 2>&1 && break; sleep 0.2; done
fi

if ! command -v chromium >/dev/null; then
  echo "services: installing chromium for browser tests"
  apt_install chromium
fi

test -x node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil || npm ci --no-audit --no-fund
echo "services: PostgreSQL, Redis, chromium and anvil ready"
