import { createSocket, type Socket } from "node:dgram";
import { once } from "node:events";
import { createServer, type Server, type Socket as TcpSocket } from "node:net";

/** Test support: a UDP echo server on 127.0.0.1, port 0. */
export async function startUdpEcho(): Promise<{ port: number; received: () => number; close: () => Promise<void> }> {
  const s: Socket = createSocket("udp4");
  let n = 0;
  s.on("message", (msg, rinfo) => {
    n += 1;
    s.send(msg, rinfo.port, rinfo.address);
  });
  s.bind(0, "127.0.0.1");
  await once(s, "listening");
  return { port: s.address().port, received: () => n, close: () => new Promise((r) => s.close(() => r())) };
}

/** Test support: a TCP echo server on 127.0.0.1, port 0. */
export async function startTcpEcho(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<TcpSocket>();
  const server: Server = createServer((c) => {
    sockets.add(c);
    c.on("close", () => sockets.delete(c));
    c.on("error", () => {});
    c.pipe(c);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const a = server.address();
  const port = typeof a === "object" && a !== null ? a.port : 0;
  return {
    port,
    close: () =>
      new Promise((r) => {
        for (const c of sockets) c.destroy();
        server.close(() => r());
      }),
  };
}

/** A UDP client on 127.0.0.1 that collects what it receives. */
export async function udpClient(): Promise<{
  socket: Socket;
  got: Buffer[];
  waitFor: (n: number) => Promise<void>;
  close: () => Promise<void>;
}> {
  const socket = createSocket("udp4");
  const got: Buffer[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  socket.on("message", (m) => {
    got.push(m);
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i];
      if (w !== undefined && got.length >= w.n) {
        waiters.splice(i, 1);
        w.resolve();
      }
    }
  });
  socket.bind(0, "127.0.0.1");
  await once(socket, "listening");
  return {
    socket,
    got,
    waitFor: (n) => (got.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
    close: () => new Promise((r) => socket.close(() => r())),
  };
}
