import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";
import { errorCode } from "../kernel/errors.ts";
import type { BrowserTransport } from "./browser-transport.ts";
import { HubCodes } from "./errors.ts";
import type { WsFrames } from "./ws-frames.ts";

/**
 * The browser transport over a server-side `ws` WebSocket, plus its keepalive: `ping()` sends a
 * WebSocket ping, and terminates the socket when the previous one went unanswered.
 *
 * Messages are written as frames pre-built once for all browsers (`WsFrames`) straight to the
 * upgraded socket, one write each. That is safe beside `ws`'s own writes (pings, pongs, the
 * close frame) because the hub's server runs without permessage-deflate and never sends Blobs:
 * `ws` then never queues a frame, it writes at once, so everything leaves in call order; the
 * socket's buffer is what `ws` reports as `bufferedAmount` either way. Nothing is written once
 * the WebSocket is no longer open (the close frame is the last thing on the wire).
 */
export class WsTransport implements BrowserTransport {
  readonly remote: string;
  private readonly ws: WebSocket;
  private readonly messageListeners: ((data: Uint8Array, binary: boolean) => void)[] = [];
  private readonly refusedListeners: ((code: string) => void)[] = [];
  private readonly closeListeners: (() => void)[] = [];
  private readonly socket: Duplex;
  private readonly frames: WsFrames;
  private alive = true;

  /** `socket` is the upgraded connection `ws` runs on (the one given to `handleUpgrade`). */
  constructor(ws: WebSocket, remote: string, socket: Duplex, frames: WsFrames) {
    this.ws = ws;
    this.remote = remote;
    this.socket = socket;
    this.frames = frames;
    ws.binaryType = "nodebuffer";
    ws.on("message", (data, isBinary) => {
      const buf = data as Buffer;
      const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
      for (const l of this.messageListeners) l(bytes, isBinary);
    });
    ws.on("pong", () => {
      this.alive = true;
    });
    // ws closes the socket itself after a protocol error (1002) or an oversize message (1009).
    ws.on("error", (err: Error & { code?: string }) => {
      const code = err.code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH" ? HubCodes.TOO_LARGE : errorCode(err);
      for (const l of this.refusedListeners) l(code);
    });
    ws.on("close", () => {
      for (const l of this.closeListeners) l();
    });
  }

  get open(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  send(frame: Uint8Array, written: (err?: Error | null) => void): void {
    if (!this.open) {
      process.nextTick(written, new Error("the WebSocket is not open"));
      return;
    }
    this.socket.write(this.frames.frame(frame), written);
  }

  close(code: number, reason: string): void {
    this.ws.close(code, reason);
  }

  terminate(): void {
    this.ws.terminate();
  }

  onMessage(listener: (data: Uint8Array, binary: boolean) => void): void {
    this.messageListeners.push(listener);
  }

  onRefused(listener: (code: string) => void): void {
    this.refusedListeners.push(listener);
  }

  onClose(listener: () => void): void {
    this.closeListeners.push(listener);
  }

  /** Keepalive: returns false (and terminates) when the previous ping went unanswered. */
  ping(): boolean {
    if (!this.alive) {
      this.ws.terminate();
      return false;
    }
    this.alive = false;
    this.ws.ping();
    return true;
  }
}
