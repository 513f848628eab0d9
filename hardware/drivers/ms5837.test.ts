import assert from "node:assert/strict";
import { test } from "node:test";
import { VirtualClock } from "../../src/kernel/virtual-clock.ts";
import { FakeI2cBus } from "../testing/fake-i2c-bus.ts";
import { FakeMs5837, MS5837_02BA_EXAMPLE, MS5837_30BA_EXAMPLE } from "../testing/fake-ms5837.ts";
import { settle } from "../testing/settle.ts";
import { Ms5837 } from "./ms5837.ts";

function rig(example = MS5837_30BA_EXAMPLE, options: ConstructorParameters<typeof Ms5837>[2] = {}) {
  const clock = new VirtualClock();
  const fake = new FakeMs5837([...example.prom], example.d1, example.d2, () => clock.now());
  const bus = new FakeI2cBus().attach(0x76, fake);
  const dev = new Ms5837(bus, clock, options);
  return { clock, fake, bus, dev };
}

test("30BA: init detects the model, a read reproduces the worked example in SI units", async () => {
  const { clock, fake, dev } = rig();
  const init = await settle(clock, dev.init());
  assert.deepEqual(init, { ok: true, value: { model: "30BA", version: 0x1a } });
  assert.equal(fake.resets, 1);
  const r = await settle(clock, dev.read());
  assert.ok(r.ok);
  assert.equal(r.value.pressurePa, 399980);
  assert.equal(r.value.temperatureC, 19.81);
  assert.equal(r.value.depthM, (399980 - 101300) / (997 * 9.80665));
  assert.equal(dev.health.state, "ok");
});

test("02BA: detected from version 0x00 and 0x15", async () => {
  for (const w0 of [0x8000, 0x52a0]) {
    const { clock, dev } = rig({ ...MS5837_02BA_EXAMPLE, prom: [w0, ...MS5837_02BA_EXAMPLE.prom.slice(1)] });
    const init = await settle(clock, dev.init());
    assert.ok(init.ok && init.value.model === "02BA");
    const r = await settle(clock, dev.read());
    assert.ok(r.ok);
    assert.equal(r.value.pressurePa, 110002);
  }
});

test("the conversion time is honoured: the read waits on the clock, not on a busy loop", async () => {
  const { clock, dev } = rig(MS5837_30BA_EXAMPLE, { osr: 8192 });
  await settle(clock, dev.init());
  const t0 = clock.now();
  const r = await settle(clock, dev.read(), 0.25);
  assert.ok(r.ok, "the fake returns 0 if read before 18.08 ms have passed");
  assert.ok(clock.now() - t0 >= 2 * 18.08);
});

test("sea water density gives a shallower depth for the same pressure", async () => {
  const { clock, dev } = rig(MS5837_30BA_EXAMPLE, { fluidDensity: 1029 });
  await settle(clock, dev.init());
  const r = await settle(clock, dev.read());
  assert.ok(r.ok);
  assert.equal(r.value.depthM, (399980 - 101300) / (1029 * 9.80665));
});

test("a bad PROM CRC is a DEVICE_CRC fault, reported by event, not thrown", async () => {
  const prom = [...MS5837_30BA_EXAMPLE.prom];
  prom[2] = (prom[2] as number) + 1;
  const { clock, dev } = rig({ ...MS5837_30BA_EXAMPLE, prom });
  const seen: string[] = [];
  dev.health.onFault((e, s) => seen.push(`${e.code}/${s}`));
  const init = await settle(clock, dev.init());
  assert.equal(init.ok, false);
  assert.equal(init.ok ? "" : init.error.code, "DEVICE_CRC");
  assert.deepEqual(seen, ["DEVICE_CRC/fault"]);
  const r = await settle(clock, dev.read());
  assert.equal(r.ok ? "" : r.error.code, "DEVICE_NOT_READY");
});

test("unknown version: DEVICE_BAD_ID unless the model is configured; a contradicting model is DEVICE_BAD_ID", async () => {
  const { ms5837Crc4 } = await import("./ms5837-math.ts");
  const prom = [0x0660, ...MS5837_30BA_EXAMPLE.prom.slice(1)]; // version 0x33
  prom[0] = (prom[0] as number) | (ms5837Crc4(prom) << 12);
  let { clock, dev } = rig({ ...MS5837_30BA_EXAMPLE, prom });
  let init = await settle(clock, dev.init());
  assert.equal(init.ok ? "" : init.error.code, "DEVICE_BAD_ID");
  ({ clock, dev } = rig({ ...MS5837_30BA_EXAMPLE, prom }, { model: "30BA" }));
  init = await settle(clock, dev.init());
  assert.ok(init.ok);
  ({ clock, dev } = rig(MS5837_30BA_EXAMPLE, { model: "02BA" }));
  init = await settle(clock, dev.init());
  assert.equal(init.ok ? "" : init.error.code, "DEVICE_BAD_ID");
});

