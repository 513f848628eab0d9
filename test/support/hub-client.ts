import WebSocket from "ws";
import { decodeFrame, encodeFrame, type Message } from "../../src/protocol/index.ts";

/**
 * A scripted browser for tests: a WebSocket to the hub speaking the schema's binary frames, with
 * `next(pred)` resolving on the first received message that matches (including ones already
 * received), so tests wait on events, never on time.
 */
export class HubClient {
  readonly received: Message[] = [];
  private readonly ws: WebSocket;
  private seq = 0;
  private waiters: { pred: (m: Message) => boolean; resolve: (m: Message) => void }[] = [];
  readonly closed: Promise<void>;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on("message", (data: Buffer) => {
      const m = decodeFrame(new Uint8Array(data)).message;
      this.received.push(m);
      this.waiters = this.waiters.filter((w) => {
        if (!w.pred(m)) return true;
        w.resolve(m);
        return false;
      });
    });
    this.closed = new Promise((resolve) => ws.once("close", () => resolve()));
  }

  static async connect(url: string): Promise<HubClient> {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    return new HubClient(ws);
  }

  send(m: Message): void {
    this.ws.send(encodeFrame(m, { seq: this.seq++, timestamp: Date.now() * 1000 }));
  }

  next<M extends Message>(pred: (m: Message) => m is M): Promise<M>;
  next(pred: (m: Message) => boolean): Promise<Message>;
  next(pred: (m: Message) => boolean): Promise<Message> {
    const seen = this.received.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ pred, resolve }));
  }

  /** Like next, but only messages received from now on. */
  upcoming(pred: (m: Message) => boolean): Promise<Message> {
    return new Promise((resolve) => this.waiters.push({ pred, resolve }));
  }

  close(): void {
    this.ws.close();
  }

  /** Signs in and takes `role` on the first vehicle; resolves with the vehicle id. */
  async signIn(secret: string, role: "pilot" | "observer"): Promise<string> {
    this.send({ type: "auth", secret, name: "test" });
    const auth = await this.next((m) => m.type === "auth-result");
    if (auth.type !== "auth-result" || !auth.ok) throw new Error(`sign-in refused: ${JSON.stringify(auth)}`);
    const list = await this.next((m) => m.type === "vehicles" && m.vehicles.some((v) => v.connected));
    const id = list.type === "vehicles" ? (list.vehicles.find((v) => v.connected)?.id ?? "") : "";
    this.send({ type: "role-request", vehicle: id, role, takeover: false });
    await this.next((m) => m.type === "role" && m.role === role);
    return id;
  }
}
