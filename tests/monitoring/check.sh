#!/usr/bin/env bash
# What docs/monitoring/ ships is checked against the real thing:
#  - the alert rules load (`promtool check rules`) and fire on the series they are meant for and
#    not on others (`promtool test rules alerts.test.yml`);
#  - every metric the rules and the Grafana dashboard query is one that callgate's /metrics
#    serves (the binary is started and scraped), and every dashboard panel has a query, a unit
#    and the dashboard's datasource variable.
#   tests/monitoring/check.sh REPO_ROOT CALLGATE_BINARY
set -euo pipefail
repo=$(cd "$1" && pwd)
binary=$(realpath "$2")
cd "$repo/docs/monitoring"
promtool check rules alerts.yml
promtool test rules alerts.test.yml

work=$(mktemp -d)
cleanup() { [[ -n ${pid:-} ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
cat >"$work/callgate.yaml" <<YAML
listen: 127.0.0.1:0
store: {type: memory}
metrics: {on_webhook_listener: true}
sources:
  pbx: {provider: voip, auth: {bearer: monitoring-check-token}}
sinks:
  - {type: file, path: $work/events.jsonl}
YAML
"$binary" --config "$work/callgate.yaml" --ready-file "$work/ready" >"$work/log" 2>&1 &
pid=$!
for _ in $(seq 100); do [[ -s $work/ready ]] && break; sleep 0.1; done
[[ -s $work/ready ]] || { cat "$work/log"; echo "monitoring: callgate did not start"; exit 1; }
port=$(head -1 "$work/ready")
curl -sf "http://127.0.0.1:$port/metrics" >"$work/metrics"

python3 - "$work/metrics" alerts.yml grafana-dashboard.json <<'PY'
import json, re, sys
served = set(re.findall(r"^# TYPE (\S+) ", open(sys.argv[1]).read(), re.M))
def base(name):
    for suffix in ("_bucket", "_sum", "_count"):
        if name.endswith(suffix) and name[: -len(suffix)] in served:
            return name[: -len(suffix)]
    return name
failed = []
for path in sys.argv[2:]:
    for name in sorted(set(re.findall(r"\bcallgate_[a-z_]+", open(path).read()))):
        if base(name) not in served:
            failed.append(f"{path} queries {name}, which /metrics does not serve")
dash = json.load(open(sys.argv[3]))
assert any(v["name"] == "datasource" for v in dash["templating"]["list"]), "no datasource variable"
for p in dash["panels"]:
    if not p.get("targets") or not all(t.get("expr") for t in p["targets"]):
        failed.append(f"panel {p['title']!r} has no query")
    if not p["fieldConfig"]["defaults"].get("unit"):
        failed.append(f"panel {p['title']!r} has no unit")
    if p["datasource"]["uid"] != "${datasource}":
        failed.append(f"panel {p['title']!r} does not use the datasource variable")
if len({p["id"] for p in dash["panels"]}) != len(dash["panels"]):
    failed.append("two panels share an id")
print("\n".join(failed) if failed else f"monitoring: {len(dash['panels'])} panels and the rules query only served metrics")
sys.exit(1 if failed else 0)
PY
