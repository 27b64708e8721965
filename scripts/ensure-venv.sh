#!/usr/bin/env bash
# Makes .venv with a Python >= 3.11, installing Debian's venv support when it is missing
# and we are root. Usage: scripts/ensure-venv.sh VENV_DIR
set -euo pipefail
venv=${1:-.venv}
[ -x "$venv/bin/python" ] && exit 0

python=""
for candidate in python3.13 python3.12 python3.11 python3; do
  if command -v "$candidate" >/dev/null 2>&1 &&
     "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    python=$candidate
    break
  fi
done
if [ -z "$python" ]; then
  echo "error: Atlas ERP needs Python 3.11 or newer (python3.11+ on PATH)." >&2
  exit 1
fi

if ! "$python" -m venv "$venv" 2>/dev/null; then
  rm -rf "$venv"
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    version=$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
    apt-get update -qq && apt-get install -y -qq "python${version}-venv" || apt-get install -y -qq python3-venv
    "$python" -m venv "$venv"
  else
    echo "error: '$python -m venv' failed; install your system's venv package (Debian: python3-venv)." >&2
    exit 1
  fi
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip
