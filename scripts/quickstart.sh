#!/usr/bin/env bash
# The README's quick start, as one file: README.md quotes everything below the marker line, and
# the test command (tests/quickstart/check.sh) runs this file against a real server and compares
# what it prints with the "# =>" lines. Run it from the clone's root while scripts/run.sh serves.
set -euo pipefail
# --- quick start ---
source var/dev-secrets.env   # the development secrets scripts/run.sh wrote
url=http://127.0.0.1:${CALLGATE_PORT:-8080}

# 1. Your PBX says a call is ringing (generic VoIP provider, bearer token):
curl -s $url/webhooks/pbx -H "Authorization: Bearer $PBX_TOKEN" \
  -d '{"event":"NotifyStart","callId":"pbx-1","direction":"In","srcPhone":"+15550001111","dstPhone":"100"}'
echo
# => {"status":"accepted","events":1}

# 2. Webex signs the body with HMAC-SHA1 of the webhook's secret, in X-Spark-Signature:
body='{"resource":"telephony_calls","event":"updated","data":{"callId":"webex-1","eventTimestamp":"2025-08-14T18:52:41.730Z","personality":"terminator","state":"alerting","remoteParty":{"number":"+15550002222","callType":"external"}}}'
sig=$(printf %s "$body" | openssl dgst -sha1 -hmac "$WEBEX_WEBHOOK_SECRET" -r | cut -d' ' -f1)
curl -s $url/webhooks/webex -H "X-Spark-Signature: $sig" -d "$body"
echo
# => {"status":"accepted","events":1}

# 3. The same Webex event again is a redelivery: acknowledged, nothing new emitted.
curl -s $url/webhooks/webex -H "X-Spark-Signature: $sig" -d "$body"
echo
# => {"status":"duplicate","events":0}

# 4. A body that the secret did not sign is refused:
curl -s $url/webhooks/webex -H "X-Spark-Signature: $sig" -d "${body/alerting/connected}"
echo
# => {"error":"signature does not match"}

# 5. Telnyx signs "<timestamp>|<body>" with Ed25519; the development private key is in var/:
ts=$(date +%s)
body='{"data":{"event_type":"call.initiated","id":"telnyx-e1","occurred_at":"2025-08-14T18:52:41Z","payload":{"call_leg_id":"telnyx-1","direction":"incoming","from":"+15550003333","to":"+15550004444"}}}'
printf '%s|%s' "$ts" "$body" >var/telnyx-signed.txt
sig=$(openssl pkeyutl -sign -rawin -inkey var/dev-telnyx-private.pem -in var/telnyx-signed.txt | base64 -w0)
curl -s $url/webhooks/telnyx -H "telnyx-timestamp: $ts" -H "telnyx-signature-ed25519: $sig" -d "$body"
echo
# => {"status":"accepted","events":1}

# 6. Each call is now a telephonyCall::created event, one JSON line each, in var/events.jsonl
#    (the file sink appends within milliseconds of the answer):
sleep 1
tail -n 3 var/events.jsonl | cut -c 1-120
# => {"event":"telephonyCall::created","data":{"object":"resource","model":"telephonyCall","id":"call_e773f1ac11b989b7f6f3d51
# => {"event":"telephonyCall::created","data":{"object":"resource","model":"telephonyCall","id":"call_620ef3a7ad6dbcbccb4e132
# => {"event":"telephonyCall::created","data":{"object":"resource","model":"telephonyCall","id":"call_0a7d0f21cd9f1243606900f
