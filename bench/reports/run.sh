#!/usr/bin/env bash
# The report-worker benchmark (not a timed test; docs/PERFORMANCE.md has the
# figures and how to read them).
#
#   bash bench/reports/run.sh            100k and 1M customers (tens of minutes)
#   bash bench/reports/run.sh --smoke    1k and 10k customers (under a minute; for CI)
#   bash bench/reports/run.sh --sizes 100000   any sizes, comma-separated
#   options: --keep (keep the work directory and databases' data)
#
# For each size, on its own throw-away MariaDB (scripts/db.sh, server
# settings as they are): migrate, generate the data (generate.sql), then
#   (1) full rebuild: report-worker --backfill-from=2024-01-01 --backfill-to=2024-06-30
#       (26 weeks + 6 months), wall time and peak RSS (/usr/bin/time -v);
#   (2) the floor: the same aggregate SELECTs (bench.py floor-sql) with the
#       mariadb client over TCP, one session, wall time; ratio (1)/(2);
#   (3) scheduled passes on the test clock: --once at 2024-07-01T02:00Z (first
#       pass ever, sets the watermark), 1,000 changes at 02:10 (changes.sql),
#       --once at 02:15, timed; ratio (3)/(1). Then (3') a diagnostic: 1,000
#       changes at 02:25 that touch only the current week and month (500 new
#       customers, 500 follow-ups on customers that never won), --once at 02:30;
#   (4) peak RSS of (1) at the smallest and the largest size; ratio.
# Every statement of (1), (2) and (3) is also timed by the server's slow log
# (long_query_time = 0) for the "where the time goes" breakdown. --smoke also
# checks that the floor's SQL is exactly what the worker sends (general log).
# Prints a table; writes bench/reports/results-<UTC timestamp>.json
# (results-smoke-... with --smoke). Exit status non-zero if a step failed.
#
# Environment: BENCH_BUILD_DIR (use these binaries, skip the build),
# BENCH_WORKER_FLAGS (extra report-worker flags), BENCH_TIMEOUT (seconds per
# worker run or floor, default 7200).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
here=bench/reports

sizes="100000,1000000"
smoke=0
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) smoke=1; sizes="1000,10000" ;;
    --sizes) sizes="$2"; shift ;;
    --sizes=*) sizes="${1#--sizes=}" ;;
    --keep) keep=1 ;;
    -h|--help) sed -n '2,32p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
timeout_s=${BENCH_TIMEOUT:-7200}
# shellcheck disable=SC2206
worker_flags=(${BENCH_WORKER_FLAGS:-})

log() { echo "[$(date -u +%H:%M:%S)] $*"; }
now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc -l | awk '{printf "%.3f", $1}'; }

# ------------------------------------------------------------------ tools
if [ ! -x /usr/bin/time ]; then
  log "installing GNU time (/usr/bin/time, Debian package 'time')"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends time >/dev/null
fi
for tool in jq bc python3 mariadb mariadbd timeout; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is missing (bash scripts/install-deps.sh; jq, bc: apt-get install jq bc)" >&2; exit 1; }
done

# Another build on this machine would distort the timings (and share ninja's
# output directory): wait for it, 30 minutes at most.
for _ in $(seq 1 180); do
  pgrep -x ninja >/dev/null || break
  log "another build is running; waiting"
  sleep 10
done

work=$(mktemp -d /tmp/salesfollow-bench.XXXXXX)
started_dbs=()
cleanup() {
  local status=$?
  for dir in "${started_dbs[@]}"; do bash scripts/db.sh stop "$dir" >/dev/null 2>&1 || true; done
  if [ "$keep" = 1 ]; then
    log "kept $work"
  elif [ "$status" -eq 0 ]; then
    rm -rf "$work"
  else
    for dir in "${started_dbs[@]}"; do rm -rf "$dir/data"; done
    log "failed; logs kept in $work"
  fi
}
trap cleanup EXIT

# ------------------------------------------------------------------ build
build_log="$work/build.log"
if [ -n "${BENCH_BUILD_DIR:-}" ]; then
  build_dir=$(realpath "$BENCH_BUILD_DIR")
  build_note="given (BENCH_BUILD_DIR)"
