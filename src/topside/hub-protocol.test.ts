import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { setImmediate as turn } from "node:timers/promises";
import { errorCode } from "../kernel/errors.ts";
import { decodeFrame, MAX_FRAME_SIZE, type MessageOf } from "../protocol/index.ts";
import { HubCodes } from "./errors.ts";
import { type MemoryHub, OBSERVER_SECRET, PILOT_SECRET, startMemoryHub } from "./testing/memory-hub.ts";

/**
 * The hub's session protocol with browsers connected in memory (testing/memory-transport.ts):
 * everything a browser can do after the WebSocket upgrade, without a socket or a port.
 */
const LIGHTS: MessageOf<"lights"> = { type: "lights", level: 0.5 };

describe("sign-in", () => {
  let t: MemoryHub;
  before(() => {
    t = startMemoryHub();
  });
  after(() => t.close());

  test("before auth, anything else is refused with HUB_NOT_AUTHENTICATED, counted and not forwarded", async () => {
    const c = await t.connect();
    const seq = c.send({ type: "arm" });
    const err = await c.next("error");
    assert.deepEqual([err.code, err.ref], [HubCodes.NOT_AUTHENTICATED, seq]);
    assert.equal(t.vehicle.commands.length, 0);
    assert.equal(await t.metric("tethys_hub_commands_total", { result: "refused" }), 1);
    assert.equal(await t.metric("tethys_hub_browser_refused_total", { code: HubCodes.NOT_AUTHENTICATED }), 1);
  });

  test("a wrong secret gets an auth-result with a code; the session stays unauthenticated", async () => {
    const c = await t.connect();
    const r = await c.auth("not-the-secret");
    assert.deepEqual([r.ok, r.code, r.access, r.session], [false, HubCodes.AUTH_FAILED, "none", 0]);
    assert.equal(await t.metric("tethys_hub_auth_total", { result: HubCodes.AUTH_FAILED }), 1);
    c.send(LIGHTS);
    assert.equal((await c.next("error")).code, HubCodes.NOT_AUTHENTICATED);
  });

  test("a good secret signs in once: a session id, the access it grants, the vehicle list", async () => {
    const c = await t.connect();
    const r = await c.auth(PILOT_SECRET, "alice");
    assert.deepEqual([r.ok, r.access], [true, "pilot"]);
    assert.ok(r.session > 0);
    const list = await c.next("vehicles");
    assert.deepEqual(list.vehicles, [{ id: "rov1", connected: true, pilot: 0, observers: 0 }]);
    c.send({ type: "auth", secret: PILOT_SECRET, name: "" });
    assert.equal((await c.next("error")).code, HubCodes.ALREADY_AUTHENTICATED);
    assert.equal((await (await t.connect()).auth(OBSERVER_SECRET)).access, "observer");
  });

  test("no auth within the deadline: an error with a code, then close 1008", async () => {
    const c = await t.connect();
    t.clock.advance(10_000);
    assert.equal((await c.next("error")).code, HubCodes.AUTH_TIMEOUT);
    assert.equal((await c.closed).code, 1008);
  });

  test("sessions that have not signed in are counted per address", async () => {
    const before = t.protocol.pendingFrom("10.0.0.9");
    const a = t.connectFrom("10.0.0.9");
    t.connectFrom("10.0.0.9");
    assert.equal(t.protocol.pendingFrom("10.0.0.9"), before + 2);
    await a.auth(PILOT_SECRET);
    assert.equal(t.protocol.pendingFrom("10.0.0.9"), before + 1);
  });
});

describe("roles and commands", () => {
  let t: MemoryHub;
  before(() => {
    t = startMemoryHub();
  });
  after(() => t.close());

  test("the pilot's command reaches the vehicle; an observer's is refused with HUB_NOT_PILOT", async () => {
    const pilot = await t.join("pilot", "alice");
    const observer = await t.join("observer", "bob");
    pilot.send(LIGHTS);
    await pilot.sync();
    assert.deepEqual(
      t.vehicle.commands.filter((c) => c.type === "lights"),
      [LIGHTS],
    );
    const seq = observer.send({ type: "arm" });
    const err = await observer.next("error");
    assert.deepEqual([err.code, err.ref], [HubCodes.NOT_PILOT, seq]);
    assert.equal(t.vehicle.commands.filter((c) => c.type === "arm").length, 0);
    assert.equal(await t.metric("tethys_hub_commands_total", { result: "refused" }), 1);
    pilot.close();
    observer.close();
    await Promise.all([pilot.closed, observer.closed]);
  });

  test("a command from a session on no vehicle is refused with HUB_NOT_ATTACHED", async () => {
    const c = await t.connect();
    await c.auth(PILOT_SECRET);
    c.send(LIGHTS);
    assert.equal((await c.next("error")).code, HubCodes.NOT_ATTACHED);
  });

  test("observer credentials cannot take the pilot role", async () => {
    const c = await t.connect();
    await c.auth(OBSERVER_SECRET);
    c.send({ type: "role-request", vehicle: "rov1", role: "pilot", takeover: true });
    assert.equal((await c.next("error")).code, HubCodes.FORBIDDEN);
  });

  test("take-over moves control and tells the former pilot; when the pilot leaves, the vehicle gets a neutral input and a motor-test stop", async () => {
    const first = await t.join("pilot", "first");
    const second = await t.connect();
    const me = await second.auth(PILOT_SECRET, "second");
    second.send({ type: "role-request", vehicle: "rov1", role: "pilot", takeover: false });
    assert.equal((await second.next("error")).code, HubCodes.PILOT_BUSY);
    second.send({ type: "role-request", vehicle: "rov1", role: "pilot", takeover: true });
    assert.equal((await second.next("role")).role, "pilot");
    assert.deepEqual(await first.next("role"), {
      type: "role",
      vehicle: "rov1",
      role: "observer",
      reason: "takeover",
      by: me.session,
    });
    const before = t.vehicle.commands.length;
    second.close();
    await second.closed;
    assert.deepEqual(t.vehicle.commands.slice(before), [
      { type: "pilot", surge: 0, sway: 0, heave: 0, yaw: 0, pitch: 0, roll: 0, gain: 0 },
      { type: "motor-test", thruster: 255, confirm: false },
    ]);
    first.close();
  });

  test("while the vehicle's link is down, commands are refused with HUB_VEHICLE_OFFLINE", async () => {
    const pilot = await t.join("pilot");
    t.vehicle.setConnected(false);
    assert.equal((await pilot.next("event")).code, "HUB_VEHICLE_DISCONNECTED");
    pilot.send(LIGHTS);
    assert.equal((await pilot.next("error")).code, HubCodes.VEHICLE_OFFLINE);
    t.vehicle.setConnected(true);
    pilot.close();
  });
});

