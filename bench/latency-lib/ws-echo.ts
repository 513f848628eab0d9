import { once } from "node:events";
import WebSocket, { WebSocketServer } from "ws";

/**
 * A bare `ws` echo on loopback, the floor the pilot path is compared with: `count` round trips
 * of a 32-byte binary message (about a pilot frame's size), one at a time; ms each.
 */
export async function wsEchoRoundTrips(count: number): Promise<number[]> {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });
  await once(server, "listening");
  server.on("connection", (s) => s.on("message", (d: Buffer) => s.send(d)));
  const { port } = server.address() as { port: number };
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
  await once(ws, "open");
  const payload = Buffer.alloc(32);
  const out: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      ws.send(payload);
      await once(ws, "message");
      out.push(performance.now() - t0);
    }
  } finally {
    ws.terminate();
    await new Promise<void>((r) => server.close(() => r()));
  }
  return out;
}
