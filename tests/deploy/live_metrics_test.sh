#!/usr/bin/env bash
# Proof of the dashboards and alert rules against live metrics:
#   a throw-away MariaDB (scripts/db.sh) -> salesfollow-migrate -> customer-service,
#   followup-service and report-worker from a build tree, on a test clock ->
#   Debian's Prometheus scraping them every second (with alerts.yml loaded) ->
#   traffic: salesfollow-seed writes two weeks of history through the API,
#   plus calls that fail (bad token, missing customer) ->
#   tests/deploy/promql_check.py evaluates every dashboard panel and alert
#   expression through the HTTP API; every rule must also evaluate without
#   error inside Prometheus itself.
#
#   bash tests/deploy/live_metrics_test.sh BUILD_DIR     (e.g. build/dev)
# Exits non-zero on any failure; leaves its logs in $LIVE_TEST_DIR (default: a
# temporary directory, removed on success).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
build=$(realpath "${1:?usage: live_metrics_test.sh BUILD_DIR}")
work=${LIVE_TEST_DIR:-$(mktemp -d /tmp/salesfollow-live.XXXXXX)}
mkdir -p "$work/logs"
pids=()

step() { echo "==> [$(date -u +%H:%M:%S)] $*"; }
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  bash scripts/db.sh stop "$work/mariadb" >/dev/null 2>&1 || true
  if [ "$status" -eq 0 ] && [ -z "${LIVE_TEST_DIR:-}" ]; then
    rm -rf "$work"
  else
    echo "live_metrics_test: logs kept in $work/logs" >&2
    for log in "$work"/logs/*.log; do echo "--- $log (last 15 lines)"; tail -15 "$log"; done >&2
  fi
  exit "$status"
}
trap cleanup EXIT

free_port() {
  local port
  for _ in $(seq 1 100); do
    port=$((20000 + RANDOM % 20000))
    ss -Hltn "sport = :$port" | grep -q . || { echo "$port"; return; }
  done
  echo "no free port" >&2
  return 1
}

for tool in prometheus promtool mariadbd; do
  command -v "$tool" >/dev/null || { echo "live_metrics_test: $tool missing (scripts/install-deps.sh)" >&2; exit 1; }
done

step "MariaDB"
bash scripts/db.sh start "$work/mariadb" >/dev/null
# shellcheck disable=SC1091
source "$work/mariadb/env"

step "secrets and migrations"
secrets="$work/secrets"
mkdir -p "$secrets"
(
  umask 077
  head -c 48 /dev/urandom | base64 -w0 >"$secrets/token-secret"
  echo "k1=$(head -c 32 /dev/urandom | base64 -w0)" >"$secrets/contact-keys"
  head -c 32 /dev/urandom | base64 -w0 >"$secrets/blind-index-key"
)
export SALESFOLLOW_TOKEN_SECRET_FILE="$secrets/token-secret"
export SALESFOLLOW_CONTACT_KEYS_FILE="$secrets/contact-keys"
export SALESFOLLOW_BLIND_INDEX_KEY_FILE="$secrets/blind-index-key"
"$build/tools/migrate/salesfollow-migrate" >"$work/logs/migrate.log" 2>&1

clock="$work/clock"
date -u +%Y-%m-%dT%H:%M:%SZ >"$clock"

start_process() {  # name binary grpc_port metrics_port args...
  local name=$1 binary=$2 grpc_port=$3 metrics_port=$4
  shift 4
  local log="$work/logs/$name.log"
  "$binary" --grpc-listen="127.0.0.1:$grpc_port" --metrics-listen="127.0.0.1:$metrics_port" \
    --test-clock-file="$clock" "$@" >"$log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 300); do
    grep -q '"event":"listening"' "$log" && return 0
    kill -0 "${pids[-1]}" 2>/dev/null || { echo "$name exited" >&2; return 1; }
    sleep 0.1
  done
  echo "$name did not start listening" >&2
  return 1
}

step "services"
declare -A grpc metrics
for name in customer-service followup-service report-worker; do
  grpc[$name]=$(free_port)
  metrics[$name]=$(free_port)
done
start_process customer-service "$build/customer-service/customer-service" \
  "${grpc[customer-service]}" "${metrics[customer-service]}"
start_process followup-service "$build/followup-service/followup-service" \
  "${grpc[followup-service]}" "${metrics[followup-service]}" \
  --customer-service-address="127.0.0.1:${grpc[customer-service]}" --overdue-gauge-interval=1s
start_process report-worker "$build/report-worker/report-worker" \
  "${grpc[report-worker]}" "${metrics[report-worker]}" --run-interval=2s

step "Prometheus"
prom_port=$(free_port)
alerts="$root/charts/salesfollow/files/prometheus/alerts.yml"
cat >"$work/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $alerts
scrape_configs:
$(for name in customer-service followup-service report-worker; do
    printf '  - job_name: %s\n    static_configs:\n      - targets: ["127.0.0.1:%s"]\n' "$name" "${metrics[$name]}"
  done)
YAML
promtool check config "$work/prometheus.yml" >"$work/logs/promtool-config.log" 2>&1
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$prom_port" >"$work/logs/prometheus.log" 2>&1 &
pids+=($!)
prom="http://127.0.0.1:$prom_port"
for _ in $(seq 1 100); do curl -fsS "$prom/-/ready" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fsS "$prom/-/ready" >/dev/null
query() {  # an instant query's first value, or "none"
  curl -fsS "$prom/api/v1/query" --data-urlencode "query=$1" | /usr/bin/python3 -c \
    'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "none")'
}
# The traffic must fall between scrapes to show in rates: wait for the first
# scrape of every target (about 5 s after start).
for _ in $(seq 1 300); do [ "$(query 'count(up == 1)')" = 3 ] && break; sleep 0.2; done
[ "$(query 'count(up == 1)')" = 3 ] || { echo "Prometheus does not scrape all three targets" >&2; exit 1; }

step "traffic: two weeks of sample history through the API"
"$build/tools/seed/salesfollow-seed" --customer-service="127.0.0.1:${grpc[customer-service]}" \
  --followup-service="127.0.0.1:${grpc[followup-service]}" --clock-file="$clock" \
  --history-weeks=2 >"$work/logs/seed.log" 2>&1
# The seed leaves the clock at the end of its history; the services keep it.
# Answers that are not OK: a call without a token and one for a missing customer.
/usr/bin/python3 - "${grpc[customer-service]}" "$secrets/token-secret" <<'PY' >"$work/logs/errors.log" 2>&1
import sys, grpc
channel = grpc.insecure_channel("127.0.0.1:" + sys.argv[1])
raw = lambda method: channel.unary_unary(method, request_serializer=lambda b: b,
                                         response_deserializer=lambda b: b)
# grpc.health.v1.Health/Check with an empty request: b"\x08\x01" is SERVING.
assert raw("/grpc.health.v1.Health/Check")(b"", timeout=5) == b"\x08\x01"
for metadata in ([], [("authorization", "Bearer not-a-token")]):
    try:  # GetCustomer{name: "customers/0"}
        raw("/salesfollow.v1.CustomerService/GetCustomer")(b"\x0a\x0bcustomers/0", metadata=metadata, timeout=5)
        sys.exit("GetCustomer without a valid token succeeded")
    except grpc.RpcError as e:
        print("expected failure:", e.code())
PY

step "waiting for a report pass after the traffic and a few scrapes"
passes_before=$(query 'sum(salesfollow_report_run_duration_seconds_count)')
for _ in $(seq 1 120); do
  passes=$(query 'sum(salesfollow_report_run_duration_seconds_count)')
  [ "${passes%.*}" -ge $(( ${passes_before%.*} + 2 )) ] && break
  sleep 1
done
[ "${passes%.*}" -ge $(( ${passes_before%.*} + 2 )) ] || { echo "no report pass after the traffic" >&2; exit 1; }
sleep 3

step "every dashboard panel and alert expression"
/usr/bin/python3 tests/deploy/promql_check.py --prometheus "$prom" --rate-interval=1m --self-test

step "every rule evaluates inside Prometheus without error"
curl -fsS "$prom/api/v1/rules" >"$work/rules.json"
/usr/bin/python3 - "$work/rules.json" <<'PY'
import json, sys
groups = json.load(open(sys.argv[1]))["data"]["groups"]
rules = [r for g in groups for r in g["rules"]]
bad = [r for r in rules if r.get("health") != "ok"]
print(f"{len(rules)} rules loaded, {len(rules) - len(bad)} evaluated without error")
for r in bad:
    print("FAIL", r["name"], r.get("health"), r.get("lastError", ""))
sys.exit(1 if bad or not rules else 0)
PY
echo "live_metrics_test: passed"
