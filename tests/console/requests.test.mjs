// The console's Requests view in Debian's headless Chromium: a Twilio request refused for a
// wrong auth token is found by its source and outcome, shows its body and what the signature
// check looked at; after the token is fixed (callgate restarted on the same store), Replay
// accepts it as a new request; the playground tries a payload without storing anything. Needs
// CALLGATE_BINARY; SCREENSHOT_DIR, if set, gets a screenshot.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { binary, startCallgate, launch, watchedPage, signIn, token, postSignedTwilio }
  from "./harness.mjs";

const publicUrl = "https://gw.example.com/webhooks/twilio";

function config(dir, authToken) {
  return `listen: 127.0.0.1:0
store: {type: sqlite, path: ${dir}/callgate.db}
sources:
  twilio: {provider: twilio, auth_token: ${authToken}, public_url: "${publicUrl}"}
admin: {listen: 127.0.0.1:0, token: ${token}}
`;
}

function postTwilio(port, authToken, params) {
  return postSignedTwilio(port, publicUrl, authToken, params);
}

test("a refused Twilio request is found, explained and replayed once its token is fixed",
  { timeout: 120000 }, async () => {
    assert.ok(binary, "CALLGATE_BINARY must name the callgate binary");
    const dir = mkdtempSync(join(tmpdir(), "callgate-requests-"));
    let cg = await startCallgate(dir, config(dir, "a-wrong-token"));
    const browser = await launch();
    try {
      const params = { CallSid: "CA77", CallStatus: "ringing", From: "+14155550100",
        To: "+14155550199", Direction: "inbound", Timestamp: "Sun, 06 Dec 2026 10:00:00 +0000" };
      const sent = await postTwilio(cg.webhook, "the-right-token", params);
      assert.equal(sent.status, 401);

      let { page, errors, hosts } = await watchedPage(browser);
      let origin = `http://127.0.0.1:${cg.admin}`;
      await signIn(page, origin);
      await page.fill("#rq-source", "twilio");
      await page.selectOption("#rq-verdict", "refused");
      await page.click("#rq-apply");
      // The table is drawn again every few seconds: rows are found (and clicked) by selector.
      const first = "#requests-table tbody tr[data-request]";
      await page.waitForSelector(first);
      assert.match(await page.textContent(first), /401.*refused.*signature does not match/);
      const id = await page.getAttribute(first, "data-request");
      await page.click(first);
      await page.waitForSelector("#request:not([hidden])");
      assert.match(await page.textContent("#request-body"), /CallSid=CA77/);
      const diagnosis = await page.textContent("#request-diagnosis-list");
      assert.match(diagnosis, /hmac-sha1/);
      assert.match(diagnosis, /X-Twilio-Signature.*present/);
      assert.ok(diagnosis.includes(publicUrl), diagnosis);
      const headers = await page.textContent("#request-headers");
      assert.ok(!headers.includes(sent.signature), "the signature is never shown");
      assert.match(headers, new RegExp(`${sent.signature.slice(0, 4).replace(/[+/]/g, "\\$&")}… \\(${sent.signature.length} chars\\)`));
      if (process.env.SCREENSHOT_DIR) {
        await page.setViewportSize({ width: 1280, height: 1400 });
        await page.screenshot({ path: join(process.env.SCREENSHOT_DIR, "console-requests.png"), fullPage: true });
      }
      assert.deepEqual(errors, []);
      assert.deepEqual([...hosts], [`127.0.0.1:${cg.admin}`]);

      // The operator fixes the token and restarts callgate on the same store.
      await cg.stop();
      cg = await startCallgate(dir, config(dir, "the-right-token"));
      origin = `http://127.0.0.1:${cg.admin}`;
      ({ page, errors, hosts } = await watchedPage(browser));
      await signIn(page, origin);
      await page.fill("#rq-text", "CA77");
      await page.click("#rq-apply");
      await page.click(`#requests-table tr[data-request='${id}']`);
      await page.click("#request-replay");
      await page.waitForSelector("#request-replay-result:has-text('200 accepted')");
      const replayed = `#requests-table tr:has-text('replay of #${id}')`;
      assert.match(await page.textContent(replayed), /200.*accepted/);
      await page.click(replayed);
      await page.waitForSelector("#request-events li:has-text('telephonyCall::created')");

      // The playground tries a payload on the source without storing it: signed, it is accepted
      // and shows the event it would give; with a signature from another token, it is refused.
      const other = { ...params, CallSid: "CA78", CallStatus: "completed" };
      const body = new URLSearchParams(other).toString();
      const sign = (t) => createHmac("sha1", t).update(publicUrl + Object.keys(other).sort()
        .map((k) => k + other[k]).join("")).digest("base64");
      await page.fill("#pg-source", "twilio");
      await page.fill("#pg-headers", `X-Twilio-Signature: ${sign("the-right-token")}`);
      await page.fill("#pg-body", body);
      await page.click("#pg-try");
      await page.waitForSelector("#pg-result .verdict.accepted");
      const result = await page.textContent("#pg-result");
      assert.match(result, /telephonyCall::created/);
      assert.match(result, /external \+14155550100/);
      await page.fill("#pg-headers", `X-Twilio-Signature: ${sign("a-wrong-token")}`);
      await page.click("#pg-try");
      await page.waitForSelector("#pg-result .verdict.refused:has-text('signature does not match')");
      await page.uncheck("#pg-verify");  // the mapping alone, as with no secret at hand
      await page.click("#pg-try");
      await page.waitForSelector("#pg-result .verdict.accepted");
      const stored = await (await fetch(`http://127.0.0.1:${cg.admin}/admin/requests?q=CA78`,
        { headers: { Authorization: `Bearer ${token}` } })).json();
      assert.equal(stored.requests.length, 0, "the playground records nothing");
      assert.deepEqual(errors, []);
      assert.deepEqual([...hosts], [`127.0.0.1:${cg.admin}`]);
    } finally {
      await browser.close();
      await cg.stop();
    }
  });
