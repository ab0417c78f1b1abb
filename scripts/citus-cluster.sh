#!/usr/bin/env bash
# A Citus coordinator and two workers on loopback ports, for `make cluster-test` and the runs in docs/SCALING.md.
#
#   scripts/citus-cluster.sh SRC_DIR {build|start|stop|status}
#
# Citus is AGPL-licensed and is not part of this repository: its source is never vendored. `build` compiles and
# installs it from SRC_DIR, a Citus source tree the operator checked out outside the repository (e.g. tag v13.2.2),
# against the system PostgreSQL 15: as root it first installs postgresql-server-dev-15 and the build libraries
# from Debian; it drops the `have_createdb_privilege` definition of Citus 13.2's pg_version_compat.h, which
# PostgreSQL 15's newest minor releases export themselves (a redefinition error otherwise). Already installed: says so.
# start: one PostgreSQL 15 server per node (data under $CITUS_DIR, default /tmp/zhijian-citus; ports
# $CITUS_PORT, +1, +2, default 9700–9702; loopback only, trust auth), database $CITUS_DB (default zhijian) with
# the citus extension on each, the coordinator registered and the two workers added. Prints the coordinator URL.
set -euo pipefail

USAGE="usage: $0 SRC_DIR {build|start|stop|status}"
[ $# -eq 2 ] || { echo "$USAGE" >&2; exit 2; }
SRC_DIR=$1
ACTION=$2
CITUS_DIR=${CITUS_DIR:-/tmp/zhijian-citus}
PORT=${CITUS_PORT:-9700}
DB=${CITUS_DB:-zhijian}
PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
NODES=(coordinator worker1 worker2)
RUN_AS=()
[ "$(id -u)" = 0 ] && RUN_AS=(runuser -u postgres --)   # PostgreSQL refuses to run as root

installed() { [ -f "$("$PGBIN/pg_config" --pkglibdir)/citus.so" ]; }
port_of() { echo $((PORT + $1)); }
running() { [ -f "$1/PG_VERSION" ] && "${RUN_AS[@]}" "$PGBIN/pg_ctl" -D "$1" status >/dev/null 2>&1; }
psql_on() { "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$1" -U postgres -d "$2" -c "$3"; }

case "$ACTION" in
build)
  if installed; then
    echo "citus is installed in $("$PGBIN/pg_config" --pkglibdir) ($("$PGBIN/pg_config" --version))"
    exit 0
  fi
  [ -f "$SRC_DIR/configure" ] && [ -f "$SRC_DIR/src/include/pg_version_compat.h" ] ||
    { echo "$SRC_DIR is not a Citus source tree (no configure, no src/include/pg_version_compat.h)" >&2; exit 2; }
  if [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql-server-dev-15 libkrb5-dev liblz4-dev \
      libzstd-dev libssl-dev libreadline-dev zlib1g-dev libselinux1-dev libxslt1-dev libpam0g-dev autoconf flex bison >/dev/null
  fi
  python3 - "$SRC_DIR/src/include/pg_version_compat.h" <<'PY'
import re, sys
path = sys.argv[1]
text = open(path, encoding="utf-8").read()
m = re.search(r"\nstatic inline bool\nhave_createdb_privilege\(void\)\n\{.*?\n\}\n", text, re.S)
if m:
    open(path, "w", encoding="utf-8").write(text[:m.start()] + "\n" + text[m.end():])
    print("dropped Citus's have_createdb_privilege (PostgreSQL 15 exports it)")
PY
  (cd "$SRC_DIR" && { [ -f config.status ] || ./configure --without-libcurl PG_CONFIG="$PGBIN/pg_config"; } &&
   nice -n 19 make -j"$(nproc)" && make install)
  installed && echo "citus built from $SRC_DIR and installed in $("$PGBIN/pg_config" --pkglibdir)" ;;
start)
  installed || { echo "citus is not installed for $("$PGBIN/pg_config" --version): nothing started" >&2; exit 2; }
  mkdir -p "$CITUS_DIR"
  [ "$(id -u)" = 0 ] && chown postgres: "$CITUS_DIR"
  for i in 0 1 2; do
    dir="$CITUS_DIR/${NODES[$i]}"
    if [ ! -f "$dir/PG_VERSION" ]; then
      "${RUN_AS[@]}" "$PGBIN/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
      cat >> "$dir/postgresql.conf" <<CONF
shared_preload_libraries = 'citus'
listen_addresses = '127.0.0.1'
port = $(port_of $i)
unix_socket_directories = '$CITUS_DIR'
shared_buffers = 128MB
max_connections = 200
max_prepared_transactions = 200
CONF
    fi
    if ! running "$dir"; then
      "${RUN_AS[@]}" "$PGBIN/pg_ctl" -D "$dir" -l "$dir/server.log" -w start >/dev/null
    fi
    p=$(port_of $i)
    if [ -z "$("$PGBIN/psql" -X -tA -h 127.0.0.1 -p "$p" -U postgres -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$DB'")" ]; then
      psql_on "$p" postgres "CREATE DATABASE \"$DB\""
    fi
    psql_on "$p" "$DB" "CREATE EXTENSION IF NOT EXISTS citus"
  done
  psql_on "$PORT" "$DB" "SELECT citus_set_coordinator_host('127.0.0.1', $PORT)" >/dev/null
  for i in 1 2; do
    p=$(port_of $i)
    if [ -z "$("$PGBIN/psql" -X -tA -h 127.0.0.1 -p "$PORT" -U postgres -d "$DB" -c "SELECT 1 FROM pg_dist_node WHERE nodeport = $p")" ]; then
      psql_on "$PORT" "$DB" "SELECT citus_add_node('127.0.0.1', $p)" >/dev/null
    fi
  done
  echo "citus cluster up: coordinator 127.0.0.1:$PORT, workers $(port_of 1) $(port_of 2); ZHIJIAN_CITUS_URL=postgresql+psycopg://postgres@127.0.0.1:$PORT/$DB" ;;
stop)
  for i in 2 1 0; do
    dir="$CITUS_DIR/${NODES[$i]}"
    if running "$dir"; then
      "${RUN_AS[@]}" "$PGBIN/pg_ctl" -D "$dir" -m fast -w stop >/dev/null
    fi
  done
  echo "citus cluster stopped ($CITUS_DIR kept; remove it to start afresh)" ;;
status)
  for i in 0 1 2; do
    dir="$CITUS_DIR/${NODES[$i]}"
    if running "$dir"; then
      echo "${NODES[$i]} 127.0.0.1:$(port_of $i): running"
    else
      echo "${NODES[$i]} 127.0.0.1:$(port_of $i): stopped"
    fi
  done
  if "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$PORT"; then
    "$PGBIN/psql" -X -tA -h 127.0.0.1 -p "$PORT" -U postgres -d "$DB" \
      -c "SELECT 'node ' || nodename || ':' || nodeport || ' group ' || groupid FROM pg_dist_node ORDER BY nodeport"
  fi ;;
*) echo "$USAGE" >&2; exit 2 ;;
esac
