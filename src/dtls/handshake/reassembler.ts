/**
 * Handshake message reassembly (RFC 6347 4.2.3): fragments may arrive in any order, overlap or
 * repeat; messages are released strictly in message_seq order. Messages behind `nextSeq` mean
 * the peer retransmitted its previous flight (we lost ours): the caller re-sends its last flight.
 * Memory is bounded: at most `maxAhead` future messages of at most `maxMessage` bytes each.
 */
import { HANDSHAKE_HEADER_SIZE, HandshakeHeader } from "../wire/messages.ts";
import { decodeStructAt, encodeStructInto } from "../wire/struct.ts";

export interface HandshakeMessage {
  msgType: number;
  messageSeq: number;
  body: Uint8Array;
}

interface Partial {
  msgType: number;
  body: Uint8Array;
  seen: Uint8Array;
  missing: number;
}

export interface FeedResult {
  malformed: boolean;
  sawOld: boolean;
}

export class HandshakeReassembler {
  nextSeq = 0;
  private readonly partials = new Map<number, Partial>();
  private readonly maxAhead: number;
  private readonly maxMessage: number;

  constructor(maxAhead = 8, maxMessage = 16384) {
    this.maxAhead = maxAhead;
    this.maxMessage = maxMessage;
  }

  /** Feed one handshake record; complete messages are appended to `out` in order. */
  feed(record: Uint8Array, out: HandshakeMessage[]): FeedResult {
    const res: FeedResult = { malformed: false, sawOld: false };
    let off = 0;
    while (off < record.length) {
      const r = decodeStructAt(HandshakeHeader, record, off);
      if (r === undefined) {
        res.malformed = true;
        break;
      }
      const h = r.value;
      const end = r.next + h.fragmentLength;
      if (end > record.length || h.fragmentOffset + h.fragmentLength > h.length || h.length > this.maxMessage) {
        res.malformed = true;
        break;
      }
      off = end;
      if (h.messageSeq < this.nextSeq) {
        res.sawOld = true;
        continue;
      }
      if (h.messageSeq >= this.nextSeq + this.maxAhead) continue;
      let p = this.partials.get(h.messageSeq);
      if (p === undefined) {
        p = {
          msgType: h.msgType,
          body: new Uint8Array(h.length),
          seen: new Uint8Array(h.length),
          missing: h.length,
        };
        this.partials.set(h.messageSeq, p);
      } else if (p.msgType !== h.msgType || p.body.length !== h.length) {
        res.malformed = true;
        continue;
      }
      const frag = record.subarray(r.next, end);
      p.body.set(frag, h.fragmentOffset);
      for (let i = h.fragmentOffset; i < h.fragmentOffset + h.fragmentLength; i++) {
        if (p.seen[i] === 0) {
          p.seen[i] = 1;
          p.missing--;
        }
      }
    }
    for (;;) {
      const p = this.partials.get(this.nextSeq);
      if (p === undefined || p.missing > 0) break;
      this.partials.delete(this.nextSeq);
      out.push({ msgType: p.msgType, messageSeq: this.nextSeq, body: p.body });
      this.nextSeq++;
    }
    return res;
  }

  /** Number of messages buffered incomplete or out of order. */
  get buffered(): number {
    return this.partials.size;
  }
}

/** The message as it enters the Finished transcript: unfragmented header + body. */
export function transcriptBytes(m: HandshakeMessage): Uint8Array {
  const out = new Uint8Array(HANDSHAKE_HEADER_SIZE + m.body.length);
  encodeStructInto(
    HandshakeHeader,
    {
      msgType: m.msgType,
      length: m.body.length,
      messageSeq: m.messageSeq,
      fragmentOffset: 0,
      fragmentLength: m.body.length,
    },
    out,
    0,
  );
  out.set(m.body, HANDSHAKE_HEADER_SIZE);
  return out;
}
