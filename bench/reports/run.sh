#!/usr/bin/env bash
# The report-worker benchmark (not a timed test; docs/PERFORMANCE.md has the
# figures and how to read them).
#
#   bash bench/reports/run.sh            100k and 1M customers (about an hour)
#   bash bench/reports/run.sh --smoke    1k and 10k customers (a minute; for CI)
#   bash bench/reports/run.sh --sizes 100000   any sizes, comma-separated
#   options: --keep (keep the work directory and the databases)
#
# For each size, on its own throw-away MariaDB (scripts/db.sh, server settings
# as they are), migrate and generate the data (generate.sql: 26 team weeks,
# 2024-01-01 .. 2024-06-30), then:
#   (0) sample, with the worker's default options: report-worker --backfill
#       of the last week (the week 2024-06-24 and the month 2024-06: 2
#       periods; being the first periods of a backfill, their stage counts
#       come from the whole history), wall time, peak RSS; then its reads
#       replayed (as (2));
#   (1) full rebuild: report-worker --backfill-from=2024-01-01
#       --backfill-to=2024-06-30 (32 periods), wall time and peak RSS
#       (/usr/bin/time -v), the server's general log on;
#   (2) the floor: the read statements (1) sent, taken from that general log
#       (bench.py floor-sql: every SELECT but the bookkeeping on report_state,
#       report_runs, report_periods and the named lock), replayed in the
#       worker's order by the mariadb client over TCP in one session with the
#       worker's session settings, output discarded, wall time; ratio (1)/(2).
#       Coverage check: per statement class, the worker's statements (its slow
#       log), the extracted ones and the replayed ones (the replay's slow log)
#       must agree, or the step fails;
#   (3) scheduled passes on the test clock: the watermark at
#       2024-07-01T02:00Z (a first --once after (1); if (1) failed, written as
#       that pass writes it), then (3') 1,000 changes at 02:10 that touch only
#       the current week and month (500 new customers, 500 follow-ups on
#       customers that never won) and --once at 02:15, then (3) 1,000 mixed
#       changes at 02:25 (changes.sql: 400 stage changes, 50 transfers, 250
#       new customers, 300 follow-ups) and --once at 02:30; ratio (3)/(1);
#   (4) peak RSS of the sample (the biggest week), of (1) and of (3) at the
#       smallest and the largest size; ratios.
# Every step stops at BENCH_REBUILD_LIMIT (a pass stopped there is a result,
# not a failure). Every statement is also timed by the server's slow log
# (long_query_time = 0) for the "where the time goes" breakdown.
# alternatives.sql (the previous run's evidence for statements since
# rewritten) is no longer run; run it by hand on a kept database.
# Prints a table; writes bench/reports/results-<UTC timestamp>.json
# (results-smoke-... with --smoke). Exit status non-zero if a step failed.
#
# Environment: BENCH_BUILD_DIR (use these binaries, skip the build),
# BENCH_WORKER_FLAGS (extra report-worker flags for (1) and (3); none by
# default; (0) always runs with the defaults), BENCH_REBUILD_LIMIT (seconds
# per step, default 3600), BENCH_QUIET_WAIT (seconds to wait for other builds
# before each measurement, default 1800).
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
    -h|--help) sed -n '2,50p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
limit=${BENCH_REBUILD_LIMIT:-3600}
quiet_wait=${BENCH_QUIET_WAIT:-1800}
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
for tool in jq bc python3 mariadb mariadbd timeout pgrep; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is missing (bash scripts/install-deps.sh; jq, bc: apt-get install jq bc)" >&2; exit 1; }
done

