import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { isTethysError, TethysError } from "../../kernel/errors.ts";
import { VirtualClock } from "../../kernel/virtual-clock.ts";
import { DtlsLink } from "./dtls-link.ts";
import { FakeSessions } from "./testing/fake-session.ts";
import type { DtlsLinkOptions, LinkSnapshot } from "./types.ts";

function setup(over: Partial<DtlsLinkOptions> = {}) {
  const clock = new VirtualClock();
  const fakes = new FakeSessions();
  const link = new DtlsLink({
    address: "127.0.0.1",
    port: 5684,
    identity: "rov-1",
    key: new Uint8Array([1, 2, 3, 4]),
    clock,
    factory: fakes.factory,
    handshakeTimeoutMs: 1000,
    stallTimeoutMs: 2000,
    maxRecordsPerSession: 0,
    backoff: { initialMs: 100, maxMs: 800, factor: 2, jitter: 0 },
    random: () => 0,
    ...over,
  });
  const states: LinkSnapshot[] = [];
  link.on("state", (s) => states.push(s));
  return { clock, fakes, link, states };
}

test("start dials, connected makes the link up, and a message goes out as one record", () => {
  const { fakes, link, states } = setup();
  link.start();
  assert.equal(link.state, "connecting");
  assert.equal(fakes.last.params.identity, "rov-1");
  assert.deepEqual(fakes.last.params.ciphers, [
    "TLS_PSK_WITH_AES_128_CCM_8",
    "TLS_PSK_WITH_AES_128_GCM_SHA256",
    "TLS_PSK_WITH_AES_128_CCM",
  ]);
  fakes.last.handlers.onConnected();
  assert.equal(link.state, "up");
  const msg = new Uint8Array([9, 8, 7]);
  assert.equal(link.send(msg), true);
  assert.deepEqual(fakes.last.sent, [msg]);
  const s = link.snapshot();
  assert.equal(s.sessionsMade, 1);
  assert.equal(s.recordsSent, 1);
  assert.equal(s.bytesSent, 3);
  assert.deepEqual(
    states.map((x) => [x.state, x.reason]),
    [
      ["connecting", "LINK_STARTING"],
      ["up", "LINK_UP"],
    ],
  );
});

test("a message over 1200 bytes is refused with LINK_MESSAGE_TOO_LARGE, counted, and not sent", () => {
  const { fakes, link } = setup();
  link.start();
  fakes.last.handlers.onConnected();
  assert.equal(link.send(new Uint8Array(1200)), true);
  assert.throws(
    () => link.send(new Uint8Array(1201)),
    (e) => isTethysError(e, "LINK_MESSAGE_TOO_LARGE"),
  );
  assert.throws(
    () => link.send("text" as unknown as Uint8Array),
    (e) => isTethysError(e, "LINK_BAD_MESSAGE"),
  );
  assert.equal(fakes.last.sent.length, 1);
  assert.equal(link.snapshot().oversizeRejected, 1);
});

test("messages while not up are dropped and counted, never queued", () => {
  const { fakes, link } = setup();
  assert.equal(link.send(new Uint8Array(1)), false);
  link.start();
  assert.equal(link.send(new Uint8Array(1)), false);
  fakes.last.handlers.onConnected();
  assert.equal(fakes.last.sent.length, 0);
  assert.equal(link.snapshot().droppedNotUp, 2);
});

test("a failed handshake is retried with exponential backoff, capped", () => {
  const { clock, fakes, link, states } = setup();
  link.start();
  const retryGaps: number[] = [];
  for (let i = 0; i < 5; i++) {
    fakes.last.handlers.onError(new TethysError("LINK_HANDSHAKE_TIMEOUT", "t"));
    const down = states.at(-1);
    assert.equal(down?.state, "down");
    assert.equal(down?.reason, "LINK_HANDSHAKE_TIMEOUT");
    const due = down?.nextAttemptAt ?? Number.NaN;
    retryGaps.push(due - clock.now());
    const before = fakes.sessions.length;
    clock.advance(due - clock.now() - 1);
    assert.equal(fakes.sessions.length, before, "no retry before the backoff elapsed");
    clock.advance(1);
    assert.equal(fakes.sessions.length, before + 1);
  }
  assert.deepEqual(retryGaps, [100, 200, 400, 800, 800]);
  assert.equal(link.snapshot().handshakeFailures, 5);
  assert.equal(fakes.open.length, 1, "old sessions are closed");
});

