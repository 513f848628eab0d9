/**
 * The handshake transcript and the secrets derived from it, computed the same way by both roles:
 * the master secret (classic, or extended per RFC 7627) from the PSK premaster (RFC 4279 2), the
 * AEAD key block (RFC 5246 6.3) and the Finished messages of either side. Only the direction
 * depends on the role: a client writes with the client keys and reads with the server keys, a
 * server the reverse.
 */
import { createHash, type Hash } from "node:crypto";
import { finishedVerifyData, keyBlock, masterSecret, pskPremaster } from "./crypto/prf.ts";
import type { CipherSuite } from "./crypto/suites.ts";
import { type HandshakeMessage, transcriptBytes } from "./handshake/reassembler.ts";
import type { RecordLayer } from "./record/record-layer.ts";
import { Finished } from "./wire/messages.ts";
import { bytesEqual, decodeStruct, encodeStruct } from "./wire/struct.ts";

export type Role = "client" | "server";

export class KeySchedule {
  readonly role: Role;
  clientRandom: Uint8Array = new Uint8Array(32);
  serverRandom: Uint8Array = new Uint8Array(32);
  /** The suite the server chose (set from the hellos, before `install`). */
  suite: CipherSuite | undefined;
  /** RFC 7627 negotiated: the master secret is seeded by the session hash. */
  extendedMasterSecret = false;
  private transcript: Hash = createHash("sha256");
  private master: Uint8Array | undefined;

  constructor(role: Role) {
    this.role = role;
  }

  /** Start the transcript over (RFC 6347 4.2.6: it starts at the hello that carries the cookie). */
  restartTranscript(): void {
    this.transcript = createHash("sha256");
  }

  addTranscript(m: HandshakeMessage): void {
    this.transcript.update(transcriptBytes(m));
  }

  /**
   * Derive the master secret and key block from `psk` (the session hash is the transcript so
   * far) and install them on `rl` as the pending epoch-1 state, in this role's direction.
   */
  install(rl: RecordLayer, psk: Uint8Array): void {
    const sessionHash = this.extendedMasterSecret ? this.transcriptHash() : undefined;
    this.master = masterSecret(pskPremaster(psk), this.clientRandom, this.serverRandom, sessionHash);
    const kb = keyBlock(this.master, this.clientRandom, this.serverRandom);
    const suite = this.suite as CipherSuite;
    if (this.role === "client") rl.setPending(suite, kb.serverKey, kb.serverSalt, kb.clientKey, kb.clientSalt);
    else rl.setPending(suite, kb.clientKey, kb.clientSalt, kb.serverKey, kb.serverSalt);
  }

  /** Body of our Finished over the transcript so far. */
  ourFinished(): Uint8Array {
    return encodeStruct(Finished, { verifyData: this.verifyData(this.role === "client") });
  }

  /** True when `body` is the Finished the peer must send after the transcript so far. */
  isPeerFinished(body: Uint8Array): boolean {
    const fin = decodeStruct(Finished, body);
    return fin !== undefined && bytesEqual(fin.verifyData, this.verifyData(this.role === "server"));
  }

  private verifyData(fromClient: boolean): Uint8Array {
    return finishedVerifyData(this.master as Uint8Array, fromClient, this.transcriptHash());
  }

  private transcriptHash(): Uint8Array {
    return this.transcript.copy().digest();
  }
}
