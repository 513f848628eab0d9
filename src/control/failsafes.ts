/**
 * The failsafe matrix, pure: each failsafe is a condition with a raise delay and its own clear
 * condition, and a configurable action. `evaluate(inputs, now)` returns the failsafes raised or
 * cleared on this cycle and the combined action (the most severe of the active ones).
 * docs/failsafes.md has the table (defaults, timings, clear conditions, ArduSub equivalents).
 *
 * Severity, least to most: warn < depth-hold < surface < neutral < disarm. `depth-hold` and
 * `surface` keep the thrusters working without pilot input, by design; `neutral` and `disarm`
 * never move them; `warn` only alarms.
 */
export const FAILSAFE_CODES = [
  "FS_PILOT_INPUT",
  "FS_COMMAND_LINK",
  "FS_TELEMETRY_LINK",
  "FS_LEAK",
  "FS_BATTERY_VOLTAGE",
  "FS_BATTERY_ENERGY",
  "FS_INTERNAL_TEMP",
  "FS_DEPTH_SENSOR",
  "FS_IMU",
  "FS_LOOP_STALL",
  "FS_MAX_DEPTH",
] as const;
export type FailsafeCode = (typeof FAILSAFE_CODES)[number];

export const FAILSAFE_ACTIONS = ["warn", "depth-hold", "surface", "neutral", "disarm"] as const;
export type FailsafeAction = (typeof FAILSAFE_ACTIONS)[number];
export const SEVERITY: Readonly<Record<FailsafeAction, number>> = {
  warn: 1,
  "depth-hold": 2,
  surface: 3,
  neutral: 4,
  disarm: 5,
};

export const DEFAULT_ACTIONS: Readonly<Record<FailsafeCode, FailsafeAction>> = {
  FS_PILOT_INPUT: "neutral",
  FS_COMMAND_LINK: "neutral",
  FS_TELEMETRY_LINK: "warn",
  FS_LEAK: "surface",
  FS_BATTERY_VOLTAGE: "surface",
  FS_BATTERY_ENERGY: "warn",
  FS_INTERNAL_TEMP: "warn",
  FS_DEPTH_SENSOR: "warn",
  FS_IMU: "warn",
  FS_LOOP_STALL: "neutral",
  FS_MAX_DEPTH: "surface",
};

export interface FailsafeConfig {
  actions: Record<FailsafeCode, FailsafeAction>;
  pilotTimeoutMs: number;
  telemetryTimeoutMs: number;
  leakClearMs: number;
  batteryMinVolts: number;
  batteryLowMs: number;
  batteryHysteresisVolts: number;
  /** 0 disables the energy failsafe. */
  energyBudgetWh: number;
  internalTempMaxC: number;
  internalTempMs: number;
  internalTempHysteresisC: number;
  sensorFaultMs: number;
  loopStallMs: number;
  loopRecoverMs: number;
  /** 0 disables the maximum depth failsafe. */
  maxDepthM: number;
  maxDepthHysteresisM: number;
}

export const DEFAULT_FAILSAFES: Readonly<FailsafeConfig> = {
  actions: { ...DEFAULT_ACTIONS },
  pilotTimeoutMs: 1000,
  telemetryTimeoutMs: 3000,
  leakClearMs: 5000,
  batteryMinVolts: 14.0,
  batteryLowMs: 10_000,
  batteryHysteresisVolts: 0.3,
  energyBudgetWh: 0,
  internalTempMaxC: 70,
  internalTempMs: 5000,
  internalTempHysteresisC: 5,
  sensorFaultMs: 500,
  loopStallMs: 500,
  loopRecoverMs: 1000,
  maxDepthM: 100,
  maxDepthHysteresisM: 0.5,
};

/** What the matrix looks at each cycle (filled by the supervisor and the agent; reused). */
export interface FailsafeInputs {
  armed: boolean;
  /** Latest of the last pilot input and the arming time (ms). */
  lastInputAt: number;
  commandLinkUp: boolean;
  /** Pilot input has arrived since the command link last came up. */
  inputSinceLinkUp: boolean;
  telemetryLinkUp: boolean;
  leak: boolean;
  batteryVolts: number | null;
  consumedWh: number | null;
  internalTempC: number | null;
  depthHealthy: boolean;
  depthEverHealthy: boolean;
  /** The selected mode holds depth (a sensor never seen is only a failsafe when needed). */
  depthNeeded: boolean;
  imuHealthy: boolean;
  imuEverHealthy: boolean;
  /** The selected mode stabilises. */
  imuNeeded: boolean;
  /** Filtered depth (m), meaningful when depthHealthy. */
  depth: number;
  /** Time since the previous control loop tick (ms). */
  loopGapMs: number;
}

