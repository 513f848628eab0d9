/**
 * Test and bench support: the ClientHellos of a flood from spoofed sources. One real initial
 * ClientHello (no cookie) from the engine's client role, then copies of it, each with its own
 * client random and its own source address and port.
 */
import { DtlsClientConnection } from "../client-connection.ts";
import type { PeerAddress } from "../server.ts";
import { HANDSHAKE_HEADER_SIZE, RECORD_HEADER_SIZE } from "../wire/messages.ts";

/** Offset of the client random: record header, handshake header, client_version (2 bytes). */
const RANDOM_OFFSET = RECORD_HEADER_SIZE + HANDSHAKE_HEADER_SIZE + 2;

/** The datagram of an initial ClientHello (no cookie), as any client would send first. */
export function initialHelloDatagram(): Uint8Array {
  const out: Uint8Array[] = [];
  const client = new DtlsClientConnection(
    { identity: "x", psk: new Uint8Array(16) },
    { transmit: (d) => out.push(d), event: () => {} },
    0,
  );
  client.start(0);
  return out[0] as Uint8Array;
}

/** The `i`-th hello of the flood: `hello` with a varied client random, from its own source. */
export function spoofedHello(hello: Uint8Array, i: number): { datagram: Uint8Array; peer: PeerAddress } {
  const datagram = hello.slice();
  datagram[RANDOM_OFFSET + (i % 32)] = i & 255;
  const peer = { address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, port: 1024 + (i % 60000) };
  return { datagram, peer };
}
