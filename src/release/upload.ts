import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { Transform } from "node:stream";
import { TethysError } from "../kernel/errors.ts";
import { type BoardLayout, shq } from "./board-layout.ts";
import { runRemote, type SshTarget } from "./ssh.ts";

/**
 * Uploading a tarball into the board's upload area with resume. The board keeps what has arrived
 * as `NAME.part`; before sending, the topside asks for its size and SHA-256 and compares them
 * with the same prefix of its own file: equal, the upload continues from there; different (or
 * longer), it restarts from nothing. Only a part whose SHA-256 equals the whole tarball's is
 * renamed to `NAME`, so the board never installs from a partial file. Free space is checked
 * first (the upload and the unpacked release), and a write that runs out of space removes the
 * part and fails with DEPLOY_DISK_FULL.
 */
export interface UploadProgress {
  sent: number;
  total: number;
  /** Where this upload started (bytes the board already had). */
  offset: number;
  elapsedMs: number;
  done: boolean;
}

export interface UploadOptions {
  target: SshTarget;
  layout: BoardLayout;
  tarball: string;
  /** Bytes the unpacked release needs under the releases folder. */
  unpackedBytes: number;
  onProgress?: (p: UploadProgress) => void;
  now?: () => number;
}

export interface UploadResult {
  /** The complete tarball on the board. */
  remotePath: string;
  bytes: number;
  /** Bytes the board already had (resume), or the whole size when it had the complete file. */
  resumedFrom: number;
  sent: number;
}

export async function uploadTarball(o: UploadOptions): Promise<UploadResult> {
  const now = o.now ?? (() => performance.now());
  const name = basename(o.tarball);
  const total = (await stat(o.tarball)).size;
  const whole = await sha256Prefix(o.tarball, total);
  const dir = o.layout.uploads;
  const file = `${dir}/${name}`;
  const part = `${file}.part`;
  const probe = await runRemote(
    o.target,
    [
      "set -e",
      `umask 077; mkdir -p ${shq(dir)} ${shq(o.layout.opt)}`,
      `f=${shq(file)}; p=${shq(part)}`,
      `if [ -f "$f" ] && [ "$(sha256sum < "$f" | cut -d' ' -f1)" = ${shq(whole)} ]; then echo complete; fi`,
      `if [ -f "$p" ]; then echo "part $(stat -c %s "$p") $(sha256sum < "$p" | cut -d' ' -f1)"; else echo "part 0 -"; fi`,
      `df -P -B1 ${shq(dir)} ${shq(o.layout.opt)} | awk 'NR>1 {print "df", $4, $6}'`,
      `[ -x ${shq(`${o.layout.opt}/current/bin/tethys`)} ] && echo has-current || true`,
    ].join("\n"),
  );
  if (probe.code !== 0) {
    throw new TethysError("DEPLOY_UPLOAD", `cannot prepare the upload area ${dir}: ${probe.stderr.trim()}`);
  }
  if (/^complete$/m.test(probe.stdout)) {
    o.onProgress?.({ sent: total, total, offset: total, elapsedMs: 0, done: true });
    return { remotePath: file, bytes: total, resumedFrom: total, sent: 0 };
  }
  const partLine = /^part (\d+) (\S+)$/m.exec(probe.stdout);
  const partSize = Number(partLine?.[1] ?? 0);
  let offset = 0;
  if (partSize > 0 && partSize <= total && (await sha256Prefix(o.tarball, partSize)) === partLine?.[2]) {
    offset = partSize;
  }
  const df = [...probe.stdout.matchAll(/^df (\d+) (.+)$/gm)].map((m) => ({ free: Number(m[1]), mount: m[2] }));
  const [up, opt] = df;
  if (up !== undefined && opt !== undefined) {
    const remaining = total - offset;
    const sameFs = up.mount === opt.mount;
    // A board with no release yet unpacks the bundle once more in the upload area, to run its
    // own `tethys release install`.
    const firstInstall = !/^has-current$/m.test(probe.stdout);
    const release = o.unpackedBytes;
    const needUp = remaining + (firstInstall ? release : 0) + (sameFs ? release : 0);
    if (up.free < needUp || opt.free < (sameFs ? needUp : release)) {
      throw new TethysError(
        "DEPLOY_DISK_FULL",
        `the board has too little space: ${mib(needUp)} needed for the upload${sameFs ? " and the unpacked release" : ""} on ${up.mount} (${mib(up.free)} free)${sameFs ? "" : `, ${mib(o.unpackedBytes)} for the release on ${opt.mount} (${mib(opt.free)} free)`}; nothing was changed`,
        { details: { needed: needUp, free: up.free } },
      );
    }
  }
  const started = now();
  let sent = 0;
  let lastReport = -Infinity;
  const report = (done: boolean) => {
    const t = now();
    if (!done && t - lastReport < 100) return;
    lastReport = t;
    o.onProgress?.({ sent: offset + sent, total, offset, elapsedMs: t - started, done });
  };
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      sent += chunk.length;
      report(false);
      cb(null, chunk);
    },
  });
  const source = total > offset ? createReadStream(o.tarball, { start: offset }) : undefined;
  source?.on("error", (err) => counter.destroy(err));
  const stdin = source ? source.pipe(counter) : undefined;
  report(false);
  const upload = await runRemote(
    o.target,
    [
      `f=${shq(file)}; p=${shq(part)}`,
      offset === 0 ? `: > "$p" || exit 5` : `[ "$(stat -c %s "$p")" = ${offset} ] || exit 6`,
      // cat writes what arrives; on a write error (ENOSPC) it says so on stderr and exits non-zero.
      `if ! cat >> "$p"; then rm -f "$p"; exit 7; fi`,
      `h=$(sha256sum < "$p" | cut -d' ' -f1)`,
      `if [ "$h" = ${shq(whole)} ]; then mv -f "$p" "$f"; echo uploaded; else echo "size $(stat -c %s "$p")"; exit 8; fi`,
    ].join("\n"),
    stdin ? { stdin } : {},
  );
  if (upload.code !== 0) {
    if (/No space left on device/i.test(upload.stderr) || upload.code === 7) {
      throw new TethysError(
        "DEPLOY_DISK_FULL",
        `the board ran out of space during the upload to ${dir} (${upload.stderr.trim().split("\n").at(-1) ?? ""}): the partial upload was removed, the installed releases are untouched`,
      );
    }
    throw new TethysError(
      "DEPLOY_UPLOAD",
      `the upload of ${name} did not arrive whole (exit ${upload.code}${upload.stdout.trim() ? `, ${upload.stdout.trim()}` : ""}): run deploy again, it resumes or restarts`,
    );
  }
  report(true);
  return { remotePath: file, bytes: total, resumedFrom: offset, sent };
}

