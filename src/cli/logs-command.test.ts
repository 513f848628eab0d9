import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { LogStream } from "../observability/log-stream.ts";
import { createLogging } from "../observability/logger.ts";
import { runMain } from "./testing/run-main.ts";

const TOKEN = "a-stream-token-of-some-length";
const dir = mkdtempSync(join(tmpdir(), "tethys-logs-cli-"));
const tokenFile = join(dir, "token");
const stream = new LogStream({ write: () => {} });
const log = createLogging({ level: "info", components: {} }, stream).child("hub");
let server: Server;
let url = "";

before(async () => {
  writeFileSync(tokenFile, `${TOKEN}\n`);
  const handle = stream.handler(TOKEN);
  server = createServer((req, res) => {
    if (!handle(req, res)) res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  log.info({ vehicle: "rov1" }, "vehicle connected");
  log.warn({ vehicle: "rov2", code: "HUB_VEHICLE_OFFLINE" }, "command refused");
});
after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

test("tethys logs prints the matching lines as NDJSON", async () => {
  const r = await runMain(["logs", url, "--token-file", tokenFile, "--vehicle", "rov2"]);
  assert.equal(r.code, 0, r.err);
  const got = r.out
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { msg: string; code: string });
  assert.deepEqual(
    got.map((l) => [l.msg, l.code]),
    [["command refused", "HUB_VEHICLE_OFFLINE"]],
  );
});

test("tethys logs: a wrong token or a bad filter is reported with the server's code", async () => {
  writeFileSync(join(dir, "wrong"), "not-the-right-token-at-all\n");
  const wrong = await runMain(["logs", url, "--token-file", join(dir, "wrong")]);
  assert.equal(wrong.code, 1);
  assert.match(wrong.err, /LOGS_FORBIDDEN/);
  const bad = await runMain(["logs", url, "--token-file", tokenFile, "--level", "loud"]);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /LOGS_BAD_FILTER/);
});
