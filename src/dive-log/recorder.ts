import { mkdir, statfs } from "node:fs/promises";
import { join } from "node:path";
import type { Clock, Timer } from "../kernel/clock.ts";
import type { Logger } from "../observability/logger.ts";
import type { Message } from "../protocol/index.ts";
import type { ChannelKind } from "./channels.ts";
import { DiveLogCodes } from "./errors.ts";
import { FileSink } from "./file-sink.ts";
import { type Compression, McapDiveWriter } from "./mcap-writer.ts";
import { DiveSegmenter } from "./segmenter.ts";

export interface DiveRecorderOptions {
  /** Directory the logs go to, one sub-directory per vehicle. */
  dir: string;
  clock: Clock;
  logger: Logger;
  /** Seconds of records kept before arming, written at the start of the dive. */
  preMarginMs?: number;
  /** How long after disarming the dive goes on (re-arming within it continues the dive). */
  postMarginMs?: number;
  /** A file larger than this is closed and the dive goes on in the next part. */
  rotateBytes?: number;
  /** A file older than this is closed and the dive goes on in the next part. */
  rotateMs?: number;
  /** Free space on the log's file system below which recording stops. */
  minFreeBytes?: number;
  /** Bytes added and not yet written above which records are dropped (a disk too slow). */
  maxPendingBytes?: number;
  /** Chunk flush period: at most this much is lost when the process is killed. */
  flushMs?: number;
  compression?: Compression;
  /** fdatasync after each chunk (survives a power cut, not only a killed process). */
  sync?: boolean;
  /** Free bytes on the log's file system (tests inject a full disk). */
  freeBytes?: (dir: string) => Promise<number>;
  /** Told after each chunk reaches the file (and the disk, with `sync`): messages in the file so far. */
  onFlushed?: (vehicle: string, path: string, messages: number) => void;
  /** Told of every recorder alarm (DIVELOG_* code), e.g. to count it. */
  onAlarm?: (vehicle: string, code: string, text: string) => void;
}

/** Received as the vehicle sent it, or fetched later from its black box. */
export type FrameSource = "live" | "black-box";

/** A frame from a vehicle as the hub received it. */
export interface RecordedFrame {
  message: Message;
  seq: number;
  /** µs since the Unix epoch, the vehicle's clock. */
  timestamp: number;
}

export interface CommandRecord {
  session: number;
  name: string;
  message: Message;
  result: "forwarded" | "refused";
  code: string;
}

export interface RoleRecord {
  session: number;
  name: string;
  role: string;
  reason: string;
  by: number;
}

export interface RecorderStats {
  filesOpened: number;
  messages: number;
  dropped: number;
  alarms: number;
}

interface PendingRecord {
  kind: ChannelKind;
  time: number;
  value: unknown;
}

interface OpenFile {
  writer: McapDiveWriter;
  sink: FileSink;
  openedAt: number;
  part: number;
  dropped: number;
  droppedAlarmed: boolean;
  /** The file has no `/mode` record yet: the first record brings the mode in effect. */
  modeWritten: boolean;
}

interface VehicleLog {
  id: string;
  segmenter: DiveSegmenter<PendingRecord>;
  file: OpenFile | undefined;
  /** The current dive's name (its start time), shared by its parts. */
  dive: string;
  part: number;
  /** Recording stopped for this dive (disk full, write error): records are counted, not written. */
  stopped: boolean;
  closing: Promise<void>[];
  /** The last mode and arming state seen, for the `/mode` channel. */
  mode: string;
  armed: boolean | undefined;
  modeTime: number;
}

const DEFAULTS = {
  preMarginMs: 10_000,
  postMarginMs: 10_000,
  rotateBytes: 256 * 1024 * 1024,
  rotateMs: 60 * 60_000,
  minFreeBytes: 256 * 1024 * 1024,
  maxPendingBytes: 8 * 1024 * 1024,
  flushMs: 500,
  compression: "zstd" as Compression,
  sync: true,
};

/** Free-space checks at most this often while a file is open. */
const DISK_CHECK_MS = 10_000;

