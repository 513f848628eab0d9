import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { defaultVehicleState, FileStateStore, parseVehicleState, type VehicleState } from "./vehicle-state.ts";

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "tethys-state-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const SAMPLE: VehicleState = {
  version: 1,
  depth: { surfacePa: 101_200, water: "salt" },
  thrusters: [null, { reversed: true, range: { minUs: 1100, neutralUs: 1490, maxUs: 1900 } }],
  imuOffsets: null,
};

test("no file yet: the defaults; a saved state loads back the same, written atomically (no temporary left)", async () => {
  await withDir(async (dir) => {
    const store = new FileStateStore(join(dir, "sub", "vehicle-state.json"));
    assert.deepEqual(await store.load(), defaultVehicleState());
    await store.save(SAMPLE);
    assert.deepEqual(await store.load(), SAMPLE);
    assert.deepEqual(await readdir(join(dir, "sub")), ["vehicle-state.json"]);
    // saves in a row land in order: the last one wins
    await Promise.all([store.save({ ...SAMPLE, imuOffsets: Array(22).fill(1) }), store.save(defaultVehicleState())]);
    assert.deepEqual(await store.load(), defaultVehicleState());
  });
});

test("a file that does not validate is refused with VEHICLE_STATE_INVALID naming the field, never half used", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "s.json");
    const store = new FileStateStore(path);
    const cases: [string, RegExp][] = [
      ["{not json", /not JSON/],
      [JSON.stringify({ ...SAMPLE, version: 2 }), /version/],
      [JSON.stringify({ ...SAMPLE, depth: { surfacePa: 300_000, water: "salt" } }), /depth\.surfacePa/],
      [JSON.stringify({ ...SAMPLE, depth: { surfacePa: 101_000, water: "milk" } }), /depth\.water/],
      [
        JSON.stringify({
          ...SAMPLE,
          thrusters: [{ reversed: false, range: { minUs: 1900, neutralUs: 1500, maxUs: 1100 } }],
        }),
        /minUs < neutralUs < maxUs/,
      ],
      [JSON.stringify({ ...SAMPLE, extra: 1 }), /extra|Unrecognized/],
      [JSON.stringify({ ...SAMPLE, imuOffsets: [1, 2, 3] }), /imuOffsets/],
    ];
    for (const [text, message] of cases) {
      await writeFile(path, text);
      await assert.rejects(store.load(), (e: Error & { code?: string }) => {
        assert.equal(e.code, "VEHICLE_STATE_INVALID");
        assert.match(e.message, message);
        return true;
      });
    }
    assert.throws(() => parseVehicleState({ ...SAMPLE, thrusters: "x" }), /VEHICLE_STATE_INVALID|thrusters/);
  });
});

test("a state that does not validate is never written; an unwritable path is VEHICLE_STATE_WRITE", async () => {
  await withDir(async (dir) => {
    const path = join(dir, "s.json");
    const store = new FileStateStore(path);
    await store.save(SAMPLE);
    assert.throws(() => store.save({ ...SAMPLE, depth: { surfacePa: 5, water: "fresh" } }));
    assert.deepEqual(JSON.parse(await readFile(path, "utf8")), SAMPLE);
    await writeFile(join(dir, "file"), "");
    const bad = new FileStateStore(join(dir, "file", "s.json"));
    await assert.rejects(bad.save(SAMPLE), (e: Error & { code?: string }) => e.code === "VEHICLE_STATE_WRITE");
  });
});