describe("malformed input", () => {
  let t: MemoryHub;
  before(() => {
    t = startMemoryHub({ limits: { maxMessageBytes: 64 } });
  });
  after(() => t.close());

  test("undecodable bytes are answered with the codec's code (ref 0) and counted", async () => {
    const c = await t.join("observer");
    const bytes = new Uint8Array([0xff, 0x00, 0x01]);
    const expected = (() => {
      try {
        decodeFrame(bytes);
        return "decoded";
      } catch (err) {
        return errorCode(err);
      }
    })();
    assert.match(expected, /^PROTO_/);
    c.sendBytes(bytes);
    const err = await c.next("error");
    assert.deepEqual([err.code, err.ref], [expected, 0]);
    assert.equal(await t.metric("tethys_hub_browser_refused_total", { code: expected }), 1);
  });

  test("a text message gets HUB_TEXT_FRAME; a hub-to-browser message type gets HUB_UNEXPECTED_MESSAGE", async () => {
    const c = await t.join("observer");
    c.sendText("hello");
    assert.equal((await c.next("error")).code, HubCodes.TEXT_FRAME);
    const seq = c.send({ type: "vehicles", vehicles: [] });
    const err = await c.next("error");
    assert.deepEqual([err.code, err.ref], [HubCodes.UNEXPECTED_MESSAGE, seq]);
  });

  test("a message over max_message_bytes closes the connection with 1009, counted as HUB_TOO_LARGE", async () => {
    const c = await t.join("observer");
    c.sendBytes(new Uint8Array(65));
    assert.equal((await c.closed).code, 1009);
    assert.equal(await t.metric("tethys_hub_browser_refused_total", { code: HubCodes.TOO_LARGE }), 1);
    await (await t.join("pilot")).sync(); // still serving
  });
});

describe("fan-out", () => {
  test("a browser that stops reading holds at most the send buffer; when it reads again it gets the newest telemetry", async () => {
    const SEND_BUFFER = 4096;
    const t = startMemoryHub({ limits: { sendBufferBytes: SEND_BUFFER, eventQueue: 4 } });
    try {
      const reader = await t.join("observer");
      const stalled = await t.join("observer");
      const outsider = await t.connect();
      await outsider.auth(OBSERVER_SECRET);
      const id = stalled.received.find((f) => f.message.type === "auth-result")?.message as
        | MessageOf<"auth-result">
        | undefined;
      stalled.stall();
      let depth = 0;
      for (let i = 0; i < 200; i++) {
        t.vehicle.telemetry({ depth: ++depth });
        t.vehicle.event({ type: "event", severity: "info", code: "TEST_EVENT", text: `${i}` });
        await turn();
        for (const s of t.protocol.sessionStats()) {
          assert.ok(s.queued <= 4 && s.bufferedBytes < SEND_BUFFER + MAX_FRAME_SIZE, JSON.stringify(s));
        }
      }
      const s = t.protocol.sessionStats().find((x) => x.id === id?.session);
      assert.ok(s !== undefined && s.stalls > 0 && s.superseded > 0 && s.dropped > 0, JSON.stringify(s));
      await reader.next("telemetry", (m) => m.depth === depth);
      stalled.resume();
      await stalled.next("telemetry", (m) => m.depth === depth);
      const got = stalled.received.filter((f) => f.message.type === "telemetry").length;
      assert.ok(got < 100, `the stalled browser got ${got} of ${depth} telemetry frames`);
      assert.equal(outsider.received.filter((f) => f.message.type === "telemetry").length, 0);
    } finally {
      await t.close();
    }
  });
});
