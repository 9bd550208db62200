// The console's call view shows the call's transcript: a Twilio call with real-time
// transcription, its text posted out of order while the page is open, read by speaker in the
// order it was said, then marked complete. Needs CALLGATE_BINARY.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { binary, startCallgate, launch, watchedPage, signIn, token, postSignedTwilio }
  from "./harness.mjs";

const publicUrl = "https://gw.example.com/webhooks/twilio";
const authToken = "console-twilio-token";

function said(i, text, track) {
  return {
    CallSid: "CA90", TranscriptionEvent: "transcription-content", TranscriptionSid: "GT90",
    Timestamp: `2026-03-02T10:00:0${i}.000000Z`, SequenceId: String(i), Track: track,
    TranscriptionData: JSON.stringify({ transcript: text, confidence: 0.9 }), Final: "true",
  };
}

test("the call view shows its transcript in the order it was said", { timeout: 60000 }, async () => {
  assert.ok(binary, "CALLGATE_BINARY must name the callgate binary");
  const dir = mkdtempSync(join(tmpdir(), "callgate-transcript-"));
  const cg = await startCallgate(dir, `listen: 127.0.0.1:0
store: {type: sqlite, path: ${dir}/callgate.db}
sources:
  twilio: {provider: twilio, auth_token: ${authToken}, public_url: "${publicUrl}"}
admin: {listen: 127.0.0.1:0, token: ${token}}
`);
  const browser = await launch();
  try {
    const post = async (params) =>
      assert.equal((await postSignedTwilio(cg.webhook, publicUrl, authToken, params)).status, 200);
    await post({ CallSid: "CA90", CallStatus: "in-progress", Direction: "inbound",
      From: "+14155550100", To: "+16505550101", Timestamp: "Mon, 02 Mar 2026 10:00:00 +0000" });
    const { page, errors } = await watchedPage(browser);
    const origin = `http://127.0.0.1:${cg.admin}`;
    await signIn(page, origin);
    await page.click("#calls-table tr[data-call]");
    await page.waitForSelector("#timeline:not([hidden])");
    assert.equal(await page.isVisible("#transcript"), false, "no text yet: no transcript");

    await post(said(4, "It is order 1234.", "inbound_track"));
    await post(said(2, "How can I help?", "outbound_track"));
    await post(said(3, "My order is late.", "inbound_track"));
    await page.waitForSelector("#transcript-list li:nth-child(3)");
    const lines = await page.$$eval("#transcript-list li", (li) => li.map((x) => x.textContent));
    assert.deepEqual(lines, ["2.0 s · outbound_trackHow can I help?",
      "3.0 s · inbound_trackMy order is late.", "4.0 s · inbound_trackIt is order 1234."]);
    assert.equal(await page.getAttribute("#transcript-list li:first-child", "class"), "internal");
    assert.equal(await page.textContent("#transcript-state"), "(so far)");

    await post({ CallSid: "CA90", TranscriptionEvent: "transcription-stopped",
      Timestamp: "2026-03-02T10:00:09.000000Z" });
    await page.waitForSelector("#transcript-state:has-text('(complete)')");
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await cg.stop();
  }
});
