import type { BrowserTransport } from "../browser-transport.ts";
import { HubCodes } from "../errors.ts";
import { ProtocolClient } from "./protocol-client.ts";

/** What the hub side of a memory connection tells its browser side. */
interface BrowserEnd {
  frame(bytes: Uint8Array): void;
  closed(code: number, reason: string): void;
}

interface Write {
  frame: Uint8Array;
  written: (err?: Error | null) => void;
}

/** WebSocket close code for a connection dropped without a closing handshake. */
const ABNORMAL = 1006;

/**
 * The hub's side of an in-memory browser connection (a `BrowserTransport`, created by
 * `MemoryBrowser`). Frames the hub sends reach the browser a microtask later, and count in
 * `bufferedAmount` until they do; a stalled browser (`MemoryBrowser.stall()`) takes none, so
 * they pile up there as in a socket nobody reads. Like `ws`, a message over `maxMessageBytes`
 * is refused with HUB_TOO_LARGE and closes the connection with 1009.
 */
export class MemoryTransport implements BrowserTransport {
  readonly remote: string;
  private readonly maxMessageBytes: number;
  private readonly browser: BrowserEnd;
  private readonly writes: Write[] = [];
  private readonly messageListeners: ((data: Uint8Array, binary: boolean) => void)[] = [];
  private readonly refusedListeners: ((code: string) => void)[] = [];
  private readonly closeListeners: (() => void)[] = [];
  private state: "open" | "closing" | "closed" = "open";
  private closeFrame = { code: 1000, reason: "" };
  private buffered = 0;
  private flushing = false;
  private stalled = false;

  constructor(remote: string, maxMessageBytes: number, browser: BrowserEnd) {
    this.remote = remote;
    this.maxMessageBytes = maxMessageBytes;
    this.browser = browser;
  }

  get open(): boolean {
    return this.state === "open";
  }

  get bufferedAmount(): number {
    return this.buffered;
  }

  send(frame: Uint8Array, written: (err?: Error | null) => void): void {
    if (this.state !== "open") {
      queueMicrotask(() => written(new Error("the connection is not open")));
      return;
    }
    this.writes.push({ frame, written });
    this.buffered += frame.byteLength;
    this.scheduleFlush();
  }

  close(code: number, reason: string): void {
    if (this.state !== "open") return;
    this.state = "closing";
    this.closeFrame = { code, reason };
    this.scheduleFlush();
  }

  terminate(): void {
    if (this.state === "closed") return;
    this.state = "closed";
    queueMicrotask(() => this.finish(ABNORMAL, ""));
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

  /** A message from the browser, handed to the hub at once. */
  fromBrowser(data: Uint8Array, binary: boolean): void {
    if (this.state === "closed") return;
    if (data.byteLength > this.maxMessageBytes) {
      for (const l of this.refusedListeners) l(HubCodes.TOO_LARGE);
      this.close(1009, "");
      return;
    }
    for (const l of this.messageListeners) l(data, binary);
  }

  /** The browser closed the connection. */
  closeFromBrowser(code: number, reason: string): void {
    if (this.state === "closed") return;
    this.state = "closed";
    queueMicrotask(() => this.finish(code, reason));
  }

  /** The browser stops reading: what the hub sends stays buffered. */
  stall(): void {
    this.stalled = true;
  }

  /** The browser reads again: everything buffered arrives. */
  resume(): void {
    this.stalled = false;
    this.flush();
  }

  /** Delivers what waits, unless stalled. */
  private flush(): void {
    this.flushing = false;
    if (this.stalled) return;
    for (let w = this.writes.shift(); w !== undefined; w = this.writes.shift()) {
      this.buffered -= w.frame.byteLength;
      if (this.state !== "closed") this.browser.frame(w.frame);
      w.written();
      if (this.stalled) return;
    }
    if (this.state === "closing") {
      this.state = "closed";
      this.finish(this.closeFrame.code, this.closeFrame.reason);
    }
  }

  private scheduleFlush(): void {
    if (this.flushing || this.stalled) return;
    this.flushing = true;
    queueMicrotask(() => this.flush());
  }

  /** Closed: unwritten frames fail, the browser learns the close code, then the hub. */
  private finish(code: number, reason: string): void {
    const dropped = this.writes.splice(0);
    this.buffered = 0;
    for (const w of dropped) w.written(new Error("the connection closed"));
    this.browser.closed(code, reason);
    for (const l of this.closeListeners) l();
  }
}

/**
 * A browser connected to the hub in memory: `transport` is what the hub accepts; this side
 * sends and awaits protocol frames like `TestClient` (see ProtocolClient), and can also send raw
 * bytes or text, stop reading (`stall`) and read again (`resume`).
 */
export class MemoryBrowser extends ProtocolClient {
  readonly transport: MemoryTransport;
  readonly closed: Promise<{ code: number; reason: string }>;
  private done = false;

  constructor(options: { remote?: string; maxMessageBytes?: number } = {}) {
    super();
    let resolveClosed: (c: { code: number; reason: string }) => void = () => {};
    this.closed = new Promise((resolve) => {
      resolveClosed = resolve;
    });
    this.transport = new MemoryTransport(options.remote ?? "memory", options.maxMessageBytes ?? Infinity, {
      frame: (bytes) => this.receive(bytes),
      closed: (code, reason) => {
        this.done = true;
        resolveClosed({ code, reason });
        this.wake();
      },
    });
  }

  protected write(frame: Uint8Array): void {
    this.transport.fromBrowser(frame, true);
  }

  protected get ended(): boolean {
    return this.done;
  }

  /** Sends any bytes as one binary message (malformed frames, say). */
  sendBytes(bytes: Uint8Array): void {
    this.transport.fromBrowser(bytes, true);
  }

  /** Sends a text message. */
  sendText(text: string): void {
    this.transport.fromBrowser(new TextEncoder().encode(text), false);
  }

  /** Stops reading: what the hub sends stays in the transport's buffer. */
  stall(): void {
    this.transport.stall();
  }

  /** Reads again: everything buffered arrives. */
  resume(): void {
    this.transport.resume();
  }

  close(code = 1000, reason = ""): void {
    this.transport.closeFromBrowser(code, reason);
  }
}
