#!/usr/bin/env bash
# A throwaway PostgreSQL server with PostGIS on loopback, from the distribution's packages
# (postgresql, postgresql-postgis; scripts/setup.sh installs them), for the test suite.
#
#   eval "$(bash scripts/postgres.sh start)"      # exports ENVSCREEN_TEST_POSTGRES_URL and ENVSCREEN_PG_DIR
#   bash scripts/postgres.sh stop "$ENVSCREEN_PG_DIR"
#
# The cluster lives in a fresh temporary directory, trusts loopback connections only (it
# never listens beyond 127.0.0.1) and is deleted by `stop`. Root cannot run initdb, so as
# root the server runs as the `postgres` OS user.
set -euo pipefail

bindir() {
  if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
    pg_config --bindir
    return
  fi
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$d" ] && [ -x "$d/initdb" ] || { echo "postgres.sh: initdb not found (apt-get install postgresql)" >&2; exit 1; }
  echo "$d"
}

as_owner() {  # run a server command as the cluster's owner
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

start() {
  local bin dir port url
  bin=$(bindir)
  dir=$(mktemp -d "${TMPDIR:-/tmp}/envscreen-pg.XXXXXX")
  [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  as_owner "$bin/initdb" -D "$dir/data" -U envscreen --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off" start >/dev/null \
    || { cat "$dir/server.log" >&2; exit 1; }
  "$bin/psql" -q -h 127.0.0.1 -p "$port" -U envscreen -d postgres -v ON_ERROR_STOP=1 \
    -c "CREATE DATABASE envscreen_test" >/dev/null
  "$bin/psql" -q -h 127.0.0.1 -p "$port" -U envscreen -d envscreen_test -v ON_ERROR_STOP=1 \
    -c "CREATE EXTENSION IF NOT EXISTS postgis" >/dev/null
  url="postgresql+psycopg://envscreen@127.0.0.1:$port/envscreen_test"
  echo "export ENVSCREEN_TEST_POSTGRES_URL='$url'"
  echo "export ENVSCREEN_PG_DIR='$dir'"
  echo "postgres.sh: PostgreSQL with PostGIS at $url (data in $dir)" >&2
}

stop() {
  local dir=${1:-${ENVSCREEN_PG_DIR:-}}
  case "$dir" in
    "${TMPDIR:-/tmp}"/envscreen-pg.*) ;;
    *) echo "postgres.sh: refusing to stop '$dir' (not a directory made by postgres.sh start)" >&2; exit 1 ;;
  esac
  if [ -d "$dir/data" ]; then
    as_owner "$(bindir)/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  *) echo "usage: $0 start | stop DIR" >&2; exit 2 ;;
esac
