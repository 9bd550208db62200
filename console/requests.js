// The console's Requests view: the request log, newest first, filtered as the admin API filters
// it; one request whole (headers, body, what a refused check looked at, the events it caused)
// and Replay. Uses console.js's $, el, emptyRow, when and api.
"use strict";

const requests = { before: 0, pages: [], open: null };

function requestFilters() {
  const p = new URLSearchParams();
  for (const [id, key] of [["rq-source", "source"], ["rq-verdict", "verdict"], ["rq-status", "status"],
    ["rq-since", "from"], ["rq-until", "to"], ["rq-text", "q"]]) {
    const v = $(id).value.trim();
    if (v) p.set(key, v);
  }
  p.set("limit", "25");
  if (requests.before) p.set("before", String(requests.before));
  return p;
}

async function refreshRequests() {
  if (requests.before) return;  // an older page stays as it is; "Newest" comes back
  await loadRequests();
}

async function loadRequests() {
  try {
    const page = await api(`/admin/requests?${requestFilters()}`);
    renderRequests(page);
    $("rq-error").textContent = "";
  } catch (e) {
    if (e.message !== "signed out") $("rq-error").textContent = e.message;
  }
}

function renderRequests(page) {
  const tbody = $("requests-table").tBodies[0];
  tbody.replaceChildren();
  for (const r of page.requests) {
    const tr = el("tr", null, r.verdict);
    tr.dataset.request = r.id;
    tr.appendChild(el("td", when(r.at)));
    tr.appendChild(el("td", r.source));
    tr.appendChild(el("td", `${r.method} ${r.target}`));
    tr.appendChild(el("td", r.status));
    tr.appendChild(el("td", r.verdict + (r.replayOf ? ` (replay of #${r.replayOf})` : "")));
    tr.appendChild(el("td", r.reason || r.eventType || ""));
    tr.appendChild(el("td", `${r.latencyMs.toFixed(1)} ms`));
    tr.addEventListener("click", () => openRequest(r.id));
    tbody.appendChild(tr);
  }
  if (!page.requests.length) emptyRow(tbody, "No request matches.");
  requests.next = page.next;
  $("rq-older").disabled = !page.next;
  $("rq-newest").disabled = !requests.before;
}

function keyValues(list, pairs) {
  list.replaceChildren();
  for (const [k, v] of pairs) {
    list.appendChild(el("dt", k));
    list.appendChild(el("dd", typeof v === "object" ? JSON.stringify(v) : v));
  }
}

async function openRequest(id) {
  requests.open = id;
  const r = await api(`/admin/requests/${id}`);
  $("request").hidden = false;
  $("request-title-id").textContent = `#${r.id}`;
  $("request-summary").textContent = `${when(r.at)} · ${r.method} ${r.target} from ${r.remote || "?"}` +
    ` · ${r.status} ${r.verdict}` + (r.reason ? ` (${r.reason})` : "") +
    ` · ${r.latencyMs.toFixed(1)} ms`;
  const diagnosis = $("request-diagnosis");
  diagnosis.hidden = !r.diagnosis;
  if (r.diagnosis) {
    const d = r.diagnosis;
    const pairs = [["scheme", d.scheme]];
    if (d.signs) pairs.push(["signs", d.signs]);
    for (const h of d.headers) pairs.push([`header ${h.name}`, h.present ? "present" : "missing"]);
    if (d.bodyField) pairs.push(["token in the body", d.bodyField]);
    if (d.timestamp) pairs.push(["timestamp", `${d.timestamp.header} = ${d.timestamp.value ?? "missing"}` +
      (d.timestamp.skewSeconds !== undefined ? ` (skew ${d.timestamp.skewSeconds} s, tolerance ${d.timestamp.toleranceSeconds} s)` : "")]);
    for (const u of d.signedUrls || []) pairs.push([`signed URL (${u.key})`, u.url]);
    if (d.requestUrl) pairs.push(["request came to", d.requestUrl]);
    pairs.push(["secrets tried", d.secretsTried]);
    keyValues($("request-diagnosis-list"), pairs);
  }
  keyValues($("request-headers"), r.headers.map((h) => [h.name, h.value]));
  $("request-body").textContent = r.body + (r.bodyTruncated ? `\n… (${r.bodySize} bytes in all)` : "");
  const events = $("request-events");
  events.replaceChildren();
  for (const e of r.events) {
    const li = el("li", `${e.eventType} · ${e.idempotencyKey} · `);
    const link = el("a", e.callId);
    link.href = "#timeline";
    link.addEventListener("click", () => openTimeline(e.callId));
    li.appendChild(link);
    events.appendChild(li);
  }
  if (!r.events.length) events.appendChild(el("li", "none"));
  $("request-replay").disabled = !r.replayable;
  $("request-replay-result").textContent = r.replayable ? "" :
    "Not replayable: its body was not kept whole (request_log.bodies, max_body_bytes) or its source is unknown.";
  $("request").scrollIntoView({ block: "nearest" });
}

async function replayRequest() {
  const id = requests.open;
  try {
    const r = await api(`/admin/requests/${id}/replay`, { method: "POST" });
    const verdict = r.answer && r.answer.status ? r.answer.status : (r.answer && r.answer.error) || "";
    $("request-replay-result").textContent = `Replayed #${id}: ${r.status} ${verdict}`;
  } catch (e) {
    $("request-replay-result").textContent = `Replay failed: ${e.message}`;
  }
  requests.before = 0;
  await loadRequests();
}

document.addEventListener("DOMContentLoaded", () => {
  $("requests-filter").addEventListener("submit", (e) => {
    e.preventDefault();
    requests.before = 0;
    requests.pages = [];
    loadRequests();
  });
  $("rq-older").addEventListener("click", () => {
    requests.pages.push(requests.before);
    requests.before = requests.next;
    loadRequests();
  });
  $("rq-newest").addEventListener("click", () => {
    requests.before = 0;
    requests.pages = [];
    loadRequests();
  });
  $("request-replay").addEventListener("click", replayRequest);
  $("close-request").addEventListener("click", () => { requests.open = null; $("request").hidden = true; });
});
