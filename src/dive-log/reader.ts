import { createReadStream } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { zstdDecompressSync } from "node:zlib";
import type { McapTypes } from "@mcap/core";
import { McapIndexedReader, McapStreamReader } from "@mcap/core";
import { TethysError } from "../kernel/errors.ts";
import { type ChannelKind, kindOfTopic } from "./channels.ts";
import { DiveLogCodes } from "./errors.ts";
import { FileSink } from "./file-sink.ts";
import { LinkSeqCounter, type LinkSeqs } from "./link-seqs.ts";
import { McapDiveWriter } from "./mcap-writer.ts";

const decoder = new TextDecoder();

export const DECOMPRESS: McapTypes.DecompressHandlers = {
  zstd: (buffer) => zstdDecompressSync(buffer),
};

/** One record of a dive log, decoded. */
export interface LogRecord {
  kind: ChannelKind;
  topic: string;
  /** µs since the Unix epoch. */
  time: number;
  value: Record<string, unknown>;
}

export interface OpenLog {
  reader: McapIndexedReader;
  size: number;
  close(): Promise<void>;
}

/** Opens a complete (indexed) dive log; a file cut short fails with DIVELOG_NOT_INDEXED. */
export async function openDiveLog(path: string): Promise<OpenLog> {
  let handle: FileHandle;
  try {
    handle = await open(path, "r");
  } catch (err) {
    throw new TethysError(DiveLogCodes.READ, `cannot open ${path}: ${(err as Error).message}`, { cause: err });
  }
  const size = (await handle.stat()).size;
  const readable: McapTypes.IReadable = {
    size: async () => BigInt(size),
    read: async (offset, length) => {
      const buf = Buffer.alloc(Number(length));
      const { bytesRead } = await handle.read(buf, 0, buf.length, Number(offset));
      return bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
    },
  };
  try {
    const reader = await McapIndexedReader.Initialize({ readable, decompressHandlers: DECOMPRESS });
    return { reader, size, close: () => handle.close() };
  } catch (err) {
    await handle.close();
    const head = await readHead(path);
    if (!isMcap(head)) throw new TethysError(DiveLogCodes.READ, `${path} is not an MCAP file`, { cause: err });
    throw new TethysError(
      DiveLogCodes.NOT_INDEXED,
      `${path} has no index (a recording cut short?): run \`tethys log repair ${path}\` (${(err as Error).message})`,
      { cause: err },
    );
  }
}

/** Decodes one MCAP message of a known topic; undefined for a topic this project does not write. */
export function decodeRecord(topic: string, logTime: bigint, data: Uint8Array): LogRecord | undefined {
  const kind = kindOfTopic(topic);
  if (kind === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(data));
  } catch (err) {
    throw new TethysError(DiveLogCodes.BAD_RECORD, `a ${topic} record is not JSON`, { cause: err });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new TethysError(DiveLogCodes.BAD_RECORD, `a ${topic} record is not a JSON object`);
  return { kind, topic, time: Number(logTime / 1000n), value: value as Record<string, unknown> };
}

/** Every record of an open log in log-time order, optionally of some topics and a time window (µs). */
export async function* readRecords(
  log: OpenLog,
  options: { topics?: string[]; start?: number; end?: number; reverse?: boolean } = {},
): AsyncGenerator<LogRecord> {
  const channels = log.reader.channelsById;
  for await (const m of log.reader.readMessages({
    ...(options.topics ? { topics: options.topics } : {}),
    ...(options.start === undefined ? {} : { startTime: BigInt(Math.floor(options.start)) * 1000n }),
    ...(options.end === undefined ? {} : { endTime: BigInt(Math.ceil(options.end)) * 1000n }),
    ...(options.reverse ? { reverse: true } : {}),
  })) {
    const topic = channels.get(m.channelId)?.topic;
    if (topic === undefined) continue;
    const r = decodeRecord(topic, m.logTime, m.data);
    if (r) yield r;
  }
}

export interface DiveInfo {
  path: string;
  bytes: number;
  metadata: Record<string, string>;
  /** µs since the Unix epoch; 0 for an empty log. */
  start: number;
  end: number;
  durationS: number;
  messages: number;
  chunks: number;
  compression: string;
  channels: { topic: string; schema: string; count: number }[];
  alarms: { time: number; severity: string; code: string; active: boolean; text: string }[];
  modes: { time: number; mode: string; armed: boolean }[];
  /**
   * The telemetry link's seqs over `/telemetry` and `/vehicle-status` (one counter on the
   * vehicle), when asked for: it reads every frame of the dive, where the rest reads the index,
   * the alarms and the mode changes.
   */
  link?: LinkSeqs;
}

/**
 * What `tethys log info` prints: duration, channels and counts, alarms, mode and arming changes,
 * and with `seqs` the holes in the telemetry link's sequence numbers.
 */
