#!/bin/sh
# Start a local PostgreSQL server for the store tests (Debian, run as root).
#   .ci/start-postgres.sh [ENVFILE]
# Installs the Debian `postgresql` package if missing, starts the newest cluster,
# creates (idempotent) the role and database `bwv_test` (the owner role: it runs the
# migrations, like `bwv_owner` in production) and the application role `bwv_app` (no
# rights of its own; `bwv store grant-app-role` gives it DML, and only INSERT/SELECT on
# the audit trail), and prints
#   export BWV_TEST_PG_URL=postgresql+psycopg://bwv_test:bwv_test@127.0.0.1:PORT/bwv_test
#   export BWV_TEST_PG_APP_URL=postgresql+psycopg://bwv_app:bwv_app@127.0.0.1:PORT/bwv_test
# which are also written to ENVFILE when given (source it before pytest).
set -eu

if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql >/dev/null
fi

ver=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$ver main"; then
    pg_createcluster "$ver" main >/dev/null
fi
if ! pg_lsclusters -h | awk -v v="$ver" '$1==v && $2=="main" {print $4}' | grep -q online; then
    pg_ctlcluster "$ver" main start
fi
port=$(pg_lsclusters -h | awk -v v="$ver" '$1==v && $2=="main" {print $3}')

i=0
until pg_isready -q -h 127.0.0.1 -p "$port"; do
    i=$((i + 1))
    if [ "$i" -gt 60 ]; then
        echo "start-postgres: server on port $port did not become ready" >&2
        exit 1
    fi
    sleep 1
done

psql_admin() {
    runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$port" "$@"
}
if [ "$(psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname='bwv_test'")" != "1" ]; then
    psql_admin -c "CREATE ROLE bwv_test LOGIN PASSWORD 'bwv_test' CREATEDB"
fi
if [ "$(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname='bwv_test'")" != "1" ]; then
    psql_admin -c "CREATE DATABASE bwv_test OWNER bwv_test"
fi
if [ "$(psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname='bwv_app'")" != "1" ]; then
    psql_admin -c "CREATE ROLE bwv_app LOGIN PASSWORD 'bwv_app' NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT"
fi

line="export BWV_TEST_PG_URL=postgresql+psycopg://bwv_test:bwv_test@127.0.0.1:$port/bwv_test
export BWV_TEST_PG_APP_URL=postgresql+psycopg://bwv_app:bwv_app@127.0.0.1:$port/bwv_test"
if [ $# -ge 1 ]; then
    echo "$line" > "$1"
fi
echo "$line"
