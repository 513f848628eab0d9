import { decodeFrame, FrameEncoder, type Message, ProtocolError } from "../../protocol/index.ts";

/**
 * The cockpit's WebSocket to the hub: binary frames of the shared codec in both directions,
 * reconnect with capped backoff, and a typed message callback. Commands get a per-connection
 * sequence number and a wall-clock timestamp in their header; the hub re-checks both.
 */
export interface ConnectionEvents {
  open(): void;
  close(reason: string): void;
  message(message: Message, seq: number, timestampUs: number): void;
  /** A frame from the hub that did not decode (counted and shown in the debug panel). */
  bad(error: ProtocolError): void;
  /** A video message (first byte 0x56, src/video/wire.ts): the bytes are valid during the call. */
  video?(bytes: Uint8Array): void;
}

/** First byte of a video message; no protocol frame starts with it. */
const VIDEO_MAGIC = 0x56;

export class HubConnection {
  private readonly url: string;
  private readonly on: ConnectionEvents;
  private ws: WebSocket | undefined;
  private readonly encoder = new FrameEncoder();
  private seq = 0;
  private retryMs = 500;
  private closedByUser = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  badFrames = 0;

  constructor(url: string, on: ConnectionEvents) {
    this.url = url;
    this.on = on;
  }

  get isOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  connect(): void {
    this.closedByUser = false;
    const ws = new WebSocket(this.url);
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    ws.onopen = () => {
      this.retryMs = 500;
      this.seq = 0;
      this.on.open();
    };
    ws.onmessage = (ev: MessageEvent) => {
      if (!(ev.data instanceof ArrayBuffer)) return;
      const bytes = new Uint8Array(ev.data);
      if (bytes[0] === VIDEO_MAGIC && this.on.video !== undefined) {
        this.on.video(bytes);
        return;
      }
      try {
        const f = decodeFrame(bytes);
        this.on.message(f.message, f.seq, f.timestamp);
      } catch (err) {
        this.badFrames++;
        if (err instanceof ProtocolError) this.on.bad(err);
      }
    };
    ws.onclose = (ev: CloseEvent) => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      this.on.close(ev.reason || `connection closed (${ev.code})`);
      if (!this.closedByUser) {
        this.timer = setTimeout(() => this.connect(), this.retryMs);
        this.retryMs = Math.min(5000, this.retryMs * 2);
      }
    };
  }

  /** Sends a message; returns false when not connected (the caller shows it, never queues). */
  send(message: Message): boolean {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    const bytes = this.encoder.encode(message, {
      seq: this.seq,
      timestamp: Math.round((performance.timeOrigin + performance.now()) * 1000),
    });
    this.seq = (this.seq + 1) >>> 0;
    ws.send(bytes as Uint8Array<ArrayBuffer>);
    return true;
  }

  /** Sends bytes as they are (video control messages); false when not connected. */
  sendRaw(bytes: Uint8Array): boolean {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(bytes as Uint8Array<ArrayBuffer>);
    return true;
  }

  close(): void {
    this.closedByUser = true;
    clearTimeout(this.timer);
    this.ws?.close(1000, "signed out");
  }
}

/** ws:// or wss:// URL of the hub's WebSocket on the page's own origin. */
export function hubSocketUrl(loc: Location, path = "/ws"): string {
  return `${loc.protocol === "https:" ? "wss:" : "ws:"}//${loc.host}${path}`;
}
