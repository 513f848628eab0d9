import WebSocket from "ws";
import { decodeFrame, encodeFrame, type Message, type MessageOf } from "../../src/protocol/index.ts";

/**
 * A lean browser stand-in for long runs: keeps the latest telemetry, role and vehicle list and
 * counts what arrives, never the messages themselves (a soak must not grow its own memory).
 */
export class SoakClient {
  private readonly ws: WebSocket;
  private seq = 0;
  telemetry: MessageOf<"telemetry"> | undefined;
  telemetryCount = 0;
  role = "none";
  vehicle = "";
  vehicleConnected = false;
  /** Events and alarms from the vehicle (not the hub's own HUB_* events), by code. */
  readonly vehicleEvents = new Map<string, number>();
  vehicleEventCount = 0;
  errors = 0;
  readonly closed: Promise<void>;
  private signedIn: ((ok: boolean) => void) | undefined;
  private listed: (() => void) | undefined;
  private readonly onRoleLost: (() => void) | undefined;

  private constructor(ws: WebSocket, onRoleLost?: () => void) {
    this.ws = ws;
    this.onRoleLost = onRoleLost;
    ws.on("message", (data: Buffer) => this.receive(decodeFrame(new Uint8Array(data)).message));
    this.closed = new Promise((resolve) => ws.once("close", () => resolve()));
  }

  static async connect(url: string, onRoleLost?: () => void): Promise<SoakClient> {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    return new SoakClient(ws, onRoleLost);
  }

  private receive(m: Message): void {
    switch (m.type) {
      case "auth-result":
        this.signedIn?.(m.ok);
        return;
      case "vehicles": {
        const v = m.vehicles[0];
        this.vehicleConnected = v?.connected ?? false;
        if (v && this.vehicle === "") {
          this.vehicle = v.id;
          this.listed?.();
        }
        return;
      }
      case "role": {
        const was = this.role;
        this.role = m.role;
        if (was === "pilot" && m.role !== "pilot") this.onRoleLost?.();
        return;
      }
      case "telemetry":
        this.telemetry = m;
        this.telemetryCount++;
        return;
      case "event":
      case "alarm":
        if (m.code.startsWith("HUB_")) return;
        this.vehicleEventCount++;
        this.vehicleEvents.set(m.code, (this.vehicleEvents.get(m.code) ?? 0) + 1);
        return;
      case "error":
        this.errors++;
        return;
      default:
        return;
    }
  }

  /**
   * Flies the long-run pattern at 25 Hz from now on — surge, heave and yaw on a 60 s cycle,
   * sway at `sway` amplitude (0 for none) — re-arming whenever the vehicle is connected and
   * disarmed (3 s apart at most once). Returns the interval to clear.
   */
  flyPattern(sway: number): ReturnType<typeof setInterval> {
    const t0 = performance.now();
    let lastArm = 0;
    return setInterval(() => {
      const t = (performance.now() - t0) / 1000;
      if (this.role !== "pilot") return;
      if (this.telemetry && !this.telemetry.armed && this.vehicleConnected && t - lastArm > 3) {
        lastArm = t;
        this.send({ type: "arm" });
      }
      const w = (2 * Math.PI * t) / 60;
      this.send({
        type: "pilot",
        surge: 0.6 * Math.sin(w),
        sway: sway * Math.sin(3 * w),
        heave: 0.3 * Math.sin(2 * w),
        yaw: 0.4 * Math.cos(w),
        pitch: 0,
        roll: 0,
        gain: 0.5,
      });
    }, 40);
  }

  send(m: Message): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(encodeFrame(m, { seq: this.seq++, timestamp: Date.now() * 1000 }));
  }

  /** Signs in and asks for `role` on the first vehicle the hub lists. */
  async signIn(secret: string, name: string, role: "pilot" | "observer"): Promise<void> {
    const ok = new Promise<boolean>((resolve) => {
      this.signedIn = resolve;
    });
    const listed = new Promise<void>((resolve) => {
      this.listed = resolve;
    });
    this.send({ type: "auth", secret, name });
    if (!(await ok)) throw new Error(`${name}: sign-in refused`);
    if (this.vehicle === "") await listed;
    this.request(role);
  }

  request(role: "pilot" | "observer"): void {
    this.send({ type: "role-request", vehicle: this.vehicle, role, takeover: role === "pilot" });
  }

  close(): void {
    this.ws.close();
  }
}
