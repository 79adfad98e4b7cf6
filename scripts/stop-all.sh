#!/usr/bin/env bash
# Stops what scripts/start-all.sh started (--services-only leaves MariaDB running).
set -uo pipefail
cd "$(dirname "$0")/.."
run_dir=$(realpath -m "${SALESFOLLOW_RUN_DIR:-.run}")
for pidfile in "$run_dir"/pids/*.pid; do
  [ -f "$pidfile" ] || continue
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    echo "stopped $(basename "$pidfile" .pid)"
  fi
  rm -f "$pidfile"
done
[ "${1:-}" = "--services-only" ] || bash scripts/db.sh stop "$run_dir/mariadb"
