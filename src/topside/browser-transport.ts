/**
 * Browser transport port: one browser's message connection as the hub's session protocol sees
 * it. Production runs it over a `ws` WebSocket (`ws-transport.ts`); tests run it in memory
 * (`testing/memory-transport.ts`).
 *
 * Contract:
 * - `remote` is the peer's address (keys the per-address limits; appears in logs). Fixed.
 * - `open` is true while `send` can write; false once closing or closed.
 * - `send(frame, written)` queues one binary message in order. `written` is called once, later
 *   (never inside `send`), when the bytes have left the transport's buffer (`err` undefined or
 *   null) or could not be written (an Error). `bufferedAmount` counts the bytes queued and not
 *   yet written: the backpressure signal.
 * - `close(code, reason)` writes what was queued before it, then closes with that close code.
 *   `terminate()` closes at once, dropping what is queued.
 * - Messages arrive through the `onMessage` listeners in order: `data` is the payload (only
 *   valid during the call), `binary` false for a text message.
 * - `onRefused` listeners hear about input the transport refused on its own (a message over its
 *   size limit, a protocol violation), with a stable code (`HUB_TOO_LARGE`, or the transport's
 *   own); the transport then closes the connection itself.
 * - `onClose` listeners run once, after the connection closed for whatever reason; no message
 *   arrives after that.
 */
export interface BrowserTransport {
  readonly remote: string;
  readonly open: boolean;
  readonly bufferedAmount: number;
  send(frame: Uint8Array, written: (err?: Error | null) => void): void;
  close(code: number, reason: string): void;
  terminate(): void;
  onMessage(listener: (data: Uint8Array, binary: boolean) => void): void;
  onRefused(listener: (code: string) => void): void;
  onClose(listener: () => void): void;
}
