/**
 * The DTLS record layer shared by both roles: epochs 0 (plaintext) and 1 (AEAD), 48-bit write
 * sequence numbers, per-epoch anti-replay windows, record protection with reused AAD buffers.
 * Renegotiation is refused by the handshake, so epochs above 1 never occur.
 */
import { AeadKey, type CipherSuite, overhead } from "../crypto/suites.ts";
import { DTLS_1_2, MAX_CIPHERTEXT, RECORD_HEADER_SIZE } from "../wire/messages.ts";
import { readUint, writeUint } from "../wire/struct.ts";
import { ReplayWindow } from "./replay-window.ts";

export type DropReason = "malformed" | "badMac" | "replayed" | "unknownEpoch" | "tooLarge";

/** One record as read from a datagram; reused by the caller between records. */
export interface RecordView {
  type: number;
  version: number;
  epoch: number;
  sequence: number;
  fragment: Uint8Array;
}

export function newRecordView(): RecordView {
  return {
    type: 0,
    version: 0,
    epoch: 0,
    sequence: 0,
    fragment: new Uint8Array(0),
  };
}

/**
 * Read the record header at `off` into `view`. Returns the offset of the next record, or -1
 * when the header or length is malformed (the rest of the datagram is then unusable).
 */
export function readRecord(datagram: Uint8Array, off: number, view: RecordView): number {
  if (off + RECORD_HEADER_SIZE > datagram.length) return -1;
  const length = readUint(datagram, off + 11, 2);
  const end = off + RECORD_HEADER_SIZE + length;
  if (end > datagram.length || length > MAX_CIPHERTEXT) return -1;
  view.type = datagram[off] as number;
  view.version = readUint(datagram, off + 1, 2);
  view.epoch = readUint(datagram, off + 3, 2);
  view.sequence = readUint(datagram, off + 5, 6);
  view.fragment = datagram.subarray(off + RECORD_HEADER_SIZE, end);
  return end;
}

export interface RecordLayerOptions {
  replayWindow: number;
}

export class RecordLayer {
  readEpoch = 0;
  writeEpoch = 0;
  /** Next write sequence number per epoch. */
  readonly writeSeq: number[] = [0, 0];
  /** Largest plaintext accepted (2^14, or our record_size_limit once negotiated). */
  readLimit = 16384;
  /** Record version used on outgoing records. */
  writeVersion = DTLS_1_2;
  private readKey: AeadKey | undefined;
  private writeKey: AeadKey | undefined;
  private pendingRead: AeadKey | undefined;
  private pendingWrite: AeadKey | undefined;
  private readonly windows: ReplayWindow[];
  private readonly aad = new Uint8Array(13);
  private readonly explicit = new Uint8Array(8);

  constructor(opts: RecordLayerOptions = { replayWindow: 64 }) {
    this.windows = [new ReplayWindow(opts.replayWindow), new ReplayWindow(opts.replayWindow)];
  }

  get suite(): CipherSuite | undefined {
    return this.writeKey?.suite ?? this.pendingWrite?.suite;
  }

  /** Install keys for epoch 1, activated by `activateRead` / `activateWrite` (on CCS). */
  setPending(
    suite: CipherSuite,
    readKey: Uint8Array,
    readSalt: Uint8Array,
    writeKey: Uint8Array,
    writeSalt: Uint8Array,
  ) {
    this.pendingRead = new AeadKey(suite, readKey, readSalt);
    this.pendingWrite = new AeadKey(suite, writeKey, writeSalt);
  }

  get hasPendingRead(): boolean {
    return this.pendingRead !== undefined;
  }

  activateRead(): boolean {
    if (this.pendingRead === undefined) return false;
    this.readKey = this.pendingRead;
    this.pendingRead = undefined;
    this.readEpoch = 1;
    return true;
  }

  activateWrite(): boolean {
    if (this.pendingWrite === undefined) return false;
    this.writeKey = this.pendingWrite;
    this.pendingWrite = undefined;
    this.writeEpoch = 1;
    return true;
  }

