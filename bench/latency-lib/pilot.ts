import { once } from "node:events";
import WebSocket from "ws";
import { decodeFrame, encodeFrame, type Message, type MessageOf } from "../../src/protocol/index.ts";
import type { LatencySystem } from "./system.ts";

/** A pulse counts as changed when it moved by more than this from before the input, µs (battery noise moves the linearised pulses by a few µs). */
const CHANGE_US = 25;
const SAMPLE_TIMEOUT_MS = 1000;

const wallMicros = (): number => Math.round((performance.timeOrigin + performance.now()) * 1000);

/**
 * The pilot's browser, scripted: a WebSocket to the hub that signs in with the pilot token,
 * takes the pilot role, arms, then measures pilot input → thruster output: it sends a pilot
 * frame stamped with the wall clock and times (performance.now, this process) until a thruster
 * output moved: the world's PCA9685 model, or the pulse report of the serial board's firmware. Inputs alternate full-ish surge forward and
 * back, so every sample is a real change of the outputs.
 */
export class BenchPilot {
  private readonly ws: WebSocket;
  private readonly sys: LatencySystem;
  private seq = 0;
  private surge = 0;
  private waiters: { pred: (m: Message) => boolean; resolve: (m: Message) => void }[] = [];
  private keepalive: ReturnType<typeof setInterval> | undefined;

  private constructor(ws: WebSocket, sys: LatencySystem) {
    this.ws = ws;
    this.sys = sys;
    ws.on("message", (data: Buffer) => {
      if (data[0] === 0x56) return; // a video message (camera list), on a hub that relays video
      const m = decodeFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)).message;
      this.waiters = this.waiters.filter((w) => {
        if (!w.pred(m)) return true;
        w.resolve(m);
        return false;
      });
    });
  }

  /** Connects, signs in as pilot of the first connected vehicle and arms it. */
  static async fly(sys: LatencySystem): Promise<BenchPilot> {
    const ws = new WebSocket(sys.wsUrl, { perMessageDeflate: false });
    await once(ws, "open");
    const p = new BenchPilot(ws, sys);
    const auth = p.next((m) => m.type === "auth-result");
    const listed = p.next((m) => m.type === "vehicles" && m.vehicles.some((v) => v.connected));
    p.send({ type: "auth", secret: sys.token, name: "bench-pilot" });
    const a = await auth;
    if (a.type !== "auth-result" || !a.ok) throw new Error(`pilot sign-in refused: ${JSON.stringify(a)}`);
    const list = (await listed) as MessageOf<"vehicles">;
    const vehicle = list.vehicles.find((v) => v.connected)?.id ?? "";
    const role = p.next((m) => m.type === "role" && m.role === "pilot");
    p.send({ type: "role-request", vehicle, role: "pilot", takeover: false });
    await role;
    const armed = p.next((m) => m.type === "event" && m.code === "ARMED");
    p.send({ type: "arm" });
    await armed;
    // Keep the pilot-input failsafe quiet between samples: the same input again every 100 ms.
    p.keepalive = setInterval(() => p.sendPilot(), 100);
    return p;
  }

  /**
   * At least `count` samples of pilot input → PCA9685 pulse change, ms (NaN for a sample that
   * timed out), and more until `untilMs` (performance.now) when given.
   */
  async measure(count: number, untilMs = 0): Promise<number[]> {
    const out: number[] = [];
    for (let i = 0; i < count || performance.now() < untilMs; i++) {
      out.push(await this.sample());
      // A random gap, so inputs land at every phase of the agent's 50 Hz loop.
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
    }
    return out;
  }

  close(): void {
    clearInterval(this.keepalive);
    this.ws.close();
  }

  private sample(): Promise<number> {
    const before = this.sys.pulses();
    this.surge = this.surge > 0 ? -0.6 : 0.6;
    return new Promise<number>((resolve) => {
      const timer = setTimeout(() => {
        this.sys.onOutput = undefined;
        resolve(Number.NaN);
      }, SAMPLE_TIMEOUT_MS);
      const t0 = performance.now();
      this.sys.onOutput = () => {
        const now = this.sys.pulses();
        if (!now.some((p, i) => Math.abs(p - (before[i] as number)) > CHANGE_US)) return;
        const dt = performance.now() - t0;
        this.sys.onOutput = undefined;
        clearTimeout(timer);
        resolve(dt);
      };
      this.sendPilot();
    });
  }

  private sendPilot(): void {
    this.send({ type: "pilot", surge: this.surge, sway: 0, heave: 0, yaw: 0, pitch: 0, roll: 0, gain: 1 });
  }

  private send(m: Message): void {
    this.ws.send(encodeFrame(m, { seq: this.seq++, timestamp: wallMicros() }));
  }

  private next(pred: (m: Message) => boolean): Promise<Message> {
    return new Promise((resolve) => this.waiters.push({ pred, resolve }));
  }
}
