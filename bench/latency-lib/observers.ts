/**
 * Child process for bench/observers-load.ts: opens N observer WebSockets on a hub, each signing
 * in with SECRET (empty: anonymously) and taking the observer role on the first connected
 * vehicle, then only counts what it receives (telemetry and events fanned out by the hub). A
 * refusal (HTTP status on the upgrade, a failed sign-in, a closed socket) is counted by its code,
 * never fatal. Talks to its parent over IPC: sends {type:"ready", joined, refused, joinMs};
 * answers {type:"stats"} with {type:"stats", frames, bytes, open}; closes everything and exits
 * on {type:"stop"}.
 *
 *   (forked) bench/latency-lib/observers.ts WS_URL COUNT [SECRET]
 */
import WebSocket from "ws";
import { decodeFrame, encodeFrame, type Message } from "../../src/protocol/index.ts";

const [url, countArg, secretArg] = process.argv.slice(2);
if (url === undefined || process.send === undefined) {
  process.stderr.write("run by bench/observers-load.ts (forked with IPC): observers.ts WS_URL COUNT\n");
  process.exit(2);
}
const count = Number(countArg ?? 200);
const secret = secretArg ?? "";
/** Sign-ins at once: the hub refuses more than 16 unauthenticated connections per address. */
const BATCH = 8;

let frames = 0;
let bytes = 0;
const sockets: WebSocket[] = [];
/** Refusals by code: an HTTP status on the upgrade ("HTTP 503"), an auth-result code, "closed". */
const refused: Record<string, number> = {};
const refuse = (code: string): void => {
  refused[code] = (refused[code] ?? 0) + 1;
};

async function join(i: number): Promise<void> {
  const ws = new WebSocket(url as string, { perMessageDeflate: false });
  ws.on("error", () => {});
  const opened = await new Promise<boolean>((resolve) => {
    ws.once("open", () => resolve(true));
    ws.once("unexpected-response", (_req, res) => {
      refuse(`HTTP ${res.statusCode}`);
      res.resume();
      ws.terminate();
      resolve(false);
    });
    ws.once("close", () => resolve(false));
  });
  if (!opened) return;
  let joined = false;
  const done = new Promise<void>((resolve, reject) => {
    ws.once("close", (code, reason) => {
      if (!joined) reject(new Error(`closed ${code} ${reason.toString() || ""}`.trim()));
    });
    ws.on("message", (data: Buffer) => {
      frames++;
      bytes += data.byteLength;
      if (joined) return; // after joining: count only, as a cheap observer would
      const m: Message = decodeFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)).message;
      if (m.type === "auth-result" && !m.ok) reject(new Error(m.code));
      if (m.type === "vehicles") {
        const v = m.vehicles.find((x) => x.connected);
        if (v)
          ws.send(
            encodeFrame(
              { type: "role-request", vehicle: v.id, role: "observer", takeover: false },
              { seq: 2, timestamp: Date.now() * 1000 },
            ),
          );
      }
      if (m.type === "role" && m.role === "observer") {
        joined = true;
        resolve();
      }
    });
  });
  ws.send(encodeFrame({ type: "auth", secret, name: `observer-${i}` }, { seq: 1, timestamp: Date.now() * 1000 }));
  try {
    await done;
    sockets.push(ws);
  } catch (err) {
    refuse((err as Error).message);
    ws.terminate();
  }
}

const t0 = performance.now();
// The first alone: the hub checks a secret's hash once, then knows it (sign-ins arriving while
// the first check runs would count as concurrent attempts and be refused with HUB_AUTH_BUSY).
if (count > 0) await join(0);
for (let i = 1; i < count; i += BATCH) {
  await Promise.all(Array.from({ length: Math.min(BATCH, count - i) }, (_, k) => join(i + k)));
}
process.send({ type: "ready", joined: sockets.length, refused, joinMs: performance.now() - t0 });

process.on("message", (m: { type: string }) => {
  if (m.type === "stats") {
    process.send?.({
      type: "stats",
      frames,
      bytes,
      open: sockets.filter((s) => s.readyState === WebSocket.OPEN).length,
    });
  } else if (m.type === "stop") {
    for (const s of sockets) s.terminate();
    process.exit(0);
  }
});
