#!/usr/bin/env bash
# Set up (if needed), start the PostgreSQL server the store tests use, run the whole suite.
#   bash scripts/test.sh [pytest args]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
if [ "$(id -u)" = 0 ]; then
    envfile=$(mktemp)
    bash .ci/start-postgres.sh "$envfile" >/dev/null
    # shellcheck disable=SC1090
    . "$envfile"
    rm -f "$envfile"
fi
export QT_QPA_PLATFORM=${QT_QPA_PLATFORM:-offscreen}
set +e
# two workers (CI has 2 cores), a test file per worker at a time: its module fixtures and
# clusters stay in one process; about 9 instead of 15 minutes on 2 cores
.venv/bin/python -m pytest -n 2 --dist loadfile "$@"
rc=$?
set -e
# pytest exits 5 when no tests were collected: that must not pass silently either
if [ "$rc" = 5 ]; then
    echo "test.sh: pytest collected no tests" >&2
    exit 1
fi
exit "$rc"
