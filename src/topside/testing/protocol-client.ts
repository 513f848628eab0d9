import {
  type DecodedFrame,
  decodeFrame,
  encodeFrame,
  type Message,
  type MessageOf,
  type MessageType,
} from "../../protocol/index.ts";

/**
 * A browser speaking the hub's protocol, for tests and benchmarks, over whatever carries its
 * frames (a WebSocket: `TestClient`; memory: `MemoryBrowser`). Decodes every frame it receives
 * and lets the caller await the next message of a type (no sleeps, no polling).
 */
export abstract class ProtocolClient {
  /** Every frame received, in order. */
  readonly received: DecodedFrame[] = [];
  private readonly unread: DecodedFrame[] = [];
  private waiter: (() => void) | undefined;
  /** Sequence numbers this client stamps; high, so they differ from those in test-made frames. */
  private seq = 1_000_000;

  /** Writes one encoded frame towards the hub. */
  protected abstract write(frame: Uint8Array): void;

  /** True once the connection is closing or closed: no more frames will arrive. */
  protected abstract get ended(): boolean;

  /** A binary message from the hub. */
  protected receive(bytes: Uint8Array): void {
    const frame = decodeFrame(bytes);
    this.received.push(frame);
    this.unread.push(frame);
    this.wake();
  }

  /** Lets a pending `next` look again (a frame arrived, or the connection ended). */
  protected wake(): void {
    this.waiter?.();
  }

  send(message: Message): number {
    const seq = ++this.seq;
    this.write(encodeFrame(message, { seq, timestamp: 1 }));
    return seq;
  }

  /** Next unread message of `type` (skipping others, which stay unread); rejects if the connection closes first. */
  async next<T extends MessageType>(type: T, where: (m: MessageOf<T>) => boolean = () => true): Promise<MessageOf<T>> {
    for (;;) {
      const i = this.unread.findIndex((f) => f.message.type === type && where(f.message as MessageOf<T>));
      if (i >= 0) return this.unread.splice(i, 1)[0]?.message as MessageOf<T>;
      if (this.ended) throw new Error(`socket closed while waiting for ${type}`);
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
      this.waiter = undefined;
    }
  }

  /** Removes and returns every unread message of `type`. */
  takeAll<T extends MessageType>(type: T): MessageOf<T>[] {
    const out: MessageOf<T>[] = [];
    for (let i = 0; i < this.unread.length; ) {
      const f = this.unread[i] as DecodedFrame;
      if (f.message.type === type) {
        out.push(f.message as MessageOf<T>);
        this.unread.splice(i, 1);
      } else i++;
    }
    return out;
  }

  /** Waits for the echo of a heartbeat sent now: everything sent before it has been handled. */
  async sync(): Promise<void> {
    const seq = this.send({ type: "heartbeat" });
    const echoed = (f: DecodedFrame) => f.message.type === "heartbeat" && f.seq === seq;
    while (!this.received.some(echoed)) await this.next("heartbeat");
  }

  /** Authenticates and returns the auth-result. */
  async auth(secret: string, name = ""): Promise<MessageOf<"auth-result">> {
    this.send({ type: "auth", secret, name });
    return this.next("auth-result");
  }
}
