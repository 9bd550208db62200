// The console's delivery detail in Debian's headless Chromium: a receiver that answers 500 shows
// as a failing sink with each attempt's status, answer and latency and the next attempt's time;
// once the receiver is fixed, "Retry now" delivers without waiting out a ten-minute backoff; and
// "Send again" sends any event to one sink with its idempotency key. The per-minute charts show
// the traffic with axes, units and the values under the cursor. Needs CALLGATE_BINARY;
// SCREENSHOT_DIR, if set, gets a screenshot.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { binary, token, eventually, startCallgate, launch, watchedPage, signIn, startReceiver }
  from "./harness.mjs";

const pbxToken = "deliveries-test-pbx-token";

test("a failing sink shows why and when it tries next; Retry now and Send again work",
  { timeout: 120000 }, async () => {
    assert.ok(binary, "CALLGATE_BINARY must name the callgate binary");
    const receiver = await startReceiver(500, JSON.stringify({ error: "crm is down for maintenance" }));
    const dir = mkdtempSync(join(tmpdir(), "callgate-deliveries-"));
    const cg = await startCallgate(dir, `listen: 127.0.0.1:0
store: {type: sqlite, path: ${dir}/callgate.db}
sources:
  pbx: {provider: voip, auth: {bearer: ${pbxToken}}}
sinks:
  - {type: http, name: crm, url: "${receiver.url}", retry_base_ms: 600000, retry_max_ms: 600000}
admin: {listen: 127.0.0.1:0, token: ${token}}
`);
    const browser = await launch();
    try {
      const res = await fetch(`http://127.0.0.1:${cg.webhook}/webhooks/pbx`, {
        method: "POST",
        headers: { Authorization: `Bearer ${pbxToken}`, "Content-Type": "application/json" },
        body: JSON.stringify({ event: "NotifyStart", callId: "c-9", direction: "In",
          srcPhone: "+14155550100", dstPhone: "100" }),
      });
      assert.equal(res.status, 200);
      await eventually(() => receiver.got.length === 1);

      const { page, errors, hosts } = await watchedPage(browser);
      await signIn(page, `http://127.0.0.1:${cg.admin}`);
      const sink = ".sink[data-sink='crm']";
      await page.waitForSelector(`${sink}.failing .lag:has-text('failing since')`);
      assert.match(await page.textContent(`${sink} .lag`), /next attempt \d{4}-/);
      assert.match(await page.textContent(sink), /Waiting for a retry[\s\S]*receiver answered 500/);
      await page.click(`${sink} button:has-text('Attempts')`);
      await page.waitForSelector(`${sink} h3:has-text('Recent attempts')`);
      const attempts = await page.textContent(sink);
      assert.match(attempts, /telephonyCall::created#1retry500 \{"error":"crm is down for maintenance"\}\d+ ms/);
      if (process.env.SCREENSHOT_DIR) {
        await page.setViewportSize({ width: 1280, height: 900 });
        await page.locator("#sinks").screenshot({ path: join(process.env.SCREENSHOT_DIR, "console-deliveries.png") });
      }

      // Fixed; the backoff would wait up to ten minutes: Retry now does not.
      receiver.accept();
      await page.click(`${sink} button:has-text('Retry now')`);
      await page.waitForSelector("#redeliver-result:has-text('crm retries now.')");
      await eventually(() => receiver.got.length === 2);
      assert.equal(receiver.got[1].key, receiver.got[0].key);
      await page.waitForSelector(`${sink}:not(.failing) .lag:has-text('delivering')`);

      // Send again: any event, to one sink, with its own key.
      const seq = await page.getAttribute("#events-table tbody tr[data-seq]", "data-seq");
      await page.click("#events-table tbody tr[data-seq]");
      assert.equal(await page.inputValue("#resend-seq"), seq);
      await page.selectOption("#resend-sink", "crm");
      await page.click("#resend");
      await page.waitForSelector(`#redeliver-result:has-text('Event ${seq} queued for crm again.')`);
      await eventually(() => receiver.got.length === 3);
      assert.equal(receiver.got[2].key, receiver.got[0].key);
      // The charts: uPlot, from the binary, with axes and units; the cursor shows the minute's
      // values in the legend.
      const chart = ".chart-box[data-chart='source:pbx']";
      await page.waitForSelector(`${chart} .uplot canvas`);
      assert.match(await page.textContent(`${chart} h3`), /pbx: requests per minute/);
      assert.match(await page.textContent(`${chart} .u-legend`), /accepted.*duplicates.*refused/);
      assert.equal(await page.$$eval(`${chart} .u-axis`, (a) => a.length), 2, "a time axis and one of req/min");
      await page.waitForSelector(".chart-box[data-chart='sink:crm'] .uplot");
      await page.waitForSelector(".chart-box[data-chart='latency'] .uplot");
      const over = page.locator(`${chart} .u-over`);
      const box = await over.boundingBox();
      // The request's minute is the chart's last (the grid is the last hour, a point a minute),
      // or the one before it when the minute has turned since: the last first, then that one.
      const counted = (sel) => [...document.querySelectorAll(`${sel} .u-legend .u-value`)]
        .some((v) => /^[1-9]\d* req\/min$/.test(v.textContent));
      let found = false;
      for (const back of [0, 1]) {
        await over.hover({ position: { x: box.width - 2 - (back * box.width) / 60, y: box.height / 2 } });
        found = await page.waitForFunction(counted, chart, { timeout: 5000 }).then(() => true, () => false);
        if (found) break;
      }
      assert.ok(found, "the minute of the accepted request shows on the chart");
      const accepted = await page.textContent(`${chart} .u-legend tr:nth-child(2) .u-value`);
      assert.equal(accepted, "1 req/min", "the one accepted request of this minute");
      if (process.env.SCREENSHOT_DIR)
        await page.locator("#charts").screenshot({ path: join(process.env.SCREENSHOT_DIR, "console-charts.png") });
      assert.deepEqual(errors, []);
      assert.deepEqual([...hosts], [`127.0.0.1:${cg.admin}`]);
    } finally {
      await browser.close();
      await cg.stop();
      receiver.server.close();
    }
  });
