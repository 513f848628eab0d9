import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { DiveLogCodes } from "./errors.ts";
import { MAX_SPEED, MIN_SPEED, type ReplayPlayer } from "./player.ts";

/** Largest control request body. */
const MAX_BODY = 1024;

const Control = z.discriminatedUnion("action", [
  z.strictObject({ action: z.literal("play") }),
  z.strictObject({ action: z.literal("pause") }),
  z.strictObject({ action: z.literal("seek"), time: z.number().finite() }),
  z.strictObject({ action: z.literal("speed"), speed: z.number().min(MIN_SPEED).max(MAX_SPEED) }),
]);

/**
 * The replay's HTTP control, beside the hub's own routes: `GET /replay/state` (position, range,
 * speed, playing, and the timeline of alarms, mode and link changes), `POST /replay/control` with
 * `{"action":"play"|"pause"}`, `{"action":"seek","time":µs}` or `{"action":"speed","speed":x}`,
 * answered with the new state. Anything else under `/replay/` is 404; a bad body is 400 with
 * `DIVELOG_REPLAY_BAD_CONTROL`. Returns false for paths that are not its own.
 */
export function replayRoutes(player: ReplayPlayer): (req: IncomingMessage, res: ServerResponse) => boolean {
  const json = (res: ServerResponse, status: number, body: unknown) =>
    res
      .writeHead(status, { "content-type": "application/json", "cache-control": "no-store" })
      .end(JSON.stringify(body));
  return (req, res) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (!path.startsWith("/replay/")) return false;
    if (path === "/replay/state" && (req.method === "GET" || req.method === "HEAD")) {
      json(res, 200, { ...player.state(), timeline: player.timeline });
    } else if (path === "/replay/control" && req.method === "POST") {
      readBody(req, MAX_BODY).then(
        async (body) => {
          let parsed: z.infer<typeof Control>;
          try {
            parsed = Control.parse(JSON.parse(body));
          } catch (err) {
            const text = err instanceof z.ZodError ? (err.issues[0]?.message ?? "invalid") : "not JSON";
            json(res, 400, { code: DiveLogCodes.REPLAY_BAD_CONTROL, text });
            return;
          }
          if (parsed.action === "play") player.play();
          else if (parsed.action === "pause") player.pause();
          else if (parsed.action === "seek") await player.seek(parsed.time);
          else player.setSpeed(parsed.speed);
          json(res, 200, player.state());
        },
        () => json(res, 400, { code: DiveLogCodes.REPLAY_BAD_CONTROL, text: `body larger than ${MAX_BODY} bytes` }),
      );
    } else {
      json(res, 404, { code: "not-found", text: "GET /replay/state or POST /replay/control" });
    }
    return true;
  };
}

/** The body as text; rejects (after reading it to the end, unbuffered) when larger than `max`. */
function readBody(req: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.byteLength;
      if (size <= max) parts.push(c);
    });
    req.on("end", () => (size > max ? reject(new Error("too large")) : resolve(Buffer.concat(parts).toString("utf8"))));
    req.on("error", reject);
  });
}
