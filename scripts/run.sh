#!/usr/bin/env bash
# `make run`: migrate, load demo data, start web + Celery worker + beat; Ctrl-C stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PORT="${PORT:-8000}"

$PY manage.py migrate --noinput -v0
$PY manage.py compilemessages -v0 --ignore=.venv 2>/dev/null || true  # .mo files ship with the repo
$PY manage.py seed_demo

pids=()
cleanup() {
  trap - INT TERM EXIT
  echo
  echo "Stopping web, worker and beat…"
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

# One worker with the embedded beat: the embedded default has a single machine and one beat.
.venv/bin/celery -A marketplace worker --beat --loglevel=INFO --concurrency=2 \
  --schedule="${VAR_DIR:-var}/celerybeat-schedule" &
pids+=($!)
.venv/bin/gunicorn marketplace.wsgi:application --bind "127.0.0.1:${PORT}" --workers 2 \
  --threads 4 --access-logfile - &
pids+=($!)

sleep 2
cat <<MSG

  达人任务市场 is running:  http://127.0.0.1:${PORT}/
  API docs:                 http://127.0.0.1:${PORT}/api/docs/
  Ops admin:                http://127.0.0.1:${PORT}/admin/
  Logins are listed above (password: demo-pass-2026). Press Ctrl-C to stop.

MSG
wait -n "${pids[@]}"