export function defaultInputs(): FailsafeInputs {
  return {
    armed: false,
    lastInputAt: Number.NEGATIVE_INFINITY,
    commandLinkUp: false,
    inputSinceLinkUp: false,
    telemetryLinkUp: true,
    leak: false,
    batteryVolts: null,
    consumedWh: null,
    internalTempC: null,
    depthHealthy: true,
    depthEverHealthy: false,
    depthNeeded: false,
    imuHealthy: true,
    imuEverHealthy: false,
    imuNeeded: false,
    depth: 0,
    loopGapMs: 0,
  };
}

export interface FailsafeEvent {
  code: FailsafeCode;
  active: boolean;
  text: string;
  action: FailsafeAction;
}

export interface FailsafeResult {
  /** The most severe action among the active failsafes, or null when none is active. */
  action: FailsafeAction | null;
  /** Raised (active) or cleared during this evaluation; a new array each call that has events. */
  events: FailsafeEvent[];
}

const WHAT: Record<FailsafeCode, [raised: string, cleared: string]> = {
  FS_PILOT_INPUT: ["no pilot input", "pilot input restored"],
  FS_COMMAND_LINK: ["command link lost", "command link restored"],
  FS_TELEMETRY_LINK: ["telemetry link lost", "telemetry link restored"],
  FS_LEAK: ["leak detected", "dry again"],
  FS_BATTERY_VOLTAGE: ["battery voltage low", "battery voltage recovered"],
  FS_BATTERY_ENERGY: ["battery energy budget used up", "energy counter back under budget"],
  FS_INTERNAL_TEMP: ["internal temperature high", "internal temperature back to normal"],
  FS_DEPTH_SENSOR: ["depth sensor fault: depth hold unavailable", "depth sensor healthy"],
  FS_IMU: ["IMU fault: stabilisation unavailable", "IMU healthy"],
  FS_LOOP_STALL: ["control loop stalled", "control loop on time again"],
  FS_MAX_DEPTH: ["maximum depth exceeded", "back above the maximum depth"],
};

const ACTION_TEXT: Record<FailsafeAction, string> = {
  warn: "warning only",
  "depth-hold": "holding depth",
  surface: "surfacing",
  neutral: "thrusters neutral",
  disarm: "disarming",
};

const NEVER = Number.NEGATIVE_INFINITY;
/** Failsafes that only exist while armed: disarming clears them. */
const ARMED_ONLY: ReadonlySet<FailsafeCode> = new Set(["FS_PILOT_INPUT", "FS_COMMAND_LINK", "FS_TELEMETRY_LINK"]);

export class FailsafeMatrix {
  readonly cfg: FailsafeConfig;
  private readonly active = new Set<FailsafeCode>();
  /** The active codes in the order raised (the Set's order), kept in place for `activeLive`. */
  private readonly activeList: FailsafeCode[] = [];
  /** When each raise condition became (continuously) true; NaN while false. */
  private readonly since = new Map<FailsafeCode, number>();
  private readonly clearSince = new Map<FailsafeCode, number>();
  private telemetryDownAt = NEVER;
  private armed = false;
  private lastStallAt = NEVER;
  private readonly result: FailsafeResult = { action: null, events: [] };
  private static readonly NO_EVENTS: FailsafeEvent[] = [];

  constructor(cfg: Partial<FailsafeConfig> = {}) {
    this.cfg = { ...DEFAULT_FAILSAFES, ...cfg, actions: { ...DEFAULT_ACTIONS, ...cfg.actions } };
  }

  get activeCodes(): readonly FailsafeCode[] {
    return [...this.active];
  }

  /**
   * The active codes as `activeCodes` gives them, without a copy: one array the matrix updates in
   * place as failsafes are raised and cleared. Read it; copy it to keep it.
   */
  get activeLive(): readonly FailsafeCode[] {
    return this.activeList;
  }

  isActive(code: FailsafeCode): boolean {
    return this.active.has(code);
  }

  /** An active failsafe whose action is `disarm` forbids arming; returns it, or undefined. */
  armingBlocker(): FailsafeCode | undefined {
    for (const c of this.active) if (this.cfg.actions[c] === "disarm") return c;
    return undefined;
  }