elif (cmake --preset release && cmake --build --preset release --target report-worker salesfollow-migrate) >"$build_log" 2>&1; then
  build_dir="$root/build/release"
  build_note="release preset"
else
  # The release preset builds with -Werror; GCC 12 at -O2 reports a false
  # maybe-uninitialized inside date.h (common/src/clock.cc). Same build type
  # and flags without -Werror, in its own directory:
  log "the release preset did not build (see $build_log: $(grep -m1 'error:' "$build_log" | cut -c1-120 || true)); building build/bench without -Werror"
  cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSALESFOLLOW_WERROR=OFF \
    -DSALESFOLLOW_BUILD_TESTS=OFF >>"$build_log" 2>&1
  cmake --build build/bench -j2 --target report-worker salesfollow-migrate >>"$build_log" 2>&1 ||
    { tail -20 "$build_log"; exit 1; }
  build_dir="$root/build/bench"
  build_note="build/bench: RelWithDebInfo, SALESFOLLOW_WERROR=OFF (release preset fails with -Werror)"
fi
worker="$build_dir/report-worker/report-worker"
migrate="$build_dir/tools/migrate/salesfollow-migrate"
[ -x "$worker" ] && [ -x "$migrate" ] || { echo "run.sh: no binaries in $build_dir" >&2; exit 1; }
log "binaries: $build_dir ($build_note)"

export SALESFOLLOW_TOKEN_SECRET
SALESFOLLOW_TOKEN_SECRET="bench-$(head -c 32 /dev/urandom | base64 | tr -d '/+=')"
listen=(--grpc-listen=127.0.0.1:0 --metrics-listen=127.0.0.1:0)

# The benchmark calendar (generate.sql): 26 team weeks 2024-01-01 .. 2024-06-30.
first_day=2024-01-01
last_day=2024-06-30
t_first_once=2024-07-01T02:00:00Z
t_changes=2024-07-01T02:10:00   # UTC, as the services write it
t_scheduled=2024-07-01T02:15:00Z
t_changes2=2024-07-01T02:25:00
t_scheduled2=2024-07-01T02:30:00Z

mkdir -p "$work/results"
jq -n --arg date "$(date -u +%FT%TZ)" --arg commit "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
  --arg dirty "$(git status --porcelain -- common report-worker migrations 2>/dev/null | wc -l)" \
  --arg cpu "$(lscpu | sed -n 's/^Model name: *//p' | head -1)" --argjson nproc "$(nproc)" \
  --arg memory "$(free -h | awk '/^Mem:/ {print $2}')" --arg kernel "$(uname -r)" \
  --arg mariadb "$(mariadbd --version | sed 's/^.*Ver //')" --arg build "$build_note" \
  --arg worker_flags "${BENCH_WORKER_FLAGS:-}" --arg sizes "$sizes" --argjson smoke "$smoke" \
  '{date: $date, commit: $commit, production_files_changed: ($dirty|tonumber), cpu: $cpu, nproc: $nproc,
    memory: $memory, kernel: $kernel, mariadb: $mariadb, build: $build, worker_flags: $worker_flags,
    sizes: $sizes, smoke: ($smoke == 1),
    range: {from: "'$first_day'", to: "'$last_day'"}}' >"$work/results/run.json"

