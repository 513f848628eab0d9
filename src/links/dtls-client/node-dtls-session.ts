import { dtls } from "node-dtls-client";
import { TethysError } from "../../kernel/errors.ts";
import { classifySessionError, type HandshakePhase } from "./classify-error.ts";
import type { DtlsSession, DtlsSessionFactory, DtlsSessionHandlers, DtlsSessionParams } from "./types.ts";

/** node-dtls-client's HandshakeType numbers we look for (RFC 5246 §7.4). */
const SERVER_HELLO_DONE = 14;
const FINISHED = 20;

/** Extra time node-dtls-client's own handshake timer allows beyond the link's (a backstop only). */
const LIBRARY_TIMEOUT_MARGIN_MS = 2000;

/** Fatal user_canceled: how we abort a handshake we give up on (RFC 5246 §7.2). */
const ABORT_ALERT = Buffer.from([2, 90]);
/** Copies of each abort alert: the path may be lossy and nothing is retransmitted. */
const ABORT_COPIES = 3;

/**
 * The parts of node-dtls-client's socket that are not in its public typings. They tell how far a
 * failed handshake got (so a wrong PSK is told apart from an unreachable hub), let us send an
 * alert before the handshake finished, and tear the socket down without the library throwing.
 * Every use is guarded: if a release changes them, we lose only the extra precision.
 */
interface SocketInternals {
  handshakeHandler?: { expectedResponses?: readonly number[] | null };
  killConnection?: (err?: Error) => void;
  udp?: { send(buf: Buffer, port: number, address: string, cb: (err: Error | null) => void): void };
  recordLayer?: { writeEpochNr?: number; epochs?: { writeSequenceNumber?: number }[] };
}

function phaseOf(socket: dtls.Socket, connected: boolean): HandshakePhase {
  if (connected) return "up";
  const internals = socket as unknown as SocketInternals;
  const handler = internals.handshakeHandler;
  if (handler === undefined) return "socket";
  const expected = handler.expectedResponses;
  if (!Array.isArray(expected)) return "unknown";
  if (expected.includes(FINISHED)) return "finished";
  if (expected.includes(SERVER_HELLO_DONE)) return "hello";
  return "unknown";
}

/**
 * The real session factory: one node-dtls-client socket (its own UDP socket on a random local
 * port, hence its own 5-tuple) per session. Errors are reported as TethysErrors with LINK_ codes.
 */
export const nodeDtlsSessionFactory: DtlsSessionFactory = (
  params: DtlsSessionParams,
  handlers: DtlsSessionHandlers,
): DtlsSession => {
  const peer = params.family === "udp6" ? `[${params.address}]:${params.port}` : `${params.address}:${params.port}`;
  let socket: dtls.Socket;
  try {
    socket = dtls.createSocket({
      type: params.family,
      address: params.address,
      port: params.port,
      psk: { [params.identity]: Buffer.from(params.key) },
      timeout: params.handshakeTimeoutMs + LIBRARY_TIMEOUT_MARGIN_MS,
      ciphers: [...params.ciphers],
    });
  } catch (err) {
    throw new TethysError("LINK_BAD_OPTIONS", `node-dtls-client refused the options: ${(err as Error).message}`, {
      cause: err,
    });
  }
  let connected = false;
  let dead = false;
  const swallow = (): void => {};

  socket.on("connected", () => {
    if (dead) return;
    connected = true;
    handlers.onConnected();
  });
  socket.on("message", (msg: Buffer) => {
    if (!dead) handlers.onMessage(msg);
  });
  // Stays attached after we are done so a late socket error is never unhandled.
  socket.on("error", (err: Error) => {
    if (dead) return;
    dead = true;
    handlers.onError(classifySessionError(err, phaseOf(socket, connected), peer));
  });
  socket.on("close", () => {
    if (dead) return;
    dead = true;
    handlers.onClose();
  });

  return {
    send(data: Uint8Array): void {
      if (dead) throw new TethysError("LINK_SESSION_CLOSED", "the DTLS session is closed");
      const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      // A callback keeps a transient send error (ENOBUFS) from killing the session; a link that
      // really stopped carrying records is caught by the stall detector.
      socket.send(buf, swallow);
    },
    close(): void {
      if (dead) return;
      dead = true;
      const internals = socket as unknown as SocketInternals;
      if (connected) {
        try {
          socket.close(); // close_notify, so the hub frees the session at once
          return;
        } catch {
          // fall through to a hard close
        }
      }
      // Before the handshake finished node-dtls-client's close() may throw and leaves its
      // handshake timer running; killConnection() without an error closes quietly. First tell
      // the hub we give up, so it does not sit on a half-open handshake (OpenSSL's s_server
      // serves one peer at a time and would otherwise ignore our next attempt for minutes).
      abortHandshake(socket, internals, params, phaseOf(socket, false)).then(() => internals.killConnection?.());
    },
    phase: () => phaseOf(socket, connected),
  };
};

/**
 * Sends a fatal alert for an abandoned handshake: in plaintext (epoch 0) for a hub still in
 * the handshake, and — once our ChangeCipherSpec went out — also under the new keys for a hub
 * that already completed it (its Finished was lost). Each several times, against loss. Resolves when the
 * datagrams are handed to the kernel (or failed), never rejects.
 */
function abortHandshake(
  socket: dtls.Socket,
  internals: SocketInternals,
  params: DtlsSessionParams,
  phase: HandshakePhase,
): Promise<void> {
  const udp = internals.udp;
  const epoch0 = internals.recordLayer?.epochs?.[0];
  if (
    phase === "socket" ||
    udp === undefined ||
    epoch0 === undefined ||
    typeof epoch0.writeSequenceNumber !== "number"
  ) {
    return Promise.resolve();
  }
  const sends: Promise<void>[] = [];
  /** Runs one send; the promise settles when its callback runs (or at once if it throws). */
  const track = (send: (cb: () => void) => void): void => {
    sends.push(
      new Promise<void>((resolve) => {
        try {
          send(() => resolve());
        } catch {
          resolve();
        }
      }),
    );
  };
  for (let i = 0; i < ABORT_COPIES; i++) {
    epoch0.writeSequenceNumber += 1;
    const record = plaintextAlert(epoch0.writeSequenceNumber);
    track((cb) => udp.send(record, params.port, params.address, cb));
  }
  if ((internals.recordLayer?.writeEpochNr ?? 0) >= 1) {
    // sendAlert only calls serialize(); the Alert class itself is not exported.
    const alert = { serialize: () => ABORT_ALERT } as unknown as Parameters<dtls.Socket["sendAlert"]>[0];
    for (let i = 0; i < ABORT_COPIES; i++) track((cb) => socket.sendAlert(alert, cb));
  }
  return Promise.all(sends).then(() => undefined);
}

/** A DTLS 1.2 plaintext alert record (RFC 6347 §4.1): type, version, epoch 0, 48-bit sequence, length, body. */
function plaintextAlert(seq: number): Buffer {
  const b = Buffer.alloc(13 + ABORT_ALERT.length);
  b[0] = 21; // alert
  b[1] = 254; // DTLS 1.2 = {254, 253}
  b[2] = 253;
  b.writeUInt16BE(0, 3);
  b.writeUIntBE(seq, 5, 6);
  b.writeUInt16BE(ABORT_ALERT.length, 11);
  ABORT_ALERT.copy(b, 13);
  return b;
}
