#!/usr/bin/env bash
# Writes development secrets for the default config into var/ (once; an existing file is kept):
#   var/dev-secrets.env          export WEBEX_WEBHOOK_SECRET, PBX_TOKEN, TELNYX_PUBLIC_KEY and
#                                CALLGATE_ADMIN_TOKEN (mode 600)
#   var/dev-telnyx-private.pem   the Ed25519 key whose public half is TELNYX_PUBLIC_KEY
# `source var/dev-secrets.env` puts them into a shell. Production sets real values instead.
set -euo pipefail
mkdir -p var
secrets=var/dev-secrets.env
umask 077
if [[ -f "$secrets" ]]; then
  # A file from an older callgate lacks the admin token the default config now reads: add it.
  if ! grep -q '^export CALLGATE_ADMIN_TOKEN=' "$secrets"; then
    echo "export CALLGATE_ADMIN_TOKEN=$(openssl rand -hex 24)" >>"$secrets"
    echo "dev-secrets: added CALLGATE_ADMIN_TOKEN to $secrets"
  fi
  exit 0
fi
key=$(mktemp)
openssl genpkey -algorithm ed25519 -out "$key" 2>/dev/null
{
  echo "export WEBEX_WEBHOOK_SECRET=$(openssl rand -hex 24)"
  echo "export PBX_TOKEN=$(openssl rand -hex 24)"
  # The raw 32-byte public key is the last 32 bytes of its DER form.
  echo "export TELNYX_PUBLIC_KEY=$(openssl pkey -in "$key" -pubout -outform DER | tail -c 32 | base64)"
  echo "export CALLGATE_ADMIN_TOKEN=$(openssl rand -hex 24)"
} >"$secrets"
mv "$key" var/dev-telnyx-private.pem
echo "dev-secrets: wrote development secrets to $secrets (and var/dev-telnyx-private.pem)"