test("the backoff resets after a session came up", () => {
  const { clock, fakes, link } = setup();
  link.start();
  fakes.last.handlers.onError(new TethysError("LINK_HANDSHAKE_TIMEOUT", "t"));
  clock.advance(100);
  fakes.last.handlers.onError(new TethysError("LINK_HANDSHAKE_TIMEOUT", "t"));
  clock.advance(200);
  fakes.last.handlers.onConnected();
  fakes.last.handlers.onClose();
  const s = link.snapshot();
  assert.equal(s.reason, "LINK_SESSION_CLOSED");
  assert.equal((s.nextAttemptAt ?? 0) - clock.now(), 100);
});

test("jitter comes from the injected random source", () => {
  const { fakes, link } = setup({
    backoff: { initialMs: 1000, maxMs: 1000, factor: 2, jitter: 0.5 },
    random: () => 0.5,
  });
  link.start();
  fakes.last.handlers.onError(new Error("boom"));
  const s = link.snapshot();
  assert.equal((s.nextAttemptAt ?? 0) - s.since, 750);
  assert.equal(s.lastError?.code, "UNKNOWN");
});

test("the link's own timer abandons a handshake and closes (aborts) the session", () => {
  const { clock, fakes, link } = setup();
  link.start();
  clock.advance(999);
  assert.equal(link.state, "connecting");
  clock.advance(1);
  assert.equal(link.state, "down");
  assert.equal(link.snapshot().reason, "LINK_HANDSHAKE_TIMEOUT");
  assert.equal(fakes.last.closed, true);
});

test("a handshake timeout after our Finished went out is reported as a likely PSK mismatch", () => {
  const { clock, fakes, link } = setup();
  link.start();
  fakes.last.phase = "finished";
  clock.advance(1000);
  const s = link.snapshot();
  assert.equal(s.reason, "LINK_HANDSHAKE_REJECTED");
  assert.match(s.lastError?.message ?? "", /PSK/);
});

test("no inbound records for stallTimeoutMs: stalled, then replaced at once", () => {
  const { clock, fakes, link, states } = setup();
  link.start();
  const first = fakes.last;
  first.handlers.onConnected();
  // Heartbeats every 500 ms keep it up.
  for (let i = 0; i < 10; i++) {
    clock.advance(500);
    first.handlers.onMessage(new Uint8Array([i]));
  }
  assert.equal(link.state, "up");
  assert.equal(link.snapshot().lastInboundAt, 5000);
  clock.advance(1999);
  assert.equal(link.state, "up");
  clock.advance(1);
  assert.deepEqual(
    states.slice(-2).map((s) => [s.state, s.reason]),
    [
      ["stalled", "LINK_STALLED"],
      ["connecting", "LINK_STALLED"],
    ],
  );
  assert.equal(first.closed, true);
  assert.notEqual(fakes.last, first);
  assert.equal(link.snapshot().stalls, 1);
  assert.equal(link.snapshot().recordsReceived, 10);
});

test("stall detection can be switched off", () => {
  const { clock, fakes, link } = setup({ stallTimeoutMs: 0 });
  link.start();
  fakes.last.handlers.onConnected();
  clock.advance(60_000);
  assert.equal(link.state, "up");
});

