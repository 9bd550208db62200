#!/usr/bin/env bash
# The benchmark harness (docs/performance.md): callgate side by side with the HTTP floor (nginx
# `return 200`) and with what a team would write instead (bench/peers/node), every row measured
# in this one run. Load comes from bench/load (callgate_load) in a second process over loopback:
# distinct, correctly signed, seed-shaped requests with ~1 KB bodies, calls going created -> updated ->
# deleted with about 2,000 calls live at once. Prints Markdown and puts it into
# docs/performance.md (bench/publish.sh), the one place the tables live.
#
#   bench/run.sh            the whole run (about 4 minutes on 2 cores, after the build)
#   BENCH_CALLS=5000 ...    a quicker, noisier run (calls per throughput run; default 20000)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh --with-bench
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)" --target callgate callgate_load
if [[ ! -d bench/peers/node/node_modules ]]; then
  (cd bench/peers/node && npm ci --no-audit --no-fund --loglevel=error)
fi

CALLGATE=$PWD/build/release/callgate
LOAD=$PWD/build/release/bench/callgate_load
CALLS=${BENCH_CALLS:-20000}
CONNECTIONS=32
THREADS=2
work=$(mktemp -d /tmp/callgate-bench.XXXXXX)
server_pid=""

cleanup() {
  local status=$?  # the run's, not that of the last server stopped here (143 after its TERM)
  stop_server
  [[ -n "${redis_pid:-}" ]] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null
  [[ -n "${replica_pid:-}" ]] && kill "$replica_pid" 2>/dev/null && wait "$replica_pid" 2>/dev/null
  [[ -n "${pg_pid:-}" ]] && kill "$pg_pid" 2>/dev/null && wait "$pg_pid" 2>/dev/null
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT

WHSEC="whsec_$(openssl rand -base64 24)"
WEBEX_SECRET=$(openssl rand -hex 16)
ZOOM_SECRET=$(openssl rand -hex 16)
RC_TOKEN=$(openssl rand -hex 16)
TELNYX_SEED=$(openssl rand -hex 32)
TELNYX_PUBLIC_KEY=$("$LOAD" pubkey --telnyx-seed "$TELNYX_SEED")
run_number=0

log() { echo "bench: $*" >&2; }

free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 20000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}

wait_for_port() {
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  log "nothing listens on port $1"
  return 1
}

stop_server() {
  if [[ -n "$server_pid" ]]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}

# start_callgate STORE THREADS: serves all three providers; sets PORT and server_pid.
start_callgate() {
  local store=$1 threads=$2 dir
  dir=$(mktemp -d "$work/callgate.XXXX")
  CALLGATE_DIR=$dir
  {
    echo "listen: 127.0.0.1:0"
    echo "threads: $threads"
    echo "log_level: warn"
    echo "store:"
    echo "  type: $store"
    [[ "$store" == sqlite ]] && echo "  path: $dir/callgate.db"
    [[ "$store" == redis ]] && echo "  url: redis://127.0.0.1:$REDIS_PORT/0" &&
      echo "  key_prefix: \"bench$RANDOM$RANDOM:\"" &&
      echo "  min_replicas_acked: ${REDIS_ACKS:-0}"
    if [[ "$store" == postgres ]]; then  # a database of its own, as the others get their own keys
      local db="bench$RANDOM$RANDOM"
      as_postgres "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres "$db"
      echo "  url: postgresql://postgres@127.0.0.1:$PG_PORT/$db"
    fi
    [[ -n "${REQUEST_LOG:-}" ]] && echo "request_log: $REQUEST_LOG"
    echo "sources:"
    echo "  pbx: {provider: voip, auth: {standard_webhooks_secret: \"$WHSEC\"}}"
    echo "  pbx-raw: {provider: voip, normalize_numbers: false, auth: {standard_webhooks_secret: \"$WHSEC\"}}"
    echo "  webex: {provider: webex, secret: \"$WEBEX_SECRET\"}"
    echo "  telnyx: {provider: telnyx, public_key: \"$TELNYX_PUBLIC_KEY\"}"
    echo "  zoom: {provider: zoom_phone, secret_token: \"$ZOOM_SECRET\"}"
    echo "  ringcentral: {provider: ringcentral, verification_token: \"$RC_TOKEN\"}"
    [[ -n "${SINK_URL:-}${KAFKA_BROKERS:-}" ]] && echo "metrics: {on_webhook_listener: true}"
    echo "sinks:"
    if [[ -n "${SINK_URL:-}" ]]; then
      echo "  - {type: http, url: \"$SINK_URL\", secret: \"$WHSEC\"}"
    elif [[ -n "${KAFKA_BROKERS:-}" ]]; then
      echo "  - {type: kafka, brokers: \"$KAFKA_BROKERS\", topic: events}"
    elif [[ "$store" == redis ]]; then
      echo "  - {type: redis_stream, stream: \"bench:events:$RANDOM$RANDOM\"}"
    elif [[ "$store" == postgres ]]; then
      echo "  []"  # the outbox only: a file sink cannot share a database
    else
      echo "  - {type: file, path: $dir/events.jsonl}"
    fi
  } >"$dir/callgate.yaml"
  "$CALLGATE" --config "$dir/callgate.yaml" --ready-file "$dir/ready" >"$dir/log" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do [[ -s "$dir/ready" ]] && break; sleep 0.1; done
  PORT=$(head -1 "$dir/ready")
}

