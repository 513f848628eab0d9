import { promisify } from "node:util";
import { crc32, zstdCompress } from "node:zlib";
import type { McapTypes } from "@mcap/core";
import { McapChunkBuilder, McapRecordBuilder, Opcode } from "@mcap/core";
import { CHANNEL_KINDS, CHANNELS, type ChannelKind } from "./channels.ts";

const compressZstd = promisify(zstdCompress);

/** Chunk compression: zstd (Node's built-in zlib) or none. */
export type Compression = "zstd" | "none";

/** Where the writer's bytes go, in order. A rejected write fails the writer. */
export interface ByteSink {
  write(bytes: Uint8Array): Promise<void>;
}

export interface McapDiveWriterOptions {
  sink: ByteSink;
  compression: Compression;
  /** Metadata record written after the header (vehicle, dive start, part …). */
  metadata: Record<string, string>;
  /** Uncompressed bytes after which a chunk is closed even before `flush()`. */
  chunkBytes?: number;
}

const encoder = new TextEncoder();
const SCRATCH_BYTES = 64 * 1024;

/**
 * An MCAP file written as a dive goes on, on `@mcap/core`'s record and chunk builders: magic,
 * header, a metadata record, then every schema and channel (all up front, outside chunks, so a
 * file cut anywhere after them still names its channels), then compressed chunks each followed by
 * its message indexes. `flush()` closes the current chunk (the recorder calls it every half second, so
 * a killed process loses at most the chunk in progress); `finish()` writes the summary (schemas,
 * channels, statistics, chunk indexes, summary offsets), the footer and the closing magic.
 *
 * Compression runs on libuv's thread pool (`zlib.zstdCompress`), so a chunk never blocks the
 * event loop; writes are chained, one at a time, in order. `pendingBytes` is what has been added
 * and not yet handed to the sink: the recorder's bound on memory.
 */
export class McapDiveWriter {
  private readonly options: McapDiveWriterOptions;
  private readonly records = new McapRecordBuilder();
  private readonly chunk = new McapChunkBuilder({ useMessageIndex: true });
  private readonly channelIds = new Map<ChannelKind, number>();
  private readonly chunkIndexes: McapTypes.ChunkIndex[] = [];
  private readonly counts = new Map<number, bigint>();
  private readonly metadataIndex: McapTypes.MetadataIndex;
  private scratch = new Uint8Array(SCRATCH_BYTES);
  private chain: Promise<void> = Promise.resolve();
  private position = 0n;
  private dataCrc = 0;
  private messageCount = 0n;
  private chunkCount = 0;
  private startTime = 0n;
  private endTime = 0n;
  private sequence = 0;
  private inFlight = 0;
  private failure: unknown;
  private finished = false;

  constructor(options: McapDiveWriterOptions) {
    this.options = options;
    const r = this.records;
    r.writeMagic();
    r.writeHeader({ profile: "", library: "tethys dive log" });
    const metadataOffset = BigInt(r.length);
    const metadataLength = r.writeMetadata({
      name: "tethys.dive",
      metadata: new Map(Object.entries(options.metadata)),
    });
    this.metadataIndex = { name: "tethys.dive", offset: metadataOffset, length: metadataLength };
    let id = 1;
    for (const kind of CHANNEL_KINDS) {
      const def = CHANNELS[kind];
      r.writeSchema({
        id,
        name: def.schemaName,
        encoding: "jsonschema",
        data: encoder.encode(JSON.stringify(def.schema)),
      });
      r.writeChannel({ id, schemaId: id, topic: def.topic, messageEncoding: "json", metadata: new Map() });
      this.channelIds.set(kind, id);
      id++;
    }
    this.emit(r.buffer, true);
    r.reset();
  }

  /** Bytes handed to the sink so far, plus what is queued for it (uncompressed: an upper bound). */
  get size(): bigint {
    return this.position + BigInt(this.pendingBytes);
  }

  /** Bytes added but not yet written: the open chunk and chunks being compressed or written. */
  get pendingBytes(): number {
    return this.chunk.byteLength + this.inFlight;
  }

  get messages(): bigint {
    return this.messageCount;
  }

  /** The first write error, if any (the writer then writes nothing more). */
  get error(): unknown {
    return this.failure;
  }

  /** Adds one message: `value` is serialised as JSON; `logTime` is µs since the Unix epoch. */
  add(kind: ChannelKind, logTimeMicros: number, value: unknown): void {
    if (this.finished || this.failure !== undefined) return;
    const channelId = this.channelIds.get(kind) as number;
    const json = JSON.stringify(value);
    if (json.length * 3 > this.scratch.length) this.scratch = new Uint8Array(json.length * 3);
    const { written } = encoder.encodeInto(json, this.scratch);
    const t = BigInt(Math.trunc(logTimeMicros)) * 1000n;
    this.chunk.addMessage({
      channelId,
      sequence: this.sequence++ >>> 0,
      logTime: t,
      publishTime: t,
      data: this.scratch.subarray(0, written),
    });
    if (this.messageCount === 0n || t < this.startTime) this.startTime = t;
    if (t > this.endTime) this.endTime = t;
    this.messageCount++;
    this.counts.set(channelId, (this.counts.get(channelId) ?? 0n) + 1n);
    if (this.chunk.byteLength >= (this.options.chunkBytes ?? 1024 * 1024)) this.flush();
  }

