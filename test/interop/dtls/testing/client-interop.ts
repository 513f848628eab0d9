/**
 * One runner for every server program against the engine's own client role (EngineClient on a
 * UDP socket): a test file describes the peer (how to start it, how it shows what arrived, how it
 * answers) and a table of cases; `clientInteropCases` turns each case into a test.
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import type { CloseCode, SuiteName } from "../../../../src/dtls/types.ts";
import { RealClock } from "../../../../src/kernel/real-clock.ts";
import { EngineClient } from "./engine-client.ts";
import { IDENTITY, PSK, type Suite } from "./fixtures.ts";

/** A server program listening on 127.0.0.1. */
export interface RunningServer {
  port: number;
  /** Resolves when the program shows that `text` arrived from the client. */
  received(text: string): Promise<void>;
  /** Send `line` and a newline to the client; undefined for an echo server, which returns what it received. */
  sendLine: ((line: string) => void) | undefined;
  kill(): Promise<void>;
}

export interface ServerPeer {
  /** Name of the suite as the peer spells it (also the label of the data sent). */
  suiteName(s: Suite): string;
  /** Start the program accepting only `suite`; resolves once it listens. `signal` aborts its waits. */
  start(suite: Suite, signal: AbortSignal): Promise<RunningServer>;
}

export type ClientCase =
  | {
      kind: "dataBothWays";
      suite: Suite;
      /** The peer negotiates the extended master secret (RFC 7627). */
      extendedMasterSecret?: boolean;
    }
  | {
      /** The client's Finished fails at the server, which says nothing: the client gives up. */
      kind: "wrongPskSilentPeer";
      suite: Suite;
      code: CloseCode;
      retransmissions: number;
    };

/** A safety net: the waits on a peer's output end when the test does. */
const TIMEOUT = { timeout: 30_000 };

/** Register one test per case, for the engine client against a fresh `peer` each. */
export function clientInteropCases(peer: ServerPeer, cases: readonly ClientCase[]): void {
  for (const c of cases) {
    if (c.kind === "dataBothWays") {
      it(`${c.suite.iana}: handshake and application data both ways`, TIMEOUT, (t) => dataBothWays(peer, c, t.signal));
    } else {
      const name = `wrong PSK: the client gives up with ${c.code} (the server drops the bad Finished silently)`;
      it(name, TIMEOUT, (t) => wrongPskSilentPeer(peer, c, t.signal));
    }
  }
}

async function dataBothWays(peer: ServerPeer, c: Extract<ClientCase, { kind: "dataBothWays" }>, signal: AbortSignal) {
  const server = await peer.start(c.suite, signal);
  const client = new EngineClient(new RealClock());
  try {
    await client.connect(server.port, { identity: IDENTITY, psk: PSK, suites: [c.suite.iana as SuiteName] });
    const est = await client.next("established");
    assert.equal(est.suite, c.suite.iana);
    if (c.extendedMasterSecret !== undefined) assert.equal(est.extendedMasterSecret, c.extendedMasterSecret);
    const label = peer.suiteName(c.suite);
    const down = client.next("data");
    client.send(new TextEncoder().encode(`up-${label}\n`));
    await server.received(`up-${label}\n`);
    const expected = server.sendLine === undefined ? `up-${label}\n` : `down-${label}\n`;
    server.sendLine?.(`down-${label}`);
    assert.equal(new TextDecoder().decode((await down).data), expected);
  } finally {
    await client.close();
    await server.kill();
  }
}

async function wrongPskSilentPeer(
  peer: ServerPeer,
  c: Extract<ClientCase, { kind: "wrongPskSilentPeer" }>,
  signal: AbortSignal,
): Promise<void> {
  const server = await peer.start(c.suite, signal);
  const client = new EngineClient(new RealClock());
  try {
    await client.connect(server.port, {
      identity: IDENTITY,
      psk: new Uint8Array(16).fill(3),
      suites: [c.suite.iana as SuiteName],
      retransmitInitialMs: 100,
      retransmitAttempts: c.retransmissions,
    });
    const closed = await client.next("closed");
    assert.equal(closed.code, c.code);
    assert.equal(client.events.filter((e) => e.type === "established").length, 0);
    assert.ok(client.conn !== undefined && client.conn.stats.retransmissions === c.retransmissions);
  } finally {
    await client.close();
    await server.kill();
  }
}
