#!/usr/bin/python3
"""Checks every unified event the integration tests made callgate emit against the published
JSON Schema (docs/schema/telephony-call-event.schema.json).

    validate_events.py SCHEMA EVENTS_JSONL

It first checks that the schema refuses a few events that are wrong on purpose, so that a
schema which accepts anything cannot pass. Uses Debian's python3-jsonschema.
"""
import copy
import json
import sys

import jsonschema


def main() -> int:
    schema_path, events_path = sys.argv[1], sys.argv[2]
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)

    try:
        with open(events_path, encoding="utf-8") as f:
            lines = [line for line in f if line.strip()]
    except FileNotFoundError:
        lines = []
    if not lines:
        print(f"no emitted events were recorded in {events_path}: nothing to check")
        print("0 passed, 1 failed")
        return 1

    passed, failed, seen = 0, 0, set()
    for line in lines:
        if line in seen:
            continue
        seen.add(line)
        event = json.loads(line)
        errors = sorted(validator.iter_errors(event), key=lambda e: list(e.path))
        if errors:
            failed += 1
            if failed <= 10:
                print(f"INVALID: {line.strip()[:300]}")
                for e in errors[:3]:
                    print(f"  at {'/'.join(map(str, e.path)) or '(root)'}: {e.message}")
        else:
            passed += 1

    # The schema must be able to say no.
    good = json.loads(next(iter(seen)))
    wrong = []
    for mutate in (
        lambda e: e["data"]["fields"].__setitem__("status", "ringing"),
        lambda e: e["data"].__setitem__("id", "not-a-call-id"),
        lambda e: e["data"]["fields"].pop("duration"),
        lambda e: e["data"]["fields"].__setitem__("startedAt", "2025-08-14 18:52"),
        lambda e: e.__setitem__("event", "telephonyCall::merged"),
        lambda e: e["data"]["fields"].__setitem__("extra", 1),
    ):
        bad = copy.deepcopy(good)
        mutate(bad)
        wrong.append(bad)
    refused = sum(1 for bad in wrong if not validator.is_valid(bad))
    if refused != len(wrong):
        print(f"the schema accepted {len(wrong) - refused} of {len(wrong)} wrong events")
        failed += 1

    types = {}
    for line in seen:
        t = json.loads(line)["event"]
        types[t] = types.get(t, 0) + 1
    print(f"{len(lines)} emitted events recorded, {len(seen)} distinct: {types}")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
