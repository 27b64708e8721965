#!/usr/bin/env bash
# The browser tests drive Debian's Chromium (never a downloaded browser). Installs it
# when it is missing and this user may (root, or passwordless sudo); otherwise says how,
# and the browser tests report themselves skipped.
set -euo pipefail
if [ -n "${ATLAS_CHROMIUM:-}" ] && [ -x "$ATLAS_CHROMIUM" ]; then exit 0; fi
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "note: no Chromium and no apt-get: the browser tests will be skipped (set ATLAS_CHROMIUM)." >&2
  exit 0
fi
if [ "$(id -u)" = 0 ]; then
  sudo=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo="sudo -n"
else
  echo "note: Chromium is not installed and installing it needs root:" >&2
  echo "      sudo apt-get install chromium   (the browser tests are skipped until then)" >&2
  exit 0
fi
echo "Installing Debian's chromium for the browser tests..." >&2
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null ||
  { $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
