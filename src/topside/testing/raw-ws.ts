import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { connect, type Socket } from "node:net";
import { type DecodedFrame, decodeFrame, encodeFrame } from "../../protocol/index.ts";

/**
 * A bare-TCP WebSocket client for tests that need control the `ws` client does not give: it can
 * stop reading entirely (a stalled browser), so the hub's writes back up in the kernel and in
 * Node. Sends masked binary frames; parses the server's unmasked frames when reading.
 */
export class RawWebSocket {
  readonly socket: Socket;
  /** Decoded binary messages, in order. */
  readonly frames: DecodedFrame[] = [];
  private pending: Buffer = Buffer.alloc(0);
  private listener: (() => void) | undefined;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on("data", (chunk: Buffer) => {
      this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
      this.parse();
    });
    socket.on("error", () => {});
  }

  static async connect(port: number, path = "/ws"): Promise<RawWebSocket> {
    const socket = connect(port, "127.0.0.1");
    await once(socket, "connect");
    const key = randomBytes(16).toString("base64");
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    let head = Buffer.alloc(0);
    while (!head.includes("\r\n\r\n")) {
      const [chunk] = (await once(socket, "data")) as [Buffer];
      head = Buffer.concat([head, chunk]);
    }
    const end = head.indexOf("\r\n\r\n") + 4;
    if (!head.subarray(0, end).toString().startsWith("HTTP/1.1 101"))
      throw new Error(`upgrade refused: ${head.toString().split("\r\n")[0]}`);
    const ws = new RawWebSocket(socket);
    if (head.length > end) ws.socket.emit("data", head.subarray(end));
    return ws;
  }

  /**
   * Connects, authenticates with `secret` as `name` and observes `vehicle`; returns the socket,
   * still reading, and the session id the hub gave it.
   */
  static async observer(
    port: number,
    secret: string,
    name: string,
    vehicle = "rov1",
  ): Promise<{ ws: RawWebSocket; session: number }> {
    const ws = await RawWebSocket.connect(port);
    ws.send(encodeFrame({ type: "auth", secret, name }, { seq: 1, timestamp: 1 }));
    await ws.until((f) => f.message.type === "auth-result");
    ws.send(
      encodeFrame({ type: "role-request", vehicle, role: "observer", takeover: false }, { seq: 2, timestamp: 1 }),
    );
    await ws.until((f) => f.message.type === "role");
    const authResult = await ws.until((f) => f.message.type === "auth-result");
    return { ws, session: (authResult.message as { session: number }).session };
  }

  /** Writes one masked binary frame. */
  send(payload: Uint8Array): void {
    const n = payload.length;
    const header = n < 126 ? Buffer.from([0x82, 0x80 | n]) : Buffer.from([0x82, 0x80 | 126, n >> 8, n & 0xff]);
    const mask = randomBytes(4);
    const body = Buffer.from(payload);
    for (let i = 0; i < n; i++) body[i] = (body[i] as number) ^ (mask[i & 3] as number);
    this.socket.write(Buffer.concat([header, mask, body]));
  }

  /** Resolves once `test` holds for some received frame (checked as frames arrive). */
  async until(test: (f: DecodedFrame) => boolean): Promise<DecodedFrame> {
    for (;;) {
      const hit = this.frames.find(test);
      if (hit !== undefined) return hit;
      if (this.socket.destroyed) throw new Error("socket closed");
      await new Promise<void>((resolve) => {
        this.listener = resolve;
      });
    }
  }

  /** Stops reading: the kernel's receive buffer fills and the sender backs up. */
  stall(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private parse(): void {
    let buf = this.pending;
    for (;;) {
      if (buf.length < 2) break;
      const opcode = (buf[0] as number) & 0x0f;
      let len = (buf[1] as number) & 0x7f;
      let off = 2;
      if (len === 126) {
        if (buf.length < 4) break;
        len = buf.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (buf.length < 10) break;
        len = Number(buf.readBigUInt64BE(2));
        off = 10;
      }
      if (buf.length < off + len) break;
      if (opcode === 2) this.frames.push(decodeFrame(new Uint8Array(buf.subarray(off, off + len))));
      buf = buf.subarray(off + len);
    }
    this.pending = buf;
    const l = this.listener;
    this.listener = undefined;
    l?.();
  }
}
