#!/usr/bin/env bash
# Set up, then run the whole test suite: lint, every rule's cases, unit, golden and property tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check screening api tests scripts
.venv/bin/mypy
.venv/bin/python -m pytest "$@"