# ------------------------------------------------------------------ per size
# run_worker NAME CLOCK ARGS... -> $out/NAME.json
run_worker() {
  local name=$1 clock=$2; shift 2
  printf '%s\n' "$clock" >"$out/clock.tmp" && mv "$out/clock.tmp" "$out/clock"
  slow_log_to "$out/$name.slow"
  local t0 t1 status=0
  t0=$(now)
  /usr/bin/time -v -o "$out/$name.time" timeout "$timeout_s" "$worker" "${listen[@]}" \
    --test-clock-file="$out/clock" "${worker_flags[@]}" "$@" >"$out/$name.log" 2>&1 || status=$?
  t1=$(now)
  slow_log_off
  local pass rss wall
  pass=$(grep '"event":"report_pass"' "$out/$name.log" | tail -1 || true)
  [ -n "$pass" ] || pass='{}'
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$out/$name.time")
  wall=$(elapsed "$t0" "$t1")
  local error
  error=$(jq -r '.error // ""' <<<"$pass")
  [ "$status" -eq 0 ] && [ -z "$error" ] || error="${error:-exit status $status: $(grep -v TEST_CLOCK "$out/$name.log" | tail -2 | tr '\n' ' ')}"
  jq -n --argjson pass "$pass" --arg wall "$wall" --arg rss "${rss:-0}" --arg error "$error" \
    --argjson statements "$(python3 "$here/bench.py" slowlog "$out/$name.slow")" \
    '{ok: ($error == ""), error: $error, wall_seconds: ($wall|tonumber), max_rss_kb: ($rss|tonumber),
      pass_seconds: $pass.seconds, periods: $pass.periods, rows: $pass.rows, statements: $statements}' \
    >"$out/$name.json"
  log "  $name: $(jq -r '"\(.wall_seconds) s wall, \(.pass_seconds) s pass, \(.periods) periods, \(.rows) rows, \(.max_rss_kb) kB peak RSS" + (if .ok then "" else ", FAILED: \(.error)" end)' "$out/$name.json")"
}
slow_log_to() {
  root_sql -e "SET GLOBAL long_query_time = 0, GLOBAL slow_query_log_file = '$1', GLOBAL slow_query_log = 1"
}
slow_log_off() { root_sql -e "SET GLOBAL slow_query_log = 0, GLOBAL long_query_time = 10"; }

overall=0
IFS=',' read -r -a size_list <<<"$sizes"
for size in "${size_list[@]}"; do
  out="$work/$size"
  db="$work/db-$size"
  mkdir -p "$out"
  log "== $size customers"
  # db.sh picks a random free port; another process may take it first: retry.
  for attempt in 1 2 3; do
    rm -f "$db/port"
    if bash scripts/db.sh start "$db" >"$out/db.log" 2>&1; then break; fi
    [ "$attempt" -lt 3 ] || { cat "$out/db.log"; exit 1; }
    log "MariaDB did not start (attempt $attempt: $(grep -m1 ERROR "$db/error.log" | cut -c1-100)); retrying"
  done
  started_dbs+=("$db")
  # shellcheck disable=SC1091
  source "$db/env"
  root_sql() { mariadb --no-defaults --socket="$db/mysqld.sock" -uroot salesfollow "$@"; }
  cat >"$out/client.cnf" <<CNF
