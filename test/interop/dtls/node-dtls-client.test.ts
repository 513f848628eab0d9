/** node-dtls-client (the vehicle's library) against the Tethys DTLS server, for the three suites. */
import assert from "node:assert/strict";
import { describe } from "node:test";
import { dtls } from "node-dtls-client";
import { CCM_8, GCM, SUITE_NAMES, type Suite } from "./testing/fixtures.ts";
import {
  type ClientParams,
  type ClientPeer,
  dataBothWaysCases,
  type RunningClient,
  serverInteropCases,
} from "./testing/server-interop.ts";

function once<T>(s: dtls.Socket, event: string): Promise<T> {
  return new Promise((resolve) => s.once(event, resolve as (v: unknown) => void));
}

function closeSocket(s: dtls.Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      s.close(() => resolve());
    } catch {
      resolve();
    }
  });
}

function connect(p: ClientParams): RunningClient {
  const socket = dtls.createSocket({
    type: "udp4",
    address: "127.0.0.1",
    port: p.port,
    psk: { [p.identity]: Buffer.from(p.pskHex, "hex") },
    ciphers: [p.suite.iana],
    timeout: 5000,
  });
  const connected = once<void>(socket, "connected");
  const error = once<Error>(socket, "error");
  const messages: Buffer[] = [];
  let onMessage: (() => void) | undefined;
  socket.on("message", (m: Buffer) => {
    messages.push(m);
    onMessage?.();
  });
  const nextMessage = async (): Promise<Buffer> => {
    while (messages.length === 0) await new Promise<void>((resolve) => (onMessage = resolve));
    return messages.shift() as Buffer;
  };
  return {
    handshakeDone: () => connected,
    send: (text) => socket.send(Buffer.from(text)),
    received: async (text) => assert.equal((await nextMessage()).toString(), text),
    failed: async (re) => assert.match((await error).message, re),
    exit: async () => null,
    close: () => closeSocket(socket),
  };
}

const nodeDtlsClient: ClientPeer = {
  suiteName: (s: Suite) => s.iana,
  start: connect,
  closesWithNotify: true,
};

describe("interop: Tethys DTLS server <- node-dtls-client", () => {
  serverInteropCases(nodeDtlsClient, [
    ...dataBothWaysCases(SUITE_NAMES),
    { kind: "wrongPsk", suite: CCM_8, pskHex: "09".repeat(16), peerReports: /fatal alert: bad_record_mac/ },
    { kind: "unknownIdentity", suite: GCM, peerReports: /fatal alert: unknown_psk_identity/ },
  ]);
});
