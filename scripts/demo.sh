#!/usr/bin/env bash
# Set up, then screen every bundled example project (text, Chinese; pass --lang en for English).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/envscreen check examples/ "$@"
