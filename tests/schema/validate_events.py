#!/usr/bin/python3
"""Checks every unified event the integration tests made callgate emit against the published
JSON Schemas (docs/schema/telephony-call-event.schema.json for the call's events,
telephony-call-transcript-event.schema.json for the transcript's).

    validate_events.py CALL_SCHEMA TRANSCRIPT_SCHEMA EVENTS_JSONL

It also checks that each schema refuses a few events that are wrong on purpose, so that a
schema which accepts anything cannot pass, and that both kinds were seen. Uses Debian's
python3-jsonschema.
"""
import copy
import json
import sys

import jsonschema


def validator_of(path: str) -> jsonschema.Draft202012Validator:
    with open(path, encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def is_transcript(event: dict) -> bool:
    return str(event.get("event", "")).startswith("telephonyCallTranscript::")


# Ways to make a good event wrong, by kind: each schema must refuse every one.
CALL_MUTATIONS = (
    lambda e: e["data"]["fields"].__setitem__("status", "ringing"),
    lambda e: e["data"].__setitem__("id", "not-a-call-id"),
    lambda e: e["data"]["fields"].pop("duration"),
    lambda e: e["data"]["fields"].__setitem__("startedAt", "2025-08-14 18:52"),
    lambda e: e.__setitem__("event", "telephonyCall::merged"),
    lambda e: e["data"]["fields"].__setitem__("extra", 1),
    lambda e: e["data"]["fields"].__setitem__("transcript", "transcript_1"),
)
TRANSCRIPT_MUTATIONS = (
    lambda e: e["data"].__setitem__("id", "call_" + "0" * 32),
    lambda e: e["data"]["fields"]["call"].__setitem__("model", "telephonyCallTranscript"),
    lambda e: e["data"]["fields"]["segments"].append({"start": -1, "end": 0, "text": "x", "speakerId": "a"}),
    lambda e: e["data"]["fields"]["speakers"].append({"id": "a", "origin": "agent"}),
    lambda e: e["data"].pop("complete"),
    lambda e: e.__setitem__("event", "telephonyCallTranscript::deleted"),
)


def main() -> int:
    validators = {False: validator_of(sys.argv[1]), True: validator_of(sys.argv[2])}
    events_path = sys.argv[3]
    try:
        with open(events_path, encoding="utf-8") as f:
            lines = [line for line in f if line.strip()]
    except FileNotFoundError:
        lines = []
    if not lines:
        print(f"no emitted events were recorded in {events_path}: nothing to check")
        print("0 passed, 1 failed")
        return 1

    passed, failed, seen = 0, 0, {}
    for line in lines:
        if line in seen:
            continue
        event = json.loads(line)
        seen[line] = event
        validator = validators[is_transcript(event)]
        errors = sorted(validator.iter_errors(event), key=lambda e: list(e.path))
        if errors:
            failed += 1
            if failed <= 10:
                print(f"INVALID: {line.strip()[:300]}")
                for e in errors[:3]:
                    print(f"  at {'/'.join(map(str, e.path)) or '(root)'}: {e.message}")
        else:
            passed += 1

    # Each schema must be able to say no, and both kinds must have been emitted.
    for transcript, mutations in ((False, CALL_MUTATIONS), (True, TRANSCRIPT_MUTATIONS)):
        good = next((e for e in seen.values() if is_transcript(e) == transcript), None)
        kind = "transcript" if transcript else "call"
        if good is None:
            print(f"no {kind} event was emitted: its schema went unchecked")
            failed += 1
            continue
        wrong = []
        for mutate in mutations:
            bad = copy.deepcopy(good)
            mutate(bad)
            wrong.append(bad)
        refused = sum(1 for bad in wrong if not validators[transcript].is_valid(bad))
        if refused != len(wrong):
            print(f"the {kind} schema accepted {len(wrong) - refused} of {len(wrong)} wrong events")
            failed += 1

    types = {}
    for event in seen.values():
        types[event["event"]] = types.get(event["event"], 0) + 1
    print(f"{len(lines)} emitted events recorded, {len(seen)} distinct: {types}")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
