// The operator console in Debian's headless Chromium (playwright-core, executablePath
// /usr/bin/chromium), against the real callgate binary, with signed webhooks posted while the
// page is open. Needs CALLGATE_BINARY; SCREENSHOT_DIR, if set, receives the docs' screenshots.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { binary, token, eventually, startCallgate as start, launch, watchedPage, startReceiver }
  from "./harness.mjs";

const pbxToken = "console-test-pbx-token";

async function startCallgate(receiverUrl) {
  const dir = mkdtempSync(join(tmpdir(), "callgate-console-"));
  return start(dir, `listen: 127.0.0.1:0
store: {type: sqlite, path: ${dir}/callgate.db}
sources:
  pbx: {provider: voip, default_region: DE, auth: {bearer: ${pbxToken}}}
sinks:
  - {type: file, path: ${dir}/events.jsonl}
  - {type: http, url: "${receiverUrl}", max_attempts: 1, timeout_ms: 2000}
admin: {listen: 127.0.0.1:0, token: ${token}}
`);
}

async function postCall(port, callId, event, number) {
  const res = await fetch(`http://127.0.0.1:${port}/webhooks/pbx`, {
    method: "POST",
    headers: { Authorization: `Bearer ${pbxToken}`, "Content-Type": "application/json" },
    body: JSON.stringify({ event, callId, direction: "In", disposition: "Unknown",
      srcPhone: number, dstPhone: "+4930555000" }),
  });
  assert.equal(res.status, 200, await res.text());
}