test("the record cap opens a standby session while the old one keeps sending, then switches", () => {
  const { fakes, link, states } = setup({ maxRecordsPerSession: 3 });
  link.start();
  const first = fakes.last;
  first.handlers.onConnected();
  for (let i = 0; i < 3; i++) assert.equal(link.send(new Uint8Array([i])), true);
  assert.equal(fakes.sessions.length, 2, "a standby session is dialing");
  const standby = fakes.last;
  assert.equal(link.snapshot().replacing, true);
  assert.equal(link.send(new Uint8Array([3])), true, "the old session still carries records");
  assert.equal(first.sent.length, 4);
  assert.equal(first.closed, false);
  standby.handlers.onConnected();
  assert.equal(first.closed, true);
  assert.deepEqual([states.at(-1)?.state, states.at(-1)?.reason], ["up", "LINK_RECORD_CAP"]);
  assert.equal(link.send(new Uint8Array([4])), true);
  assert.deepEqual(standby.sent, [new Uint8Array([4])]);
  const s = link.snapshot();
  assert.equal(s.recordsSent, 5);
  assert.equal(s.recordsSentThisSession, 1);
  assert.equal(s.sessionsMade, 2);
  assert.equal(s.replacing, false);
  assert.equal(s.droppedNotUp, 0, "no message was lost to the rollover");
});

test("a failed standby keeps the old session, retries after backoff, and twice the cap forces a switch", () => {
  const { clock, fakes, link, states } = setup({ maxRecordsPerSession: 2 });
  link.start();
  const first = fakes.last;
  first.handlers.onConnected();
  link.send(new Uint8Array([0]));
  link.send(new Uint8Array([1]));
  const standby = fakes.last;
  standby.handlers.onError(new TethysError("LINK_HANDSHAKE_TIMEOUT", "t"));
  assert.equal(link.state, "up");
  assert.equal(standby.closed, true);
  assert.equal(link.snapshot().handshakeFailures, 1);
  assert.equal(fakes.sessions.length, 2);
  clock.advance(100);
  assert.equal(fakes.sessions.length, 3, "standby retried after the backoff");
  link.send(new Uint8Array([2]));
  link.send(new Uint8Array([3]));
  assert.equal(first.closed, true, "at twice the cap the old session is dropped");
  assert.deepEqual([states.at(-1)?.state, states.at(-1)?.reason], ["connecting", "LINK_RECORD_CAP"]);
  assert.equal(fakes.open.length, 1);
});

test("a standby's handshake timer runs on the clock too", () => {
  const { clock, fakes, link } = setup({ maxRecordsPerSession: 1 });
  link.start();
  fakes.last.handlers.onConnected();
  link.send(new Uint8Array([0]));
  const standby = fakes.last;
  clock.advance(1000);
  assert.equal(standby.closed, true);
  assert.equal(link.state, "up");
  assert.equal(link.snapshot().lastError?.code, "LINK_HANDSHAKE_TIMEOUT");
});

test("events from a replaced session are ignored", () => {
  const { fakes, link } = setup({ maxRecordsPerSession: 1 });
  link.start();
  const first = fakes.last;
  first.handlers.onConnected();
  link.send(new Uint8Array([1]));
  fakes.last.handlers.onConnected();
  assert.equal(first.closed, true);
  first.handlers.onMessage(new Uint8Array([1]));
  first.handlers.onError(new Error("late"));
  first.handlers.onConnected();
  assert.equal(link.state, "up");
  assert.equal(link.snapshot().recordsReceived, 0);
  assert.equal(link.snapshot().lastError, null);
});

test("a send on a session that died under us is counted, not thrown", () => {
  const { fakes, link } = setup();
  link.start();
  fakes.last.handlers.onConnected();
  fakes.last.failSends = true;
  assert.equal(link.send(new Uint8Array([1])), false);
  assert.equal(link.snapshot().sendErrors, 1);
});

test("stop closes the session, cancels every timer and stays down", () => {
  const { clock, fakes, link } = setup();
  link.start();
  fakes.last.handlers.onConnected();
  link.stop();
  assert.equal(link.state, "down");
  assert.equal(link.snapshot().reason, "LINK_STOPPED");
  assert.equal(fakes.last.closed, true);
  assert.equal(clock.pending, 0);
  clock.advance(100_000);
  assert.equal(fakes.sessions.length, 1);
});

