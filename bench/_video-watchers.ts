/**
 * Child process for bench/video-latency.ts: opens N WebSockets on a hub, each signing in
 * (with SECRET, or anonymously: the hub admits only a few anonymous sessions per address), taking the observer role on the first connected vehicle and asking for its
 * camera 0 (`watch`), then only counts what it receives — a browser watching video, without
 * the decoding. IPC with the parent: {type:"ready"} once all watch; answers {type:"stats"} with
 * {type:"stats", videoFrames, videoBytes}; closes everything and exits on {type:"stop"}.
 *
 *   (forked) bench/_video-watchers.ts WS_URL COUNT [SECRET] [watch|observe]
 */
import { once } from "node:events";
import WebSocket from "ws";
import { decodeFrame, encodeFrame, type Message } from "../src/protocol/index.ts";
import { encodeControl, KIND_WATCH } from "../src/video/wire.ts";

const [url, countArg, secret, mode] = process.argv.slice(2);
/** "observe": sign in and attach without asking for video (the control of the benchmark). */
const watchVideo = mode !== "observe";
if (url === undefined || process.send === undefined) {
  process.stderr.write("run by bench/video-latency.ts (forked with IPC): _video-watchers.ts WS_URL COUNT\n");
  process.exit(2);
}
const count = Number(countArg ?? 20);
let videoFrames = 0;
let videoBytes = 0;
const sockets: WebSocket[] = [];

async function join(i: number): Promise<void> {
  const ws = new WebSocket(url as string, { perMessageDeflate: false });
  sockets.push(ws);
  ws.on("error", () => {});
  await once(ws, "open");
  let watching = false;
  await new Promise<void>((resolve, reject) => {
    ws.on("message", (data: Buffer) => {
      if (data[0] === 0x56) {
        if (data[1] === 1) videoFrames++;
        videoBytes += data.byteLength;
        return;
      }
      const m: Message = decodeFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)).message;
      if (m.type === "auth-result" && !m.ok) reject(new Error(`watcher ${i} refused: ${m.code}`));
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
      if (m.type === "role" && m.role === "observer" && !watching) {
        watching = true; // once: a watch again would start over from the cached keyframe
        if (watchVideo) ws.send(encodeControl(KIND_WATCH, { vehicle: m.vehicle, camera: 0 }));
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
}

for (let i = 0; i < count; i += 8)
  await Promise.all(Array.from({ length: Math.min(8, count - i) }, (_, k) => join(i + k)));
process.send({ type: "ready" });
process.on("message", (m: { type: string }) => {
  if (m.type === "stats") process.send?.({ type: "stats", videoFrames, videoBytes });
  if (m.type === "stop") {
    for (const s of sockets) s.terminate();
    process.exit(0);
  }
});
