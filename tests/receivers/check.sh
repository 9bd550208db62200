#!/usr/bin/env bash
# The receiver examples in docs/receivers/ against real deliveries from callgate: each must
# accept every signed event, refuse a tampered or stale one, and drop a redelivery by its
# x-idempotency-key.
#   tests/receivers/check.sh REPO_ROOT CALLGATE_BINARY
set -euo pipefail
repo=$(cd "$1" && pwd)
binary=$2
secret=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
passed=0
failed=0
check() { # description, condition...
  local what=$1; shift
  if "$@"; then passed=$((passed + 1)); else echo "FAIL: $what"; failed=$((failed + 1)); fi
}
wait_for() { # file, pattern
  for _ in $(seq 100); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  return 1
}

# Sends a request signed as callgate signs it (Standard Webhooks) straight to a receiver.
send_signed() { # port, id, timestamp, body, idempotency key -> HTTP status
  local key_b64 sig
  key_b64=${secret#whsec_}
  sig=$(printf '%s.%s.%s' "$2" "$3" "$4" |
    openssl dgst -sha256 -mac HMAC -macopt "hexkey:$(echo "$key_b64" | base64 -d | od -An -tx1 | tr -d ' \n')" -binary |
    base64 -w0)
  curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/" -H "webhook-id: $2" \
    -H "webhook-timestamp: $3" -H "webhook-signature: v1,$sig" -H "x-idempotency-key: $5" -d "$4"
}

for lang in python node; do
  dir=$work/$lang
  mkdir -p "$dir"
  cd "$dir"
  if [[ $lang == python ]]; then
    CALLGATE_SINK_SECRET=$secret PORT=0 /usr/bin/python3 "$repo/docs/receivers/receiver.py" >receiver.log 2>&1 &
  else
    CALLGATE_SINK_SECRET=$secret PORT=0 node "$repo/docs/receivers/receiver.js" >receiver.log 2>&1 &
  fi
  pids+=($!)
  wait_for receiver.log '^listening on' || { cat receiver.log; echo "FAIL: $lang receiver did not start"; exit 1; }
  rport=$(sed -n 's/^listening on //p' receiver.log)

  cat >callgate.yaml <<YAML
listen: 127.0.0.1:0
store: {type: sqlite, path: var/callgate.db}
sources:
  pbx: {provider: voip, auth: {bearer: tok}}
sinks:
  - type: http
    url: http://127.0.0.1:$rport/
    secret: $secret
    retry_base_ms: 50
    retry_max_ms: 200
YAML
  "$binary" --config callgate.yaml --ready-file port >callgate.log 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do [[ -s port ]] && break; sleep 0.1; done
  [[ -s port ]] || { cat callgate.log; echo "FAIL: callgate did not start"; exit 1; }
  cport=$(head -1 port)
  for event in NotifyStart NotifyAnswer NotifyEnd; do
    curl -s -o /dev/null "http://127.0.0.1:$cport/webhooks/pbx" -H 'Authorization: Bearer tok' \
      -d "{\"event\":\"$event\",\"callId\":\"r-$lang\",\"direction\":\"In\",\"disposition\":\"Answered\",\"srcPhone\":\"+15550001111\",\"dstPhone\":\"100\"}"
  done
  check "$lang: three real deliveries verified and handled" wait_for receiver.log 'accepted telephonyCall::deleted'
  check "$lang: created, updated, deleted in order" \
    test "$(grep '^accepted' receiver.log | cut -d' ' -f2 | tr '\n' ' ')" = \
    "telephonyCall::created telephonyCall::updated telephonyCall::deleted "
  check "$lang: the final state reads completed" grep -q 'accepted telephonyCall::deleted call_[0-9a-f]* inbound completed +15550001111' receiver.log

  now=$(date +%s)
  body='{"event":"telephonyCall::updated","data":{"id":"call_x","fields":{"direction":"inbound","status":"completed","externalNumber":"+1"}}}'
  check "$lang: a signed event is taken" test "$(send_signed "$rport" msg_1 "$now" "$body" k:1)" = 200
  check "$lang: its redelivery is acknowledged" test "$(send_signed "$rport" msg_1 "$now" "$body" k:1)" = 200
  check "$lang: ... and dropped by its idempotency key" test "$(grep -c '^duplicate k:1$' receiver.log)" = 1
  check "$lang: a wrong signature is refused" test "$(
    curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$rport/" -H "webhook-id: msg_2" \
      -H "webhook-timestamp: $now" -H "webhook-signature: v1,AAAA" -H "x-idempotency-key: k:2" -d "$body")" = 401
  check "$lang: a stale timestamp is refused" test "$(send_signed "$rport" msg_3 $((now - 3600)) "$body" k:3)" = 401
  check "$lang: refused requests were not handled" test "$(grep -c '^accepted' receiver.log)" = 4
  cd "$work"
done
echo "$passed passed, $failed failed"
((failed == 0))
