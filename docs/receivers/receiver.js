// A minimal receiver for callgate's HTTP sink, using only Node's standard library.
//
// It verifies each delivery's Standard Webhooks signature, drops redeliveries by their
// x-idempotency-key, and hands each new event to handle(). Replace handle() with your CRM code,
// and the in-memory set with a unique key in your database.
//
//   CALLGATE_SINK_SECRET=whsec_... PORT=8000 node receiver.js
'use strict';
const crypto = require('node:crypto');
const http = require('node:http');

const secret = Buffer.from(process.env.CALLGATE_SINK_SECRET.replace(/^whsec_/, ''), 'base64');
const toleranceSeconds = 300;
const seenKeys = new Set(); // in production: a table with a unique constraint on the key

function verified(headers, body) {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (!id || !/^\d+$/.test(timestamp || '') || !signatures) return false;
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > toleranceSeconds) return false; // a replay
  const expected = crypto.createHmac('sha256', secret)
    .update(`${id}.${timestamp}.`).update(body).digest();
  // The header may list several "v1,<base64>" signatures (secret rotation), space-separated.
  return signatures.split(' ').some((sig) => {
    if (!sig.startsWith('v1,')) return false;
    const given = Buffer.from(sig.slice(3), 'base64');
    return given.length === expected.length && crypto.timingSafeEqual(given, expected);
  });
}

function handle(event) {
  const f = event.data.fields;
  console.log(`accepted ${event.event} ${event.data.id} ${f.direction} ${f.status} ${f.externalNumber}`);
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    if (req.method !== 'POST' || !verified(req.headers, body)) {
      res.writeHead(401).end();
      return;
    }
    const key = req.headers['x-idempotency-key'];
    if (seenKeys.has(key)) {
      console.log(`duplicate ${key}`);
      res.writeHead(200).end(); // already handled: say yes, or callgate retries
      return;
    }
    try {
      handle(JSON.parse(body));
    } catch (err) {
      console.error(`failed ${key}: ${err.message}`);
      res.writeHead(500).end(); // callgate retries it later
      return;
    }
    seenKeys.add(key); // only once handled, so a failed event is handled again on retry
    res.writeHead(200).end();
  });
});

server.listen(Number(process.env.PORT || 8000), '127.0.0.1', () => {
  console.log(`listening on ${server.address().port}`);
});
