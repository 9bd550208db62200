// The Node.js peer for bench/run.sh: verify a Standard Webhooks signature, parse the JSON,
// append it to a file, answer 200. PORT, WHSEC and OUT come from the environment.
const express = require("express");
const fs = require("fs");
const { Webhook } = require("standardwebhooks");

const port = Number(process.env.PORT);
const webhook = new Webhook(process.env.WHSEC);
const out = fs.openSync(process.env.OUT, "a");
const app = express();

app.post("/webhooks/pbx", express.raw({ type: "*/*", limit: "1mb" }), (req, res) => {
  const body = req.body.toString("utf8");
  try {
    webhook.verify(body, req.headers);
  } catch (e) {
    return res.status(401).send("bad signature\n");
  }
  let event;
  try {
    event = JSON.parse(body);
  } catch (e) {
    return res.status(400).send("bad json\n");
  }
  fs.appendFileSync(out, JSON.stringify(event) + "\n");
  res.status(200).send("ok\n");
});

app.listen(port, "127.0.0.1", () => console.log(`node peer on ${port}`));
