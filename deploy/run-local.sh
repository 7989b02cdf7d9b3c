#!/usr/bin/env bash
# Runs Parley as production would, on one machine, without systemd: N `parley serve`
# processes on ports 8001…800N and the notification worker, until Ctrl-C. Put nginx
# (deploy/nginx/parley.conf) in front of them.
#
#   DATABASE_URL=postgres://… REDIS_URL=redis://127.0.0.1:6379/0 deploy/run-local.sh 2
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-2}"
BIN="${PARLEY_BIN:-.venv/bin}"
: "${DATABASE_URL:?set DATABASE_URL (PostgreSQL: several processes share it)}"
: "${REDIS_URL:?set REDIS_URL (the processes share the page cache and live events through it)}"

"$BIN/parley" migrate --no-input
pids=()
stop() { kill "${pids[@]}" 2>/dev/null || true; wait; }
trap stop INT TERM EXIT
for i in $(seq 1 "$N"); do
  port=$((8000 + i))
  metrics="${TMPDIR:-/tmp}/parley-metrics-$port"
  rm -rf "$metrics" && mkdir -p "$metrics"
  PROMETHEUS_MULTIPROC_DIR="$metrics" "$BIN/parley" serve --port "$port" --workers 2 &
  pids+=($!)
done
"$BIN/parley" worker &
pids+=($!)
echo "parley: ${N} processes on ports 8001-$((8000 + N)), and the worker. Ctrl-C stops them."
wait
