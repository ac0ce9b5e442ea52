#!/usr/bin/env bash
# Re-resolve requirements.lock from pyproject.toml: the newest versions its ranges allow, with
# hashes, one lock for Python 3.11 and 3.12 on every platform. Then run scripts/test.sh.
# Extra arguments go to the resolver, e.g. `--upgrade-package fastapi` to move one package only;
# with none, every package moves to its newest allowed version.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
python3 -m venv "$tools"
"$tools/bin/python" -m pip install -q uv
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--upgrade)
"$tools/bin/uv" pip compile pyproject.toml --extra test --universal --python-version 3.11 --generate-hashes \
  --custom-compile-command "bash scripts/lock.sh" -o requirements.lock "${args[@]}"