start_nginx() {
  local dir=$work/nginx
  mkdir -p "$dir"
  PORT=$(free_port)
  cat >"$dir/nginx.conf" <<EOF
worker_processes $THREADS;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $dir/body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$PORT;
    location / { return 200 "ok\n"; }
  }
}
EOF
  nginx -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;' >/dev/null 2>&1 &
  server_pid=$!
  wait_for_port "$PORT"
}

start_node() {
  PORT=$(free_port)
  (cd bench/peers/node && PORT=$PORT WHSEC=$WHSEC OUT=$work/node-events.jsonl exec node server.js) \
    >/dev/null &
  server_pid=$!
  wait_for_port "$PORT"
}

# cpu_ticks PID: user + system clock ticks of PID and its children (nginx's workers).
cpu_ticks() {
  local total=0 p
  for p in "$1" $(pgrep -P "$1"); do
    [[ -r /proc/$p/stat ]] && total=$((total + $(awk '{print $14 + $15}' "/proc/$p/stat")))
  done
  echo "$total"
}
# thread_ticks PID NAME: user + system clock ticks of PID's threads called NAME (cg-committer).
thread_ticks() {
  local total=0 t
  for t in /proc/"$1"/task/*; do
    [[ "$(cat "$t/comm" 2>/dev/null)" == "$2" ]] && total=$((total + $(awk '{print $14 + $15}' "$t/stat")))
  done
  echo "$total"
}
HZ=$(getconf CLK_TCK)
us_per() { awk -v t="$1" -v n="$2" -v hz="$HZ" 'BEGIN { printf "%.0f", (n > 0 ? t / hz * 1e6 / n : 0) }'; }

# load PROVIDER PATH [callgate_load options...]: prints "rps p50 p99 p999 ok refused errors
# cpu_us committer_us": the last two are the server's CPU (user + system, all its threads and
# child processes) and its committer thread's, each divided by the requests answered. CPU time
# holds on a noisy shared machine where req/s does not.
# RUN_ID (to continue calls of an earlier run) and CONNS override the defaults.
load() {
  local provider=$1 path=$2 out cpu0 committer0 cpu committer
  shift 2
  run_number=$((run_number + 1))
  cpu0=$(cpu_ticks "$server_pid")
  committer0=$(thread_ticks "$server_pid" cg-committer)
  out=$("$LOAD" load --port "$PORT" --path "$path" --provider "$provider" --whsec "$WHSEC" \
    --webex-secret "$WEBEX_SECRET" --telnyx-seed "$TELNYX_SEED" --zoom-secret "$ZOOM_SECRET" --rc-token "$RC_TOKEN" --run-id "${RUN_ID:-r$run_number-$RANDOM}" \
    --connections "${CONNS:-$CONNECTIONS}" "$@" 2>>"$work/load.log")
  cpu=$(($(cpu_ticks "$server_pid") - cpu0))
  committer=$(($(thread_ticks "$server_pid" cg-committer) - committer0))
  echo "$out $(us_per "$cpu" "$(field 5 "$out")") $(us_per "$committer" "$(field 5 "$out")")"
}

# best_of STARTER PROVIDER PATH [options]: two runs on fresh servers, the faster one.
best_of() {
  local starter=$1 best="" line
  shift
  for _ in 1 2; do
    eval "$starter"
    line=$(load "$@")
    stop_server
    if [[ -z "$best" ]] || (($(cut -d' ' -f1 <<<"$line") > $(cut -d' ' -f1 <<<"$best"))); then
      best=$line
    fi
  done
  echo "$best"
}

rss_mb() { awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$server_pid/status"; }
field() { cut -d' ' -f"$1" <<<"$2"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
check() { awk -v a="$1" -v b="$2" 'BEGIN { print (a >= b ? "met" : "**not met**") }'; }
# half RPS: the rate for the latency run and the calls that keep it busy for about 5 s.
half_rate() { awk -v r="$1" 'BEGIN { printf "%d", r / 2 }'; }
calls_for() { awk -v r="$1" 'BEGIN { printf "%d", r * 5 / 3 + 1 }'; }

# The Redis the Redis-store row uses: persistent like production, every write fsynced.
REDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$work" --save "" --appendonly yes \
  --appendfsync always --daemonize no >"$work/redis.log" 2>&1 &
redis_pid=$!
wait_for_port "$REDIS_PORT"
# Its replica, for the row with store.min_replicas_acked: 1 (WAIT 1 after every commit).
REPLICA_PORT=$(free_port)
mkdir -p "$work/replica"
redis-server --port "$REPLICA_PORT" --bind 127.0.0.1 --dir "$work/replica" --save "" \
  --appendonly yes --appendfsync always --daemonize no --replicaof 127.0.0.1 "$REDIS_PORT" \
  >"$work/replica.log" 2>&1 &
replica_pid=$!
wait_for_port "$REPLICA_PORT"

# The PostgreSQL the PostgreSQL-store row uses: Debian's defaults (fsync, synchronous_commit on).
# It refuses to run as root, so as root it runs as the postgres user.
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
PG_PORT=$(free_port)
as_postgres() { if [[ $(id -u) == 0 ]]; then setpriv --reuid=postgres --regid=postgres --init-groups "$@"; else "$@"; fi; }
# The same, becoming the program: in `... &` then $! is the server's pid, which cleanup stops
# (the function alone would leave a subshell between them, and the server running).
exec_as_postgres() { if [[ $(id -u) == 0 ]]; then exec setpriv --reuid=postgres --regid=postgres --init-groups "$@"; else exec "$@"; fi; }
mkdir -p "$work/pg"
[[ $(id -u) == 0 ]] && chown postgres: "$work/pg" && chmod o+x "$work"
as_postgres "$PG_BIN/initdb" -D "$work/pg/data" -U postgres --auth=trust -E UTF8 >"$work/pg/initdb.log"
exec_as_postgres "$PG_BIN/postgres" -D "$work/pg/data" -p "$PG_PORT" -c listen_addresses=127.0.0.1 \
  -c unix_socket_directories="$work/pg" >"$work/pg/postgres.log" 2>&1 &
pg_pid=$!
wait_for_port "$PG_PORT"
for _ in $(seq 50); do as_postgres "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" && break; sleep 0.2; done

started=$(date +%s)
log "throughput runs ($CALLS calls = $((CALLS * 3)) requests each, best of two)"
n=$CALLS
floor=$(best_of start_nginx voip /webhooks/pbx --calls "$n")
node=$(best_of start_node voip /webhooks/pbx --calls "$((n / 4))")
voip_mem=$(best_of "start_callgate memory $THREADS" voip /webhooks/pbx --calls "$n")
voip_raw=$(best_of "start_callgate memory $THREADS" voip /webhooks/pbx-raw --calls "$n")
voip_sql=$(best_of "start_callgate sqlite $THREADS" voip /webhooks/pbx --calls "$n")
voip_sql_nolog=$(REQUEST_LOG="{enabled: false}" best_of "start_callgate sqlite $THREADS" voip \
  /webhooks/pbx --calls "$n")
voip_mem_nolog=$(REQUEST_LOG="{enabled: false}" best_of "start_callgate memory $THREADS" voip \
  /webhooks/pbx --calls "$n")
voip_redis=$(best_of "start_callgate redis $THREADS" voip /webhooks/pbx --calls "$n")
voip_redis_acked=$(REDIS_ACKS=1 best_of "start_callgate redis $THREADS" voip /webhooks/pbx \
  --calls "$n")
voip_pg=$(best_of "start_callgate postgres $THREADS" voip /webhooks/pbx --calls "$n")
webex=$(best_of "start_callgate sqlite $THREADS" webex /webhooks/webex --calls "$n")
telnyx=$(best_of "start_callgate sqlite $THREADS" telnyx /webhooks/telnyx --calls "$n")
# Transcript text: three utterances a call, each a telephonyCallTranscript event, on the same
# source and store as the call events above.
telnyx_text=$(best_of "start_callgate sqlite $THREADS" telnyx-transcript /webhooks/telnyx --calls "$n")
zoom_mem=$(best_of "start_callgate memory $THREADS" zoom /webhooks/zoom --calls "$n")
rc_mem=$(best_of "start_callgate memory $THREADS" ringcentral /webhooks/ringcentral --calls "$n")
ed25519=$("$LOAD" ed25519 --threads "$THREADS" --seconds 3)
ed25519_one=$("$LOAD" ed25519 --threads 1 --seconds 2)
disk=$("$LOAD" fsync --file "$work/fsync-probe" --seconds 2)
# The adapters alone, in process: a built-in provider and a YAML definition on equal bodies.
adapter_voip=$("$LOAD" adapter --provider voip --whsec "$WHSEC" --calls 5000 \
  --source "$(printf 'provider: voip\nauth: {standard_webhooks_secret: "%s"}' "$WHSEC")")
adapter_zoom=$("$LOAD" adapter --provider zoom --zoom-secret "$ZOOM_SECRET" --calls 5000 \
  --source "$(printf 'provider: zoom_phone\nsecret_token: "%s"' "$ZOOM_SECRET")")
adapter_rc=$("$LOAD" adapter --provider ringcentral --rc-token "$RC_TOKEN" --calls 5000 \
  --source "$(printf 'provider: ringcentral\nverification_token: "%s"' "$RC_TOKEN")")
# The request log alone, in process: the real Router with a committer that answers at once.
log_cost_mem=$("$LOAD" request-log --store memory --whsec "$WHSEC" --calls 3000)
mkdir -p "$work/log-cost"
log_cost_sql=$("$LOAD" request-log --store sqlite --dir "$work/log-cost" --whsec "$WHSEC" --calls 3000)
F=$(field 1 "$floor")

log "the request log under load, capped at 5000 requests"
REQUEST_LOG="{max_requests: 5000}" start_callgate sqlite "$THREADS"
capped=$(load voip /webhooks/pbx --calls "$n")
sleep 1  # the recorder's last batch
capped_rows=$(sqlite3 "$CALLGATE_DIR/callgate.requests.db" 'SELECT COUNT(*) FROM requests')
capped_kb=$(du -ck "$CALLGATE_DIR"/callgate.requests.db* | tail -1 | cut -f1)
stop_server

log "latency at half of each maximum"
latency_run() {  # NAME STARTER PROVIDER PATH MAX_RPS
  local rate
  rate=$(half_rate "$5")
  eval "$2"
  echo "$1|$rate|$(load "$3" "$4" --rate "$rate" --calls "$(calls_for "$rate")" --seconds 8)"
  stop_server
}
latencies=(
  "$(latency_run "floor: nginx" start_nginx voip /webhooks/pbx "$F")"
  "$(latency_run "callgate voip, memory" "start_callgate memory $THREADS" voip /webhooks/pbx "$(field 1 "$voip_mem")")"
  "$(latency_run "callgate voip, SQLite" "start_callgate sqlite $THREADS" voip /webhooks/pbx "$(field 1 "$voip_sql")")"
  "$(latency_run "callgate webex, SQLite" "start_callgate sqlite $THREADS" webex /webhooks/webex "$(field 1 "$webex")")"
  "$(latency_run "callgate telnyx, SQLite" "start_callgate sqlite $THREADS" telnyx /webhooks/telnyx "$(field 1 "$telnyx")")"
)

log "io threads 1, 2, 4"
threads_rows=()
for t in 1 2 4; do
  for store in memory sqlite; do
    start_callgate "$store" "$t"
    threads_rows+=("$t|$store|$(load voip /webhooks/pbx --calls "$n")")
    stop_server
  done
done

log "1k, 100k and 1M calls in the store (SQLite)"
store_rows=()
for preload in 1000 100000 1000000; do
  start_callgate sqlite "$THREADS"
  CONNS=64 load voip /webhooks/pbx --calls "$preload" --events 1 >/dev/null
  store_rows+=("$preload|$(load voip /webhooks/pbx --calls "$n")")
  stop_server
done

log "end to end: ingested and delivered to nginx (HTTP sink) and to Kafka's mock cluster (SQLite)"
# delivery_run CALLS RECEIVER: voip load on SQLite with an HTTP sink to nginx (RECEIVER nginx) or a
# Kafka sink to librdkafka's mock cluster (kafka: three brokers served by callgate_load, since
# Debian has no Kafka); prints "ingested_eps delivered_eps load_s delivered_s delivered_events
# accepted": every accepted event must reach the receiver (for Kafka: the broker's report).
delivery_run() {
  local calls=$1 t0 t1 t2 out delivered=0 expected receiver_pid
  if [[ $2 == nginx ]]; then
    start_nginx
    receiver_pid=$server_pid
    server_pid=""
    SINK_URL="http://127.0.0.1:$PORT/events" start_callgate sqlite "$THREADS"
  else
    "$LOAD" kafka-mock --topic events >"$work/kafka-mock.out" 2>>"$work/load.log" &
    receiver_pid=$!
    for _ in $(seq 100); do [[ -s "$work/kafka-mock.out" ]] && break; sleep 0.1; done
    KAFKA_BROKERS=$(head -1 "$work/kafka-mock.out") start_callgate sqlite "$THREADS"
  fi
  t0=$(date +%s.%N)
  out=$(load voip /webhooks/pbx --calls "$calls")
  t1=$(date +%s.%N)
  # What the server accepted, which the sink must deliver: on a slow machine the generator's
  # time limit may stop it before all calls * 3 requests are sent.
  expected=$(field 5 "$out")
  for _ in $(seq 600); do
    delivered=$(curl -s "http://127.0.0.1:$PORT/metrics" |
      awk '/^callgate_sink_delivered_total/ {s += $2} END {printf "%d", s}')
    ((delivered >= expected)) && break
    sleep 0.1
  done
  t2=$(date +%s.%N)
  stop_server
  kill "$receiver_pid" 2>/dev/null || true
  wait "$receiver_pid" 2>/dev/null || true
  awk -v n="$expected" -v a="$t0" -v b="$t1" -v c="$t2" -v d="$delivered" -v ok="$(field 5 "$out")" \
    'BEGIN { printf "%.0f %.0f %.2f %.2f %d %d\n", ok / (b - a), d / (c - a), b - a, c - a, d, ok }'
}
delivery=$(delivery_run "$n" nginx)
delivery_kafka=$(delivery_run "$n" kafka)

log "memory with 10,000 live calls"
rss_rows=()
for store in memory sqlite; do
  start_callgate "$store" "$THREADS"
  sleep 0.5
  idle=$(rss_mb)
  RUN_ID=rss load voip /webhooks/pbx --calls 10000 --events 1 >/dev/null
  sleep 1
  live=$(rss_mb)
  RUN_ID=rss load voip /webhooks/pbx --calls 10000 --first-event 1 >/dev/null
  sleep 1
  ended=$(rss_mb)
  rss_rows+=("$store|$idle|$live|$ended")
  stop_server
done
elapsed=$(($(date +%s) - started))

# table CAPTION COLUMN...: a blank line, the caption, and a Markdown table's header.
table() {
  local caption=$1
  shift
  printf '\n%s\n\n|' "$caption"
  printf ' %s |' "$@"
  printf '\n|'
  printf -- '---|%.0s' "$@"
  printf '\n'
}

row() {  # NAME RESULT [COMMITTER]: COMMITTER set prints the committer's CPU too
  printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$1" "$(field 1 "$2")" "$(field 2 "$2")" \
    "$(field 3 "$2")" "$(ratio "$(field 1 "$2")" "$F")" "$(field 8 "$2")" \
    "$([[ -n "${3:-}" ]] && field 9 "$2" || echo –)"
}
bad_answers() {  # any refused or failed request makes a row worthless: say so
  for r in "$@"; do
    if [[ "$(field 6 "$r")" != 0 || "$(field 7 "$r")" != 0 ]]; then
      echo "WARNING: a run had refused or failed requests: $r"
    fi
  done
}

mem_live=$(cut -d'|' -f3 <<<"${rss_rows[0]}")
sql_live=$(cut -d'|' -f3 <<<"${rss_rows[1]}")
worst_p99=$(for l in "${latencies[@]:1}"; do cut -d'|' -f3 <<<"$l" | cut -d' ' -f3; done | sort -g | tail -1)
slowest=$(printf '%s\n' "$(field 1 "$voip_mem")" "$(field 1 "$voip_sql")" "$(field 1 "$webex")" \
  "$(field 1 "$telnyx")" "$(field 1 "$voip_redis")" "$(field 1 "$voip_pg")" | sort -n | head -1)

{
  echo "### The latest run, $(date -u +%Y-%m-%d)"
  echo
  echo "Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs))," \
    "$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) RAM; load generator," \
    "servers and peers all on this machine over loopback. callgate and nginx use $THREADS io" \
    "threads/workers; the Node peer is one process. Each throughput row is the better of two" \
    "runs of $((CALLS * 3)) requests ($CALLS calls) over $CONNECTIONS keep-alive connections;" \
    "the whole run took ${elapsed} s. This disk makes 4 KB durable (write + fdatasync) in" \
    "$(field 1 "$disk") ms at p50 and $(field 2 "$disk") ms at p99; every SQLite commit and" \
    "every file-sink batch pays that."
  echo
  echo "CPU µs/req is the server's user + system time over the run (every thread, and nginx's"
  echo "workers) divided by the requests; the committer column is the one thread that decides"
  echo "and commits, per request (one observation each)."
  echo
  echo "| scenario | req/s | p50 ms | p99 ms | ratio to floor | CPU µs/req | committer µs/req |"
  echo "|---|---|---|---|---|---|---|"
  row "floor: nginx \`return 200\` on the same 1 KB POST" "$floor"
  row "peer: Node.js + express + standardwebhooks verify + JSON.parse + append to file" "$node"
  row "callgate voip, Standard Webhooks HMAC, memory store, file sink" "$voip_mem" c
  row "callgate voip, the same with normalize_numbers: false" "$voip_raw" c
  row "callgate voip, memory store, request log off" "$voip_mem_nolog" c
  row "callgate voip, SQLite store + outbox (durable ack, group commit)" "$voip_sql" c
  row "callgate voip, SQLite, request log off" "$voip_sql_nolog" c
  row "callgate voip, Redis store (appendfsync always) + redis_stream, one replica" "$voip_redis" c
  row "callgate voip, the same with a Redis replica and min_replicas_acked: 1 (WAIT 1)" \
    "$voip_redis_acked" c
  row "callgate voip, PostgreSQL store (fsync, synchronous_commit on), outbox only, one replica" \
    "$voip_pg" c
  row "callgate webex, HMAC-SHA1, SQLite" "$webex" c
  row "callgate telnyx, Ed25519, SQLite" "$telnyx" c
  row "callgate telnyx live transcription (an utterance a request), Ed25519, SQLite" "$telnyx_text" c
  row "callgate zoom_phone (YAML definition), HMAC-SHA256, memory store, file sink" "$zoom_mem" c
  row "callgate ringcentral (YAML definition, items: 2 parties, 1 kept), token, memory store" "$rc_mem" c
  printf '| raw libsodium Ed25519 verify, %s threads (1 thread: %s/s) | %s | – | – | %s | %s | – |\n' \
    "$THREADS" "$ed25519_one" "$ed25519" "$(ratio "$ed25519" "$F")" \
    "$(awk -v r="$ed25519_one" 'BEGIN { printf "%.0f", (r > 0 ? 1e6 / r : 0) }')"
  table "The request log under that load on SQLite, \`request_log.max_requests: 5000\` (bodies on):" \
    "requests sent" "req/s" "rows kept" "its files, KB"
  printf '| %s | %s | %s | %s |\n' "$((n * 3))" "$(field 1 "$capped")" "$capped_rows" "$capped_kb"
  table "The request log's own cost, in process (the real Router, verify and parse included; a \
committer that answers at once; the recorder's thread and the store's writes included; median of \
seven passes of 9,000 requests, off, bodies and metadata taken in turns):" store "log off CPU µs/req" "on, bodies CPU µs/req" \
    "on, bodies: false CPU µs/req" "the log's cost µs/req" "records kept / cap"
  for l in "memory|$log_cost_mem" "SQLite|$log_cost_sql"; do
    IFS='|' read -r name result <<<"$l"
    printf '| %s | %s | %s | %s | %s | %s / %s |\n' "$name" "$(field 1 "$result")" \
      "$(field 2 "$result")" "$(field 3 "$result")" \
      "$(awk -v a="$(field 2 "$result")" -v b="$(field 1 "$result")" 'BEGIN { printf "%.1f", a - b }')" \
      "$(field 4 "$result")" "$(field 5 "$result")"
  done
  table "Verify + parse alone, in process (no sockets, no store), on bodies of equal size:" \
    provider "verify µs/req" "parse µs/req" "body bytes"
  printf '| voip (C++, Standard Webhooks) | %s | %s | %s |\n' "$(field 1 "$adapter_voip")" \
    "$(field 2 "$adapter_voip")" "$(field 3 "$adapter_voip")"
  printf '| zoom_phone (YAML definition, HMAC-SHA256) | %s | %s | %s |\n' \
    "$(field 1 "$adapter_zoom")" "$(field 2 "$adapter_zoom")" "$(field 3 "$adapter_zoom")"
  printf '| ringcentral (YAML definition, items: 2 parties, 1 kept) | %s | %s | %s |\n' \
    "$(field 1 "$adapter_rc")" "$(field 2 "$adapter_rc")" "$(field 3 "$adapter_rc")"
  table "After the parser (finish_observations: redelivery key, identity, numbers, directory), \
voip, in process:" "numbers to E.164 µs/req" "numbers as sent µs/req" \
    "to E.164, every number fresh µs/req"
  printf '| %s | %s | %s |\n' "$(field 4 "$adapter_voip")" "$(field 5 "$adapter_voip")" \
    "$(field 6 "$adapter_voip")"
  table "End to end: voip on SQLite, ingested and delivered, $((n * 3)) events:" sink \
    "ingested events/s" "delivered events/s" "load s" "all delivered after s" \
    "delivered / load time"
  for l in "HTTP (Standard Webhooks signed) to nginx|$delivery" \
    "Kafka to librdkafka's mock cluster (3 brokers, acks=all)|$delivery_kafka"; do
    IFS='|' read -r name result <<<"$l"
    printf '| %s | %s | %s | %s | %s | %s |\n' "$name" "$(field 1 "$result")" \
      "$(field 2 "$result")" "$(field 3 "$result")" "$(field 4 "$result")" \
      "$(ratio "$(field 4 "$result")" "$(field 3 "$result")")"
  done
  table "Latency at a fixed rate of half the row's maximum (open loop: a latency counts from when
the request was due, so queueing shows):" scenario "rate req/s" "p50 ms" "p99 ms" "p99.9 ms"
  for l in "${latencies[@]}"; do
    IFS='|' read -r name rate result <<<"$l"
    printf '| %s | %s | %s | %s | %s |\n' "$name" "$rate" "$(field 2 "$result")" \
      "$(field 3 "$result")" "$(field 4 "$result")"
  done
  table "Scaling with io threads (voip, Standard Webhooks):" "io threads" store req/s "p50 ms" \
    "p99 ms"
  for l in "${threads_rows[@]}"; do
    IFS='|' read -r t store result <<<"$l"
    printf '| %s | %s | %s | %s | %s |\n' "$t" "$store" "$(field 1 "$result")" \
      "$(field 2 "$result")" "$(field 3 "$result")"
  done
  table "Scaling with calls already in the store (SQLite, voip; the preloaded calls stay live):" \
    "calls in the store" req/s "p50 ms" "p99 ms" "CPU µs/req" "vs the 1k row"
  local_first=""
  for l in "${store_rows[@]}"; do
    IFS='|' read -r calls result <<<"$l"
    [[ -z "$local_first" ]] && local_first=$(field 1 "$result")
    printf '| %s | %s | %s | %s | %s | %s |\n' "$calls" "$(field 1 "$result")" \
      "$(field 2 "$result")" "$(field 3 "$result")" "$(field 8 "$result")" \
      "$(ratio "$(field 1 "$result")" "$local_first")"
  done
  table "Memory (RSS of the callgate process):" store "idle MB" "10,000 live calls MB" \
    "after all 10,000 ended MB"
  for l in "${rss_rows[@]}"; do
    IFS='|' read -r store idle live ended <<<"$l"
    printf '| %s | %s | %s | %s |\n' "$store" "$idle" "$live" "$ended"
  done
  table "Targets (ratios from this run):" target measured ""
  printf '| voip, memory store ≥ 0.5 × floor | %s | %s |\n' "$(ratio "$(field 1 "$voip_mem")" "$F")" \
    "$(check "$(ratio "$(field 1 "$voip_mem")" "$F")" 0.5)"
  printf '| voip, SQLite durable ack ≥ 0.25 × floor | %s | %s |\n' \
    "$(ratio "$(field 1 "$voip_sql")" "$F")" "$(check "$(ratio "$(field 1 "$voip_sql")" "$F")" 0.25)"
  printf '| voip, PostgreSQL ≥ 0.5 × SQLite (both durable ack) | %s | %s |\n' \
    "$(ratio "$(field 1 "$voip_pg")" "$(field 1 "$voip_sql")")" \
    "$(check "$(ratio "$(field 1 "$voip_pg")" "$(field 1 "$voip_sql")")" 0.5)"
  printf '| telnyx ≥ 0.8 × raw Ed25519 verify (%s threads) | %s | %s |\n' "$THREADS" \
    "$(ratio "$(field 1 "$telnyx")" "$ed25519")" "$(check "$(ratio "$(field 1 "$telnyx")" "$ed25519")" 0.8)"
  printf '| a transcript utterance costs ≤ a call event (CPU µs/req, telnyx text / telnyx calls, SQLite) | %s | %s |\n' \
    "$(ratio "$(field 8 "$telnyx_text")" "$(field 8 "$telnyx")")" \
    "$(check 1 "$(ratio "$(field 8 "$telnyx_text")" "$(field 8 "$telnyx")")")"
  printf '| definition-driven CPU ≤ 1.3 × built-in (zoom_phone / voip, memory, equal bodies) | %s | %s |\n' \
    "$(ratio "$(field 8 "$zoom_mem")" "$(field 8 "$voip_mem")")" \
    "$(check 1.3 "$(ratio "$(field 8 "$zoom_mem")" "$(field 8 "$voip_mem")")")"
  printf '| definition with items CPU ≤ 1.3 × built-in (ringcentral / voip, memory) | %s | %s |\n' \
    "$(ratio "$(field 8 "$rc_mem")" "$(field 8 "$voip_mem")")" \
    "$(check 1.3 "$(ratio "$(field 8 "$rc_mem")" "$(field 8 "$voip_mem")")")"
  printf '| numbers to E.164 ≤ 3 µs/req more (voip, in process; end to end: %s − %s CPU µs/req) | %s µs | %s |\n' \
    "$(field 8 "$voip_mem")" "$(field 8 "$voip_raw")" \
    "$(awk -v a="$(field 4 "$adapter_voip")" -v b="$(field 5 "$adapter_voip")" 'BEGIN { printf "%.2f", a - b }')" \
    "$(awk -v a="$(field 4 "$adapter_voip")" -v b="$(field 5 "$adapter_voip")" 'BEGIN { print (a - b <= 3 ? "met" : "**not met**") }')"
  for l in "memory|$log_cost_mem" "SQLite|$log_cost_sql"; do
    IFS='|' read -r name result <<<"$l"
    printf '| the request log ≤ 10 µs CPU/req with bodies (%s, in process) | %s µs | %s |\n' "$name" \
      "$(awk -v a="$(field 2 "$result")" -v b="$(field 1 "$result")" 'BEGIN { printf "%.1f", a - b }')" \
      "$(awk -v a="$(field 2 "$result")" -v b="$(field 1 "$result")" 'BEGIN { print (a - b <= 10 ? "met" : "**not met**") }')"
  done
  for l in "nginx receiver|$delivery" "Kafka mock cluster|$delivery_kafka"; do
    IFS='|' read -r name result <<<"$l"
    printf '| every event delivered within 1.5 × the load time (%s) | %s | %s |\n' "$name" \
      "$(ratio "$(field 4 "$result")" "$(field 3 "$result")")" \
      "$(awk -v r="$(ratio "$(field 4 "$result")" "$(field 3 "$result")")" -v d="$(field 5 "$result")" \
        -v n="$(field 6 "$result")" 'BEGIN { print (r <= 1.5 && d >= n && n > 0 ? "met" : "**not met**") }')"
  done
  printf '| every callgate row ≥ 5 × Node peer (slowest row) | %s | %s |\n' \
    "$(ratio "$slowest" "$(field 1 "$node")")" "$(check "$(ratio "$slowest" "$(field 1 "$node")")" 5)"
  nginx_p99=$(cut -d'|' -f3 <<<"${latencies[0]}" | cut -d' ' -f3)
  printf '| p99 at half of max ≤ 2 × nginx p99 at half of its max (worst callgate row) | %s ms = %s × %s ms | %s |\n' \
    "$worst_p99" "$(ratio "$worst_p99" "$nginx_p99")" "$nginx_p99" \
    "$(awk -v a="$worst_p99" -v b="$nginx_p99" 'BEGIN { print (a <= 2 * b ? "met" : "**not met**") }')"
  printf '| committer ≤ 10 µs per observation (voip: memory, SQLite) | %s, %s µs | %s |\n' \
    "$(field 9 "$voip_mem")" "$(field 9 "$voip_sql")" \
    "$(awk -v a="$(field 9 "$voip_mem")" -v b="$(field 9 "$voip_sql")" 'BEGIN { print (a <= 10 && b <= 10 ? "met" : "**not met**") }')"
  printf '| io threads 1 → 4 do not lose throughput (memory; within 10 %%) | %s |  %s |\n' \
    "$(for l in "${threads_rows[@]}"; do IFS='|' read -r t store result <<<"$l"; [[ $store == memory ]] && printf '%s ' "$(field 1 "$result")"; done)" \
    "$(for l in "${threads_rows[@]}"; do IFS='|' read -r t store result <<<"$l"; [[ $store == memory ]] && field 1 "$result"; done | awk 'NR == 1 { first = $1 } { last = $1 } END { print (last >= 0.9 * first ? "met" : "**not met**") }')"
  printf '| RSS < 64 MB at 10k live calls (memory, SQLite) | %s, %s MB | %s |\n' "$mem_live" \
    "$sql_live" "$(check 64 "$(printf '%s\n' "$mem_live" "$sql_live" | sort -g | tail -1)")"
  bad_answers "$floor" "$node" "$voip_mem" "$voip_raw" "$voip_sql" "$voip_redis" "$voip_redis_acked" "$voip_pg" "$webex" "$telnyx" "$telnyx_text" "$zoom_mem" "$rc_mem"
} | tee "$work/tables.md"
bench/publish.sh bench <"$work/tables.md"
