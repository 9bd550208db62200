#!/usr/bin/env python3
"""A minimal receiver for callgate's HTTP sink, using only the standard library.

It verifies each delivery's Standard Webhooks signature, drops redeliveries by their
x-idempotency-key, and hands each new event to handle(). Replace handle() with your CRM code, and
the in-memory set with a unique key in your database.

    CALLGATE_SINK_SECRET=whsec_... PORT=8000 python3 receiver.py
"""
import base64
import hashlib
import hmac
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET = base64.b64decode(os.environ["CALLGATE_SINK_SECRET"].removeprefix("whsec_"))
TOLERANCE_SECONDS = 300
seen_keys = set()  # in production: a table with a unique constraint on the key


def verified(headers, body: bytes) -> bool:
    msg_id = headers.get("webhook-id", "")
    timestamp = headers.get("webhook-timestamp", "")
    signatures = headers.get("webhook-signature", "")
    if not (msg_id and timestamp.isdigit() and signatures):
        return False
    if abs(time.time() - int(timestamp)) > TOLERANCE_SECONDS:
        return False  # too old or from the future: a replay
    signed = msg_id.encode() + b"." + timestamp.encode() + b"." + body
    expected = base64.b64encode(hmac.new(SECRET, signed, hashlib.sha256).digest()).decode()
    # The header may list several "v1,<base64>" signatures (secret rotation), space-separated.
    return any(
        hmac.compare_digest(sig.removeprefix("v1,"), expected)
        for sig in signatures.split(" ")
        if sig.startswith("v1,")
    )


def handle(event: dict) -> None:
    fields = event["data"]["fields"]
    print(f"accepted {event['event']} {event['data']['id']} "
          f"{fields['direction']} {fields['status']} {fields['externalNumber']}", flush=True)


class Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: callgate reuses connections

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        if not verified(self.headers, body):
            return self.answer(401)
        key = self.headers["x-idempotency-key"]
        if key in seen_keys:
            print(f"duplicate {key}", flush=True)
            return self.answer(200)  # already handled: say yes, or callgate retries
        try:
            handle(json.loads(body))
        except Exception as err:  # noqa: BLE001 - any failure: let callgate retry
            print(f"failed {key}: {err}", file=sys.stderr, flush=True)
            return self.answer(500)
        seen_keys.add(key)  # only once handled, so a failed event is handled again on retry
        self.answer(200)

    def answer(self, status: int):
        self.send_response(status)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8000"))), Receiver)
    print(f"listening on {server.server_address[1]}", flush=True)
    server.serve_forever()
