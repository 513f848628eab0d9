/**
 * Serial link port: a byte stream to a device (UART, USB CDC, pseudo-terminal).
 *
 * Contract (every backend passes test/contract/serial-link.contract.ts):
 * - `open()` opens the device; rejects with SERIAL_OPEN if it cannot (missing, busy, no
 *   permission). Opening an open link is a no-op.
 * - `write(data)` queues bytes in order; resolves once the bytes were handed to the OS (drained
 *   from the backend's buffer). Rejects with SERIAL_CLOSED if the link is not open, SERIAL_IO on
 *   a write error.
 * - Received bytes arrive through the `data` listener in order, in chunks of any size. A chunk
 *   is only valid during the callback (backends may reuse its buffer); copy to keep it.
 * - `close` listeners run once when the link closes, whether by `close()` (err undefined) or
 *   because the device went away (err is a TethysError SERIAL_LOST). The link can be opened
 *   again afterwards.
 * - Listeners are removed by the function that `on*` returns.
 */
export interface SerialLink {
  readonly path: string;
  readonly isOpen: boolean;
  open(): Promise<void>;
  write(data: Uint8Array): Promise<void>;
  close(): Promise<void>;
  onData(listener: (chunk: Uint8Array) => void): () => void;
  onClose(listener: (err?: Error) => void): () => void;
}

export interface SerialOptions {
  path: string;
  baudRate: number;
}
