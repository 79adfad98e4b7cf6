#!/usr/bin/env bash
# Installs, builds and starts the whole system on a local MariaDB:
# database, migrations, customer-service, followup-service, report-worker,
# then loads the sample data. Stop it with scripts/stop-all.sh.
#
# Environment: SALESFOLLOW_RUN_DIR (default .run), BUILD_PRESET (default release),
# SKIP_INSTALL=1 to skip apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
run_dir=$(realpath -m "${SALESFOLLOW_RUN_DIR:-.run}")
preset=${BUILD_PRESET:-release}
mkdir -p "$run_dir/logs" "$run_dir/pids"

step() { echo "==> $*"; }

if [ "${SKIP_INSTALL:-0}" != 1 ]; then
  step "installing system packages"
  bash scripts/install-deps.sh
fi

step "building ($preset)"
cmake --preset "$preset" >/dev/null
# Only what runs; the test binaries are built by scripts/test.sh.
cmake --build --preset "$preset" --target customer-service followup-service report-worker \
  salesfollow-migrate salesfollow-seed salesfollow-token salesctl
bin="$root/build/$preset"

step "starting MariaDB"
bash scripts/db.sh start "$run_dir/mariadb"
# shellcheck disable=SC1091
source "$run_dir/mariadb/env"

step "creating development secrets (kept in $run_dir/secrets)"
secrets="$run_dir/secrets"
mkdir -p "$secrets"
(
  umask 077
  [ -s "$secrets/token-secret" ] || head -c 48 /dev/urandom | base64 -w0 >"$secrets/token-secret"
  [ -s "$secrets/contact-keys" ] || echo "k1=$(head -c 32 /dev/urandom | base64 -w0)" >"$secrets/contact-keys"
  [ -s "$secrets/blind-index-key" ] || head -c 32 /dev/urandom | base64 -w0 >"$secrets/blind-index-key"
)
export SALESFOLLOW_TOKEN_SECRET_FILE="$secrets/token-secret"
export SALESFOLLOW_CONTACT_KEYS_FILE="$secrets/contact-keys"
export SALESFOLLOW_BLIND_INDEX_KEY_FILE="$secrets/blind-index-key"

step "applying migrations"
"$bin/tools/migrate/salesfollow-migrate"

bash scripts/stop-all.sh --services-only >/dev/null 2>&1 || true

start_process() {
  local name=$1 path=$2 grpc_port=$3 metrics_port=$4
  shift 4
  local log="$run_dir/logs/$name.log"
  : >"$log"
  nohup "$path" --grpc-listen="127.0.0.1:$grpc_port" --metrics-listen="127.0.0.1:$metrics_port" \
    "$@" >>"$log" 2>&1 &
  echo $! >"$run_dir/pids/$name.pid"
  for _ in $(seq 1 300); do
    if grep -q '"event":"listening"' "$log"; then return 0; fi
    if ! kill -0 "$(cat "$run_dir/pids/$name.pid")" 2>/dev/null; then
      echo "start-all: $name exited; its log:" >&2
      cat "$log" >&2
      exit 1
    fi
    sleep 0.1
  done
  echo "start-all: $name did not start listening; see $log" >&2
  exit 1
}

customers=$(mariadb --no-defaults --socket="$run_dir/mariadb/mysqld.sock" -uroot -N \
  -e "SELECT COUNT(*) FROM salesfollow.customers")
if [ "$customers" = 0 ]; then
  # The sample history is written through the API while the services run on
  # a test clock that the generator moves through the past weeks; then they
  # restart on the real clock.
  step "loading sample data (12 weeks of history on a test clock)"
  clock="$run_dir/clock"
  date -u +%Y-%m-%dT%H:%M:%SZ >"$clock"
  start_process customer-service "$bin/customer-service/customer-service" 50051 9461 \
    --test-clock-file="$clock"
  start_process followup-service "$bin/followup-service/followup-service" 50052 9462 \
    --customer-service-address=127.0.0.1:50051 --test-clock-file="$clock"
  "$bin/tools/seed/salesfollow-seed" --customer-service=127.0.0.1:50051 \
    --followup-service=127.0.0.1:50052 --clock-file="$clock"
  bash scripts/stop-all.sh --services-only >/dev/null
else
  step "sample data already loaded ($customers customers)"
fi

step "starting the services"
start_process customer-service "$bin/customer-service/customer-service" 50051 9461
start_process followup-service "$bin/followup-service/followup-service" 50052 9462 \
  --customer-service-address=127.0.0.1:50051
start_process report-worker "$bin/report-worker/report-worker" 50053 9463

token() { "$bin/tools/token/salesfollow-token" --user="$1" --name="$2" --role="$3" --team="$4"; }
token xiaowang 小王 rep team1 >"$secrets/token-xiaowang"
token manager1 经理 manager team1 >"$secrets/token-manager1"
token admin 管理员 admin "" >"$secrets/token-admin"

cat <<INFO

The system is running:
  customer-service  gRPC 127.0.0.1:50051   metrics http://127.0.0.1:9461/metrics
  followup-service  gRPC 127.0.0.1:50052   metrics http://127.0.0.1:9462/metrics
  report-worker     gRPC 127.0.0.1:50053   metrics http://127.0.0.1:9463/metrics
  MariaDB           127.0.0.1:$SALESFOLLOW_DB_PORT  database salesfollow (settings: $run_dir/mariadb/env)
  logs              $run_dir/logs/
  bearer tokens     $secrets/token-{xiaowang,manager1,admin}  (24 h; make more with build/$preset/tools/token/salesfollow-token)

salesctl (the command-line client, docs/SALESCTL.md) as the sample users:
  export PATH="$bin/salesctl:\$PATH"
  export SALESCTL_TOKEN_FILE=$secrets/token-xiaowang     # or token-manager1, token-admin
  salesctl due                                            # today's and overdue follow-ups
  SALESCTL_TOKEN_FILE=$secrets/token-manager1 salesctl report weekly --html weekly.html
Stop everything with: bash scripts/stop-all.sh
INFO
