/**
 * The floor under the command link: bare TLS 1.3 round trips on loopback in this process (a
 * server that echoes every chunk, a client that sends `bytes` and waits for them back), with
 * `window` messages in flight. Used by bench/command-link.ts as its anchor.
 */
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { connect, createServer } from "node:tls";

export interface EchoResult {
  roundTrips: number;
  seconds: number;
  rttMs: number[];
}

export async function tlsEcho(
  credentials: { ca: string; cert: string; key: string },
  o: { seconds: number; bytes: number; window: number },
): Promise<EchoResult> {
  const server = createServer(
    { cert: credentials.cert, key: credentials.key, minVersion: "TLSv1.3", noDelay: true },
    (s) => {
      s.on("data", (d: Buffer) => s.write(d));
      s.on("error", () => {});
    },
  );
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  const socket = connect({ host: "127.0.0.1", port, ca: [credentials.ca], rejectUnauthorized: false });
  socket.setNoDelay(true);
  await once(socket, "secureConnect");
  const msg = Buffer.alloc(o.bytes, 7);
  const rttMs: number[] = [];
  const sentAt: number[] = [];
  let received = 0;
  const endAt = performance.now() + o.seconds * 1000;
  const t0 = performance.now();
  let outstanding = 0;
  const result = new Promise<void>((resolve) => {
    socket.on("data", (d: Buffer) => {
      received += d.length;
      let sent = false;
      while (received >= o.bytes) {
        received -= o.bytes;
        const now = performance.now();
        rttMs.push(now - (sentAt.shift() as number));
        outstanding--;
        if (now >= endAt) {
          if (outstanding === 0) resolve();
          continue;
        }
        sentAt.push(now);
        outstanding++;
        if (!sent) socket.cork();
        sent = true;
        socket.write(msg);
      }
      if (sent) socket.uncork();
    });
  });
  for (let i = 0; i < o.window; i++) {
    sentAt.push(performance.now());
    outstanding++;
    socket.write(msg);
  }
  await result;
  const seconds = (performance.now() - t0) / 1000;
  socket.destroy();
  server.close();
  return { roundTrips: rttMs.length, seconds, rttMs };
}
