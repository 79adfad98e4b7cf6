#!/usr/bin/env bash
# The services' load benchmark (docs/PERFORMANCE.md, "Services: load benchmark").
#
#   bash bench/services/run.sh            full: release build, 1M customers, 16 clients,
#                                         every scenario with its floors (~15 min here)
#   bash bench/services/run.sh --smoke    seconds per scenario, 5k customers, dev build:
#                                         fails (non-zero) when any scenario errors, never
#                                         on performance ratios (what CI runs)
# Options: --customers N, --clients N, --seconds S, --warmup S, --import-rows N,
#   --scenarios A,B (names as in the table), --preset P (build preset), --keep (keep the
#   work directory: logs, database), --no-build, --quiet-wait S (wait up to S seconds
#   for other compilers to finish before measuring; full default 120, smoke 0).
# Environment: BENCH_PROFILE=1 runs each of --scenarios (required) service-only under
#   `perf record -g` of both services, keeps the profiles in the work directory
#   (implies --keep) and writes no results file.
# Output: a table on stdout and bench/services/results-<UTC stamp>.json
#   (smoke: results-smoke-<stamp>.json, git-ignored).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

smoke=0 keep=0 build=1
customers=1000000 clients=16 seconds=10 warmup=2 import_rows=100000 per_rep=2000
scenarios="" preset="" quiet_wait=""
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) smoke=1 ;;
    --keep) keep=1 ;;
    --no-build) build=0 ;;
    --customers) customers=$2; shift ;;
    --clients) clients=$2; shift ;;
    --seconds) seconds=$2; shift ;;
    --warmup) warmup=$2; shift ;;
    --import-rows) import_rows=$2; shift ;;
    --scenarios) scenarios=$2; shift ;;
    --preset) preset=$2; shift ;;
    --quiet-wait) quiet_wait=$2; shift ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
if [ "$smoke" = 1 ]; then
  # Explicit options given after --smoke still win: only defaults change.
  [ "$customers" = 1000000 ] && customers=5000
  [ "$clients" = 16 ] && clients=4
  [ "$seconds" = 10 ] && seconds=1.5
  [ "$warmup" = 2 ] && warmup=0.3
  [ "$import_rows" = 100000 ] && import_rows=2000
  per_rep=100
  preset=${preset:-dev}
  quiet_wait=${quiet_wait:-0}
fi
preset=${preset:-release}
quiet_wait=${quiet_wait:-120}
[ "${BENCH_PROFILE:-0}" = 1 ] && keep=1

step() { echo "==> $(date -u +%H:%M:%S) $*" >&2; }
bin="$root/build/$preset"

if [ "$build" = 1 ]; then
  step "building ($preset)"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" --target customer-service followup-service salesfollow-migrate \
    salesfollow-loadgen salesfollow-bench-noop >&2
fi

work=$(mktemp -d /tmp/salesfollow-loadbench.XXXXXX)
pids=()
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  bash "$root/scripts/db.sh" stop "$work/mariadb" >/dev/null 2>&1 || true
  if [ "$keep" = 1 ]; then echo "run.sh: kept $work" >&2; else rm -rf "$work"; fi
  exit $status
}
trap cleanup EXIT

step "starting a throw-away MariaDB in $work"
bash scripts/db.sh start "$work/mariadb" >&2
# shellcheck disable=SC1091
source "$work/mariadb/env"
socket="$work/mariadb/mysqld.sock"
root_sql() { mariadb --no-defaults --socket="$socket" -uroot "$@"; }
# A buffer pool for 1M customers (db.sh's default is 128 MB); documented with the figures.
root_sql -e "SET GLOBAL innodb_buffer_pool_size = 1073741824"

secrets="$work/secrets"
mkdir -p "$secrets" "$work/logs"
(
  umask 077
  head -c 48 /dev/urandom | base64 -w0 >"$secrets/token-secret"
  echo "k1=$(head -c 32 /dev/urandom | base64 -w0)" >"$secrets/contact-keys"
  head -c 32 /dev/urandom | base64 -w0 >"$secrets/blind-index-key"
)
export SALESFOLLOW_TOKEN_SECRET_FILE="$secrets/token-secret"
export SALESFOLLOW_CONTACT_KEYS_FILE="$secrets/contact-keys"
export SALESFOLLOW_BLIND_INDEX_KEY_FILE="$secrets/blind-index-key"

step "migrating"
"$bin/tools/migrate/salesfollow-migrate" >"$work/logs/migrate.log" 2>&1

step "generating $customers customers"
gen_start=$(date +%s)
slice=100000
for ((first = 1; first <= customers; first += slice)); do
  last=$((first + slice - 1)); [ "$last" -gt "$customers" ] && last=$customers
  { echo "SET @customers = $customers, @first = $first, @last = $last;"; cat bench/services/generate.sql; } |
    root_sql salesfollow
done
root_sql salesfollow -e "ANALYZE TABLE customers, customer_need_tags, follow_up_plans" >/dev/null
gen_seconds=$(( $(date +%s) - gen_start ))
step "generated in ${gen_seconds} s"