async function sha256Prefix(file: string, bytes: number): Promise<string> {
  const hash = createHash("sha256");
  if (bytes > 0)
    for await (const chunk of createReadStream(file, { start: 0, end: bytes - 1 })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/**
 * Renders upload progress: on a terminal one line redrawn in place (bar, %, bytes/s, ETA),
 * otherwise a plain line at every tenth of the way.
 */
export function progressPrinter(write: (s: string) => void, tty: boolean): (p: UploadProgress) => void {
  let lastTenth = -1;
  return (p) => {
    const frac = p.total === 0 ? 1 : p.sent / p.total;
    const pct = Math.floor(frac * 100);
    const rate = p.elapsedMs > 0 ? ((p.sent - p.offset) * 1000) / p.elapsedMs : 0;
    const eta = rate > 0 ? (p.total - p.sent) / rate : Number.NaN;
    const resumed = p.offset > 0 ? ` (resumed at ${mib(p.offset)})` : "";
    const figures = `${pct}% ${mib(p.sent)}/${mib(p.total)} ${mib(rate)}/s ETA ${Number.isFinite(eta) ? `${Math.ceil(eta)}s` : "?"}`;
    if (tty) {
      const width = 24;
      const filled = Math.round(frac * width);
      write(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${figures}${resumed}\u001b[K${p.done ? "\n" : ""}`);
      return;
    }
    const tenth = Math.floor(frac * 10);
    if (tenth > lastTenth || p.done) {
      if (p.done && tenth === lastTenth) return;
      lastTenth = tenth;
      write(`upload ${figures}${resumed}\n`);
    }
  };
}
