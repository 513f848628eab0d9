/**
 * WebSocket frames built once for every browser: the hub encodes a telemetry frame once and
 * hands the same bytes to every session (vehicle-fanout.ts); here those bytes become one
 * complete WebSocket message on the wire — header and payload in one buffer — the first time a
 * socket sends them, and every other socket writes that same buffer. Without it each socket
 * would build its own header and write header and payload separately.
 *
 * Frames are keyed by the payload object (a WeakMap: a frame lives as long as some outbox still
 * holds its payload), so sharing needs no bookkeeping from the callers.
 */
export class WsFrames {
  private readonly cache = new WeakMap<Uint8Array, Buffer>();
  /** Frames built (one per distinct payload sent), for tests and benchmarks. */
  built = 0;

  /** The complete frame for `payload`, built on first use. */
  frame(payload: Uint8Array): Buffer {
    let frame = this.cache.get(payload);
    if (frame === undefined) {
      frame = binaryFrame(payload);
      this.cache.set(payload, frame);
      this.built++;
    }
    return frame;
  }
}

/**
 * One unfragmented binary message as a server sends it (RFC 6455 §5.2: FIN, opcode 2, no mask,
 * 7-bit, 16-bit or 64-bit payload length), header and payload in one buffer.
 */
export function binaryFrame(payload: Uint8Array): Buffer {
  const n = payload.length;
  const head = n < 126 ? 2 : n < 65_536 ? 4 : 10;
  const out = Buffer.allocUnsafe(head + n);
  out[0] = 0x82;
  if (n < 126) out[1] = n;
  else if (n < 65_536) {
    out[1] = 126;
    out.writeUInt16BE(n, 2);
  } else {
    out[1] = 127;
    out.writeUInt32BE(Math.floor(n / 2 ** 32), 2);
    out.writeUInt32BE(n >>> 0, 6);
  }
  out.set(payload, head);
  return out;
}
