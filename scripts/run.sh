#!/usr/bin/env bash
# The README's first command: writes development secrets (first run only), installs what is
# missing, builds the release preset, and serves config/callgate.yaml on 127.0.0.1:8080 (SQLite
# store in var/, events appended to var/events.jsonl). The binary is build/release/callgate.
#
#   CALLGATE_PORT=9090 scripts/run.sh          another port
#   CALLGATE_PORT=9090 CALLGATE_ADMIN_PORT=9091 CALLGATE_DATA=var/second scripts/run.sh
#                                              a second instance beside the first
#   CALLGATE_CONFIG=other.yaml scripts/run.sh  another config
#   scripts/run.sh --help                      arguments go to callgate
#
# The default config reads four secrets from the environment. Any that are not set come from
# var/dev-secrets.env, written first so that another terminal can `source` it during the build.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/dev-secrets.sh
for var in WEBEX_WEBHOOK_SECRET PBX_TOKEN TELNYX_PUBLIC_KEY CALLGATE_ADMIN_TOKEN; do
  if [[ -z "${!var:-}" ]]; then
    # shellcheck disable=SC2046
    export $(grep "^export $var=" var/dev-secrets.env | cut -d' ' -f2)
  fi
done

scripts/setup.sh
echo "run: building (about 5 minutes the first time on 2 cores)"
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)" --target callgate

exec build/release/callgate --config "${CALLGATE_CONFIG:-config/callgate.yaml}" "$@"
