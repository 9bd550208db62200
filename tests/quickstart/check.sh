#!/usr/bin/env bash
# The quick start cannot rot: README.md must quote scripts/quickstart.sh word for word, and the
# script, run against the real binary on the default config, must print exactly its "# =>" lines.
#   tests/quickstart/check.sh REPO_ROOT CALLGATE_BINARY [EMITTED_EVENTS_FILE]
# The events it made are appended to EMITTED_EVENTS_FILE for the JSON Schema check.
set -euo pipefail
repo=$(cd "$1" && pwd)
binary=$2
emitted=${3:-}
script=$repo/scripts/quickstart.sh
failed=0
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }

# 1. The README's block is the script below its marker.
quoted=$(awk '/<!-- quickstart:begin -->/{on=1; next} /<!-- quickstart:end -->/{on=0} on' "$repo/README.md" |
  sed '/^```/d')
body=$(sed '1,/^# --- quick start ---$/d' "$script")
if [[ "$quoted" != "$body" ]]; then
  fail "README.md's quick start differs from scripts/quickstart.sh:"
  diff <(echo "$body") <(echo "$quoted") || true
fi

# 2. The script against a real server, in a fresh directory as on a first run.
work=$(mktemp -d)
server=
cleanup() {
  [[ -n "$server" ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
"$repo/scripts/dev-secrets.sh" >/dev/null
grep -q '^export WEBEX_WEBHOOK_SECRET=' var/dev-secrets.env || fail "dev-secrets.env does not export"
(
  source var/dev-secrets.env
  CALLGATE_PORT=0 CALLGATE_ADMIN_PORT=0 exec "$binary" --config "$repo/config/callgate.yaml" \
    --ready-file port
) >server.log 2>&1 &
server=$!
for _ in $(seq 100); do [[ -s port ]] && break; sleep 0.1; done
[[ -s port ]] || { cat server.log; fail "the server did not start"; exit 1; }

CALLGATE_PORT=$(head -1 port) bash "$script" >out.txt 2>err.txt || fail "the script exited $?: $(cat err.txt)"
expected=$(sed -n 's/^# => //p' "$script")
if [[ "$(cat out.txt)" != "$expected" ]]; then
  fail "the quick start printed something else than its # => lines:"
  diff <(echo "$expected") out.txt || true
fi
[[ -s err.txt ]] && fail "the quick start wrote to stderr: $(cat err.txt)"
if grep -E '\[(error|critical)\]' server.log; then fail "the server logged errors"; fi

[[ -n "$emitted" && -f var/events.jsonl ]] && cat var/events.jsonl >>"$emitted"
# 3. scripts/run.sh writes (and exports) the secrets before its long build, so the second
#    terminal can source them at once: with a cmake that fails at once, they must exist.
mkdir -p runsh/scripts runsh/config stub
cp "$repo"/scripts/*.sh runsh/scripts/
cp "$repo/config/callgate.yaml" runsh/config/
printf '#!/bin/sh\nexit 3\n' >stub/cmake
chmod +x stub/cmake
if (cd runsh && PATH="$work/stub:$PATH" scripts/run.sh >run.log 2>&1); then
  fail "scripts/run.sh went on although cmake failed"
fi
[[ -s runsh/var/dev-secrets.env && -s runsh/var/dev-telnyx-private.pem ]] ||
  fail "scripts/run.sh did not write the development secrets before building: $(cat runsh/run.log)"
[[ $(stat -c %a runsh/var/dev-secrets.env) == 600 ]] || fail "var/dev-secrets.env is not mode 600"

# 4. Every variable the default config needs without a fallback is one run.sh exports from the
#    development secrets, and one dev-secrets.sh writes: else the first command stops at startup.
for var in $(sed 's/#.*//' "$repo/config/callgate.yaml" | grep -o '\${[A-Z_]*}' | tr -d '${}' | sort -u); do
  grep -q "^for var in .*\b$var\b" "$repo/scripts/run.sh" ||
    fail "config/callgate.yaml reads $var, which scripts/run.sh does not export"
  grep -q "^export $var=" var/dev-secrets.env ||
    fail "config/callgate.yaml reads $var, which scripts/dev-secrets.sh does not write"
done

# 5. A second instance beside the first (still running): its own ports and data folder, so the
#    same quick start is new to it (accepted, not duplicate) and its events go to its own file.
(
  source var/dev-secrets.env
  CALLGATE_PORT=0 CALLGATE_ADMIN_PORT=0 CALLGATE_DATA=var/second exec "$binary" \
    --config "$repo/config/callgate.yaml" --ready-file port2
) >server2.log 2>&1 &
second=$!
for _ in $(seq 100); do [[ -s port2 ]] && break; sleep 0.1; done
if [[ -s port2 ]]; then
  CALLGATE_PORT=$(head -1 port2) bash "$script" >out2.txt 2>&1 || true
  [[ "$(sed -n 1,5p out2.txt)" == "$(sed -n 1,5p out.txt)" ]] ||
    fail "a second instance did not answer as the first did: $(head -5 out2.txt)"
  [[ $(wc -l <var/second/events.jsonl) == 3 ]] || fail "the second instance's events are not its own"
else
  fail "a second instance could not start beside the first: $(cat server2.log)"
fi
kill "$second" 2>/dev/null && wait "$second" 2>/dev/null || true

steps=$(grep -c '^# => ' "$script")
echo "quickstart: $steps expected lines checked"
if ((failed)); then echo "0 passed, $failed failed"; exit 1; fi
echo "1 passed, 0 failed"