  /** Closes the open chunk (if it holds anything) and queues it; resolves once it is written. */
  flush(): Promise<void> {
    if (this.chunk.numMessages === 0 || this.failure !== undefined) return this.chain;
    const data = this.chunk.buffer;
    const indices = [...this.chunk.indices].map((i) => ({ channelId: i.channelId, records: [...i.records] }));
    const start = this.chunk.messageStartTime;
    const end = this.chunk.messageEndTime;
    this.chunk.reset();
    this.inFlight += data.byteLength;
    const compressed = this.options.compression === "zstd" ? compressZstd(data) : Promise.resolve(data);
    return this.queue(async () => {
      const records = await compressed;
      const r = this.records;
      const chunkStartOffset = this.position;
      const chunkLength = r.writeChunk({
        messageStartTime: start,
        messageEndTime: end,
        uncompressedSize: BigInt(data.byteLength),
        uncompressedCrc: crc32(data),
        compression: this.options.compression === "zstd" ? "zstd" : "",
        records,
      });
      const messageIndexOffsets = new Map<number, bigint>();
      let messageIndexLength = 0n;
      const indexStart = chunkStartOffset + chunkLength;
      for (const index of indices) {
        messageIndexOffsets.set(index.channelId, indexStart + messageIndexLength);
        messageIndexLength += r.writeMessageIndex(index);
      }
      this.chunkIndexes.push({
        messageStartTime: start,
        messageEndTime: end,
        chunkStartOffset,
        chunkLength,
        messageIndexOffsets,
        messageIndexLength,
        compression: this.options.compression === "zstd" ? "zstd" : "",
        compressedSize: BigInt(records.byteLength),
        uncompressedSize: BigInt(data.byteLength),
      });
      this.chunkCount++;
      const bytes = r.buffer;
      r.reset();
      this.inFlight -= data.byteLength;
      await this.write(bytes, true);
    });
  }

  /** Flushes, then writes the summary and footer: the file is complete and indexed. */
  async finish(): Promise<void> {
    if (this.finished) return this.chain;
    const flushed = this.flush();
    this.finished = true;
    await flushed;
    return this.queue(async () => {
      const r = this.records;
      r.writeDataEnd({ dataSectionCrc: this.dataCrc });
      await this.write(r.buffer, false);
      r.reset();
      const summaryStart = this.position;
      const groups: McapTypes.SummaryOffset[] = [];
      const group = (opcode: Opcode, write: () => bigint) => {
        const groupStart = summaryStart + BigInt(r.length);
        const groupLength = write();
        if (groupLength > 0n) groups.push({ groupOpcode: opcode, groupStart, groupLength });
      };
      group(Opcode.SCHEMA, () => {
        let n = 0n;
        for (const kind of CHANNEL_KINDS) {
          const def = CHANNELS[kind];
          const id = this.channelIds.get(kind) as number;
          n += r.writeSchema({
            id,
            name: def.schemaName,
            encoding: "jsonschema",
            data: encoder.encode(JSON.stringify(def.schema)),
          });
        }
        return n;
      });
      group(Opcode.CHANNEL, () => {
        let n = 0n;
        for (const kind of CHANNEL_KINDS) {
          const id = this.channelIds.get(kind) as number;
          n += r.writeChannel({
            id,
            schemaId: id,
            topic: CHANNELS[kind].topic,
            messageEncoding: "json",
            metadata: new Map(),
          });
        }
        return n;
      });
      group(Opcode.STATISTICS, () =>
        r.writeStatistics({
          messageCount: this.messageCount,
          schemaCount: CHANNEL_KINDS.length,
          channelCount: CHANNEL_KINDS.length,
          attachmentCount: 0,
          metadataCount: 1,
          chunkCount: this.chunkCount,
          messageStartTime: this.startTime,
          messageEndTime: this.endTime,
          channelMessageCounts: new Map(this.counts),
        }),
      );
      group(Opcode.METADATA_INDEX, () => r.writeMetadataIndex(this.metadataIndex));
      group(Opcode.CHUNK_INDEX, () => {
        let n = 0n;
        for (const c of this.chunkIndexes) n += r.writeChunkIndex(c);
        return n;
      });
      const summaryOffsetStart = summaryStart + BigInt(r.length);
      for (const g of groups) r.writeSummaryOffset(g);
      // The footer's CRC covers the summary up to and including the footer's first fields.
      const footerHead = new DataView(new ArrayBuffer(25));
      footerHead.setUint8(0, Opcode.FOOTER);
      footerHead.setBigUint64(1, 20n, true);
      footerHead.setBigUint64(9, summaryStart, true);
      footerHead.setBigUint64(17, summaryOffsetStart, true);
      const summaryCrc = crc32(new Uint8Array(footerHead.buffer), crc32(r.buffer));
      r.writeFooter({ summaryStart, summaryOffsetStart, summaryCrc });
      r.writeMagic();
      const bytes = r.buffer;
      r.reset();
      await this.write(bytes, false);
    });
  }

  private emit(bytes: Uint8Array, data: boolean): void {
    void this.queue(() => this.write(bytes, data));
  }

  private async write(bytes: Uint8Array, data: boolean): Promise<void> {
    if (data) this.dataCrc = crc32(bytes, this.dataCrc);
    this.position += BigInt(bytes.byteLength);
    await this.options.sink.write(bytes);
  }

  /** Runs `step` after every earlier step; after a failure nothing more runs. */
  private queue(step: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(async () => {
      if (this.failure !== undefined) return;
      try {
        await step();
      } catch (err) {
        this.failure = err;
      }
    });
    return this.chain;
  }
}
