import { once } from "node:events";
import { type ClientOptions, WebSocket } from "ws";
import { ProtocolClient } from "./protocol-client.ts";

/** A protocol-speaking `ws` WebSocket client for tests and benchmarks (see ProtocolClient). */
export class TestClient extends ProtocolClient {
  readonly ws: WebSocket;
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(ws: WebSocket) {
    super();
    this.ws = ws;
    ws.on("message", (data, isBinary) => {
      if (!isBinary) throw new Error("hub sent a text frame");
      const buf = data as Buffer;
      this.receive(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
    });
    this.closed = new Promise((resolve) =>
      ws.on("close", (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.wake();
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

  protected write(frame: Uint8Array): void {
    this.ws.send(frame);
  }

  protected get ended(): boolean {
    return this.ws.readyState >= WebSocket.CLOSING;
  }

  close(): void {
    this.ws.close();
  }
}
