/**
 * One runner for every client program against the Tethys DTLS server (DtlsServer on 127.0.0.1,
 * port 0): a test file describes the peer (how to start it, how it shows data and failures) and
 * a table of cases; `serverInteropCases` turns each case into a test with the same checks.
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import type { CloseCode } from "../../../../src/dtls/types.ts";
import { RealClock } from "../../../../src/kernel/real-clock.ts";
import {
  DtlsServer,
  type DtlsServerConfig,
  type DtlsServerEvents,
} from "../../../../src/links/dtls-server/dtls-server.ts";
import { IDENTITY, PSK, PSK_HEX, type Suite } from "./fixtures.ts";
import { literal, type Tool } from "./tool.ts";

export interface ClientParams {
  port: number;
  identity: string;
  pskHex: string;
  suite: Suite;
}

/** A running client program or library socket, connected to the server under test. */
export interface RunningClient {
  /** The client's own evidence that the handshake completed (on top of the server's event). */
  handshakeDone(): Promise<void>;
  /** Send application data (a line typed into a tool, one record from a library). */
  send(text: string): void;
  /** Resolves when `text` reached the client (shown in a tool's output, delivered by a library). */
  received(text: string): Promise<void>;
  /** Resolves when the client reported a failure matching `re`. */
  failed(re: RegExp): Promise<void>;
  /** Resolves with the exit code once the client program exits by itself. */
  exit(): Promise<number | null>;
  /** Close the client (a library closes with close_notify; a tool is killed). */
  close(): Promise<void>;
}

export interface ClientPeer {
  /** Name of the suite as the peer spells it (also the label of the data sent). */
  suiteName(s: Suite): string;
  start(p: ClientParams): RunningClient;
  /** The peer sends close_notify on `close()`: the server then reports DTLS_PEER_CLOSED. */
  closesWithNotify?: boolean;
}

/** A refused handshake: what the client reports, and whether the program then exits non-zero. */
interface Refusal {
  suite: Suite;
  peerReports: RegExp;
  peerExitsNonZero?: boolean;
}

export type ServerCase =
  | { kind: "dataBothWays"; suite: Suite }
  | ({ kind: "wrongPsk"; pskHex: string } & Refusal)
  | ({ kind: "unknownIdentity" } & Refusal);

/** Every suite: handshake and application data both ways. */
export const dataBothWaysCases = (suites: readonly Suite[]): ServerCase[] =>
  suites.map((suite) => ({ kind: "dataBothWays", suite }));

export async function startServer(config: Partial<DtlsServerConfig> = {}) {
  const server = new DtlsServer({ psk: { [IDENTITY]: PSK }, port: 0, ...config }, new RealClock());
  const { port } = await server.listen();
  return { server, port };
}

/** Resolve with the next `name` event matching `pred`; reject after `ms` (a safety net). */
export function nextEvent<K extends keyof DtlsServerEvents>(
  server: DtlsServer,
  name: K,
  pred: (e: DtlsServerEvents[K][0]) => boolean = () => true,
  ms = 15_000,
): Promise<DtlsServerEvents[K][0]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      server.off(name, on as never);
      reject(new Error(`timed out waiting for server event ${String(name)}`));
    }, ms);
    timer.unref();
    const on = (e: DtlsServerEvents[K][0]) => {
      if (!pred(e)) return;
      clearTimeout(timer);
      server.off(name, on as never);
      resolve(e);
    };
    server.on(name, on as never);
  });
}

/** Register one test per case, for `peer` against a fresh server each. */
export function serverInteropCases(peer: ClientPeer, cases: readonly ServerCase[]): void {
  for (const c of cases) {
    if (c.kind === "dataBothWays") {
      it(`${c.suite.iana}: handshake and application data both ways`, () => dataBothWays(peer, c.suite));
    } else {
      const code: CloseCode = c.kind === "wrongPsk" ? "DTLS_PSK_MISMATCH" : "DTLS_UNKNOWN_PSK_IDENTITY";
      const what = c.kind === "wrongPsk" ? "wrong PSK" : "unknown identity";
      it(`${what}: server reports ${code}, the client reports ${c.peerReports}`, () => rejected(peer, c, code));
    }
  }
}

/**
 * Handshake, then application data both ways: a message from the client must reach the server
 * unchanged, and one from the server must reach the client.
 */
async function dataBothWays(peer: ClientPeer, suite: Suite): Promise<void> {
  const { server, port } = await startServer();
  const established = nextEvent(server, "established");
  const client = peer.start({ port, identity: IDENTITY, pskHex: PSK_HEX, suite });
  try {
    const est = await established;
    assert.equal(est.identity, IDENTITY);
    assert.equal(est.suite, suite.iana);
    assert.equal(est.remote.address, "127.0.0.1");
    await client.handshakeDone();
    const label = peer.suiteName(suite);
    const up = nextEvent(server, "data");
    client.send(`up-${label}\n`);
    assert.equal(new TextDecoder().decode((await up).data), `up-${label}\n`);
    server.send(est.session, new TextEncoder().encode(`down-${label}\n`));
    await client.received(`down-${label}\n`);
    if (peer.closesWithNotify === true) {
      const closed = nextEvent(server, "closed");
      await client.close();
      assert.equal((await closed).code, "DTLS_PEER_CLOSED");
    }
  } finally {
    await client.close();
    await server.close();
  }
}

/** A refused handshake: the server closes with `code`, the client reports why. */
async function rejected(peer: ClientPeer, c: Exclude<ServerCase, { kind: "dataBothWays" }>, code: CloseCode) {
  const { server, port } = await startServer();
  const closed = nextEvent(server, "closed");
  const client =
    c.kind === "wrongPsk"
      ? peer.start({ port, identity: IDENTITY, pskHex: c.pskHex, suite: c.suite })
      : peer.start({ port, identity: "nobody", pskHex: PSK_HEX, suite: c.suite });
  try {
    assert.equal((await closed).code, code);
    await client.failed(c.peerReports);
    if (c.peerExitsNonZero === true) assert.notEqual(await client.exit(), 0);
  } finally {
    await client.close();
    await server.close();
  }
}

/**
 * A client program as a RunningClient: data typed on stdin, arrivals and failures read from its
 * output; `handshakeEvidence` is what it prints, in order, once the handshake completed.
 */
export function toolClient(tool: Tool, handshakeEvidence: readonly RegExp[] = []): RunningClient {
  return {
    handshakeDone: async () => {
      for (const re of handshakeEvidence) await tool.waitFor(re);
    },
    send: (text) => tool.write(text),
    received: async (text) => {
      await tool.waitFor(literal(text.trimEnd()));
    },
    failed: async (re) => {
      await tool.waitFor(re);
    },
    exit: () => tool.exit(),
    close: () => tool.kill(),
  };
}
