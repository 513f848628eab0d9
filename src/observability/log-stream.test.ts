import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import { after, before, test } from "node:test";
import { setImmediate as turn } from "node:timers/promises";
import { LogStream, matches, parseLogFilter } from "./log-stream.ts";
import { createLogging } from "./logger.ts";

const TOKEN = "a-stream-token-of-some-length";
const written: string[] = [];
const stream = new LogStream({ write: (l: string) => written.push(l) }, { recent: 50, maxClientBuffer: 64 * 1024 });
const logging = createLogging({ level: "debug", components: {} }, stream);
const hub = logging.child("hub");
const dive = logging.child("dive-log");
let server: Server;
let base = "";

before(async () => {
  const handle = stream.handler(TOKEN);
  server = createServer((req, res) => {
    if (!handle(req, res)) res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  stream.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const get = (query: string, token = TOKEN) =>
  fetch(`${base}/logs${query}`, { headers: { authorization: `Bearer ${token}` } });
const lines = (text: string) =>
  text
    .trim()
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);

test("filters: level, component, vehicle, code, text; bad parameters are refused with the parameter named", () => {
  const f = parseLogFilter(new URLSearchParams("level=warn&component=hub&vehicle=rov1&code=X&text=Lost"));
  const line = { level: "error", component: "hub", vehicle: "rov1", code: "X", msg: "link LOST" };
  assert.ok(matches(f, line));
  const changes: [string, string][] = [
    ["level", "info"],
    ["component", "dive-log"],
    ["vehicle", "rov2"],
    ["code", "Y"],
    ["msg", "ok"],
  ];
  for (const [k, v] of changes) assert.ok(!matches(f, { ...line, [k]: v }), k);
  assert.ok(matches({ code: "CMD_X" }, { err: { code: "CMD_X" } }), "an error's code counts");
  assert.throws(() => parseLogFilter(new URLSearchParams("level=loud")), /level/);
  assert.throws(() => parseLogFilter(new URLSearchParams("colour=red")), /colour/);
});

test("every line still reaches the process's own output", () => {
  const before = written.length;
  hub.info("to stdout too");
  assert.equal(written.length, before + 1);
  assert.match(written.at(-1) as string, /to stdout too/);
});

test("without follow: the recent lines that match, filtered on the server; the token is required", async () => {
  hub.info({ vehicle: "rov1" }, "vehicle connected");
  dive.warn({ vehicle: "rov1", code: "DIVELOG_BEHIND" }, "disk too slow");
  hub.debug("noise");
  const got = lines(await (await get("?level=warn")).text());
  assert.deepEqual(
    got.map((l) => l.msg),
    ["disk too slow"],
  );
  assert.deepEqual(
    lines(await (await get("?component=hub&vehicle=rov1")).text()).map((l) => l.msg),
    ["vehicle connected"],
  );
  const wrong = await get("", "not-the-token-at-all");
  assert.equal(wrong.status, 403);
  assert.equal(((await wrong.json()) as { code: string }).code, "LOGS_FORBIDDEN");
  const none = await fetch(`${base}/logs`);
  assert.equal(none.status, 403);
  const bad = await get("?level=loud");
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as { code: string }).code, "LOGS_BAD_FILTER");
});

test("follow: new lines that match arrive as they are logged", async () => {
  const res = await get("?follow=1&code=FS_LEAK");
  assert.equal(res.status, 200);
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  hub.info("unrelated");
  hub.error({ code: "FS_LEAK", vehicle: "rov1" }, "leak");
  const { value } = await reader.read();
  const got = lines(new TextDecoder().decode(value));
  assert.deepEqual(
    got.map((l) => [l.msg, l.code]),
    [["leak", "FS_LEAK"]],
  );
  await reader.cancel();
});

test("a client that does not read is cut and counted; logging goes on", async () => {
  const socket = connect((server.address() as AddressInfo).port, "127.0.0.1");
  await new Promise((r) => socket.once("connect", r));
  socket.write(`GET /logs?follow=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`);
  socket.pause(); // never reads
  while (stream.clientCount === 0) await turn();
  const cutBefore = stream.cut;
  const text = "x".repeat(400);
  for (let i = 0; i < 200_000 && stream.cut === cutBefore; i++) {
    hub.info({ i }, text);
    if (i % 500 === 499) await turn();
  }
  assert.equal(stream.cut, cutBefore + 1);
  assert.equal(stream.clientCount, 0);
  socket.destroy();
  hub.info("still logging");
  assert.match(written.at(-1) as string, /still logging/);
});