  evaluate(i: FailsafeInputs, now: number): FailsafeResult {
    const c = this.cfg;
    const r = this.result;
    r.events = FailsafeMatrix.NO_EVENTS;
    this.armed = i.armed;

    this.step(
      "FS_PILOT_INPUT",
      i.armed && now - i.lastInputAt > c.pilotTimeoutMs,
      0,
      !i.armed || now - i.lastInputAt <= c.pilotTimeoutMs,
      0,
      now,
    );
    this.step(
      "FS_COMMAND_LINK",
      i.armed && !i.commandLinkUp,
      0,
      !i.armed || (i.commandLinkUp && i.inputSinceLinkUp),
      0,
      now,
    );

    if (i.telemetryLinkUp) this.telemetryDownAt = NEVER;
    else if (this.telemetryDownAt === NEVER) this.telemetryDownAt = now;
    this.step(
      "FS_TELEMETRY_LINK",
      i.armed && !i.telemetryLinkUp && now - this.telemetryDownAt >= c.telemetryTimeoutMs,
      0,
      !i.armed || i.telemetryLinkUp,
      0,
      now,
    );

    this.step("FS_LEAK", i.leak, 0, !i.leak, c.leakClearMs, now);

    const v = i.batteryVolts;
    const vOk = v !== null && Number.isFinite(v) && v > 0;
    this.step(
      "FS_BATTERY_VOLTAGE",
      vOk && v < c.batteryMinVolts,
      c.batteryLowMs,
      !i.armed && vOk && v >= c.batteryMinVolts + c.batteryHysteresisVolts,
      0,
      now,
    );

    const wh = i.consumedWh;
    const whOk = wh !== null && Number.isFinite(wh);
    this.step(
      "FS_BATTERY_ENERGY",
      c.energyBudgetWh > 0 && whOk && wh > c.energyBudgetWh,
      0,
      c.energyBudgetWh <= 0 || (whOk && wh <= c.energyBudgetWh),
      0,
      now,
    );

    const t = i.internalTempC;
    const tOk = t !== null && Number.isFinite(t);
    this.step(
      "FS_INTERNAL_TEMP",
      tOk && t > c.internalTempMaxC,
      c.internalTempMs,
      tOk && t < c.internalTempMaxC - c.internalTempHysteresisC,
      0,
      now,
    );

    this.step(
      "FS_DEPTH_SENSOR",
      !i.depthHealthy && (i.depthNeeded || i.depthEverHealthy),
      c.sensorFaultMs,
      i.depthHealthy || (!i.depthNeeded && !i.depthEverHealthy),
      0,
      now,
    );
    this.step(
      "FS_IMU",
      !i.imuHealthy && (i.imuNeeded || i.imuEverHealthy),
      c.sensorFaultMs,
      i.imuHealthy || (!i.imuNeeded && !i.imuEverHealthy),
      0,
      now,
    );

    const stalled = i.loopGapMs > c.loopStallMs;
    if (stalled) this.lastStallAt = now;
    this.step("FS_LOOP_STALL", stalled, 0, !stalled && now - this.lastStallAt >= c.loopRecoverMs, 0, now);

    this.step(
      "FS_MAX_DEPTH",
      c.maxDepthM > 0 && i.depthHealthy && i.depth > c.maxDepthM,
      0,
      c.maxDepthM <= 0 || (i.depthHealthy && i.depth < c.maxDepthM - c.maxDepthHysteresisM),
      0,
      now,
    );

    let worst: FailsafeAction | null = null;
    for (const code of this.active) {
      const a = c.actions[code];
      if (worst === null || SEVERITY[a] > SEVERITY[worst]) worst = a;
    }
    r.action = worst;
    return r;
  }

  /**
   * One failsafe: raised once `raise` has held for `raiseMs`; cleared once `clear` has held for
   * `clearMs` (clear is only looked at while active, raise only while inactive).
   */
  private step(
    code: FailsafeCode,
    raise: boolean,
    raiseMs: number,
    clear: boolean,
    clearMs: number,
    now: number,
  ): void {
    if (!this.active.has(code)) {
      if (!raise) {
        this.since.delete(code);
        return;
      }
      const at = this.since.get(code) ?? now;
      this.since.set(code, at);
      if (now - at >= raiseMs) {
        this.active.add(code);
        this.activeList.push(code);
        this.since.delete(code);
        this.clearSince.delete(code);
        const action = this.cfg.actions[code];
        this.push({ code, active: true, action, text: `${WHAT[code][0]}: ${ACTION_TEXT[action]}` });
      }
      return;
    }
    if (!clear) {
      this.clearSince.delete(code);
      return;
    }
    const at = this.clearSince.get(code) ?? now;
    this.clearSince.set(code, at);
    if (now - at >= clearMs) {
      this.active.delete(code);
      const list = this.activeList;
      const idx = list.indexOf(code);
      for (let k = idx; k >= 0 && k < list.length - 1; k++) list[k] = list[k + 1] as FailsafeCode;
      if (idx >= 0) list.length--;
      this.clearSince.delete(code);
      const text = !this.armed && ARMED_ONLY.has(code) ? "cleared: vehicle disarmed" : WHAT[code][1];
      this.push({ code, active: false, action: this.cfg.actions[code], text });
    }
  }

  private push(e: FailsafeEvent): void {
    if (this.result.events === FailsafeMatrix.NO_EVENTS) this.result.events = [];
    this.result.events.push(e);
  }
}
