import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { openDiveLog, readRecords } from "../dive-log/reader.ts";
import { DiveRecorder } from "../dive-log/recorder.ts";
import { createLogging } from "../observability/logger.ts";
import { HubCodes } from "./errors.ts";
import { HubProtocol } from "./hub-protocol.ts";
import { attachDiveLog } from "./hub-recorder.ts";
import { fixtureParts, hubFixture } from "./testing/hub-fixture.ts";
import { MemoryBrowser } from "./testing/memory-transport.ts";

const dir = mkdtempSync(join(tmpdir(), "tethys-hub-divelog-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("the hub records the vehicle's frames, every command with its session and outcome, roles and link changes", async () => {
  const parts = fixtureParts();
  const recorder = new DiveRecorder({
    dir,
    clock: parts.clock,
    logger: createLogging({ level: "silent", components: {} }).child("dive-log"),
    preMarginMs: 1000,
    postMarginMs: 1000,
    sync: false,
    freeBytes: async () => 1e12,
  });
  const hook = attachDiveLog(parts.directory, recorder);
  const protocol = new HubProtocol({ ...parts.protocol, recorder: hook });
  protocol.start();
  const t = hubFixture(
    parts,
    async () => {
      const b = new MemoryBrowser({ remote: "memory", maxMessageBytes: protocol.limits.maxMessageBytes });
      protocol.accept(b.transport);
      return b;
    },
    async () => protocol.close(),
  );
  const stamp = () => parts.clock.wallMicros();
  parts.vehicle.telemetry({ armed: false, depth: 0 }, stamp());
  const pilot = await t.join("pilot", "alice");
  const observer = await t.join("observer", "bob");
  parts.vehicle.telemetry({ armed: true, depth: 1 }, stamp()); // the dive starts
  pilot.send({ type: "lights", level: 0.5 });
  observer.send({ type: "arm" });
  assert.equal((await observer.next("error")).code, HubCodes.NOT_PILOT);
  parts.vehicle.event({ type: "alarm", severity: "warning", code: "FS_PILOT_INPUT", active: true, text: "x" }, stamp());
  parts.vehicle.setConnected(false);
  pilot.send({ type: "disarm" });
  assert.equal((await pilot.next("error")).code, HubCodes.VEHICLE_OFFLINE);
  parts.vehicle.setConnected(true);
  parts.vehicle.telemetry({ armed: true, depth: 2 }, stamp());
  await t.close();
  hook.detach();
  await recorder.close();

  const [name] = readdirSync(join(dir, "rov1"));
  const log = await openDiveLog(join(dir, "rov1", name as string));
  const got: string[] = [];
  for await (const r of readRecords(log)) {
    const v = r.value;
    if (r.kind === "telemetry") got.push(`telemetry ${v.depth}`);
    else if (r.kind === "command") got.push(`command ${v.name} ${v.command} ${v.result} ${v.code}`);
    else if (r.kind === "alarm") got.push(`alarm ${v.code}`);
    else if (r.kind === "link") got.push(`link ${v.connected}`);
    else if (r.kind === "role") got.push(`role ${v.name} ${v.role}`);
  }
  await log.close();
  // Roles taken before arming are in the margin; everything after arming follows in order.
  assert.deepEqual(got, [
    "telemetry 0",
    "role alice pilot",
    "role bob observer",
    "telemetry 1",
    "command alice lights forwarded ",
    "command bob arm refused HUB_NOT_PILOT",
    "alarm FS_PILOT_INPUT",
    "link false",
    "command alice disarm refused HUB_VEHICLE_OFFLINE",
    "link true",
    "telemetry 2",
    // The hub closing: both sessions leave (closed sessions have no name left to give).
    "role  none",
    "role  none",
  ]);
});
