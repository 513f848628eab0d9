import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { diveInfo, openDiveLog, readRecords, repairDiveLog } from "./reader.ts";

const CHILD = fileURLToPath(new URL("./testing/killed-recorder.ts", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "tethys-divelog-kill-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("SIGKILL mid-dive: the file keeps every chunk that reached it, and repair makes it an indexed log", async () => {
  const child = spawn(process.execPath, [CHILD, dir, "50"], { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.once("exit", (_code, signal) => resolve(signal)),
  );
  const times: number[] = [];
  let flushed = 0;
  let path = "";
  for await (const line of createInterface({ input: child.stdout })) {
    const m = JSON.parse(line) as { frame?: number; time?: number; flushed?: number; path?: string };
    if (m.frame !== undefined) times[m.frame] = m.time as number;
    if (m.flushed !== undefined) {
      flushed = m.flushed;
      path = m.path as string;
      if (flushed >= 100) {
        child.kill("SIGKILL"); // at least two chunks on disk
        break;
      }
    }
  }
  assert.equal(await exited, "SIGKILL");
  await assert.rejects(openDiveLog(path), { code: "DIVELOG_NOT_INDEXED" });

  const fixed = join(dir, "repaired.mcap");
  const result = await repairDiveLog(path, fixed);
  assert.ok(result.messages >= flushed, `repaired ${result.messages}, the child had ${flushed} on disk`);
  const log = await openDiveLog(fixed);
  const seqs: number[] = [];
  for await (const r of readRecords(log, { topics: ["/telemetry"] })) seqs.push(r.value.seq as number);
  await log.close();
  assert.deepEqual(
    seqs,
    seqs.map((_, i) => i),
    "frames 0…n-1 in order, none missing before the cut",
  );
  assert.equal(result.lastTime, times[seqs.length - 1]);
  const info = await diveInfo(fixed);
  assert.equal(info.channels.find((c) => c.topic === "/telemetry")?.count, seqs.length);
});
