#!/usr/bin/env bash
# Set up envscreen on a fresh machine: system packages, a virtual environment in .venv with
# every Python dependency at the version and hash in requirements.lock, and envscreen itself.
#
#   bash scripts/setup.sh            what screening needs (scripts/apt-packages.txt)
#   bash scripts/setup.sh --test     and what the tests need: PostgreSQL/PostGIS, Chromium,
#                                    poppler (scripts/apt-packages-test.txt); scripts/test.sh
#   bash scripts/setup.sh --dry-run  only print the system packages that would be installed
#
# One line per step. The output of apt and pip goes to a log (.venv/setup.log); when a step
# fails its last lines are printed with the log's path. ENVSCREEN_SETUP_VERBOSE=1 prints it all.
set -euo pipefail
cd "$(dirname "$0")/.."

lists=(scripts/apt-packages.txt)
dry_run=""
for arg in "$@"; do
  case "$arg" in
    --test) lists+=(scripts/apt-packages-test.txt) ;;
    --dry-run) dry_run=1 ;;
    *) echo "setup.sh: unknown option '$arg' (use --test, --dry-run)" >&2; exit 2 ;;
  esac
done

PY=${PYTHON:-python3}
if ! "$PY" -c 'import sys; sys.exit(0 if (3, 11) <= sys.version_info[:2] < (3, 13) else 1)'; then
  echo "envscreen needs Python 3.11 or 3.12 (durable-rules does not import on 3.13); found: $("$PY" --version 2>&1)" >&2
  exit 1
fi

# The log starts outside .venv (which may not exist yet) and moves there at the end.
LOG=$(mktemp "${TMPDIR:-/tmp}/envscreen-setup.XXXXXX.log")
step() {
  local what=$1
  shift
  printf '%s ... ' "$what"
  local rc=0
  if [ -n "${ENVSCREEN_SETUP_VERBOSE:-}" ]; then
    echo
    "$@" > >(tee -a "$LOG") 2>&1 || rc=$?
  else
    "$@" >>"$LOG" 2>&1 || rc=$?
  fi
  if [ "$rc" -ne 0 ]; then
    echo "FAILED (exit $rc)"
    echo "---- last 40 lines of $LOG ----" >&2
    tail -n 40 "$LOG" >&2
    echo "---- the whole log: $LOG ----" >&2
    exit "$rc"
  fi
  echo "ok"
}

need_apt=()
command -v gcc >/dev/null 2>&1 || need_apt+=(build-essential)
inc=$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
[ -f "$inc/Python.h" ] || need_apt+=(python3-dev)
"$PY" -m venv --help >/dev/null 2>&1 || need_apt+=(python3-venv)
# The rest of the lists, where not installed (build tools were checked by what they provide).
for list in "${lists[@]}"; do
  while read -r pkg; do
    case "$pkg" in '' | '#'* | build-essential | python3-dev | python3-venv) continue ;; esac
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need_apt+=("$pkg")
  done <"$list"
done
if [ -n "$dry_run" ]; then
  echo "system packages to install: ${need_apt[*]:-none}"
  rm -f "$LOG"
  exit 0
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  step "apt-get update" $SUDO apt-get update -q
  step "system packages: ${need_apt[*]}" $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need_apt[@]}"
else
  echo "system packages ... ok (all installed)"
fi

[ -x .venv/bin/python ] || step "virtual environment in .venv" "$PY" -m venv .venv
step "pip" .venv/bin/python -m pip install --upgrade pip
# Every dependency at the version and hash in requirements.lock (runtime and test extras; README
# "Dependencies" says how to move them), then envscreen itself, editable, with nothing more.
# durable-rules is an sdist: pip builds its C extension here with gcc.
step "Python packages from requirements.lock" .venv/bin/python -m pip install -r requirements.lock
step "envscreen (editable)" .venv/bin/python -m pip install --no-deps -e .
step "durable-rules imports" .venv/bin/python -c "import durable.lang"
mv "$LOG" .venv/setup.log
echo "set up: $(.venv/bin/envscreen --version), $(.venv/bin/python -m pip list --format=freeze 2>/dev/null | wc -l) Python packages in .venv (log: .venv/setup.log)"
