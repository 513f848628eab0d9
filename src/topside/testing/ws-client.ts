import { once } from "node:events";
import { type ClientOptions, WebSocket } from "ws";
import {
  type DecodedFrame,
  decodeFrame,
  encodeFrame,
  type Message,
  type MessageOf,
  type MessageType,
} from "../../protocol/index.ts";

/**
 * A protocol-speaking WebSocket client for tests and benchmarks: decodes every binary frame it
 * receives and lets the caller await the next message of a type (no sleeps, no polling).
 */
export class TestClient {
  readonly ws: WebSocket;
  /** Every frame received, in order. */
  readonly received: DecodedFrame[] = [];
  private readonly unread: DecodedFrame[] = [];
  private waiter: (() => void) | undefined;
  /** Sequence numbers this client stamps; high, so they differ from those in test-made frames. */
  private seq = 1_000_000;
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on("message", (data, isBinary) => {
      if (!isBinary) throw new Error("hub sent a text frame");
      const buf = data as Buffer;
      const frame = decodeFrame(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
      this.received.push(frame);
      this.unread.push(frame);
      this.waiter?.();
    });
    this.closed = new Promise((resolve) =>
      ws.on("close", (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.waiter?.();
      }),
    );
    ws.on("error", () => {});
  }

  static async connect(url: string, options: ClientOptions = {}): Promise<TestClient> {
    const ws = new WebSocket(url, options);
    const client = new TestClient(ws);
    await once(ws, "open");
    return client;
  }

  send(message: Message): number {
    const seq = ++this.seq;
    this.ws.send(encodeFrame(message, { seq, timestamp: 1 }));
    return seq;
  }

  /** Next unread message of `type` (skipping others, which stay unread); rejects if the socket closes first. */
  async next<T extends MessageType>(type: T, where: (m: MessageOf<T>) => boolean = () => true): Promise<MessageOf<T>> {
    for (;;) {
      const i = this.unread.findIndex((f) => f.message.type === type && where(f.message as MessageOf<T>));
      if (i >= 0) return this.unread.splice(i, 1)[0]?.message as MessageOf<T>;
      if (this.ws.readyState >= WebSocket.CLOSING) throw new Error(`socket closed while waiting for ${type}`);
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

  close(): void {
    this.ws.close();
  }
}