start_service() {  # name path args...; writes the gRPC port to $work/NAME.port
  local name=$1 path=$2
  shift 2
  local log="$work/logs/$name.log"
  "$path" --grpc-listen=127.0.0.1:0 --metrics-listen=127.0.0.1:0 "$@" >"$log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  echo "$pid" >"$work/$name.pid"
  for _ in $(seq 1 300); do
    local port
    port=$(grep -o '"grpc_port":[0-9]*' "$log" | head -1 | cut -d: -f2 || true)
    if [ -n "$port" ]; then echo "$port" >"$work/$name.port"; return 0; fi
    kill -0 "$pid" 2>/dev/null || { echo "run.sh: $name exited:" >&2; cat "$log" >&2; exit 1; }
    sleep 0.1
  done
  echo "run.sh: $name did not start; see $log" >&2
  exit 1
}

step "starting the services ($preset build) and the no-op gRPC server"
start_service customer-service "$bin/customer-service/customer-service"
cs_port=$(cat "$work/customer-service.port")
start_service followup-service "$bin/followup-service/followup-service" \
  --customer-service-address="127.0.0.1:$cs_port"
fs_port=$(cat "$work/followup-service.port")
"$bin/bench/services/salesfollow-bench-noop" --listen=127.0.0.1:0 >"$work/logs/noop.log" 2>&1 &
pids+=("$!")
for _ in $(seq 1 100); do grep -q '^listening' "$work/logs/noop.log" && break; sleep 0.1; done
noop_port=$(awk '/^listening/ {print $2}' "$work/logs/noop.log")
[ -n "$noop_port" ] || { echo "run.sh: no-op server did not start" >&2; exit 1; }
cs_pid=$(cat "$work/customer-service.pid")
fs_pid=$(cat "$work/followup-service.pid")

if [ "$quiet_wait" -gt 0 ]; then
  step "waiting up to ${quiet_wait} s for other builds (cc1plus) to finish"
  for _ in $(seq 1 "$quiet_wait"); do pgrep -x cc1plus >/dev/null || break; sleep 1; done
fi
sleep 2  # idle RSS after start-up
load_before=$(cut -d' ' -f1 /proc/loadavg)
compilers_before=$(pgrep -c -x cc1plus || true)

loadgen() {
  "$bin/bench/services/salesfollow-loadgen" \
    --customer-service="127.0.0.1:$cs_port" --followup-service="127.0.0.1:$fs_port" \
    --noop="127.0.0.1:$noop_port" \
    --db-host=127.0.0.1 --db-port="$SALESFOLLOW_DB_PORT" --db-user=salesfollow \
    --db-password-file="$SALESFOLLOW_DB_PASSWORD_FILE" \
    --token-secret-file="$secrets/token-secret" --reps=16 --per-rep="$per_rep" \
    --clients="$clients" --warmup="$warmup" --seconds="$seconds" --import-rows="$import_rows" \
    --pids="customer-service:$cs_pid,followup-service:$fs_pid" "$@"
}

if [ "${BENCH_PROFILE:-0}" = 1 ]; then
  # One service-only pass per scenario, each under `perf record -g` of both services.
  for scenario in ${scenarios//,/ }; do
    step "profiling $scenario"
    perf record -g -F 999 -p "$cs_pid" -o "$work/perf-$scenario-customer.data" >/dev/null 2>&1 &
    p1=$!
    perf record -g -F 999 -p "$fs_pid" -o "$work/perf-$scenario-followup.data" >/dev/null 2>&1 &
    p2=$!
    loadgen --scenarios="$scenario" --variants=service --json="$work/profile-$scenario.json" >&2 || true
    kill -INT "$p1" "$p2"; wait "$p1" "$p2" || true
  done
  echo "run.sh: profiles in $work/perf-*.data (perf report --stdio -i FILE)" >&2
  exit 0
fi

step "measuring (load average $load_before, $compilers_before compilers running)"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
status=0
loadgen ${scenarios:+--scenarios="$scenarios"} --json="$work/loadgen.json" || status=$?
load_after=$(cut -d' ' -f1 /proc/loadavg)

name=results-$stamp.json
[ "$smoke" = 1 ] && name=results-smoke-$stamp.json
if [ -s "$work/loadgen.json" ]; then
  jq --arg stamp "$stamp" --arg commit "$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!bench/services/results-*' || echo '+local')" \
     --arg preset "$preset" --argjson customers "$customers" --argjson smoke "$smoke" \
     --arg load_before "$load_before" --arg load_after "$load_after" \
     --argjson compilers "$compilers_before" --argjson gen_seconds "$gen_seconds" \
     --arg cpu "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')" \
     --argjson cores "$(nproc)" --arg mariadb "$(mariadbd --version | awk '{print $3}')" \
     '{stamp: $stamp, commit: $commit, preset: $preset, smoke: ($smoke == 1),
       customers: $customers, generation_seconds: $gen_seconds,
       machine: {cpu: $cpu, cores: $cores, mariadb: $mariadb,
                 innodb_buffer_pool_mb: 1024},
       load_average_before: ($load_before | tonumber), load_average_after: ($load_after | tonumber),
       compilers_running_before: $compilers} + .' "$work/loadgen.json" >"bench/services/$name"
  step "results in bench/services/$name"
fi
if [ "$status" != 0 ]; then
  echo "run.sh: the load generator failed (exit $status); logs in $work/logs" >&2
  keep=1
fi
exit "$status"
