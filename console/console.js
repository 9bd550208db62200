// callgate's operator console: plain DOM, data only through textContent, no other host. It
// reads the admin API (/admin/...) with its session cookie, like any other client with a token.
"use strict";

const state = { query: "", before: "", next: null, page: 50, call: null, timer: null };
const $ = (id) => document.getElementById(id);

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

/** A table's one row that says it has none. */
function emptyRow(tbody, text) {
  const tr = el("tr");
  const td = el("td", text);
  td.colSpan = tbody.parentElement.tHead.rows[0].cells.length;
  tr.appendChild(td);
  tbody.appendChild(tr);
}

function when(iso) {
  return iso ? iso.replace("T", " ").replace(/\.\d+Z$/, "Z") : "—";
}

async function api(path, options) {
  const res = await fetch(path, Object.assign({ credentials: "same-origin" }, options || {}));
  if (res.status === 401 && path !== "/console/session") {
    showSignIn();
    throw new Error("signed out");
  }
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.error || res.statusText);
  return body;
}

function showSignIn() {
  clearInterval(state.timer);
  state.timer = null;
  $("console").hidden = true;
  $("signin").hidden = false;
  $("token").focus();
}

function showConsole() {
  $("signin").hidden = true;
  $("console").hidden = false;
  refresh();
  if (!state.timer) state.timer = setInterval(refresh, 3000);
}

async function signIn(event) {
  event.preventDefault();
  $("signin-error").textContent = "";
  try {
    await api("/console/session", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token: $("token").value }),
    });
    $("token").value = "";
    showConsole();
  } catch (e) {
    $("signin-error").textContent = e.message;
  }
}

function renderSources(sources) {
  const body = $("sources-body");
  body.replaceChildren();
  if (!sources.length) body.appendChild(el("p", "No requests yet."));
  for (const s of sources) {
    const box = el("div", null, "source");
    box.dataset.source = s.name;
    box.appendChild(el("strong", s.name));
    const reasons = Object.entries(s.rejectedBy).map(([r, n]) => `${r}: ${n}`).join(", ");
    box.appendChild(el("div", `accepted ${s.accepted} · rejected ${s.rejected}` +
      (reasons ? ` (${reasons})` : ""), "numbers"));
    body.appendChild(box);
  }
}

function renderCalls(data) {
  $("live-count").textContent = `(${data.liveCalls} live)`;
  const tbody = $("calls-table").tBodies[0];
  tbody.replaceChildren();
  for (const c of data.calls) {
    const tr = el("tr");
    tr.dataset.call = c.id;
    const f = c.fields;
    tr.appendChild(el("td", f.externalNumber || f.internalNumber || c.id));
    tr.appendChild(el("td", f.direction || "—"));
    tr.appendChild(el("td", f.status));
    tr.appendChild(el("td", when(f.startedAt)));
    tr.appendChild(el("td", f.endedAt ? when(f.endedAt) : "live"));
    tr.appendChild(el("td", c.source));
    tr.addEventListener("click", () => openTimeline(c.id));
    tbody.appendChild(tr);
  }
  if (!data.calls.length) emptyRow(tbody, state.query ? "No call matches." : "No calls.");
  state.next = data.next;
  $("prev").disabled = !state.before;
  $("next").disabled = !data.next;
}

function renderEvents(events) {
  const tbody = $("events-table").tBodies[0];
  tbody.replaceChildren();
  for (const e of events) {
    const tr = el("tr");
    tr.dataset.seq = e.seq;
    tr.addEventListener("click", () => { $("resend-seq").value = e.seq; });
    tr.appendChild(el("td", e.seq));
    tr.appendChild(el("td", when(e.at)));
    tr.appendChild(el("td", e.eventType));
    tr.appendChild(el("td", e.source));
    tr.appendChild(el("td", e.callId));
    tr.appendChild(el("td", e.idempotencyKey));
    tbody.appendChild(tr);
  }
}

async function openTimeline(id) {
  state.call = id;
  $("timeline").hidden = false;
  await renderTimeline();
  $("timeline").scrollIntoView({ block: "nearest" });
}