  /**
   * Authenticate, replay-check and decrypt one record. Epoch 0 is accepted at any time (the
   * handshake decides what plaintext is allowed). Returns the plaintext or a drop reason.
   */
  open(r: RecordView): Uint8Array | DropReason {
    if (r.epoch > 1 || (r.epoch === 1 && this.readEpoch < 1)) return "unknownEpoch";
    const window = this.windows[r.epoch] as ReplayWindow;
    if (!window.check(r.sequence)) return "replayed";
    if (r.epoch === 0) {
      // record_size_limit covers protected records only (RFC 8449 4).
      if (r.fragment.length > 16384) return "tooLarge";
      window.mark(r.sequence);
      return r.fragment;
    }
    const key = this.readKey as AeadKey;
    const plainLen = r.fragment.length - overhead(key.suite);
    if (plainLen < 0) return "malformed";
    this.fillAad(r.epoch, r.sequence, r.type, r.version, plainLen);
    const pt = key.open(r.fragment, this.aad);
    if (pt === undefined) return "badMac";
    if (pt.length > this.readLimit) return "tooLarge";
    window.mark(r.sequence);
    return pt;
  }

  /** Record `seq` of `epoch` as seen (a record the stateless front already consumed). */
  markSeen(epoch: 0 | 1, seq: number): void {
    (this.windows[epoch] as ReplayWindow).mark(seq);
  }

  /** Size of a record carrying `plainLen` bytes in the current write epoch. */
  recordSize(plainLen: number, epoch = this.writeEpoch): number {
    return RECORD_HEADER_SIZE + plainLen + (epoch === 0 ? 0 : overhead((this.writeKey as AeadKey).suite));
  }

  /** Largest plaintext fitting a datagram of `max` bytes in the current write epoch. */
  maxPlaintext(max: number): number {
    return max - this.recordSize(0);
  }

  /**
   * Protect and frame one record into `out` at `off`, in the current write epoch or an earlier
   * one (flight retransmissions re-send epoch-0 messages with fresh sequence numbers).
   */
  sealInto(type: number, plaintext: Uint8Array, out: Uint8Array, off: number, epoch = this.writeEpoch): number {
    if (epoch > this.writeEpoch) throw new RangeError(`epoch ${epoch} not active`);
    const seq = this.writeSeq[epoch] as number;
    if (seq >= 2 ** 48 - 1) throw new RangeError("DTLS sequence number space exhausted");
    this.writeSeq[epoch] = seq + 1;
    out[off] = type;
    writeUint(out, off + 1, 2, this.writeVersion);
    writeUint(out, off + 3, 2, epoch);
    writeUint(out, off + 5, 6, seq);
    if (epoch === 0) {
      writeUint(out, off + 11, 2, plaintext.length);
      out.set(plaintext, off + RECORD_HEADER_SIZE);
      return RECORD_HEADER_SIZE + plaintext.length;
    }
    const key = this.writeKey as AeadKey;
    this.fillAad(epoch, seq, type, this.writeVersion, plaintext.length);
    this.explicit.set(this.aad.subarray(0, 8));
    const n = key.seal(plaintext, this.aad, this.explicit, out, off + RECORD_HEADER_SIZE);
    writeUint(out, off + 11, 2, n);
    return RECORD_HEADER_SIZE + n;
  }

  seal(type: number, plaintext: Uint8Array, epoch = this.writeEpoch): Uint8Array {
    const out = new Uint8Array(this.recordSize(plaintext.length, epoch));
    this.sealInto(type, plaintext, out, 0, epoch);
    return out;
  }

  private fillAad(epoch: number, seq: number, type: number, version: number, len: number): void {
    writeUint(this.aad, 0, 2, epoch);
    writeUint(this.aad, 2, 6, seq);
    this.aad[8] = type;
    writeUint(this.aad, 9, 2, version);
    writeUint(this.aad, 11, 2, len);
  }
}