/**
 * Records every dive of every vehicle to MCAP files (docs/dive-log.md): telemetry, vehicle
 * status, events and alarms as the vehicle sent them (log time = the vehicle's timestamp, so records fetched later
 * from the vehicle's black box fall into place), commands with the session and pilot and whether
 * the hub forwarded or refused them, role and link changes, and the recorder's own alarms.
 *
 * Never in the way of flight: every call returns at once (records go into the open chunk; chunks
 * are compressed on the thread pool and written asynchronously); when the bytes not yet written
 * pass `maxPendingBytes` records are dropped and counted (`DIVELOG_BEHIND`); when the disk is
 * nearly full or a write fails the dive's recording stops with an alarm (`DIVELOG_DISK_FULL`,
 * `DIVELOG_WRITE`). A chunk is flushed every `flushMs` (500 ms), so a killed hub leaves a file that
 * ends within a second of the kill (`tethys log repair` indexes it).
 */
export class DiveRecorder {
  private readonly o: Required<Omit<DiveRecorderOptions, "onAlarm" | "freeBytes" | "onFlushed">> &
    Pick<DiveRecorderOptions, "onAlarm" | "freeBytes" | "onFlushed">;
  private readonly log: Logger;
  private readonly vehicles = new Map<string, VehicleLog>();
  private readonly timer: Timer;
  private lastDiskCheck = Number.NEGATIVE_INFINITY;
  private closed = false;
  readonly stats: RecorderStats = { filesOpened: 0, messages: 0, dropped: 0, alarms: 0 };

  constructor(options: DiveRecorderOptions) {
    this.o = { ...DEFAULTS, ...stripUndefined(options) } as typeof this.o;
    this.log = options.logger;
    this.timer = options.clock.setInterval(this.o.flushMs, () => this.flushAll());
  }

  /**
   * A frame from the telemetry link: telemetry (which also starts and ends dives), or
   * `vehicle-status`, recorded on its own channel with its seq: the two share the link's sequence
   * counter, so a status frame's seq is no hole in the telemetry.
   */
  telemetry(vehicle: string, frame: RecordedFrame, source: FrameSource = "live"): void {
    const m = frame.message;
    if (m.type === "vehicle-status") this.record(vehicle, vehicleRecord("vehicle-status", vehicle, frame, source));
    if (m.type !== "telemetry") return;
    // Frames fetched later from the black box are in the past: they never start or end a dive.
    this.record(vehicle, vehicleRecord("telemetry", vehicle, frame, source), source === "live" ? m.armed : undefined);
    if (source !== "live") return;
    const v = this.vehicle(vehicle);
    if (v.mode !== m.mode || v.armed !== m.armed) {
      v.mode = m.mode;
      v.armed = m.armed;
      v.modeTime = frame.timestamp;
      this.record(vehicle, { kind: "mode", time: frame.timestamp, value: { vehicle, mode: m.mode, armed: m.armed } });
    }
  }

  /** An event or alarm frame. */
  event(vehicle: string, frame: RecordedFrame, source: FrameSource = "live"): void {
    const m = frame.message;
    if (m.type !== "event" && m.type !== "alarm") return;
    this.record(vehicle, vehicleRecord(m.type, vehicle, frame, source));
  }

  command(vehicle: string, c: CommandRecord): void {
    const { type, ...fields } = c.message;
    const value = {
      vehicle,
      session: c.session,
      name: c.name,
      command: type,
      message: fields,
      result: c.result,
      code: c.code,
    };
    this.record(vehicle, { kind: "command", time: this.o.clock.wallMicros(), value });
  }

  role(vehicle: string, r: RoleRecord): void {
    this.record(vehicle, { kind: "role", time: this.o.clock.wallMicros(), value: { vehicle, ...r } });
  }

  link(vehicle: string, connected: boolean, reason: string): void {
    this.record(vehicle, { kind: "link", time: this.o.clock.wallMicros(), value: { vehicle, connected, reason } });
  }

  /** Paths of the files open now, by vehicle. */
  openFiles(): Map<string, string> {
    const out = new Map<string, string>();
    for (const v of this.vehicles.values()) if (v.file) out.set(v.id, v.file.sink.path);
    return out;
  }

