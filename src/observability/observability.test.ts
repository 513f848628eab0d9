import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { test } from "node:test";
import { Counter } from "prom-client";
import { createLogging } from "./logger.ts";
import { createRegistry, parseHostPort, serveMetrics } from "./metrics.ts";

function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join("")
        .trim()
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
  };
}

test("component loggers write JSON with their component and configured level", () => {
  const out = capture();
  const logging = createLogging({ level: "info", components: { dtls: "debug" } }, out.stream);
  logging.child("dtls").debug({ session: 1 }, "handshake");
  logging.child("agent").debug("hidden");
  logging.child("agent").info("visible");
  const lines = out.lines();
  assert.deepEqual(
    lines.map((l) => [l.component, l.level, l.msg]),
    [
      ["dtls", "debug", "handshake"],
      ["agent", "info", "visible"],
    ],
  );
  assert.equal(typeof lines[0]?.time, "string");
});

test("secrets are redacted from log objects", () => {
  const out = capture();
  const logging = createLogging({ level: "info", components: {} }, out.stream);
  logging.child("keys").info({ psk: "00112233", identity: "rov1", peer: { password: "hunter2" } }, "loaded");
  const line = out.lines()[0] ?? {};
  assert.equal(line.psk, "[redacted]");
  assert.deepEqual(line.peer, { password: "[redacted]" });
  assert.equal(line.identity, "rov1");
});

test("the metrics endpoint serves registry counters and health", async () => {
  const registry = createRegistry({ role: "test" });
  const c = new Counter({ name: "tethys_test_events_total", help: "test", registers: [registry] });
  c.inc(3);
  let healthy = true;
  const server = await serveMetrics(registry, { host: "127.0.0.1", port: 0 }, () => ({ ok: healthy }));
  try {
    const base = `http://127.0.0.1:${server.address.port}`;
    const text = await (await fetch(`${base}/metrics`)).text();
    assert.match(text, /tethys_test_events_total\{role="test"\} 3/);
    assert.match(text, /tethys_process_cpu_user_seconds_total/);
    assert.equal((await fetch(`${base}/health`)).status, 200);
    healthy = false;
    const h = await fetch(`${base}/health`);
    assert.equal(h.status, 503);
    assert.deepEqual(await h.json(), { ok: false });
    assert.equal((await fetch(`${base}/nope`)).status, 404);
    assert.equal((await fetch(`${base}/metrics`, { method: "POST" })).status, 405);
  } finally {
    await server.close();
  }
});

test("host:port parsing handles IPv6 brackets", () => {
  assert.deepEqual(parseHostPort("127.0.0.1:9101"), { host: "127.0.0.1", port: 9101 });
  assert.deepEqual(parseHostPort("[::1]:0"), { host: "::1", port: 0 });
});

test("the process start time is this process's (not when a startup snapshot evaluated prom-client)", async () => {
  const registry = createRegistry();
  const text = await registry.getSingleMetricAsString("tethys_process_start_time_seconds");
  const value = Number(/^tethys_process_start_time_seconds (\d+)$/m.exec(text)?.[1]);
  const expected = Date.now() / 1000 - process.uptime();
  assert.ok(Math.abs(value - expected) <= 2, `${value} vs ${expected}`);
});
