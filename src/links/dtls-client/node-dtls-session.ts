import { dtls } from "node-dtls-client";
import { TethysError } from "../../errors.ts";
import { classifySessionError, type HandshakePhase } from "./classify-error.ts";
import type { DtlsSession, DtlsSessionFactory, DtlsSessionHandlers, DtlsSessionParams } from "./types.ts";

/** node-dtls-client's HandshakeType numbers we look for (RFC 5246 §7.4). */
const SERVER_HELLO_DONE = 14;
const FINISHED = 20;

/**
 * The parts of node-dtls-client's socket that are not in its public typings but tell how far a
 * failed handshake got (so a wrong PSK is told apart from an unreachable hub) and let us tear
 * down a socket whose handshake has not finished without the library throwing.
 */
interface SocketInternals {
  handshakeHandler?: { expectedResponses?: readonly number[] | null };
  killConnection?: (err?: Error) => void;
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
export const nodeDtlsSessionFactory: DtlsSessionFactory = (params: DtlsSessionParams, handlers: DtlsSessionHandlers): DtlsSession => {
  const peer = params.family === "udp6" ? `[${params.address}]:${params.port}` : `${params.address}:${params.port}`;
  let socket: dtls.Socket;
  try {
    socket = dtls.createSocket({
      type: params.family,
      address: params.address,
      port: params.port,
      psk: { [params.identity]: Buffer.from(params.key) },
      timeout: params.handshakeTimeoutMs,
      ciphers: [...params.ciphers],
    });
  } catch (err) {
    throw new TethysError("LINK_BAD_OPTIONS", `node-dtls-client refused the options: ${(err as Error).message}`, { cause: err });
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
      // handshake timer running; killConnection() without an error closes quietly.
      internals.killConnection?.();
    },
  };
};
