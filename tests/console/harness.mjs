// What the console's browser tests share: the callgate binary started on a config, Debian's
// chromium launched by playwright-core, a page that records console errors and every host it
// asked, and signing in.
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { once } from "node:events";
import { chromium } from "playwright-core";
import { createHmac } from "node:crypto";
import http from "node:http";

export const binary = process.env.CALLGATE_BINARY;
export const token = "console-test-admin-token";

export function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }

export async function eventually(check, ms = 10000) {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error("timed out waiting");
    await sleep(50);
  }
}

/** callgate on `yaml` (written to dir/callgate.yaml): its webhook and admin ports. */
export async function startCallgate(dir, yaml) {
  writeFileSync(join(dir, "callgate.yaml"), yaml);
  const ready = join(dir, "ready");
  writeFileSync(ready, "");
  const child = spawn(binary, ["--config", join(dir, "callgate.yaml"), "--ready-file", ready],
    { stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr.on("data", (d) => (log += d));
  await eventually(() => readFileSync(ready, "utf8").split("\n").length >= 3);
  const [webhook, admin] = readFileSync(ready, "utf8").split("\n").map(Number);
  return {
    child, webhook, admin, log: () => log,
    async stop() { child.kill("SIGTERM"); if (child.exitCode === null) await once(child, "exit"); },
  };
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/** A page that keeps its console errors (but the 401s of signing in) and the hosts it asked. */
export async function watchedPage(browser) {
  const page = await browser.newPage();
  const errors = [];
  const hosts = new Set();
  page.on("console", (m) => {
    // A wrong-token attempt is answered 401 on purpose; Chromium logs that.
    if (m.type() === "error" && !m.location().url.endsWith("/console/session")) errors.push(`${m.text()} ${m.location().url}`);
  });
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("request", (r) => hosts.add(new URL(r.url()).host));
  return { page, errors, hosts };
}

export async function signIn(page, origin) {
  await page.goto(origin + "/");
  await page.waitForSelector("#signin:not([hidden])");
  await page.fill("#token", token);
  await page.click("#signin-button");
  await page.waitForSelector("#console:not([hidden])");
}

/** A form posted to callgate's twilio source as Twilio signs it: base64 HMAC-SHA1 of the public
 * URL and every parameter, sorted by name. Its status, and the signature sent. */
export async function postSignedTwilio(port, publicUrl, authToken, params) {
  const signed = publicUrl + Object.keys(params).sort().map((k) => k + params[k]).join("");
  const signature = createHmac("sha1", authToken).update(signed).digest("base64");
  const res = await fetch(`http://127.0.0.1:${port}/webhooks/twilio`, {
    method: "POST",
    headers: { "X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(params).toString(),
  });
  return { status: res.status, signature };
}

/** A receiver that answers `status` (with `body`, if any) until accept() makes it answer 200;
 * `got` holds each request's idempotency key, body and the status it was answered. */
export function startReceiver(status, body = "") {
  const got = [];
  const server = http.createServer((req, res) => {
    let text = "";
    req.on("data", (c) => (text += c));
    req.on("end", () => {
      got.push({ key: req.headers["x-idempotency-key"], body: text, status });
      res.writeHead(status, { "Content-Type": "application/json" }).end(status === 200 ? "" : body);
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({
    server, got, url: `http://127.0.0.1:${server.address().port}/crm`,
    accept() { status = 200; },
  })));
}
