import { type OpenLog, readRecords } from "./reader.ts";

/**
 * One channel of a dive log as CSV: a header line, then one line per record in log-time order.
 * Columns: `time` (ISO 8601, the record's log time), `t_s` (seconds since the log's first record
 * on any channel), then every field, nested ones flattened with dots (`battery.voltage`,
 * `thrusters.0`), in the order they first appear. Two passes over the file: the columns, then the
 * rows, so memory stays one record.
 */
export async function exportCsv(log: OpenLog, topic: string, write: (line: string) => void): Promise<number> {
  const columns = new Map<string, number>();
  for await (const r of readRecords(log, { topics: [topic] }))
    for (const key of Object.keys(flatten(r.value))) if (!columns.has(key)) columns.set(key, columns.size);
  const names = [...columns.keys()];
  write(["time", "t_s", ...names].map(cell).join(","));
  const start = Number((log.reader.statistics?.messageStartTime ?? 0n) / 1000n);
  let rows = 0;
  const row: string[] = new Array(names.length);
  for await (const r of readRecords(log, { topics: [topic] })) {
    row.fill("");
    for (const [key, value] of Object.entries(flatten(r.value))) row[columns.get(key) as number] = cell(value);
    write([new Date(r.time / 1000).toISOString(), ((r.time - start) / 1e6).toFixed(6), ...row].join(","));
    rows++;
  }
  return rows;
}

function flatten(value: unknown, prefix = "", out: Record<string, unknown> = {}): Record<string, unknown> {
  if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix === "" ? k : `${prefix}.${k}`, out);
  } else out[prefix] = value;
  return out;
}

/** A CSV cell (RFC 4180): quoted when it holds a comma, quote or line break; null/undefined empty. */
function cell(value: unknown): string {
  if (value === null || value === undefined) return "";
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
