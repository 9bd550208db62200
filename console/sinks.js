// The console's Sinks view: each sink's lag and dead letters, since when it fails, its recent
// attempts (status, answer, latency, error, the next attempt's time), what waits for a retry,
// and the operator's levers: Retry now, Redeliver all, Redeliver one, and Send again (any event
// to one sink). Uses console.js's $, el, emptyRow, when and api.
"use strict";

/** Which sinks' attempt tables are open, kept across the 3-second refresh. */
const openSinks = new Set();

function button(text, onClick) {
  const b = el("button", text);
  b.type = "button";
  b.addEventListener("click", onClick);
  return b;
}

function table(headings, rows) {
  const t = el("table");
  const head = el("tr");
  for (const h of headings) head.appendChild(el("th", h));
  t.createTHead().appendChild(head);
  const body = t.createTBody();
  for (const cells of rows) {
    const tr = el("tr");
    for (const c of cells) tr.appendChild(c instanceof Node ? c : el("td", c));
    body.appendChild(tr);
  }
  return t;
}

function attemptRows(attempts) {
  return attempts.map((a) => {
    const answer = a.status ? `${a.status}` + (a.response ? ` ${a.response}` : "") : a.error;
    return [
      when(a.at), a.eventType, `#${a.attempt}`, a.result, answer, `${a.latencyMs} ms`,
      a.nextAttemptAt ? when(a.nextAttemptAt) : "—"
    ];
  });
}

function sinkSummary(s, d) {
  const parts = [`lag ${s.lag} events`, `${s.deadLetters.length} dead letters`];
  if (d) {
    parts.push(d.failingSince ? `failing since ${when(d.failingSince)}` : "delivering");
    if (d.lastDelivered) parts.push(`last delivered ${when(d.lastDelivered)}`);
    if (d.nextAttemptAt) parts.push(`next attempt ${when(d.nextAttemptAt)}`);
  }
  return parts.join(" · ");
}

function renderSink(s, d) {
  const box = el("div", null, "sink" + (d && d.failingSince ? " failing" : ""));
  box.dataset.sink = s.name;
  box.appendChild(el("strong", s.name));
  box.appendChild(el("span", sinkSummary(s, d), "lag"));
  const actions = el("div", null, "actions");
  if (d && d.waiting.length)
    actions.appendChild(button(
        `Retry now (${d.waiting.length})`,
        () => sinkAction(
            `/admin/deliveries/retry?sink=${encodeURIComponent(s.name)}`,
            `${s.name} retries now.`)));
  if (s.deadLetters.length)
    actions.appendChild(button("Redeliver all", () => redeliver(s.name, 0)));
  actions.appendChild(button(openSinks.has(s.name) ? "Hide attempts" : "Attempts", () => {
    if (!openSinks.delete(s.name)) openSinks.add(s.name);
    refresh();
  }));
  box.appendChild(actions);
  if (d && d.waiting.length) {
    box.appendChild(el("h3", "Waiting for a retry"));
    box.appendChild(table(
        ["Event", "Call", "Attempts", "Next attempt", "Last error"],
        d.waiting.map((w) => [w.eventType, w.callId, w.attempts, when(w.nextAttemptAt), w.error])));
  }
  if (d && openSinks.has(s.name)) {
    box.appendChild(el("h3", "Recent attempts"));
    const rows = attemptRows(d.attempts);
    box.appendChild(table(
        ["Time", "Event", "Attempt", "Result", "Answer or error", "Latency", "Next attempt"],
        rows.length ? rows : [["No attempt yet."]]));
    // Failures pushed out of the recent attempts by deliveries since: listed apart.
    const shown = new Set(d.attempts.map((a) => `${a.seq}#${a.attempt}`));
    if (d.failedAttempts.some((f) => !shown.has(`${f.seq}#${f.attempt}`))) {
      box.appendChild(el("h3", "Recent failures"));
      box.appendChild(table(
          ["Time", "Event", "Attempt", "Result", "Answer or error", "Latency", "Next attempt"],
          attemptRows(d.failedAttempts)));
    }
  }
  if (s.deadLetters.length) {
    box.appendChild(el("h3", "Dead letters"));
    const rows = s.deadLetters.map((l) => {
      const td = el("td");
      td.appendChild(button("Redeliver", () => redeliver(s.name, l.seq)));
      return [when(l.deadAt), l.eventType, l.source, l.idempotencyKey, l.error, td];
    });
    const t = table(["Dead since", "Event", "Source", "Idempotency key", "Error", ""], rows);
    s.deadLetters.forEach((l, i) => {
      t.tBodies[0].rows[i].dataset.seq = l.seq;
    });
    box.appendChild(t);
  }
  return box;
}

async function renderSinks(sinks) {
  // A sink that does not deliver in this process (another replica holds it) has no detail.
  const details = await Promise.all(sinks.map(
      (s) => api(`/admin/deliveries?sink=${encodeURIComponent(s.name)}`).catch(() => null)));
  $("sinks-body").replaceChildren(...sinks.map((s, i) => renderSink(s, details[i])));
  const select = $("resend-sink");
  if (select.options.length !== sinks.length)
    select.replaceChildren(...sinks.map((s) => el("option", s.name)));
}

async function sinkAction(path, done) {
  try {
    await api(path, {method: "POST"});
    $("redeliver-result").textContent = done;
  } catch (e) {
    $("redeliver-result").textContent = `Failed: ${e.message}`;
  }
  refresh();
}

async function redeliver(sink, seq) {
  try {
    const r = await api(
        `/admin/dead-letters/redeliver?sink=${encodeURIComponent(sink)}&seq=${seq}`,
        {method: "POST"});
    $("redeliver-result").textContent = `Redelivered ${r.redelivered} event(s) to ${sink}.`;
  } catch (e) {
    $("redeliver-result").textContent = `Redeliver failed: ${e.message}`;
  }
  refresh();
}

document.addEventListener("DOMContentLoaded", () => {
  $("resend-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const seq = $("resend-seq").value.trim();
    const sink = $("resend-sink").value;
    sinkAction(
        `/admin/events/resend?sink=${encodeURIComponent(sink)}&seq=${encodeURIComponent(seq)}`,
        `Event ${seq} queued for ${sink} again.`);
  });
});
