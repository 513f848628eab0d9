/**
 * Child process for bench/video-latency.ts: N sessions on a hub — browsers watching video,
 * without the decoding — driven by the parent over IPC, so the benchmark can switch between its
 * phases many times without starting a process each time. Each command is answered with
 * {type: "done", command} once its effect is complete:
 *
 *   join     N WebSockets sign in (with SECRET) and attach as observers to the first connected
 *            vehicle: done when every session holds the observer role;
 *   watch    every session asks for camera 0: done when every one has received a keyframe;
 *   unwatch  every session stops watching (camera −1): done when a ping sent after it has come
 *            back on every socket, so nothing sent before the hub stopped is still on its way;
 *   leave    every socket is closed: done when every close handshake has finished;
 *   stats    done with {videoFrames, videoBytes} received so far;
 *   stop     exits.
 *
 *   (forked) bench/_video-watchers.ts WS_URL COUNT SECRET
 */
import { once } from "node:events";
import WebSocket from "ws";
import { decodeFrame, encodeFrame, type Message } from "../src/protocol/index.ts";
import { encodeControl, FLAG_KEYFRAME, KIND_AU, KIND_WATCH } from "../src/video/wire.ts";

const [url, countArg, secret] = process.argv.slice(2);
if (url === undefined || process.send === undefined) {
  process.stderr.write("run by bench/video-latency.ts (forked with IPC): _video-watchers.ts WS_URL COUNT SECRET\n");
  process.exit(2);
}
const count = Number(countArg ?? 20);
let videoFrames = 0;
let videoBytes = 0;

interface Session {
  ws: WebSocket;
  vehicle: string;
  /** Resolved at the next keyframe this session receives. */
  keyframe?: () => void;
}
let sessions: Session[] = [];

async function join(i: number): Promise<Session> {
  const ws = new WebSocket(url as string, { perMessageDeflate: false });
  ws.on("error", () => {});
  await once(ws, "open");
  const s: Session = { ws, vehicle: "" };
  await new Promise<void>((resolve, reject) => {
    ws.on("message", (data: Buffer) => {
      if (data[0] === 0x56) {
        if (data[1] === KIND_AU) {
          videoFrames++;
          if (((data[3] as number) & FLAG_KEYFRAME) !== 0) s.keyframe?.();
        }
        videoBytes += data.byteLength;
        return;
      }
      const m: Message = decodeFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)).message;
      if (m.type === "auth-result" && !m.ok) reject(new Error(`watcher ${i} refused: ${m.code}`));
      if (m.type === "vehicles" && s.vehicle === "") {
        const v = m.vehicles.find((x) => x.connected);
        if (v)
          ws.send(
            encodeFrame(
              { type: "role-request", vehicle: v.id, role: "observer", takeover: false },
              { seq: 2, timestamp: Date.now() * 1000 },
            ),
          );
      }
      if (m.type === "role" && m.role === "observer" && s.vehicle === "") {
        s.vehicle = m.vehicle;
        resolve();
      }
    });
    ws.send(
      encodeFrame(
        { type: "auth", secret: secret ?? "", name: `watcher-${i}` },
        { seq: 1, timestamp: Date.now() * 1000 },
      ),
    );
  });
  return s;
}

const commands: Record<string, () => Promise<object | undefined>> = {
  async join() {
    // The first sign-in alone: the hub hashes a secret once, then knows it, and refuses
    // (HUB_AUTH_BUSY) sign-ins that would hash at once beyond its limit.
    if (count > 0) sessions.push(await join(0));
    for (let i = 1; i < count; i += 8)
      sessions.push(...(await Promise.all(Array.from({ length: Math.min(8, count - i) }, (_, k) => join(i + k)))));
    return undefined;
  },
  async watch() {
    await Promise.all(
      sessions.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.keyframe = () => {
              s.keyframe = undefined;
              resolve();
            };
            s.ws.send(encodeControl(KIND_WATCH, { vehicle: s.vehicle, camera: 0 }));
          }),
      ),
    );
    return undefined;
  },
  async unwatch() {
    await Promise.all(
      sessions.map((s) => {
        s.ws.send(encodeControl(KIND_WATCH, { vehicle: s.vehicle, camera: -1 }));
        const pong = once(s.ws, "pong");
        s.ws.ping();
        return pong;
      }),
    );
    return undefined;
  },
  async leave() {
    const all = sessions;
    sessions = [];
    await Promise.all(
      all.map((s) => {
        const closed = once(s.ws, "close");
        s.ws.close();
        return closed;
      }),
    );
    return undefined;
  },
  async stats() {
    return { videoFrames, videoBytes };
  },
  async stop() {
    for (const s of sessions) s.ws.terminate();
    process.exit(0);
  },
};

// One command at a time, in order: the parent waits for each answer before the next.
let queue = Promise.resolve();
process.on("message", (m: { type: string }) => {
  const run = commands[m.type];
  if (run === undefined) return;
  queue = queue
    .then(async () => {
      const extra = await run();
      process.send?.({ type: "done", command: m.type, ...extra });
    })
    .catch((err: Error) => {
      process.send?.({ type: "failed", command: m.type, message: err.message });
    });
});
process.send({ type: "ready" });