test("a factory that throws counts as a failed attempt and is retried", () => {
  const clock = new VirtualClock();
  let calls = 0;
  const link = new DtlsLink({
    address: "127.0.0.1",
    port: 1,
    identity: "a",
    key: new Uint8Array([1]),
    clock,
    backoff: { initialMs: 10, jitter: 0 },
    factory: () => {
      calls += 1;
      throw new Error("no sockets left");
    },
  });
  link.start();
  assert.equal(link.snapshot().reason, "LINK_SESSION_ERROR");
  clock.advance(10);
  assert.equal(calls, 2);
  link.stop();
});

test("bad options are refused with LINK_BAD_OPTIONS", () => {
  const base = {
    address: "127.0.0.1",
    port: 5684,
    identity: "a",
    key: new Uint8Array([1]),
    clock: new VirtualClock(),
    factory: new FakeSessions().factory,
  };
  const bad: Partial<DtlsLinkOptions>[] = [
    { port: 0 },
    { port: 70000 },
    { identity: "" },
    { key: new Uint8Array(0) },
    { maxMessageBytes: 1201 },
    { stallTimeoutMs: -1 },
    { maxRecordsPerSession: Number.NaN },
    { backoff: { factor: 0 } },
  ];
  for (const over of bad) {
    assert.throws(
      () => new DtlsLink({ ...base, ...over }),
      (e) => isTethysError(e, "LINK_BAD_OPTIONS"),
      JSON.stringify(over),
    );
  }
});

test("property: whatever the session events, counters stay consistent and at most one session is open", () => {
  const step = fc.oneof(
    fc.constant("connect" as const),
    fc.constant("error" as const),
    fc.constant("close" as const),
    fc.constant("inbound" as const),
    fc.integer({ min: 0, max: 1300 }).map((n) => ({ send: n })),
    fc.integer({ min: 1, max: 5000 }).map((ms) => ({ wait: ms })),
  );
  fc.assert(
    fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
      const { clock, fakes, link } = setup({ maxRecordsPerSession: 4 });
      link.start();
      let refused = 0;
      for (const st of steps) {
        const cur = fakes.last;
        if (st === "connect") cur.handlers.onConnected();
        else if (st === "error") cur.handlers.onError(new Error("x"));
        else if (st === "close") cur.handlers.onClose();
        else if (st === "inbound") cur.handlers.onMessage(new Uint8Array(2));
        else if ("send" in st) {
          try {
            link.send(new Uint8Array(st.send));
          } catch (e) {
            assert.ok(isTethysError(e, "LINK_MESSAGE_TOO_LARGE"));
            refused += 1;
          }
        } else clock.advance(st.wait);
      }
      const s = link.snapshot();
      const sentTotal = fakes.sessions.reduce((n, x) => n + x.sent.length, 0);
      assert.equal(s.recordsSent, sentTotal);
      assert.equal(s.oversizeRejected, refused);
      assert.ok(fakes.open.length <= 2, "at most the active and a standby session");
      assert.ok(s.recordsSentThisSession <= 8, "never past twice the cap");
      assert.ok(s.sessionsMade <= s.handshakeAttempts);
      link.stop();
      assert.equal(fakes.open.length, 0);
      assert.equal(clock.pending, 0);
    }),
  );
});

test("a stopped link can be started again", () => {
  const { clock, fakes, link } = setup();
  link.start();
  fakes.last.handlers.onConnected();
  link.stop();
  link.start();
  assert.equal(link.state, "connecting");
  assert.equal(fakes.sessions.length, 2);
  fakes.last.handlers.onConnected();
  assert.equal(link.state, "up");
  assert.equal(link.snapshot().sessionsMade, 2);
  link.stop();
  assert.equal(clock.pending, 0);
});
