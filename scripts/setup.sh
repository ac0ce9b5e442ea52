#!/usr/bin/env bash
# Set up envscreen on a fresh machine: system build tools (durable-rules has no wheel and
# compiles from source), a virtual environment in .venv, and the package with its test extras.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
if ! "$PY" -c 'import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] < (3, 13) else 1)'; then
  echo "envscreen needs Python 3.11 or 3.12 (durable-rules does not import on 3.13); found: $("$PY" --version 2>&1)" >&2
  exit 1
fi

need_apt=()
command -v gcc >/dev/null 2>&1 || need_apt+=(build-essential)
inc=$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
[ -f "$inc/Python.h" ] || need_apt+=(python3-dev)
"$PY" -m venv --help >/dev/null 2>&1 || need_apt+=(python3-venv)
# The rest of scripts/apt-packages.txt (database server, browser, fonts), where not installed.
while read -r pkg; do
  case "$pkg" in ''|'#'*|build-essential|python3-dev|python3-venv) continue ;; esac
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need_apt+=("$pkg")
done < scripts/apt-packages.txt
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing system packages: ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}"
fi

[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
# Every dependency at the version and hash in requirements.lock (runtime and test extras; README
# "Dependencies" says how to move them), then envscreen itself, editable, with nothing more.
# durable-rules is an sdist: pip builds its C extension here with gcc.
.venv/bin/python -m pip install -q -r requirements.lock
.venv/bin/python -m pip install -q --no-deps -e .
.venv/bin/python -c "import durable.lang" || { echo "durable-rules did not build or import" >&2; exit 1; }
