/**
 * Child process for bench/observers-load.ts: opens N observer WebSockets on a hub, each signing
 * in with SECRET (empty: anonymously) and taking the observer role on the first connected
 * vehicle, then only counts what it receives (telemetry and events fanned out by the hub) and
 * answers pings. A bare-TCP WebSocket client (not `ws`): once joined, an observer only walks
 * frame headers, so the load generator, which shares the machine, costs the hub little CPU. A
 * refusal (HTTP status on the upgrade, a failed sign-in, a closed socket) is counted by its code,
 * never fatal. Talks to its parent over IPC: sends {type:"ready", joined, refused, joinMs};
 * answers {type:"stats"} with {type:"stats", frames, bytes, open}; closes everything and exits
 * on {type:"stop"}.
 *
 *   (forked) bench/latency-lib/observers.ts WS_URL COUNT [SECRET]
 */
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { connect, type Socket } from "node:net";
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
const sockets: Socket[] = [];
/** Refusals by code: an HTTP status on the upgrade ("HTTP 503"), an auth-result code, "closed". */
const refused: Record<string, number> = {};
const refuse = (code: string): void => {
  refused[code] = (refused[code] ?? 0) + 1;
};
const { hostname, port, pathname } = new URL(url as string);

/** One masked client frame (RFC 6455: clients mask everything they send). */
function clientFrame(opcode: number, payload: Uint8Array): Buffer {
  const n = payload.length;
  const head = n < 126 ? 2 : 4;
  const out = Buffer.allocUnsafe(head + 4 + n);
  out[0] = 0x80 | opcode;
  if (n < 126) out[1] = 0x80 | n;
  else {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(n, 2);
  }
  const mask = randomBytes(4);
  mask.copy(out, head);
  for (let i = 0; i < n; i++) out[head + 4 + i] = (payload[i] as number) ^ (mask[i & 3] as number);
  return out;
}

/**
 * Walks the server's frames as they arrive, without copying payloads: `onFrame` gets the opcode
 * and, while `wantPayload()` or for control frames (a ping must be answered with its payload),
 * the payload; otherwise the payload bytes are only skipped. The observer's whole cost once
 * joined is this walk, so the load generator takes as little CPU as it can from the hub.
 */
function frameWalker(
  wantPayload: () => boolean,
  onFrame: (opcode: number, payload: Buffer | undefined) => void,
): (chunk: Buffer) => void {
  const head = Buffer.alloc(10);
  let headHave = 0;
  let opcode = 0;
  let left = -1; // payload bytes still to come; -1 while reading a header
  let parts: Buffer[] | undefined;
  return (chunk) => {
    let pos = 0;
    while (pos < chunk.length) {
      if (left < 0) {
        head[headHave++] = chunk[pos++] as number;
        if (headHave < 2) continue;
        const len7 = (head[1] as number) & 0x7f;
        const need = len7 === 126 ? 4 : len7 === 127 ? 10 : 2;
        if (headHave < need) continue;
        opcode = (head[0] as number) & 0x0f;
        left = len7 === 126 ? head.readUInt16BE(2) : len7 === 127 ? Number(head.readBigUInt64BE(2)) : len7;
        headHave = 0;
        parts = opcode >= 8 || wantPayload() ? [] : undefined;
      }
      const take = Math.min(left, chunk.length - pos);
      parts?.push(chunk.subarray(pos, pos + take));
      pos += take;
      left -= take;
      if (left === 0) {
        left = -1;
        onFrame(opcode, parts === undefined ? undefined : Buffer.concat(parts));
      }
    }
  };
}

async function join(i: number): Promise<void> {
  const socket = connect(Number(port), hostname);
  socket.on("error", () => {});
  socket.setNoDelay(true);
  try {
    await once(socket, "connect");
  } catch {
    refuse("connect failed");
    return;
  }
  socket.write(
    `GET ${pathname} HTTP/1.1\r\nHost: ${hostname}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  let joined = false;
  let upgraded = false;
  let head = Buffer.alloc(0);
  const done = new Promise<void>((resolve, reject) => {
    const walk = frameWalker(
      () => !joined,
      (opcode, payload) => {
        frames++;
        if (opcode === 0x9) socket.write(clientFrame(0xa, payload ?? Buffer.alloc(0)));
        if (opcode === 0x8)
          reject(
            new Error(`closed ${payload !== undefined && payload.length >= 2 ? payload.readUInt16BE(0) : ""}`.trim()),
          );
        if (joined || opcode !== 0x2 || payload === undefined) return;
        const m: Message = decodeFrame(new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength)).message;
        if (m.type === "auth-result" && !m.ok) reject(new Error(m.code));
        if (m.type === "vehicles") {
          const v = m.vehicles.find((x) => x.connected);
          if (v)
            socket.write(
              clientFrame(
                0x2,
                encodeFrame(
                  { type: "role-request", vehicle: v.id, role: "observer", takeover: false },
                  { seq: 2, timestamp: Date.now() * 1000 },
                ),
              ),
            );
        }
        if (m.type === "role" && m.role === "observer") {
          joined = true;
          resolve();
        }
      },
    );
    socket.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      if (upgraded) return walk(chunk);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      const status = head.subarray(0, end).toString("latin1").split("\r\n")[0] ?? "";
      if (!status.startsWith("HTTP/1.1 101")) {
        reject(new Error(`HTTP ${status.split(" ")[1] ?? "?"}`));
        return;
      }
      upgraded = true;
      socket.write(
        clientFrame(
          0x2,
          encodeFrame({ type: "auth", secret, name: `observer-${i}` }, { seq: 1, timestamp: Date.now() * 1000 }),
        ),
      );
      if (head.length > end + 4) walk(head.subarray(end + 4));
    });
    socket.once("close", () => reject(new Error("closed")));
  });
  try {
    await done;
    sockets.push(socket);
  } catch (err) {
    refuse((err as Error).message);
    socket.destroy();
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
      open: sockets.filter((s) => !s.destroyed).length,
    });
  } else if (m.type === "stop") {
    for (const s of sockets) s.destroy();
    process.exit(0);
  }
});
