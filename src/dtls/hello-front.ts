/**
 * Wire work of the stateless front: read an initial ClientHello out of a datagram, and build a
 * HelloVerifyRequest datagram. Nothing here keeps state.
 */
import type { HandshakeMessage } from "./handshake/reassembler.ts";
import { type RecordView, readRecord } from "./record/record-layer.ts";
import { type ParsedClientHello, parseClientHello } from "./wire/hello.ts";
import {
  ContentType,
  DTLS_1_0,
  HANDSHAKE_HEADER_SIZE,
  HandshakeHeader,
  HandshakeType,
  HelloVerifyRequest,
  RECORD_HEADER_SIZE,
  RecordHeader,
} from "./wire/messages.ts";
import { decodeStructAt, encodeStruct, encodeStructInto } from "./wire/struct.ts";

export interface InitialHello {
  /** The hello as a handshake message (body still a view into the datagram). */
  message: HandshakeMessage;
  parsed: ParsedClientHello;
  recordSeq: number;
}

/**
 * The ClientHello in the datagram's first record, or why it is not one. The front takes only a
 * hello in a single fragment (RFC 6347 4.2.1 allows a stateless server to require it).
 */
export function readInitialHello(d: Uint8Array, view: RecordView): InitialHello | "malformed" | "noSession" {
  if (readRecord(d, 0, view) < 0) return "malformed";
  if (view.type !== ContentType.handshake || view.epoch !== 0) return "noSession";
  const h = decodeStructAt(HandshakeHeader, view.fragment, 0);
  if (h === undefined) return "malformed";
  const hh = h.value;
  if (hh.msgType !== HandshakeType.clientHello) return "noSession";
  if (hh.fragmentOffset !== 0 || hh.fragmentLength !== hh.length || h.next + hh.length > view.fragment.length) {
    return "malformed";
  }
  const body = view.fragment.subarray(h.next, h.next + hh.length);
  const parsed = parseClientHello(body);
  if (parsed === undefined) return "malformed";
  return {
    message: { msgType: hh.msgType, messageSeq: hh.messageSeq, body },
    parsed,
    recordSeq: view.sequence,
  };
}

/** True when `d` starts with a plaintext ClientHello whose random `isOwn` does not recognise. */
export function isOtherHello(d: Uint8Array, isOwn: (random: Uint8Array) => boolean): boolean {
  if (d.length < RECORD_HEADER_SIZE + HANDSHAKE_HEADER_SIZE + 34) return false;
  if (d[0] !== ContentType.handshake || d[3] !== 0 || d[4] !== 0) return false;
  if (d[RECORD_HEADER_SIZE] !== HandshakeType.clientHello) return false;
  const off = RECORD_HEADER_SIZE + HANDSHAKE_HEADER_SIZE + 2;
  return !isOwn(d.subarray(off, off + 32));
}

/**
 * HelloVerifyRequest answering a hello: DTLS 1.0 version (RFC 6347 4.2.1), the hello's
 * message_seq, and the hello's record sequence number.
 */
export function helloVerifyDatagram(cookie: Uint8Array, messageSeq: number, recordSeq: number): Uint8Array {
  const body = encodeStruct(HelloVerifyRequest, {
    serverVersion: DTLS_1_0,
    cookie,
  });
  const out = new Uint8Array(RECORD_HEADER_SIZE + HANDSHAKE_HEADER_SIZE + body.length);
  const length = HANDSHAKE_HEADER_SIZE + body.length;
  encodeStructInto(
    RecordHeader,
    {
      type: ContentType.handshake,
      version: DTLS_1_0,
      epoch: 0,
      sequence: recordSeq,
      length,
    },
    out,
    0,
  );
  encodeStructInto(
    HandshakeHeader,
    {
      msgType: HandshakeType.helloVerifyRequest,
      length: body.length,
      messageSeq,
      fragmentOffset: 0,
      fragmentLength: body.length,
    },
    out,
    RECORD_HEADER_SIZE,
  );
  out.set(body, RECORD_HEADER_SIZE + HANDSHAKE_HEADER_SIZE);
  return out;
}
