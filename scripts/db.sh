#!/usr/bin/env bash
# A throw-away MariaDB without systemd, for development and the local system.
#
#   scripts/db.sh start [DIR]   initialise DIR (default .run/mariadb) if new, start
#                               mariadbd on a free local port, create the
#                               'salesfollow' database and user; prints the settings
#   scripts/db.sh stop [DIR]    clean shutdown
#   scripts/db.sh status [DIR]  says whether it runs and where
#
# Settings are written to DIR/env (SALESFOLLOW_DB_HOST, _PORT, _NAME, _USER,
# _PASSWORD_FILE) for the other scripts to source.
set -euo pipefail

command=${1:-}
dir=$(realpath -m "${2:-.run/mariadb}")
data="$dir/data"
socket="$dir/mysqld.sock"
pidfile="$dir/mariadbd.pid"

die() { echo "db.sh: $*" >&2; exit 1; }

is_running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 20000))
    if ! ss -Hltn "sport = :$port" | grep -q .; then echo "$port"; return; fi
  done
  die "no free port found"
}

root_sql() { mariadb --no-defaults --socket="$socket" -uroot "$@"; }

case "$command" in
  start)
    mkdir -p "$dir"
    if is_running; then
      echo "db.sh: already running (pid $(cat "$pidfile"))"
    else
      if [ ! -d "$data/mysql" ]; then
        mkdir -p "$dir/tmp"
        TMPDIR="$dir/tmp" mariadb-install-db --no-defaults --datadir="$data" --user=root \
          --auth-root-authentication-method=normal --skip-test-db --skip-name-resolve \
          >"$dir/install.log" 2>&1 || die "mariadb-install-db failed, see $dir/install.log"
      fi
      port=$(cat "$dir/port" 2>/dev/null || free_port)
      echo "$port" >"$dir/port"
      mariadbd --no-defaults --datadir="$data" --socket="$socket" --port="$port" \
        --bind-address=127.0.0.1 --user=root --pid-file="$pidfile" --tmpdir="$dir/tmp" \
        --log-error="$dir/error.log" --skip-name-resolve \
        --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
        >/dev/null 2>&1 &
      for _ in $(seq 1 300); do
        mariadb-admin --no-defaults --socket="$socket" -uroot ping >/dev/null 2>&1 && break
        sleep 0.1
      done
      mariadb-admin --no-defaults --socket="$socket" -uroot ping >/dev/null 2>&1 ||
        die "MariaDB did not start, see $dir/error.log"
    fi
    port=$(cat "$dir/port")
    [ -f "$dir/password" ] || (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$dir/password")
    password=$(cat "$dir/password")
    root_sql <<SQL
CREATE DATABASE IF NOT EXISTS salesfollow CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'salesfollow'@'%' IDENTIFIED BY '$password';
GRANT ALL PRIVILEGES ON salesfollow.* TO 'salesfollow'@'%';
SQL
    cat >"$dir/env" <<ENV
export SALESFOLLOW_DB_HOST=127.0.0.1
export SALESFOLLOW_DB_PORT=$port
export SALESFOLLOW_DB_NAME=salesfollow
export SALESFOLLOW_DB_USER=salesfollow
export SALESFOLLOW_DB_PASSWORD_FILE=$dir/password
ENV
    echo "db.sh: MariaDB on 127.0.0.1:$port (socket $socket), database salesfollow; settings in $dir/env"
    ;;
  stop)
    if is_running; then
      pid=$(cat "$pidfile")
      kill -TERM "$pid"
      for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      echo "db.sh: stopped"
    else
      echo "db.sh: not running"
    fi
    ;;
  status)
    if is_running; then echo "db.sh: running on port $(cat "$dir/port") (pid $(cat "$pidfile"))"
    else echo "db.sh: not running"; exit 1; fi
    ;;
  *)
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