# Compilers running on this 2-core machine distort every figure: before each
# measurement wait for them to finish (bounded), and record the load.
wait_quiet() {
  local waited=0
  while pgrep -x ninja >/dev/null || pgrep -x cc1plus >/dev/null; do
    [ "$waited" -lt "$quiet_wait" ] || { log "  still busy after ${quiet_wait} s; measuring anyway"; break; }
    [ "$waited" -gt 0 ] || log "  another build is running; waiting (at most ${quiet_wait} s)"
    sleep 10; waited=$((waited + 10))
  done
}
loadavg() { cut -d' ' -f1 /proc/loadavg; }

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
wait_quiet
build_log="$work/build.log"
if [ -n "${BENCH_BUILD_DIR:-}" ]; then
  build_dir=$(realpath "$BENCH_BUILD_DIR")
  build_note="given (BENCH_BUILD_DIR=$BENCH_BUILD_DIR)"
elif (cmake --preset release && cmake --build --preset release --target report-worker salesfollow-migrate) >"$build_log" 2>&1; then
  build_dir="$root/build/release"
  build_note="release preset"
else
  # The release preset builds with -Werror; GCC 12 at -O2 reports a false
  # maybe-uninitialized inside date.h (common/src/clock.cc). Same build type
  # and flags without -Werror, in its own directory:
  log "the release preset did not build ($(grep -m1 'error:' "$build_log" | cut -c1-110 || true)); building build/bench without -Werror"
  cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSALESFOLLOW_WERROR=OFF \
    -DSALESFOLLOW_BUILD_TESTS=OFF >>"$build_log" 2>&1
  cmake --build build/bench -j2 --target report-worker salesfollow-migrate >>"$build_log" 2>&1 ||
    { tail -20 "$build_log"; exit 1; }
  build_dir="$root/build/bench"
  build_note="build/bench: RelWithDebInfo without -Werror (the release preset fails with -Werror)"
fi
worker="$build_dir/report-worker/report-worker"
migrate="$build_dir/tools/migrate/salesfollow-migrate"
[ -x "$worker" ] && [ -x "$migrate" ] || { echo "run.sh: no binaries in $build_dir" >&2; exit 1; }
log "binaries: $build_dir ($build_note)"

export SALESFOLLOW_TOKEN_SECRET
SALESFOLLOW_TOKEN_SECRET="bench-$(head -c 32 /dev/urandom | base64 | tr -d '/+=')"
listen=(--grpc-listen=127.0.0.1:0 --metrics-listen=127.0.0.1:0)

# The benchmark calendar (generate.sql).
first_day=2024-01-01
last_day=2024-06-30
sample_day=2024-06-24            # the last (and biggest) week; with it the month 2024-06
t_sample=2024-07-01T01:10:00Z          # backfills: the clock only stamps report_periods/report_runs
t_rebuild=2024-07-01T01:20:00Z
t_watermark=2024-07-01T02:00:00Z
t_changes_current=2024-07-01T02:10:00   # UTC, as the services write it
t_pass_current=2024-07-01T02:15:00Z
t_changes_mixed=2024-07-01T02:25:00
t_pass_mixed=2024-07-01T02:30:00Z

mkdir -p "$work/results"
jq -n --arg date "$(date -u +%FT%TZ)" --arg commit "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
  --arg dirty "$(git status --porcelain -- common report-worker migrations customer-service followup-service 2>/dev/null | wc -l)" \
  --arg cpu "$(lscpu | sed -n 's/^Model name: *//p' | head -1)" --argjson nproc "$(nproc)" \
  --arg memory "$(free -h | awk '/^Mem:/ {print $2}')" --arg kernel "$(uname -r)" \
  --arg mariadb "$(mariadbd --version | sed 's/^.*Ver //')" --arg build "$build_note" \
  --arg worker_flags "${worker_flags[*]}" --arg sizes "$sizes" --argjson smoke "$smoke" \
  --argjson limit "$limit" \
  '{date: $date, commit: $commit, production_files_changed: ($dirty|tonumber), cpu: $cpu, nproc: $nproc,
    memory: $memory, kernel: $kernel, mariadb: $mariadb, build: $build, worker_flags: $worker_flags,
    sizes: $sizes, smoke: ($smoke == 1), rebuild_limit_seconds: $limit,
    range: {from: "'$first_day'", to: "'$last_day'"}, sample: {from: "'$sample_day'", to: "'$sample_day'"}}' \
  >"$work/results/run.json"

