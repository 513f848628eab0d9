import { EventEmitter } from "node:events";
import type { Clock, Timer } from "../kernel/clock.ts";
import { TethysError } from "../kernel/errors.ts";
import type { Logger } from "../observability/logger.ts";
import { type Message, messageFromJson, SCHEMA } from "../protocol/index.ts";
import { DiveLogCodes } from "./errors.ts";
import { type LogRecord, type OpenLog, openDiveLog, readRecords } from "./reader.ts";

/** A frame as a vehicle would have sent it: the recorded message, seq and vehicle timestamp. */
export interface PlayedFrame {
  message: Message;
  seq: number;
  /** µs since the Unix epoch: the recorded vehicle time. */
  timestamp: number;
}

export interface PlayerEvents {
  /** A telemetry or `vehicle-status` frame (the vehicle's telemetry link carries both). */
  telemetry: [frame: PlayedFrame];
  event: [frame: PlayedFrame];
  connected: [];
  disconnected: [reason: string];
}

/** A mark on the replay's timeline: an alarm raised or cleared, a mode or arming change, a link change. */
export interface TimelineMark {
  /** µs since the Unix epoch. */
  time: number;
  kind: "alarm" | "mode" | "link";
  code: string;
  text: string;
}

export interface PlayerState {
  vehicle: string;
  start: number;
  end: number;
  position: number;
  playing: boolean;
  speed: number;
}

/** Playback speeds the player accepts. */
export const MIN_SPEED = 0.1;
export const MAX_SPEED = 64;
/** Playback step: frames due within it are sent together. */
const STEP_MS = 20;

/** Topics the player sends to the hub as the vehicle's frames. */
const PLAYED = ["/telemetry", "/vehicle-status", "/events", "/alarms"];
/** Topics whose latest record at or before a seek's position is sent at once: the state of that moment. */
const STATE_TOPICS = ["/telemetry", "/vehicle-status"];

/**
 * A recorded dive played back as a vehicle: the same `telemetry` / `event` frames a live vehicle
 * channel gives the hub (so the hub serves it to cockpits unchanged), at the recorded pace times
 * `speed`, with play, pause and seek. Telemetry, `vehicle-status`, events and alarms are played
 * in log-time order; `vehicle-status` frames go out as `telemetry` frames, as a live vehicle's
 * do. A seek sends the last telemetry and the last vehicle status at or before the new position
 * at once (in their recorded order), so the cockpit shows the state of that moment, its
 * instruments and its checks, and the events and alarms stamped exactly there (a timeline mark).
 * Commands are refused (`DIVELOG_REPLAY_READ_ONLY`): a recorded dive cannot be flown.
 *
 * The log is read on demand through its index (`@mcap/core`'s indexed reader): opening reads the
 * summary and the small timeline channels (`/alarms`, `/mode`, `/link`); playing reads ahead
 * from the position chunk by chunk; seeking starts reading at the new position. So opening and
 * seeking cost the same for a ten-minute dive as for a ten-hour one. Each record is validated
 * with the protocol's own checks as it is sent; one that fails is skipped and counted.
 */
export class ReplayPlayer extends EventEmitter<PlayerEvents> {
  readonly id: string;
  readonly connected = true;
  readonly timeline: TimelineMark[];
  private readonly log: OpenLog;
  private readonly logger: Logger | undefined;
  private readonly clock: Clock;
  private readonly start: number;
  private readonly end: number;
  private position: number;
  private speed = 1;
  private timer: Timer | undefined;
  private lastTick = 0;
  /** Records from the position on, in time order; replaced by a seek. */
  private cursor: AsyncGenerator<LogRecord> | undefined;
  private lookahead: LogRecord | undefined;
  /** The cursor plays what is stamped after this (µs): the last seek's position. */
  private cursorFrom: number;
  private generation = 0;
  /** STATE_TOPICS the log holds records of (a seek looks back through the index for each). */
  private readonly stateTopics: string[];
  private draining: Promise<void> = Promise.resolve();
  skipped = 0;