[client]
host=127.0.0.1
port=$SALESFOLLOW_DB_PORT
user=$SALESFOLLOW_DB_USER
password=$(cat "$SALESFOLLOW_DB_PASSWORD_FILE")
database=$SALESFOLLOW_DB_NAME
CNF
  "$migrate" "${listen[@]}" >"$out/migrate.log" 2>&1 || { cat "$out/migrate.log"; exit 1; }

  log "generating (progress below)"
  t0=$(now)
  root_sql -n --batch --skip-column-names -e "SET @customers = $size; SOURCE $here/generate.sql;" |
    grep '^generate:' | sed 's/^/  /'
  gen_s=$(elapsed "$t0" "$(now)")
  root_sql --batch --skip-column-names -e "
    SELECT JSON_OBJECT('customers', (SELECT COUNT(*) FROM customers),
      'stage_events', (SELECT COUNT(*) FROM stage_events), 'owner_events', (SELECT COUNT(*) FROM owner_events),
      'follow_ups', (SELECT COUNT(*) FROM follow_ups),
      'wins', (SELECT COUNT(*) FROM stage_events WHERE to_stage = 4),
      'losses', (SELECT COUNT(*) FROM stage_events WHERE to_stage = 5),
      'data_mb', (SELECT ROUND(SUM(data_length + index_length) / 1048576) FROM information_schema.tables WHERE table_schema = 'salesfollow'),
      'innodb_buffer_pool_mb', @@innodb_buffer_pool_size DIV 1048576)" |
    jq --arg s "$gen_s" '. + {generate_seconds: ($s|tonumber)}' >"$out/data.json"
  log "data: $(jq -c . "$out/data.json")"

  log "(1) full rebuild: --backfill-from=$first_day --backfill-to=$last_day"
  run_worker rebuild "$t_first_once" --backfill-from=$first_day --backfill-to=$last_day

  log "(2) floor: the same aggregate SELECTs with the mariadb client"
  python3 "$here/bench.py" floor-sql --from $first_day --to $last_day >"$out/floor.sql"
  statements=$(($(wc -l <"$out/floor.sql") - 1))
  slow_log_to "$out/floor.slow"
  t0=$(now); floor_status=0
  timeout "$timeout_s" mariadb --defaults-file="$out/client.cnf" --batch --skip-column-names \
    <"$out/floor.sql" >/dev/null 2>"$out/floor.err" || floor_status=$?
  floor_s=$(elapsed "$t0" "$(now)")
  slow_log_off
  jq -n --arg s "$floor_s" --argjson n "$statements" --argjson status "$floor_status" \
    --arg err "$(head -c 300 "$out/floor.err")" \
    --argjson statements "$(python3 "$here/bench.py" slowlog "$out/floor.slow")" \
    '{ok: ($status == 0), error: $err, wall_seconds: ($s|tonumber), statement_count: $n, statements: $statements}' \
    >"$out/floor.json"
  log "  floor: ${floor_s} s for $statements statements"

  log "(3) scheduled passes"
  run_worker first_once "$t_first_once" --once
  root_sql -n --batch --skip-column-names \
    -e "SET @now = '$t_changes', @salt = 'b1'; SOURCE $here/changes.sql;" | tee "$out/changes1.txt" | sed 's/^/  /'
  run_worker scheduled "$t_scheduled" --once
  root_sql -n --batch --skip-column-names \
    -e "SET @now = '$t_changes2', @salt = 'b2', @n_stage = 0, @n_transfer = 0, @n_new = 500, @n_fu = 500,
        @fu_never_won = 1; SOURCE $here/changes.sql;" | tee "$out/changes2.txt" | sed 's/^/  /'
  run_worker scheduled_current_only "$t_scheduled2" --once

  if [ "$smoke" = 1 ]; then
    log "checking that the floor is the worker's SQL (general log of a backfill)"
    root_sql -e "SET GLOBAL general_log_file = '$out/general.log', GLOBAL general_log = 1"
    timeout "$timeout_s" "$worker" "${listen[@]}" --test-clock-file="$out/clock" "${worker_flags[@]}" \
      --backfill-from=$first_day --backfill-to=$last_day >"$out/verify.log" 2>&1
    root_sql -e "SET GLOBAL general_log = 0"
    python3 "$here/bench.py" verify-floor --general-log "$out/general.log" --from $first_day --to $last_day |
      sed 's/^/  /' || overall=1
  fi

  jq -n --argjson customers "$size" --slurpfile data "$out/data.json" --slurpfile rebuild "$out/rebuild.json" \
    --slurpfile floor "$out/floor.json" --slurpfile first_once "$out/first_once.json" \
    --slurpfile scheduled "$out/scheduled.json" --slurpfile diag "$out/scheduled_current_only.json" \
    --rawfile c1 "$out/changes1.txt" --rawfile c2 "$out/changes2.txt" \
    '{customers: $customers, data: $data[0], rebuild: $rebuild[0], floor: $floor[0],
      first_once: $first_once[0], scheduled: ($scheduled[0] + {changes: ($c1 | rtrimstr("\n") | split("\n"))}),
      scheduled_current_only: ($diag[0] + {changes: ($c2 | rtrimstr("\n") | split("\n"))})}' \
    >"$work/results/size-$(printf '%010d' "$size").json"
  for part in rebuild floor first_once scheduled scheduled_current_only; do
    [ "$(jq -r .ok "$out/$part.json")" = true ] || overall=1
  done

  bash scripts/db.sh stop "$db" >/dev/null
  [ "$keep" = 1 ] || rm -rf "$db/data"
done

stamp=$(date -u +%Y%m%dT%H%M%SZ)
if [ "$smoke" = 1 ]; then result="$here/results-smoke-$stamp.json"; else result="$here/results-$stamp.json"; fi
echo
python3 "$here/bench.py" report --results "$work/results" --out "$result"
exit $overall
