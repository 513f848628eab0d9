/**
 * Stateless HelloVerifyRequest cookies (RFC 6347 4.2.1): HMAC-SHA256 over the client's address,
 * port and hello parameters under a secret that rotates; a cookie made under the previous secret
 * is still accepted, so a rotation never breaks a handshake in flight. No per-client state.
 */
import { createHmac, randomBytes } from "node:crypto";
import type { ParsedClientHello } from "./wire/hello.ts";
import { bytesEqual } from "./wire/struct.ts";

export const COOKIE_LENGTH = 32;

export class CookieJar {
  private current: Uint8Array;
  private previous: Uint8Array;
  private rotatedAt: number;
  private readonly lifetimeMs: number;
  private readonly random: (n: number) => Uint8Array;

  constructor(now: number, lifetimeMs = 60_000, random: (n: number) => Uint8Array = randomBytes) {
    this.random = random;
    this.current = random(32);
    this.previous = this.current;
    this.rotatedAt = now;
    this.lifetimeMs = lifetimeMs;
  }

  make(address: string, port: number, hello: ParsedClientHello, now: number): Uint8Array {
    this.maybeRotate(now);
    return this.mac(this.current, address, port, hello);
  }

  verify(address: string, port: number, hello: ParsedClientHello, now: number): boolean {
    this.maybeRotate(now);
    const c = hello.raw.cookie;
    if (c.length !== COOKIE_LENGTH) return false;
    return (
      bytesEqual(c, this.mac(this.current, address, port, hello)) ||
      bytesEqual(c, this.mac(this.previous, address, port, hello))
    );
  }

  private maybeRotate(now: number): void {
    if (now - this.rotatedAt < this.lifetimeMs) return;
    // After a long pause both secrets are stale: replace both.
    this.previous = now - this.rotatedAt < 2 * this.lifetimeMs ? this.current : this.random(32);
    this.current = this.random(32);
    this.rotatedAt = now;
  }

  private mac(secret: Uint8Array, address: string, port: number, h: ParsedClientHello): Uint8Array {
    const r = h.raw;
    const head = new Uint8Array(4);
    new DataView(head.buffer).setUint16(0, port);
    new DataView(head.buffer).setUint16(2, r.clientVersion);
    return createHmac("sha256", secret)
      .update(`${address}\0`)
      .update(head)
      .update(r.random)
      .update(r.sessionId)
      .update(r.cipherSuites)
      .update(r.compressionMethods)
      .digest();
  }
}
