#!/usr/bin/env bash
# The console's browser tests (ctest console_browser): installs playwright-core from the lockfile,
# then drives Debian's chromium against the callgate binary given as $1.
set -euo pipefail
cd "$(dirname "$0")"
if [[ ! -d node_modules/playwright-core ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
[[ -x "${CHROMIUM:-/usr/bin/chromium}" ]] || { echo "console test: no chromium (scripts/setup.sh --with-tests installs it)" >&2; exit 1; }
CALLGATE_BINARY="$1" exec node --test console.test.mjs requests.test.mjs deliveries.test.mjs transcript.test.mjs