  private constructor(
    id: string,
    log: OpenLog,
    timeline: TimelineMark[],
    clock: Clock,
    range: { start: number; end: number },
    logger: Logger | undefined,
  ) {
    super();
    this.id = id;
    this.log = log;
    this.timeline = timeline;
    this.clock = clock;
    this.logger = logger;
    this.start = range.start;
    this.end = range.end;
    this.position = range.start;
    this.cursorFrom = range.start - 1;
    this.stateTopics = STATE_TOPICS.filter((t) => holdsRecords(log, t));
  }

  /** Opens a dive log (DIVELOG_READ / DIVELOG_NOT_INDEXED when it cannot). */
  static async open(path: string, clock: Clock, logger?: Logger): Promise<ReplayPlayer> {
    const log = await openDiveLog(path);
    try {
      let vehicle = "";
      for await (const m of log.reader.readMetadata({ name: "tethys.dive" })) vehicle = m.metadata.get("vehicle") ?? "";
      const timeline: TimelineMark[] = [];
      for await (const r of readRecords(log, { topics: ["/alarms", "/mode", "/link"] })) {
        const v = r.value;
        if (r.kind === "alarm")
          timeline.push({
            time: r.time,
            kind: "alarm",
            code: String(v.code),
            text: `${v.active ? "raised" : "cleared"}: ${String(v.text)}`,
          });
        else if (r.kind === "mode")
          timeline.push({ time: r.time, kind: "mode", code: String(v.mode), text: v.armed ? "armed" : "disarmed" });
        else
          timeline.push({
            time: r.time,
            kind: "link",
            code: v.connected ? "link-up" : "link-down",
            text: String(v.reason ?? ""),
          });
      }
      const range = await telemetryRange(log);
      return new ReplayPlayer(vehicle === "" ? "replay" : vehicle, log, timeline, clock, range, logger);
    } catch (err) {
      await log.close();
      throw err;
    }
  }

  sendCommand(message: { type: string }): void {
    throw new TethysError(DiveLogCodes.REPLAY_READ_ONLY, `${message.type} refused: this is a recorded dive (replay)`);
  }

  state(): PlayerState {
    return {
      vehicle: this.id,
      start: this.start,
      end: this.end,
      position: this.position,
      playing: this.timer !== undefined,
      speed: this.speed,
    };
  }

  play(): void {
    if (this.timer !== undefined) return;
    if (this.position >= this.end) void this.seek(this.start);
    this.lastTick = this.clock.now();
    this.timer = this.clock.setInterval(STEP_MS, () => this.step());
  }