  /** Closes every open dive (each file complete and indexed) and stops the flush timer. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.timer.cancel();
    for (const v of this.vehicles.values()) {
      v.segmenter.close();
      this.closeFile(v);
    }
    await Promise.all([...this.vehicles.values()].flatMap((v) => v.closing));
  }

  /** Resolves when every chunk added so far is written (tests, and before reading a live file). */
  async flushed(): Promise<void> {
    await Promise.all([...this.vehicles.values()].map((v) => v.file?.writer.flush()));
  }

  // ---- internals -----------------------------------------------------------------------------

  private vehicle(id: string): VehicleLog {
    let v = this.vehicles.get(id);
    if (v === undefined) {
      v = {
        id,
        segmenter: new DiveSegmenter<PendingRecord>({
          preMarginMs: this.o.preMarginMs,
          postMarginMs: this.o.postMarginMs,
          maxHeld: 20_000,
        }),
        file: undefined,
        dive: "",
        part: 0,
        stopped: false,
        closing: [],
        mode: "",
        armed: undefined,
        modeTime: 0,
      };
      this.vehicles.set(id, v);
    }
    return v;
  }

  private record(vehicle: string, r: PendingRecord, armed?: boolean): void {
    if (this.closed) return;
    const v = this.vehicle(vehicle);
    const now = this.o.clock.now();
    const step = v.segmenter.push(now, r, armed);
    if (step.end) this.endDive(v);
    if (step.begin) {
      this.beginDive(v);
      for (const held of step.begin) this.write(v, held);
    } else if (step.write) this.write(v, r);
  }

  private beginDive(v: VehicleLog): void {
    v.dive = fileStamp(this.o.clock.wallMicros());
    v.part = 0;
    v.stopped = false;
    this.log.info({ vehicle: v.id, dive: v.dive }, "dive started: recording");
    this.openFile(v);
    void this.checkDisk(v, true);
  }

  private endDive(v: VehicleLog): void {
    this.log.info({ vehicle: v.id, dive: v.dive }, "dive ended");
    this.closeFile(v);
  }

  private openFile(v: VehicleLog): void {
    v.part++;
    const path = join(this.o.dir, v.id, `${v.dive}-${v.id}-${String(v.part).padStart(3, "0")}.mcap`);
    const sink = new FileSink(path);
    const writer = new McapDiveWriter({
      sink,
      compression: this.o.compression,
      metadata: { vehicle: v.id, dive: v.dive, part: String(v.part), recorder: "tethys topside" },
    });
    v.file = {
      writer,
      sink,
      openedAt: this.o.clock.now(),
      part: v.part,
      dropped: 0,
      droppedAlarmed: false,
      modeWritten: false,
    };

    this.stats.filesOpened++;
    this.log.info({ vehicle: v.id, path }, "dive log file opened");
  }

  private closeFile(v: VehicleLog): void {
    const f = v.file;
    if (f === undefined) return;
    v.file = undefined;
    const done = f.writer
      .finish()
      .then(() => f.writer.error ?? (this.o.sync ? f.sink.sync() : undefined))
      .then(
        (err) => {
          if (err !== undefined) this.writeFailed(v, err);
          else
            this.log.info(
              { vehicle: v.id, path: f.sink.path, messages: Number(f.writer.messages) },
              "dive log file closed",
            );
        },
        (err: unknown) => this.writeFailed(v, err),
      )
      .finally(() => f.sink.close())
      .catch(() => {});
    v.closing.push(done);
    void done.then(() => v.closing.splice(v.closing.indexOf(done), 1));
  }

