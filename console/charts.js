// The console's charts: per-minute history from GET /admin/history (kept by the server for a
// day, so a console opened later shows the past), drawn with uPlot (console/vendor, compiled
// into the binary). Requests by source (accepted, duplicates, refused), deliveries by sink
// (delivered, failed, lag) and ingest latency (p50, p99), with time axes, units and the values
// under the cursor in each chart's legend. Uses console.js's $ and el.
"use strict";

const charts = { plots: new Map(), loadedAt: 0 };
const kColors = ["#2e7d4f", "#8a6d1f", "#b3261e", "#2456a6"];

/** Every minute of the last hour at least, from the first kept (at most a day ago) to now, in
 * seconds, for the x axis. */
function minuteGrid(minutes) {
  const now = Math.floor(Date.now() / 60000) * 60;
  const first = minutes.length ? Date.parse(minutes[0].at) / 1000 : now;
  const xs = [];
  for (let t = Math.max(Math.min(first, now - 3600), now - 86400); t <= now; t += 60) xs.push(t);
  return xs;
}

/** One series per field: the value of each minute of the grid; a minute with nothing counted is
 * `missing` (0 for counts; no point for a latency or a lag nobody measured). */
function columns(minutes, xs, pick, fields, missing = 0) {
  const byAt = new Map(minutes.map((m) => [Date.parse(m.at) / 1000, m]));
  return fields.map((f) => xs.map((x) => {
    const m = byAt.get(x);
    const v = m ? pick(m) : null;
    return v && v[f] !== undefined ? v[f] : missing;
  }));
}

function drawChart(key, title, unit, labels, data) {
  const existing = charts.plots.get(key);
  if (existing && existing.root.isConnected) { existing.setData(data); return; }
  const box = el("div", null, "chart-box");
  box.dataset.chart = key;
  box.appendChild(el("h3", title));
  $("charts-body").appendChild(box);
  const plot = new uPlot({
    width: 560, height: 170,
    series: [{ label: "minute" }, ...labels.map((label, i) => ({
      label, stroke: kColors[i % kColors.length], width: 1.5, spanGaps: true,
      points: { size: 4 },
      value: (u, v) => (v === null || v === undefined ? "—" : `${+v.toFixed(2)} ${unit}`),
    }))],
    axes: [{}, { label: unit, size: 64 }],
    scales: { x: { time: true } },
  }, data, box);
  charts.plots.set(key, plot);
}

async function refreshCharts() {
  // The history moves a minute at a time: every 30 s is often enough.
  if (Date.now() - charts.loadedAt < 30000 && charts.plots.size) return;
  const history = await api("/admin/history?since=24h");
  charts.loadedAt = Date.now();
  const minutes = history.minutes;
  const xs = minuteGrid(minutes);
  const names = (part) => [...new Set(minutes.flatMap((m) => Object.keys(m[part])))].sort();
  for (const source of names("sources"))
    drawChart(`source:${source}`, `${source}: requests per minute`, "req/min",
      ["accepted", "duplicates", "refused"],
      [xs, ...columns(minutes, xs, (m) => m.sources[source], ["accepted", "duplicates", "refused"])]);
  for (const sink of names("sinks"))
    drawChart(`sink:${sink}`, `${sink}: deliveries per minute, and lag`, "events",
      ["delivered", "failed", "lag"],
      [xs, ...columns(minutes, xs, (m) => m.sinks[sink], ["delivered", "failed"]),
        ...columns(minutes, xs, (m) => m.sinks[sink], ["lag"], null)]);
  drawChart("latency", "Ingest latency (request to answer)", "ms", ["p50", "p99"],
    [xs, ...columns(minutes, xs, (m) => (m.latency.requests ? m.latency : null),
      ["p50Ms", "p99Ms"], null)]);
  $("charts-empty").hidden = minutes.length > 0;
}