export async function diveInfo(path: string, options: { seqs?: boolean } = {}): Promise<DiveInfo> {
  const log = await openDiveLog(path);
  try {
    const r = log.reader;
    const stats = r.statistics;
    const metadata: Record<string, string> = {};
    for await (const m of r.readMetadata({ name: "tethys.dive" })) for (const [k, v] of m.metadata) metadata[k] = v;
    const channels = [...r.channelsById.values()].map((c) => ({
      topic: c.topic,
      schema: r.schemasById.get(c.schemaId)?.name ?? "",
      count: Number(stats?.channelMessageCounts.get(c.id) ?? 0n),
    }));
    const alarms: DiveInfo["alarms"] = [];
    const modes: DiveInfo["modes"] = [];
    let last: { mode: string; armed: boolean } | undefined;
    const seqs = options.seqs ? new LinkSeqCounter() : undefined;
    const topics = seqs ? ["/telemetry", "/vehicle-status", "/alarms", "/mode"] : ["/alarms", "/mode"];
    for await (const rec of readRecords(log, { topics })) {
      const v = rec.value;
      if (rec.kind === "telemetry" || rec.kind === "vehicle-status") {
        if (typeof v.seq === "number") seqs?.add(rec.kind, v.seq);
      } else if (rec.kind === "alarm")
        alarms.push({
          time: rec.time,
          severity: String(v.severity),
          code: String(v.code),
          active: v.active === true,
          text: String(v.text),
        });
      else if (last === undefined || last.mode !== v.mode || last.armed !== v.armed) {
        last = { mode: String(v.mode), armed: v.armed === true };
        modes.push({ time: rec.time, ...last });
      }
    }
    const start = Number((stats?.messageStartTime ?? 0n) / 1000n);
    const end = Number((stats?.messageEndTime ?? 0n) / 1000n);
    return {
      path,
      bytes: log.size,
      metadata,
      start,
      end,
      durationS: (end - start) / 1e6,
      messages: Number(stats?.messageCount ?? 0n),
      chunks: r.chunkIndexes.length,
      compression: [...new Set(r.chunkIndexes.map((c) => c.compression || "none"))].join(",") || "none",
      channels,
      alarms,
      modes,
      ...(seqs ? { link: seqs.result() } : {}),
    };
  } finally {
    await log.close();
  }
}

export interface RepairResult {
  messages: number;
  /** Bytes at the end of the input that held no complete record (the part lost). */
  discardedBytes: number;
  /** µs since the epoch of the last recovered message (0 when none). */
  lastTime: number;
  /** Why reading stopped before the end of the input, if it did. */
  stoppedBy: string | undefined;
}

/**
 * Rewrites a dive log cut short (a killed hub, a power cut) as a complete, indexed file: every
 * whole record up to the cut is kept, the partial chunk at the end is dropped.
 */
export async function repairDiveLog(input: string, output: string): Promise<RepairResult> {
  const stream = new McapStreamReader({ decompressHandlers: DECOMPRESS, validateCrcs: true });
  const topics = new Map<number, string>();
  const metadata: Record<string, string> = {};
  const pending: { topic: string; logTime: bigint; data: Uint8Array }[] = [];
  let stoppedBy: string | undefined;
  let header = false;
  let total = 0;
  let appended = 0;
  try {
    for await (const chunk of createReadStream(input)) {
      total += (chunk as Buffer).byteLength;
      if (stoppedBy !== undefined) continue;
      stream.append(chunk as Buffer);
      appended += (chunk as Buffer).byteLength;
      try {
        for (let rec = stream.nextRecord(); rec !== undefined; rec = stream.nextRecord()) {
          if (rec.type === "Header") header = true;
          else if (rec.type === "Channel") topics.set(rec.id, rec.topic);
          else if (rec.type === "Metadata" && rec.name === "tethys.dive")
            for (const [k, v] of rec.metadata) metadata[k] = v;
          else if (rec.type === "Message") {
            const topic = topics.get(rec.channelId);
            if (topic !== undefined) pending.push({ topic, logTime: rec.logTime, data: rec.data.slice() });
          }
        }
      } catch (err) {
        stoppedBy = (err as Error).message;
      }
    }
  } catch (err) {
    throw new TethysError(DiveLogCodes.READ, `cannot read ${input}: ${(err as Error).message}`, { cause: err });
  }
  if (!header || topics.size === 0)
    throw new TethysError(DiveLogCodes.UNRECOVERABLE, `${input}: no MCAP header and channels to recover from`);
  const sink = new FileSink(output);
  const writer = new McapDiveWriter({ sink, compression: "zstd", metadata: { ...metadata, repaired: "true" } });
  let messages = 0;
  let lastTime = 0;
  for (const p of pending) {
    const rec = decodeRecord(p.topic, p.logTime, p.data);
    if (rec === undefined) continue;
    writer.add(rec.kind, rec.time, rec.value);
    messages++;
    if (rec.time > lastTime) lastTime = rec.time;
  }
  await writer.finish();
  await sink.close();
  if (writer.error !== undefined)
    throw new TethysError(DiveLogCodes.WRITE, `cannot write ${output}: ${(writer.error as Error).message}`, {
      cause: writer.error,
    });
  return { messages, discardedBytes: total - appended + stream.bytesRemaining(), lastTime, stoppedBy };
}

async function readHead(path: string): Promise<Uint8Array> {
  const h = await open(path, "r");
  try {
    const buf = Buffer.alloc(8);
    const { bytesRead } = await h.read(buf, 0, 8, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await h.close();
  }
}

const MAGIC = [0x89, 0x4d, 0x43, 0x41, 0x50, 0x30, 0x0d, 0x0a];
function isMcap(head: Uint8Array): boolean {
  return head.length >= 8 && MAGIC.every((b, i) => head[i] === b);
}
