#!/usr/bin/env bash
# Set up, then run the whole test suite: lint, every rule's cases, unit, golden and property tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
.venv/bin/ruff check screening api tests scripts
.venv/bin/mypy
# A throwaway PostgreSQL with PostGIS on loopback for the record and zone-source tests
# (scripts/postgres.sh); in CI a server that does not start fails the run, elsewhere those tests skip.
if pg_env=$(bash scripts/postgres.sh start); then
  eval "$pg_env"
  trap 'bash scripts/postgres.sh stop "$ENVSCREEN_PG_DIR"' EXIT
elif [ -n "${CI:-}" ]; then
  echo "PostgreSQL did not start (scripts/postgres.sh); CI needs it" >&2
  exit 1
else
  echo "PostgreSQL did not start; its tests will be skipped" >&2
fi
.venv/bin/python -m pytest "$@"