# ------------------------------------------------------------------ steps
slow_log_to() {
  root_sql -e "SET GLOBAL long_query_time = 0, GLOBAL slow_query_log_file = '$1', GLOBAL slow_query_log = 1"
}
slow_log_off() { root_sql -e "SET GLOBAL slow_query_log = 0, GLOBAL long_query_time = 10"; }
# A client that gave up (read timeout, or our time limit) leaves its query
# running in the server: end it before the next measurement.
kill_leftovers() {
  local ids
  ids=$(root_sql --batch --skip-column-names -e \
    "SELECT id FROM information_schema.processlist WHERE user = '$SALESFOLLOW_DB_USER' AND command <> 'Sleep'")
  for id in $ids; do root_sql -e "KILL $id" 2>/dev/null || true; done
  [ -z "$ids" ] || log "  ended $(echo "$ids" | wc -w) query(ies) left running by a client that gave up"
}

# run_worker NAME CLOCK FLAGS... -> $out/NAME.json (wall, RSS, pass line,
# statements by class; when stopped at the limit, the periods it finished);
# with capture=1 also the general log, $out/NAME.general
run_worker() {
  local name=$1 clock=$2; shift 2
  printf '%s\n' "$clock" >"$out/clock.tmp" && mv "$out/clock.tmp" "$out/clock"
  wait_quiet
  local load; load=$(loadavg)
  slow_log_to "$out/$name.slow"
  [ "${capture:-0}" = 0 ] || root_sql -e "SET GLOBAL general_log_file = '$out/$name.general', GLOBAL general_log = 1"
  local t0 t1 status=0
  t0=$(now)
  /usr/bin/time -v -o "$out/$name.time" timeout "$limit" "$worker" "${listen[@]}" \
    --test-clock-file="$out/clock" "$@" >"$out/$name.log" 2>&1 || status=$?
  t1=$(now)
  slow_log_off
  [ "${capture:-0}" = 0 ] || root_sql -e "SET GLOBAL general_log = 0"
  kill_leftovers
  local pass rss wall error stopped=false done_periods
  pass=$(grep '"event":"report_pass"' "$out/$name.log" | tail -1 || true)
  [ -n "$pass" ] || pass='{}'
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$out/$name.time")
  wall=$(elapsed "$t0" "$t1")
  error=$(jq -r '.error // ""' <<<"$pass")
  if [ "$status" -eq 124 ]; then
    stopped=true
    error="stopped at the ${limit} s limit"
  elif [ "$status" -ne 0 ] || [ -n "$error" ]; then
    error="${error:-exit status $status: $(grep -v TEST_CLOCK "$out/$name.log" | tail -1)}"
  fi
  # Periods written by this run: report_periods.computed_at is the clock's time.
  done_periods=$(root_sql --batch --skip-column-names -e \
    "SELECT COUNT(*) FROM report_periods WHERE computed_at = '$(sed 's/T/ /; s/Z//' <<<"$clock")'")
  jq -n --argjson pass "$pass" --arg wall "$wall" --arg rss "${rss:-0}" --arg error "$error" \
    --argjson stopped "$stopped" --argjson done "$done_periods" --arg load "$load" \
    --arg flags "$*" --argjson statements "$(python3 "$here/bench.py" slowlog "$out/$name.slow")" \
    '{ok: ($error == ""), stopped_at_limit: $stopped, error: $error, flags: $flags,
      wall_seconds: ($wall|tonumber), max_rss_kb: ($rss|tonumber), load_before: ($load|tonumber),
      pass_seconds: $pass.seconds, periods: $pass.periods, periods_written: $done, rows: $pass.rows,
      statements: $statements}' >"$out/$name.json"
  log "  $name: $(jq -r '"\(.wall_seconds) s wall, \(.pass_seconds // "-") s pass, \(.periods // .periods_written) periods, \(.max_rss_kb) kB peak RSS" + (if .ok then "" else " -- \(.error[0:200])" end)' "$out/$name.json")"
}

