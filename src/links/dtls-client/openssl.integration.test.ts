/**
 * Integration: the DTLS link (node-dtls-client underneath) against `openssl s_server -dtls1_2`
 * with a PSK on loopback. Needs the Debian `openssl` package.
 */
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { once } from "node:events";
import { type TestContext, test } from "node:test";
import { requireTool } from "../../../test/support/tools.ts";
import { RealClock } from "../../kernel/real-clock.ts";
import { DtlsLink } from "./dtls-link.ts";
import { nodeDtlsSessionFactory } from "./node-dtls-session.ts";
import { type OpensslPeer, startOpensslPeer, waitForState } from "./testing/openssl-peer.ts";
import type { CipherName, DtlsLinkOptions } from "./types.ts";

const skip = requireTool("openssl", "openssl");

const IDENTITY = "rov-test";
const KEY_HEX = "000102030405060708090a0b0c0d0e0f";

function link(port: number, over: Partial<DtlsLinkOptions> = {}): DtlsLink {
  return new DtlsLink({
    address: "127.0.0.1",
    port,
    identity: IDENTITY,
    key: Buffer.from(KEY_HEX, "hex"),
    clock: new RealClock(),
    factory: nodeDtlsSessionFactory,
    handshakeTimeoutMs: 1500,
    stallTimeoutMs: 0,
    backoff: { initialMs: 100, maxMs: 400 },
    ...over,
  });
}

/** `openssl s_server` with our identity and key; killed when the test `t` times out. */
function opensslPeer(t: TestContext, cipher = "PSK-AES128-CCM8"): Promise<OpensslPeer> {
  return startOpensslPeer({ identity: IDENTITY, keyHex: KEY_HEX, cipher, signal: t.signal });
}

const SUITES: [CipherName, string][] = [
  ["TLS_PSK_WITH_AES_128_CCM_8", "PSK-AES128-CCM8"],
  ["TLS_PSK_WITH_AES_128_GCM_SHA256", "PSK-AES128-GCM-SHA256"],
  ["TLS_PSK_WITH_AES_128_CCM", "PSK-AES128-CCM"],
];

for (const [ours, theirs] of SUITES) {
  test(`${ours}: handshake with openssl, records flow both ways`, { skip, timeout: 20_000 }, async (t) => {
    const peer = await opensslPeer(t, theirs);
    const l = link(peer.port, { ciphers: [ours] });
    try {
      l.start();
      await waitForState(l, (s) => s.state === "up", t.signal);
      await peer.waitFor(new RegExp(`CIPHER is ${theirs}\\b`));
      assert.equal(l.send(new TextEncoder().encode("telemetry-1\n")), true);
      await peer.waitFor(/telemetry-1/);
      const inbound = once(l, "message", { signal: t.signal });
      peer.sendLine("hub-heartbeat");
      const [msg] = (await inbound) as [Uint8Array];
      assert.equal(new TextDecoder().decode(msg), "hub-heartbeat\n");
      const s = l.snapshot();
      assert.equal(s.sessionsMade, 1);
      assert.equal(s.recordsReceived, 1);
      assert.notEqual(s.lastInboundAt, null);
    } finally {
      l.stop();
      await peer.stop();
    }
  });
}

test("a wrong PSK is reported as LINK_HANDSHAKE_REJECTED and retried", { skip, timeout: 20_000 }, async (t) => {
  const peer = await opensslPeer(t);
  const l = link(peer.port, { key: Buffer.from("ffffffffffffffffffffffffffffffff", "hex"), handshakeTimeoutMs: 500 });
  try {
    l.start();
    const down = await waitForState(l, (s) => s.state === "down", t.signal);
    assert.equal(down.reason, "LINK_HANDSHAKE_REJECTED");
    assert.match(down.lastError?.message ?? "", /PSK/);
    assert.equal(down.handshakeFailures, 1);
    assert.ok(down.nextAttemptAt !== null, "a retry is scheduled");
  } finally {
    l.stop();
    await peer.stop();
  }
});

test("a hub that never answers is reported as LINK_HANDSHAKE_TIMEOUT", { timeout: 20_000 }, async (t) => {
  const silent = createSocket("udp4");
  silent.bind(0, "127.0.0.1");
  await once(silent, "listening");
  let seen = 0;
  silent.on("message", () => {
    seen += 1;
  });
  const l = link(silent.address().port, { handshakeTimeoutMs: 300 });
  try {
    l.start();
    const down = await waitForState(l, (s) => s.state === "down", t.signal);
    assert.equal(down.reason, "LINK_HANDSHAKE_TIMEOUT");
    assert.ok(seen >= 1, "the ClientHello reached the socket");
  } finally {
    l.stop();
    silent.close();
  }
});

test("a hub that dies while up is detected as stalled and the link re-handshakes", {
  skip,
  timeout: 20_000,
}, async (t) => {
  const peer = await opensslPeer(t);
  const l = link(peer.port, { stallTimeoutMs: 400, handshakeTimeoutMs: 300 });
  try {
    l.start();
    await waitForState(l, (s) => s.state === "up", t.signal);
    await peer.stop("SIGKILL");
    const stalled = await waitForState(l, (s) => s.state === "stalled", t.signal);
    assert.equal(stalled.reason, "LINK_STALLED");
    const next = await waitForState(l, (s) => s.state === "down", t.signal);
    assert.ok(next.handshakeAttempts >= 2);
    assert.equal(next.stalls, 1);
  } finally {
    l.stop();
  }
});

test("the record cap rolls sessions over and telemetry keeps flowing", { skip, timeout: 20_000 }, async (t) => {
  const peer = await opensslPeer(t);
  const clock = new RealClock();
  const l = link(peer.port, { maxRecordsPerSession: 5, clock });
  let k = 0;
  // The workload: one telemetry record every 10 ms.
  const traffic = clock.setInterval(10, () => {
    l.send(new TextEncoder().encode(`roll-${k++}\n`));
  });
  try {
    l.start();
    // s_server serves one peer at a time, so the standby waits until the old session closes at
    // twice the cap (close_notify); a hub serving several sessions switches without a gap.
    await waitForState(l, (s) => s.state === "up" && s.sessionsMade >= 3, t.signal);
    await peer.waitUntil((out) => (out.match(/CIPHER is/g) ?? []).length >= 3); // three handshakes on the server
    await peer.waitUntil((out) => new Set(out.match(/roll-\d+/g)).size >= 15);
    assert.ok(l.snapshot().recordsSentThisSession <= 10);
  } finally {
    traffic.cancel();
    l.stop();
    await peer.stop();
  }
});
