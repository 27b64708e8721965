#!/usr/bin/env bash
# The browser tests drive Debian's Chromium (never a downloaded browser). Installs it
# when it is missing and this user may (root, or passwordless sudo); otherwise says how,
# and the browser tests report themselves skipped.
set -euo pipefail
. "$(dirname "$0")/lib/apt.sh"
if [ -n "${ATLAS_CHROMIUM:-}" ] && [ -x "$ATLAS_CHROMIUM" ]; then exit 0; fi
if command -v chromium >/dev/null 2>&1; then exit 0; fi
apt_install "the browser tests" chromium ||
  echo "      (the browser tests are skipped until then, or set ATLAS_CHROMIUM)" >&2
