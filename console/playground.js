// The console's playground: a pasted request tried on a configured source (POST
// /admin/playground, the code of `callgate provider test`): its verdict, what the source read
// and the unified events it would give. Nothing is stored or sent. Uses console.js's $, el, api.
"use strict";

/** "Name: value" lines as an object. */
function headerLines(text) {
  const headers = {};
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return headers;
}

async function tryPlayground(event) {
  event.preventDefault();
  const out = $("pg-result");
  out.replaceChildren();
  try {
    const r = await api("/admin/playground", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        source: $("pg-source").value.trim(),
        verify: $("pg-verify").checked,
        headers: headerLines($("pg-headers").value),
        body: $("pg-body").value,
      }),
    });
    for (const v of r.requests) {
      out.appendChild(el("p", [v.eventType, v.verdict, v.reason].filter(Boolean).join(": "),
        "verdict " + v.verdict));
      for (const o of v.observations) {
        out.appendChild(el("p", `call ${o.callKey} · ${o.phase} · ${o.direction} · ` +
          `external ${o.externalNumber || "—"} · internal ${o.internalNumber || "—"}`, "observation"));
        for (const w of o.warnings) out.appendChild(el("p", `warning: ${w}`, "warning"));
      }
    }
    for (const e of r.events) out.appendChild(el("pre", JSON.stringify(e, null, 2), "event"));
    if (!r.events.length) out.appendChild(el("p", "No unified event."));
  } catch (e) {
    out.appendChild(el("p", e.message, "verdict refused"));
  }
}

document.addEventListener("DOMContentLoaded", () => {
  $("playground-form").addEventListener("submit", tryPlayground);
});
