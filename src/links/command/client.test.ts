import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { test } from "node:test";
import type { ConnectionOptions, TLSSocket } from "node:tls";
import { isTethysError } from "../../kernel/errors.ts";
import { VirtualClock } from "../../kernel/virtual-clock.ts";
import { CommandLinkClient } from "./client.ts";
import { makeTestPki } from "./testing/pki.ts";

const FP = "00".repeat(32);
const creds = { ca: "", cert: "", key: "" };

/** A dialer whose sockets fail (ECONNREFUSED) or hang, recording the virtual time of each dial. */
function fakeDialer(clock: VirtualClock, behaviour: "refuse" | "hang") {
  const dials: number[] = [];
  const dial = (): TLSSocket => {
    dials.push(clock.now());
    const s = new PassThrough();
    if (behaviour === "refuse") {
      queueMicrotask(() => s.emit("error", Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" })));
    }
    return s as unknown as TLSSocket;
  };
  return { dials, dial };
}

test("reconnect schedule: exponential backoff on the Clock, capped; down once, attempt every time", async () => {
  const clock = new VirtualClock();
  const { dials, dial } = fakeDialer(clock, "refuse");
  const client = new CommandLinkClient({
    host: "127.0.0.1",
    port: 1,
    credentials: creds,
    hubFingerprint: FP,
    clock,
    dial,
    random: () => 0,
    backoff: { initialMs: 100, maxMs: 1000, jitter: 0.5 },
  });
  const attempts: [string, number][] = [];
  let downs = 0;
  client.on("attempt", (e, ms) => attempts.push([e.code, ms]));
  client.on("down", () => downs++);
  client.start();
  await clock.advanceAsync(5000);
  assert.deepEqual(dials.slice(0, 7), [0, 100, 300, 700, 1500, 2500, 3500]);
  assert.deepEqual(
    attempts.slice(0, 6).map(([, ms]) => ms),
    [100, 200, 400, 800, 1000, 1000],
  );
  assert.ok(attempts.every(([code]) => code === "CMD_CONNECT_FAILED"));
  assert.equal(downs, 1);
  assert.equal(client.state, "waiting");
  assert.equal(client.stats.closes.CMD_CONNECT_FAILED, attempts.length);
  client.stop();
  const n = dials.length;
  await clock.advanceAsync(10_000);
  assert.equal(dials.length, n, "no dial after stop()");
  assert.equal(clock.pending, 0, "stop() leaves no timer behind");
});

test("jitter spreads the delays below the exponential base", async () => {
  const clock = new VirtualClock();
  const { dials, dial } = fakeDialer(clock, "refuse");
  const client = new CommandLinkClient({
    host: "h",
    port: 1,
    credentials: creds,
    hubFingerprint: FP,
    clock,
    dial,
    random: () => 1,
    backoff: { initialMs: 100, maxMs: 1000, jitter: 0.5 },
  });
  client.start();
  await clock.advanceAsync(400);
  assert.deepEqual(dials.slice(0, 4), [0, 50, 150, 350]);
  client.stop();
});

test("a connect that hangs fails with CMD_CONNECT_FAILED after the connect timeout", async () => {
  const clock = new VirtualClock();
  const { dial } = fakeDialer(clock, "hang");
  const client = new CommandLinkClient({
    host: "h",
    port: 1,
    credentials: creds,
    hubFingerprint: FP,
    clock,
    dial,
    connectTimeoutMs: 300,
  });
  const errors: string[] = [];
  client.on("attempt", (e) => errors.push(e.code));
  client.start();
  await clock.advanceAsync(299);
  assert.deepEqual(errors, []);
  await clock.advanceAsync(1);
  assert.deepEqual(errors, ["CMD_CONNECT_FAILED"]);
  client.stop();
});

test("send while not up and malformed pins are refused with codes", () => {
  const clock = new VirtualClock();
  const client = new CommandLinkClient({ host: "h", port: 1, credentials: creds, hubFingerprint: FP, clock });
  assert.throws(
    () => client.send({ type: "heartbeat" }),
    (e) => isTethysError(e, "CMD_NOT_CONNECTED"),
  );
  assert.throws(
    () => new CommandLinkClient({ host: "h", port: 1, credentials: creds, hubFingerprint: "abc", clock }),
    (e) => isTethysError(e, "CMD_BAD_OPTION"),
  );
  assert.throws(
    () =>
      new CommandLinkClient({
        host: "h",
        port: 1,
        credentials: creds,
        hubFingerprint: FP,
        clock,
        tuning: { heartbeatMs: 100, timeoutMs: 50 },
      }),
    (e) => isTethysError(e, "CMD_BAD_OPTION"),
  );
});

test("every reconnection attempt reuses one TLS context (no OpenSSL context made per attempt)", async () => {
  const clock = new VirtualClock();
  const contexts: unknown[] = [];
  const dial = (options: ConnectionOptions): TLSSocket => {
    contexts.push(options.secureContext);
    const s = new PassThrough();
    queueMicrotask(() => s.emit("error", Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" })));
    return s as unknown as TLSSocket;
  };
  const pki = await makeTestPki();
  const client = new CommandLinkClient({
    host: "127.0.0.1",
    port: 1,
    credentials: { ca: pki.ca.certPem, cert: pki.vehicle.certPem, key: pki.vehicle.keyPem },
    hubFingerprint: FP,
    clock,
    dial,
    random: () => 0,
    backoff: { initialMs: 100, maxMs: 200, jitter: 0 },
  });
  client.start();
  await clock.advanceAsync(5000);
  client.stop();
  assert.ok(contexts.length >= 20, `${contexts.length} attempts`);
  assert.ok(contexts[0] !== undefined, "a prepared context is given to the dialer");
  assert.equal(new Set(contexts).size, 1, "the same context for every attempt");
});
