#!/usr/bin/env bash
# Invoice PDFs are rendered by WeasyPrint, which needs the system's Pango. Installs
# Debian's libpango-1.0-0 and libpangoft2-1.0-0 when they are missing and this user may
# (root, or passwordless sudo); otherwise says how: until then the app serves everything
# but PDFs (503 pdf_unavailable), and their tests fail.
set -euo pipefail
. "$(dirname "$0")/lib/apt.sh"
libraries=$(PATH="$PATH:/sbin:/usr/sbin" ldconfig -p 2>/dev/null || true)
if grep -q 'libpango-1\.0\.so\.0' <<<"$libraries" && grep -q 'libpangoft2-1\.0\.so\.0' <<<"$libraries"; then
  exit 0
fi
apt_install "invoice PDFs (WeasyPrint)" libpango-1.0-0 libpangoft2-1.0-0 ||
  echo "      (until then invoice PDFs answer 503 and their tests fail)" >&2