test("an operator signs in, finds a call by its number, reads its timeline and redelivers",
  { timeout: 120000 }, async () => {
    assert.ok(binary, "CALLGATE_BINARY must name the callgate binary");
    const receiver = await startReceiver(410);  // its first event becomes a dead letter
    const cg = await startCallgate(receiver.url);
    const origin = `http://127.0.0.1:${cg.admin}`;
    const browser = await launch();
    try {
      await postCall(cg.webhook, "first", "NotifyStart", "+1 (555) 010-2000");

      // No data without a session: the console's API answers 401.
      assert.equal((await fetch(`${origin}/admin/calls`)).status, 401);
      assert.equal((await fetch(`${origin}/admin/overview`)).status, 401);

      const { page, errors, hosts } = await watchedPage(browser);

      const home = await page.goto(origin + "/");
      assert.match(home.headers()["content-security-policy"], /default-src 'self'/);
      await page.waitForSelector("#signin:not([hidden])");
      assert.equal(await page.isVisible("#calls-table"), false);

      // A wrong token shows an error and no data.
      await page.fill("#token", "not-the-token");
      await page.press("#token", "Enter");
      await page.waitForSelector("#signin-error:has-text('wrong admin token')");
      assert.equal(await page.isVisible("#console"), false);
      assert.equal((await page.content()).includes("5550102000"), false);

      // The page says where the token lives, and has a button for it.
      assert.match(await page.textContent("#signin-hint"), /admin\.token.*CALLGATE_ADMIN_TOKEN/s);
      // The right one signs in: an HttpOnly, SameSite=Strict cookie, and the live calls.
      await page.fill("#token", token);
      await page.click("#signin-button");
      // Numbers are shown as they go out: "+1 (555) 010-2000" was sent, E.164 is kept.
      await page.waitForSelector("#calls-table td:has-text('+15550102000')");
      const cookie = (await page.context().cookies()).find((c) => c.name === "cg_console");
      assert.ok(cookie && cookie.httpOnly && cookie.sameSite === "Strict");
      assert.equal(await page.textContent("#calls-table tbody tr td:nth-child(2)"), "inbound");
      await page.waitForSelector(".source[data-source='pbx'] .numbers:has-text('accepted 1')");

      // A new call appears without a reload.
      await postCall(cg.webhook, "second", "NotifyStart", "+49 30 1234567");
      await page.waitForSelector("#calls-table td:has-text('+49301234567')");

      // Found by its number, typed any way.
      await page.fill("#search", "+49 30 123-4567");
      await page.waitForFunction(() => document.querySelectorAll("#calls-table tbody tr[data-call]").length === 1);
      assert.match(await page.textContent("#calls-table tbody"), /\+49301234567/);

      // The recent events name the source each came from.
      await page.waitForSelector("#events-table tbody td:nth-child(4):has-text('pbx')");

      // Its timeline: provider events, unified events with their keys, deliveries per sink.
      await postCall(cg.webhook, "second", "NotifyAnswer", "+49 30 1234567");
      await page.click("#calls-table tbody tr[data-call]");
      await page.waitForSelector("#timeline-list li.emitted:has-text('telephonyCall::updated')");
      const timeline = await page.textContent("#timeline-list");
      assert.match(timeline, /NotifyStart/);
      assert.match(timeline, /NotifyAnswer/);
      assert.match(timeline, /telephonyCall::created · call_[0-9a-f]+:1/);
      assert.match(timeline, /file:.*delivered/);
      // Every attempt, with its outcome and error: the receiver refused this one.
      await page.waitForSelector("#timeline-list li.attempt.failed:has-text('receiver answered 410')");
      if (process.env.SCREENSHOT_DIR) {
        await page.setViewportSize({ width: 1280, height: 1100 });
        await page.screenshot({ path: join(process.env.SCREENSHOT_DIR, "console-timeline.png"), fullPage: true });
      }

      // The first call's created event was refused by the receiver: a dead letter. Redeliver it.
      await page.fill("#search", "");
      await page.click("#close-timeline");
      const deadRow = await page.waitForSelector(".sink tr[data-seq]");
      assert.match(await deadRow.textContent(), /receiver answered 410/);
      if (process.env.SCREENSHOT_DIR)
        await page.screenshot({ path: join(process.env.SCREENSHOT_DIR, "console.png"), fullPage: true });
      const seq = await deadRow.getAttribute("data-seq");
      const key = (await deadRow.textContent()).match(/call_[0-9a-f]+:\d+/)[0];
      receiver.accept();
      await deadRow.$eval("button", (b) => b.click());
      await page.waitForSelector("#redeliver-result:has-text('Redelivered 1 event(s)')");
      // The receiver now has it, under the same idempotency key, and its row is gone.
      await eventually(() => receiver.got.some((r) => r.key === key && r !== receiver.got[0]));
      await page.waitForSelector(`.sink tr[data-seq='${seq}']`, { state: "detached" });

      // An ended call is history: gone from the live calls, found with "ended calls too" by its
      // number in national form (the source reads numbers in DE).
      await postCall(cg.webhook, "second", "NotifyEnd", "+49 30 1234567");
      await page.fill("#search", "030 1234567");
      await page.waitForSelector("#calls-table td:has-text('No call matches.')");
      await page.check("#calls-ended");
      await page.waitForSelector("#calls-table tr[data-call] td:has-text('+49301234567')");
      assert.equal(await page.$$eval("#calls-table tbody tr[data-call]", (rows) => rows.length), 1);
      assert.notEqual(await page.textContent("#calls-table tbody tr[data-call] td:nth-child(5)"), "live");
      await page.uncheck("#calls-ended");
      await page.fill("#search", "");

      // A change from another origin is refused, even with the session cookie.
      const forged = await fetch(`${origin}/admin/dead-letters/redeliver?sink=x&seq=1`, {
        method: "POST", headers: { Cookie: `cg_console=${cookie.value}`, Origin: "http://evil.example" },
      });
      assert.equal(forged.status, 403);

      // Signing out ends the session.
      await page.click("#signout");
      await page.waitForSelector("#signin:not([hidden])");
      const after = await fetch(`${origin}/admin/calls`, { headers: { Cookie: `cg_console=${cookie.value}` } });
      assert.equal(after.status, 401);

      // Guessing is slow: sign-in attempts are rate limited.
      const statuses = [];
      for (let i = 0; i < 6; i++) {
        const r = await fetch(`${origin}/console/session`, {
          method: "POST", headers: { Origin: origin, "Content-Type": "application/json" },
          body: JSON.stringify({ token: `guess-${i}` }),
        });
        statuses.push(r.status);
      }
      assert.ok(statuses.includes(429), `no 429 among ${statuses}`);
      assert.ok(statuses.every((s) => s === 401 || s === 429), String(statuses));

      assert.deepEqual(errors, []);
      assert.deepEqual([...hosts], [`127.0.0.1:${cg.admin}`]);
    } finally {
      await browser.close();
      cg.child.kill("SIGTERM");
      receiver.server.close();
    }
  });