  pause(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  setSpeed(speed: number): void {
    if (!(speed >= MIN_SPEED && speed <= MAX_SPEED))
      throw new TethysError(DiveLogCodes.REPLAY_BAD_CONTROL, `speed ${speed} is outside ${MIN_SPEED}–${MAX_SPEED}`);
    this.speed = speed;
  }

  /** Moves to `time` (µs, clamped to the dive) and sends the telemetry and vehicle status of that moment. */
  async seek(time: number): Promise<void> {
    this.position = Math.min(this.end, Math.max(this.start, time));
    const generation = ++this.generation;
    this.cursor?.return(undefined).catch(() => {});
    this.cursor = undefined;
    this.lookahead = undefined;
    const at = this.position;
    this.cursorFrom = at;
    if (!(await this.emitStateAt(at, generation))) return;
    // Events and alarms stamped at that very moment (a timeline mark was clicked) are shown too.
    for await (const r of readRecords(this.log, { topics: ["/events", "/alarms"], start: at, end: at })) {
      if (generation !== this.generation) return;
      this.emitRecord(r);
    }
  }

  /**
   * Sends the state at the position again, the latest telemetry and vehicle status (a cockpit
   * that joins a paused replay), without moving or replaying anything else. A read error is
   * logged (`DIVELOG_READ`), never thrown.
   */
  async sendState(): Promise<void> {
    try {
      await this.emitStateAt(this.position, this.generation);
    } catch (err) {
      this.logger?.warn({ err, code: DiveLogCodes.READ }, "replay: reading the log failed");
    }
  }

  /** Emits the latest telemetry and vehicle status at or before `at`, in recorded order; false when a seek came first. */
  private async emitStateAt(at: number, generation: number): Promise<boolean> {
    const latest: LogRecord[] = [];
    for (const topic of this.stateTopics) {
      for await (const r of readRecords(this.log, { topics: [topic], end: at, reverse: true })) {
        latest.push(r);
        break;
      }
      if (generation !== this.generation) return false;
    }
    latest.sort(recordedOrder);
    for (const r of latest) this.emitRecord(r);
    return true;
  }

  /** Resolves when the frames due so far have been sent (tests and benchmarks). */
  async drained(): Promise<void> {
    let d: Promise<void>;
    do {
      d = this.draining;
      await d;
    } while (d !== this.draining);
  }

  async close(): Promise<void> {
    this.pause();
    this.generation++;
    await this.drained();
    await this.cursor?.return(undefined);
    await this.log.close();
  }

  private step(): void {
    const now = this.clock.now();
    this.position = Math.min(this.end, this.position + (now - this.lastTick) * 1000 * this.speed);
    this.lastTick = now;
    if (this.position >= this.end) this.pause();
    this.draining = this.draining.then(() => this.drain(this.generation, this.position));
  }

  /** Sends every record stamped up to `until`, reading ahead through the index. */
  private async drain(generation: number, until: number): Promise<void> {
    try {
      while (generation === this.generation) {
        if (this.lookahead === undefined) {
          this.cursor ??= readRecords(this.log, { topics: PLAYED, start: this.cursorFrom + 1 });
          const next = await this.cursor.next();
          if (generation !== this.generation) return;
          if (next.done) return;
          this.lookahead = next.value;
        }
        if (this.lookahead.time > until) return;
        const r = this.lookahead;
        this.lookahead = undefined;
        this.emitRecord(r);
      }
    } catch (err) {
      this.logger?.warn({ err, code: DiveLogCodes.READ }, "replay: reading the log failed");
    }
  }

  private emitRecord(r: LogRecord): void {
    const { vehicle: _v, seq, vehicleTime, source: _s, ...fields } = r.value;
    let message: Message;
    try {
      message = messageFromJson({ type: r.kind, ...fields });
    } catch (err) {
      this.skipped++;
      this.logger?.warn({ code: DiveLogCodes.BAD_RECORD, topic: r.topic, err }, "replay: record skipped");
      return;
    }
    const frame = {
      message,
      seq: typeof seq === "number" ? seq >>> 0 : 0,
      timestamp: typeof vehicleTime === "number" ? vehicleTime : r.time,
    };
    this.emit(SCHEMA[message.type].direction === "telemetry" ? "telemetry" : "event", frame);
  }
}

/** The first and last telemetry times of a log (µs); the whole log's range when it has none. */
async function telemetryRange(log: OpenLog): Promise<{ start: number; end: number }> {
  let start: number | undefined;
  let end: number | undefined;
  for await (const r of readRecords(log, { topics: ["/telemetry"] })) {
    start = r.time;
    break;
  }
  for await (const r of readRecords(log, { topics: ["/telemetry"], reverse: true })) {
    end = r.time;
    break;
  }
  const stats = log.reader.statistics;
  return {
    start: start ?? Number((stats?.messageStartTime ?? 0n) / 1000n),
    end: end ?? Number((stats?.messageEndTime ?? 0n) / 1000n),
  };
}

/** Whether the log has records on `topic` (by its statistics; a log without them may have). */
function holdsRecords(log: OpenLog, topic: string): boolean {
  const stats = log.reader.statistics;
  for (const [id, c] of log.reader.channelsById)
    if (c.topic === topic && (stats === undefined || (stats.channelMessageCounts.get(id) ?? 0n) > 0n)) return true;
  return false;
}

/** Log-time order; at the same time, the vehicle's send order (telemetry and status share one seq counter). */
function recordedOrder(a: LogRecord, b: LogRecord): number {
  if (a.time !== b.time) return a.time - b.time;
  const sa = typeof a.value.seq === "number" ? a.value.seq : 0;
  const sb = typeof b.value.seq === "number" ? b.value.seq : 0;
  return sa - sb;
}