async function renderTimeline() {
  if (!state.call) return;
  const t = await api(`/admin/calls/${encodeURIComponent(state.call)}`);
  const f = t.call ? t.call.fields : null;
  $("timeline-call").textContent = f ? (f.externalNumber || state.call) : state.call;
  $("timeline-summary").textContent = f
    ? `${f.direction || "direction unknown"} · ${f.status} · started ${when(f.startedAt)}` +
      (f.endedAt ? ` · ended ${when(f.endedAt)} · ${f.duration} s` : "")
    : "The call has ended and is no longer kept; its log remains.";
  renderTranscript(t.transcript);
  const list = $("timeline-list");
  list.replaceChildren();
  for (const e of t.timeline) {
    const li = el("li", null, e.kind);
    li.appendChild(el("span", e.kind, "kind"));
    if (e.kind === "attempt") {
      li.appendChild(document.createTextNode(`${when(e.at)} · ${e.sink}: ${e.status} · ${e.idempotencyKey}` +
        (e.error ? ` (${e.error})` : "")));
      if (e.status !== "delivered") li.classList.add("failed");
      list.appendChild(li);
      continue;
    }
    li.appendChild(document.createTextNode(`${when(e.at)} · ${e.eventType}`));
    if (e.kind === "emitted") {
      li.appendChild(document.createTextNode(` · ${e.idempotencyKey}`));
      for (const d of e.deliveries) {
        const text = `${d.sink}: ${d.status}` + (d.error ? ` (${d.error}, ${d.attempts} attempts)` : "");
        li.appendChild(el("span", text, "delivery" + (d.status === "dead letter" ? " dead" : "")));
      }
    } else {
      li.appendChild(document.createTextNode(` · from ${e.source}, provider time ${when(e.eventTime)}`));
    }
    list.appendChild(li);
  }
}

/** The call's transcript as its latest event carried it: one line a segment, by its speaker. */
function renderTranscript(tr) {
  $("transcript").hidden = !tr;
  if (!tr) return;
  $("transcript-state").textContent = tr.complete ? "(complete)" : "(so far)";
  const origin = new Map(tr.fields.speakers.map((s) => [s.id, s]));
  const list = $("transcript-list");
  list.replaceChildren();
  for (const seg of tr.fields.segments) {
    const who = origin.get(seg.speakerId) || { origin: "unknown" };
    const li = el("li", null, who.origin);
    li.appendChild(el("span", `${seg.start.toFixed(1)} s · ${who.name || seg.speakerId}`, "speaker"));
    li.appendChild(document.createTextNode(seg.text));
    list.appendChild(li);
  }
}

async function refresh() {
  try {
    const calls = new URLSearchParams({ q: state.query, limit: state.page,
      state: $("calls-ended").checked ? "all" : "live" });
    if (state.before) calls.set("before", state.before);
    const [overview, page] = await Promise.all([api("/admin/overview"), api(`/admin/calls?${calls}`)]);
    renderSources(overview.sources);
    await renderSinks(overview.sinks);
    renderEvents(overview.events);
    renderCalls(page);
    await refreshCharts();
    await renderTimeline();
    await refreshRequests();
    $("updated").textContent = `updated ${new Date().toLocaleTimeString()}`;
  } catch (e) {
    if (e.message !== "signed out") $("updated").textContent = `refresh failed: ${e.message}`;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("signin-form").addEventListener("submit", signIn);
  $("signout").addEventListener("click", async () => {
    await api("/console/signout", { method: "POST" }).catch(() => {});
    showSignIn();
  });
  const firstPage = () => { state.before = ""; refresh(); };
  $("search").addEventListener("input", () => { state.query = $("search").value.trim(); firstPage(); });
  $("calls-ended").addEventListener("change", firstPage);
  $("prev").addEventListener("click", firstPage);
  $("next").addEventListener("click", () => { state.before = state.next || ""; refresh(); });
  $("close-timeline").addEventListener("click", () => { state.call = null; $("timeline").hidden = true; });
  api("/console/session")
    .then((s) => (s.signedIn ? showConsole() : showSignIn()))
    .catch(showSignIn);
});
