import assert from "node:assert/strict";
import { test } from "node:test";
import { progressPrinter, type UploadProgress } from "./upload.ts";

const MiB = 1024 * 1024;
const at = (sent: number, elapsedMs: number, o: Partial<UploadProgress> = {}): UploadProgress => ({
  sent,
  total: 10 * MiB,
  offset: 0,
  elapsedMs,
  done: false,
  ...o,
});

test("off a terminal, the upload progress is a plain line at each tenth of the way and at the end", () => {
  const lines: string[] = [];
  const p = progressPrinter((s) => lines.push(s), false);
  p(at(0, 0));
  p(at(0.5 * MiB, 500));
  p(at(1 * MiB, 1000));
  p(at(1.5 * MiB, 1500));
  p(at(10 * MiB, 10_000, { done: true }));
  assert.deepEqual(lines, [
    "upload 0% 0.0 MiB/10.0 MiB 0.0 MiB/s ETA ?\n",
    "upload 10% 1.0 MiB/10.0 MiB 1.0 MiB/s ETA 9s\n",
    "upload 100% 10.0 MiB/10.0 MiB 1.0 MiB/s ETA 0s\n",
  ]);
});

test("on a terminal, one line is redrawn with bar, %, rate and ETA; a resumed upload says where it started", () => {
  let out = "";
  const p = progressPrinter((s) => {
    out += s;
  }, true);
  p(at(6 * MiB, 2000, { offset: 4 * MiB }));
  assert.equal(out, "\r[##############..........] 60% 6.0 MiB/10.0 MiB 1.0 MiB/s ETA 4s (resumed at 4.0 MiB)\u001b[K");
  p(at(10 * MiB, 6000, { offset: 4 * MiB, done: true }));
  assert.ok(out.endsWith("\n"), "the finished bar ends its line");
});
