import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { extname, join } from "node:path";
import { after, before, test } from "node:test";
import type { Browser } from "playwright-core";
import { WebSocketServer, type WebSocket } from "ws";
import { buildCockpit } from "../../src/cockpit/build.ts";
import { decodeFrame, encodeFrame, type Message, type MessageOf } from "../../src/protocol/index.ts";
import { chromiumMissing, launchChromium } from "../support/chromium.ts";

/**
 * The cockpit on its own, against a scripted stand-in for the hub (the real hub has its own
 * end-to-end browser tests): sign-in, telemetry on the instruments, pilot input only as pilot,
 * and the link indicator turning stale within a second of telemetry stopping.
 */
const skip = chromiumMissing();
let dir: string;
let server: Server;
let wss: WebSocketServer;
let browser: Browser;
let base: string;
const received: Message[] = [];
const waiters: { pred: (m: Message) => boolean; resolve: () => void }[] = [];
/** Resolves when the stand-in hub receives a message matching `pred`. */
function receivedMatching(pred: (m: Message) => boolean): Promise<void> {
  if (received.some(pred)) return Promise.resolve();
  return new Promise((resolve) => waiters.push({ pred, resolve }));
}
let socket: WebSocket | undefined;
let seq = 0;

const send = (m: Message): void => socket?.send(encodeFrame(m, { seq: seq++, timestamp: Date.now() * 1000 }));
const telemetry = (depth: number, armed: boolean): MessageOf<"telemetry"> => ({
  type: "telemetry",
  depth,
  heading: 45,
  roll: 5,
  pitch: -3,
  attitude: { w: 1, x: 0, y: 0, z: 0 },
  verticalSpeed: 0.1,
  armed,
  mode: "manual",
  failsafe: [],
  battery: { voltage: 15.8, current: 4.2, consumedWh: 1.5 },
  leak: false,
  waterTemperature: 14,
  internalTemperature: 35,
  thrusters: [0.2, -0.2, 0.2, -0.2, 0, 0],
  link: { rttMs: 8, lossPercent: 0 },
  cpu: { loadPercent: 20, temperature: 50 },
});

before(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), "tethys-cockpit-ui-"));
  await buildCockpit(dir, { minify: false });
  const types: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".map": "application/json" };
  server = createServer(async (req, res) => {
    const name = req.url === "/" ? "index.html" : (req.url ?? "").slice(1).split("?")[0] ?? "";
    try {
      const body = await readFile(join(dir, name.replace(/\.\.+/g, "")));
      res.writeHead(200, { "content-type": types[extname(name)] ?? "application/octet-stream" }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  wss = new WebSocketServer({ server, path: "/ws" });
  wss.on("connection", (ws) => {
    socket = ws;
    ws.on("message", (data: Buffer) => {
      const m = decodeFrame(new Uint8Array(data)).message;
      received.push(m);
      for (const w of waiters.splice(0)) {
        if (w.pred(m)) w.resolve();
        else waiters.push(w);
      }
      if (m.type === "auth") {
        const ok = m.secret === "letmein";
        send({ type: "auth-result", ok, session: ok ? 7 : 0, access: ok ? "pilot" : "none", code: ok ? "" : "AUTH_REFUSED", retryAfterMs: 0 });
        if (ok) send({ type: "vehicles", vehicles: [{ id: "rov1", connected: true, pilot: 0, observers: 0 }] });
      } else if (m.type === "role-request") {
        send({ type: "role", vehicle: m.vehicle, role: m.role, reason: "requested", by: 7 });
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchChromium();
});

after(async () => {
  if (skip) return;
  await browser?.close();
  wss?.close();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await rm(dir, { recursive: true, force: true });
});

test("sign in, see telemetry, fly only as pilot, and see the link go stale", { skip }, async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(base);
  await page.fill("#signin-secret", "wrong");
  await page.click("#signin-form button[type=submit]");
  await page.waitForFunction(() => document.getElementById("signin-error")?.textContent?.includes("AUTH_REFUSED"));

  await page.fill("#signin-secret", "letmein");
  await page.click("#signin-form button[type=submit]");
  await page.waitForSelector("#cockpit:not([hidden])");
  await page.waitForFunction(() => document.getElementById("role")?.textContent === "observer");

  send(telemetry(2.5, false));
  await page.waitForFunction(() => document.getElementById("link")?.dataset.state === "live");
  assert.match((await page.textContent("#battery")) ?? "", /15\.80 V/);

  // As observer, keys produce no pilot messages.
  const before = received.filter((m) => m.type === "pilot").length;
  await page.keyboard.down("KeyW");
  await page.waitForFunction(() => document.getElementById("input-sent")?.textContent?.includes("not sending"));
  await page.keyboard.up("KeyW");
  assert.equal(received.filter((m) => m.type === "pilot").length, before);

  await page.click("#take-pilot");
  await page.waitForFunction(() => document.getElementById("role")?.textContent === "pilot");
  await page.keyboard.down("KeyW");
  await page.waitForFunction(() => Number(document.getElementById("input-sent")?.textContent?.match(/(\d+) sent/)?.[1] ?? 0) > 5);
  await page.keyboard.up("KeyW");
  const pilots = received.filter((m): m is MessageOf<"pilot"> => m.type === "pilot");
  assert.ok(pilots.some((p) => p.surge === 1), "W sends full surge");

  // Hold Enter to arm: one arm message after the hold, none before.
  assert.equal(received.some((m) => m.type === "arm"), false);
  await page.keyboard.down("Enter");
  await receivedMatching((m) => m.type === "arm");
  await page.keyboard.up("Enter");
  assert.equal(received.filter((m) => m.type === "arm").length, 1, "one arm per hold");
  send(telemetry(2.6, true));
  await page.waitForFunction(() => document.getElementById("armed")?.textContent === "ARMED");
  await mkdir("test-results", { recursive: true });
  await page.screenshot({ path: "test-results/cockpit-standalone.png" });

  // Telemetry stops: the indicator must say STALE within a second (and a bit of render time).
  const t0 = Date.now();
  await page.waitForFunction(() => document.getElementById("link")?.dataset.state === "stale", undefined, { timeout: 3000 });
  const elapsed = Date.now() - t0;
  assert.match((await page.textContent("#link")) ?? "", /STALE/);
  assert.ok(elapsed < 2000, `went stale after ${elapsed} ms`);
  assert.deepEqual(errors, []);
  await page.close();
});