  private write(v: VehicleLog, r: PendingRecord): void {
    const f = v.file;
    if (f === undefined) {
      if (v.stopped) this.stats.dropped++;
      return;
    }
    if (f.writer.pendingBytes > this.o.maxPendingBytes) {
      f.dropped++;
      this.stats.dropped++;
      if (!f.droppedAlarmed) {
        f.droppedAlarmed = true;
        this.alarm(v, DiveLogCodes.BEHIND, "the disk is too slow: records are being dropped");
      }
      return;
    }
    if (!f.modeWritten) {
      // Each file starts with the mode in effect, so its timeline is complete on its own.
      f.modeWritten = true;
      if (v.armed !== undefined && r.kind !== "mode")
        f.writer.add("mode", r.time, { vehicle: v.id, mode: v.mode, armed: v.armed });
    }
    f.writer.add(r.kind, r.time, r.value);
    this.stats.messages++;
    const now = this.o.clock.now();
    if (f.writer.size > BigInt(this.o.rotateBytes) || now - f.openedAt >= this.o.rotateMs) {
      this.closeFile(v);
      this.openFile(v);
    }
  }

  private flushAll(): void {
    const now = this.o.clock.now();
    for (const v of this.vehicles.values()) {
      if (v.segmenter.tick(now)) this.endDive(v);
      const f = v.file;
      if (f === undefined) continue;
      if (f.writer.error !== undefined) {
        this.writeFailed(v, f.writer.error);
        continue;
      }
      if (f.droppedAlarmed && f.writer.pendingBytes < this.o.maxPendingBytes / 2) f.droppedAlarmed = false;
      const messages = Number(f.writer.messages);
      void f.writer
        .flush()
        .then(() => (this.o.sync && f.writer.error === undefined && v.file === f ? f.sink.sync() : undefined))
        .then(() => {
          if (f.writer.error === undefined) this.o.onFlushed?.(v.id, f.sink.path, messages);
        })
        .catch(() => {});
    }
    if (now - this.lastDiskCheck >= DISK_CHECK_MS) {
      this.lastDiskCheck = now;
      for (const v of this.vehicles.values()) if (v.file) void this.checkDisk(v, false);
    }
  }

  private async checkDisk(v: VehicleLog, atStart: boolean): Promise<void> {
    let free: number;
    try {
      free = this.o.freeBytes ? await this.o.freeBytes(this.o.dir) : await freeBytesOf(this.o.dir);
    } catch {
      return; // the directory may not exist yet; the first write creates it or reports the error
    }
    if (free >= this.o.minFreeBytes || v.file === undefined) return;
    const mib = Math.round(free / 1048576);
    this.alarm(
      v,
      DiveLogCodes.DISK_FULL,
      `${atStart ? "not recording" : "recording stopped"}: ${mib} MiB free on the dive log's disk (min ${Math.round(this.o.minFreeBytes / 1048576)} MiB)`,
    );
    v.stopped = true;
    this.closeFile(v);
  }

  private writeFailed(v: VehicleLog, err: unknown): void {
    if (v.stopped && v.file === undefined) return;
    this.alarm(v, DiveLogCodes.WRITE, `recording stopped: ${(err as Error).message ?? String(err)}`);
    v.stopped = true;
    if (v.file) {
      const f = v.file;
      v.file = undefined;
      void f.sink.close().catch(() => {});
    }
  }

  private alarm(v: VehicleLog, code: string, text: string): void {
    this.stats.alarms++;
    this.log.warn({ vehicle: v.id, code, dropped: this.stats.dropped }, text);
    v.file?.writer.add("recorder", this.o.clock.wallMicros(), { vehicle: v.id, code, text, dropped: v.file.dropped });
    this.o.onAlarm?.(v.id, code, text);
  }
}

/**
 * The record of a frame the vehicle sent, at the vehicle's time: the header every such channel
 * shares (vehicle, seq, the vehicle's timestamp, source), then the message's fields.
 */
function vehicleRecord(kind: ChannelKind, vehicle: string, frame: RecordedFrame, source: FrameSource): PendingRecord {
  const { type: _type, ...fields } = frame.message;
  return {
    kind,
    time: frame.timestamp,
    value: { vehicle, seq: frame.seq, vehicleTime: frame.timestamp, source, ...fields },
  };
}

async function freeBytesOf(dir: string): Promise<number> {
  await mkdir(dir, { recursive: true });
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

/** `20261207T021043Z` from µs since the epoch. */
function fileStamp(micros: number): string {
  return new Date(Math.floor(micros / 1000))
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