# run_floor NAME PASS -> $out/NAME.json: the reads of the worker pass PASS
# (its general log, $out/PASS.general) replayed by the mariadb client
run_floor() {
  local name=$1 pass=$2
  if ! python3 "$here/bench.py" floor-sql --general-log "$out/$pass.general" --user "$SALESFOLLOW_DB_USER" \
      --out "$out/$name.sql" --counts "$out/$name.extracted.json"; then
    jq -n '{ok: false, error: "no worker statements in the general log"}' >"$out/$name.json"
    return
  fi
  local statements; statements=$(jq .statements "$out/$name.extracted.json")
  wait_quiet
  local load; load=$(loadavg)
  slow_log_to "$out/$name.slow"
  local t0 status=0 wall
  t0=$(now)
  timeout "$limit" mariadb --defaults-file="$out/client.cnf" --batch --skip-column-names \
    <"$out/$name.sql" >/dev/null 2>"$out/$name.err" || status=$?
  wall=$(elapsed "$t0" "$(now)")
  slow_log_off
  kill_leftovers
  local coverage cov_status=0
  coverage=$(python3 "$here/bench.py" coverage --worker-slowlog "$out/$pass.slow" \
    --extracted "$out/$name.extracted.json" --floor-slowlog "$out/$name.slow") || cov_status=$?
  jq -n --arg s "$wall" --argjson n "$statements" --argjson status "$status" --arg load "$load" \
    --arg err "$(if [ "$status" = 124 ]; then echo "stopped at the ${limit} s limit"; else head -c 300 "$out/$name.err"; fi)" \
    --argjson statements "$(python3 "$here/bench.py" slowlog "$out/$name.slow")" \
    --argjson coverage "$coverage" --argjson cov_status "$cov_status" \
    '{ok: ($status == 0 and $cov_status == 0),
      error: (if $status != 0 then $err elif $cov_status != 0 then "the replay does not cover the worker'"'"'s reads" else "" end),
      wall_seconds: ($s|tonumber), load_before: ($load|tonumber),
      statement_count: $n, coverage: $coverage, statements: $statements}' >"$out/$name.json"
  log "  $name: $(jq -r '"\(.wall_seconds) s for \(.statement_count) statements; coverage " + (if .coverage.ok then "ok" else "MISMATCH" end) + (if .ok then "" else " -- \(.error)" end)' "$out/$name.json")"
}

# apply_changes NAME SQL-SETTINGS -> $out/NAME.txt
apply_changes() {
  root_sql -n --batch --skip-column-names -e "$2 SOURCE $here/changes.sql;" | tee "$out/$1.txt" | sed 's/^/  /'
}

