#!/usr/bin/env bash
# The README's first command: installs what is missing, builds the release preset, and serves
# config/callgate.yaml (SQLite store in var/, events appended to var/events.jsonl).
#
# The default config reads three secrets from the environment. Any that are not set get a
# development value, generated once and kept in var/dev-secrets.env (mode 600), so the server
# starts on a fresh machine; set the real ones in production.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)" --target callgate

mkdir -p var
secrets=var/dev-secrets.env
if [[ ! -f "$secrets" ]]; then
  umask 077
  key=$(mktemp)
  openssl genpkey -algorithm ed25519 -out "$key" 2>/dev/null
  {
    echo "WEBEX_WEBHOOK_SECRET=$(openssl rand -hex 24)"
    echo "PBX_TOKEN=$(openssl rand -hex 24)"
    # The raw 32-byte public key is the last 32 bytes of its DER form.
    echo "TELNYX_PUBLIC_KEY=$(openssl pkey -in "$key" -pubout -outform DER | tail -c 32 | base64)"
  } >"$secrets"
  mv "$key" var/dev-telnyx-private.pem
  echo "run: generated development secrets in $secrets (and var/dev-telnyx-private.pem)"
fi
for var in WEBEX_WEBHOOK_SECRET PBX_TOKEN TELNYX_PUBLIC_KEY; do
  if [[ -z "${!var:-}" ]]; then
    export "$(grep "^$var=" "$secrets")"
  fi
done

exec build/release/callgate --config "${CALLGATE_CONFIG:-config/callgate.yaml}" "$@"