test("an absent sensor is DEVICE_MISSING and the health goes to fault", async () => {
  const clock = new VirtualClock();
  const dev = new Ms5837(new FakeI2cBus(), clock);
  const init = await settle(clock, dev.init());
  assert.equal(init.ok ? "" : init.error.code, "DEVICE_MISSING");
  assert.equal(dev.health.state, "fault");
});

test("an ADC read of 0 is DEVICE_NO_CONVERSION; repeated failures go degraded then fault; success recovers", async () => {
  const { clock, fake, dev } = rig();
  await settle(clock, dev.init());
  fake.d1 = 0;
  const r = await settle(clock, dev.read());
  assert.equal(r.ok ? "" : r.error.code, "DEVICE_NO_CONVERSION");
  assert.equal(dev.health.state, "degraded");
  await settle(clock, dev.read());
  await settle(clock, dev.read());
  assert.equal(dev.health.state, "fault");
  fake.d1 = MS5837_30BA_EXAMPLE.d1;
  assert.ok((await settle(clock, dev.read())).ok);
  assert.equal(dev.health.state, "ok");
});

test("a bus I/O error mid-read is DEVICE_IO, not a crash", async () => {
  const { clock, bus, dev } = rig();
  await settle(clock, dev.init());
  bus.setFault(0x76, "io");
  const r = await settle(clock, dev.read());
  assert.equal(r.ok ? "" : r.error.code, "DEVICE_IO");
});

test("identical raw readings N times in a row are DEVICE_STUCK; noise is not", async () => {
  const { clock, fake, dev } = rig(MS5837_30BA_EXAMPLE, { stuckLimit: 3 });
  await settle(clock, dev.init());
  assert.ok((await settle(clock, dev.read())).ok);
  assert.ok((await settle(clock, dev.read())).ok);
  const third = await settle(clock, dev.read());
  assert.equal(third.ok ? "" : third.error.code, "DEVICE_STUCK");
  fake.d1Sequence = [4958181, 4958176, 4958179];
  for (let i = 0; i < 6; i++) assert.ok((await settle(clock, dev.read())).ok);
});

test("concurrent reads do not interleave their conversions", async () => {
  const { clock, dev } = rig();
  await settle(clock, dev.init());
  const both = Promise.all([dev.read(), dev.read(), dev.read()]);
  const results = await settle(clock, both);
  for (const r of results) {
    assert.ok(r.ok, r.ok ? "" : r.error.message);
    assert.equal(r.value.pressurePa, 399980);
  }
});

test("health snapshot counts failures by code", async () => {
  const { clock, fake, dev } = rig();
  await settle(clock, dev.init());
  fake.d2 = 0;
  await settle(clock, dev.read());
  await settle(clock, dev.read());
  const snap = dev.health.snapshot();
  assert.equal(snap.state, "degraded");
  assert.deepEqual(snap.faults, { DEVICE_NO_CONVERSION: 2 });
  assert.equal(snap.lastError?.code, "DEVICE_NO_CONVERSION");
});

test("a caller polling faster than the sensor converts gets DEVICE_OVERLOADED, and health stays ok", async () => {
  const { clock, dev } = rig();
  await settle(clock, dev.init());
  const results = await settle(clock, Promise.all(Array.from({ length: 6 }, () => dev.read())));
  assert.deepEqual(
    results.map((r) => (r.ok ? "ok" : r.error.code)),
    ["ok", "ok", "ok", "ok", "DEVICE_OVERLOADED", "DEVICE_OVERLOADED"],
  );
  assert.equal(dev.health.state, "ok");
});

test("an all-zero PROM (which passes CRC-4) is DEVICE_BAD_DATA", async () => {
  const { ms5837Crc4 } = await import("./ms5837-math.ts");
  const zeros = [0, 0, 0, 0, 0, 0, 0];
  assert.equal(ms5837Crc4(zeros), 0, "the CRC alone would accept it");
  const { clock, dev } = rig({ ...MS5837_30BA_EXAMPLE, prom: zeros });
  const r = await settle(clock, dev.init());
  assert.equal(r.ok ? "" : r.error.code, "DEVICE_BAD_DATA");
});
