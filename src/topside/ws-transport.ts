import type { WebSocket } from "ws";
import { errorCode } from "../kernel/errors.ts";
import type { BrowserTransport } from "./browser-transport.ts";
import { HubCodes } from "./errors.ts";

const BINARY = { binary: true } as const;

/**
 * The browser transport over a server-side `ws` WebSocket, plus its keepalive: `ping()` sends a
 * WebSocket ping, and terminates the socket when the previous one went unanswered.
 */
export class WsTransport implements BrowserTransport {
  readonly remote: string;
  private readonly ws: WebSocket;
  private readonly messageListeners: ((data: Uint8Array, binary: boolean) => void)[] = [];
  private readonly refusedListeners: ((code: string) => void)[] = [];
  private readonly closeListeners: (() => void)[] = [];
  private alive = true;

  constructor(ws: WebSocket, remote: string) {
    this.ws = ws;
    this.remote = remote;
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
    this.ws.send(frame, BINARY, written);
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
