#!/usr/bin/env bash
# Set up the database, load the demo and serve the web UI at http://127.0.0.1:8000.
# Embedded defaults: SQLite and eager Celery unless DATABASE_URL / CELERY_BROKER_URL are set.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-config.settings.local}"
mkdir -p var
PY=.venv/bin/python
$PY manage.py migrate --noinput
$PY manage.py demo
pids=()
if [ -n "${CELERY_BROKER_URL:-}" ]; then
  echo "run: broker configured, starting a Celery worker and beat"
  $PY manage.py setup_periodic_tasks  # beat reads the schedules every app declares
  .venv/bin/celery -A config worker -Q default,clearing,custody -l INFO --concurrency 2 &
  pids+=($!)
  .venv/bin/celery -A config beat -l INFO &
  pids+=($!)
else
  echo "run: no CELERY_BROKER_URL, tasks run eagerly inside the web process"
fi
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
echo "run: serving http://127.0.0.1:8000 (Ctrl-C to stop)"
$PY manage.py runserver 127.0.0.1:8000 --noreload