# ------------------------------------------------------------------ per size
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
      'sample_week_stage_events', (SELECT COUNT(*) FROM stage_events WHERE created_at >= '2024-06-23 16:00:00' AND created_at < '2024-06-30 16:00:00'),
      'data_mb', (SELECT ROUND(SUM(data_length + index_length) / 1048576) FROM information_schema.tables WHERE table_schema = 'salesfollow'),
      'innodb_buffer_pool_mb', @@innodb_buffer_pool_size DIV 1048576)" |
    jq --arg s "$gen_s" '. + {generate_seconds: ($s|tonumber)}' >"$out/data.json"
  log "data: $(jq -c . "$out/data.json")"

  sample=(--backfill-from=$sample_day --backfill-to=$sample_day)
  log "(0) sample with the worker's default options: the week $sample_day and its month"
  capture=1 run_worker sample "$t_sample" "${sample[@]}"
  run_floor sample_floor sample

  log "(1) full rebuild: --backfill-from=$first_day --backfill-to=$last_day"
  capture=1 run_worker rebuild "$t_rebuild" "${worker_flags[@]}" --backfill-from=$first_day --backfill-to=$last_day
  log "(2) floor: (1)'s reads replayed by the mariadb client"
  run_floor floor rebuild
  if [ "$(jq -r .ok "$out/rebuild.json")" = true ]; then
    log "(3) first --once (no watermark yet: recomputes everything, sets the watermark)"
    run_worker first_once "$t_watermark" "${worker_flags[@]}" --once
  else
    echo '{"skipped": true}' >"$out/first_once.json"
    log "(3) the watermark at $t_watermark, written as a first --once writes it (report_runner.cc)"
    root_sql -e "
      INSERT INTO report_customer_snapshot (customer_id, first_contact_date, deleted, created_at, source, industry)
        SELECT id, first_contact_date, deleted, created_at, source, industry FROM customers
        ON DUPLICATE KEY UPDATE first_contact_date = VALUES(first_contact_date), deleted = VALUES(deleted),
          created_at = VALUES(created_at), source = VALUES(source), industry = VALUES(industry);
      INSERT INTO report_state (id, changes_until, current_week, current_month, updated_at)
        VALUES (1, '2024-07-01 02:00:00', '2024-07-01', '2024-07-01', '2024-07-01 02:00:00');"
  fi
  log "(3') 1,000 changes touching only the current week and month, then --once"
  apply_changes changes_current "SET @now = '$t_changes_current', @salt = 'b1', @n_stage = 0, @n_transfer = 0,
    @n_new = 500, @n_fu = 500, @fu_never_won = 1;"
  run_worker scheduled_current_only "$t_pass_current" "${worker_flags[@]}" --once
  log "(3) 1,000 mixed changes, then --once"
  apply_changes changes_mixed "SET @now = '$t_changes_mixed', @salt = 'b2';"
  run_worker scheduled "$t_pass_mixed" "${worker_flags[@]}" --once

  lines() { jq -R . "$1" | jq -s .; }
  jq -n --argjson customers "$size" --slurpfile data "$out/data.json" \
    --slurpfile sample "$out/sample.json" --slurpfile sample_floor "$out/sample_floor.json" \
    --slurpfile rebuild "$out/rebuild.json" --slurpfile floor "$out/floor.json" \
    --slurpfile first_once "$out/first_once.json" \
    --slurpfile current "$out/scheduled_current_only.json" --argjson current_changes "$(lines "$out/changes_current.txt")" \
    --slurpfile scheduled "$out/scheduled.json" --argjson mixed_changes "$(lines "$out/changes_mixed.txt")" \
    '{customers: $customers, data: $data[0], sample: $sample[0], sample_floor: $sample_floor[0],
      rebuild: $rebuild[0], floor: $floor[0], first_once: $first_once[0],
      scheduled_current_only: ($current[0] + {changes: $current_changes}),
      scheduled: ($scheduled[0] + {changes: $mixed_changes})}' \
    >"$work/results/size-$(printf '%010d' "$size").json"
  # A pass stopped at BENCH_REBUILD_LIMIT is a result ("measured what we could"), not a failure;
  # a replay that does not cover the worker's reads is.
  for part in sample sample_floor rebuild floor first_once scheduled_current_only scheduled; do
    [ "$(jq -r '.ok or .skipped == true or .stopped_at_limit == true' "$out/$part.json")" = true ] || overall=1
  done

  bash scripts/db.sh stop "$db" >/dev/null
  [ "$keep" = 1 ] || rm -rf "$db/data"
done

stamp=$(date -u +%Y%m%dT%H%M%SZ)
if [ "$smoke" = 1 ]; then result="$here/results-smoke-$stamp.json"; else result="$here/results-$stamp.json"; fi
echo
python3 "$here/bench.py" report --results "$work/results" --out "$result"
exit $overall
