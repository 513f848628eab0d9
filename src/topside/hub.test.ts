import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { isTethysError } from "../kernel/errors.ts";
import type { MessageOf } from "../protocol/index.ts";
import { HubCodes } from "./errors.ts";
import { FakeVehicle } from "./testing/fake-vehicle.ts";
import { OBSERVER_SECRET, PILOT_SECRET, startTestHub, type TestHub } from "./testing/hub-harness.ts";
import type { TestClient } from "./testing/ws-client.ts";
import type { CommandMessage } from "./vehicle-channel.ts";

const LIGHTS: MessageOf<"lights"> = { type: "lights", level: 0.5 };

/** The next command of `type` the vehicle receives (others, e.g. a neutral input, are skipped). */
function nextCommand(t: TestHub, type: CommandMessage["type"]): Promise<CommandMessage> {
  return new Promise((resolve) => {
    t.vehicle.onCommand = (m) => {
      if (m.type !== type) return;
      t.vehicle.onCommand = undefined;
      resolve(m);
    };
  });
}

describe("authentication", () => {
  let t: TestHub;
  before(async () => {
    t = await startTestHub();
  });
  after(() => t.close());

  test("an unauthenticated browser cannot command: refused with a code, counted, not forwarded", async () => {
    const c = await t.connect();
    const seq = c.send({ type: "arm" });
    const err = await c.next("error");
    assert.equal(err.code, HubCodes.NOT_AUTHENTICATED);
    assert.equal(err.ref, seq);
    c.send({ type: "role-request", vehicle: "rov1", role: "pilot", takeover: false });
    assert.equal((await c.next("error")).code, HubCodes.NOT_AUTHENTICATED);
    assert.equal(t.vehicle.commands.length, 0);
    assert.equal(await t.metric("tethys_hub_commands_total", { result: "refused" }), 1);
    assert.equal(await t.metric("tethys_hub_browser_refused_total", { code: HubCodes.NOT_AUTHENTICATED }), 2);
  });

  test("a wrong token is refused, and the session still cannot command", async () => {
    const c = await t.connect();
    const r = await c.auth("not-the-token");
    assert.deepEqual([r.ok, r.code, r.access, r.session], [false, HubCodes.AUTH_FAILED, "none", 0]);
    c.send(LIGHTS);
    assert.equal((await c.next("error")).code, HubCodes.NOT_AUTHENTICATED);
    assert.equal(t.vehicle.commands.length, 0);
    assert.equal(await t.metric("tethys_hub_auth_total", { result: HubCodes.AUTH_FAILED }), 1);
  });

  test("anonymous observing is off by default: an empty secret is refused", async () => {
    const c = await t.connect();
    assert.equal((await c.auth("")).code, HubCodes.AUTH_FAILED);
  });

  test("a good token authenticates once and lists the vehicles", async () => {
    const c = await t.connect();
    const r = await c.auth(PILOT_SECRET, "alice");
    assert.equal(r.ok, true);
    assert.equal(r.access, "pilot");
    assert.ok(r.session > 0);
    const list = await c.next("vehicles");
    assert.deepEqual(list.vehicles, [{ id: "rov1", connected: true, pilot: 0, observers: 0 }]);
    c.send({ type: "auth", secret: PILOT_SECRET, name: "" });
    assert.equal((await c.next("error")).code, HubCodes.ALREADY_AUTHENTICATED);
  });

  test("a browser that never authenticates is closed at the deadline", async () => {
    const c = await t.connect();
    t.clock.advance(10_000);
    assert.equal((await c.next("error")).code, HubCodes.AUTH_TIMEOUT);
    const closed = await c.closed;
    assert.equal(closed.code, 1008);
  });
});

describe("roles and commands", () => {
  let t: TestHub;
  before(async () => {
    t = await startTestHub();
  });
  after(() => t.close());

  test("the pilot's commands reach the vehicle; an observer's are refused, counted and never forwarded", async () => {
    const pilot = await t.join("pilot", "alice");
    const observer = await t.join("observer", "bob");
    const arrived = nextCommand(t, "lights");
    pilot.send(LIGHTS);
    assert.deepEqual(await arrived, LIGHTS);
    const refusedBefore = await t.metric("tethys_hub_commands_total", { result: "refused" });
    const seq = observer.send({ type: "arm" });
    const err = await observer.next("error");
    assert.deepEqual([err.code, err.ref], [HubCodes.NOT_PILOT, seq]);
    assert.deepEqual(t.vehicle.commands, [LIGHTS]);
    assert.equal(await t.metric("tethys_hub_commands_total", { result: "refused" }), refusedBefore + 1);
    assert.equal(await t.metric("tethys_hub_browser_refused_total", { code: HubCodes.NOT_PILOT }), 1);
    pilot.close();
    observer.close();
    await Promise.all([pilot.closed, observer.closed]);
  });

  test("observer credentials cannot become pilot, even by take-over", async () => {
    const c = await t.connect();
    assert.equal((await c.auth(OBSERVER_SECRET)).access, "observer");
    c.send({ type: "role-request", vehicle: "rov1", role: "pilot", takeover: true });
    assert.equal((await c.next("error")).code, HubCodes.FORBIDDEN);
  });

  test("a second pilot is refused; take-over moves control and tells the former pilot who and why", async () => {
    const first = await t.join("pilot", "first");
    const second = await t.connect();
    const me = await second.auth(PILOT_SECRET, "second");
    second.send({ type: "role-request", vehicle: "rov1", role: "pilot", takeover: false });
    assert.equal((await second.next("error")).code, HubCodes.PILOT_BUSY);
    second.send({ type: "role-request", vehicle: "rov1", role: "pilot", takeover: true });
    assert.equal((await second.next("role")).role, "pilot");
    const lost = await first.next("role");
    assert.deepEqual(lost, { type: "role", vehicle: "rov1", role: "observer", reason: "takeover", by: me.session });
    first.send(LIGHTS);
    assert.equal((await first.next("error")).code, HubCodes.NOT_PILOT);
    const arrived = nextCommand(t, "disarm");
    second.send({ type: "disarm" });
    assert.deepEqual(await arrived, { type: "disarm" });
    const sessions = await second.next("sessions", (m) => m.sessions.length === 2);
    assert.deepEqual(
      sessions.sessions.map((s) => [s.name, s.role]),
      [
        ["second", "pilot"],
        ["first", "observer"],
      ],
    );
    first.close();
    second.close();
    await Promise.all([first.closed, second.closed]);
  });

  test("hand-over gives control to the named session", async () => {
    const giver = await t.join("pilot", "giver");
    const taker = await t.connect();
    const takerId = (await taker.auth(PILOT_SECRET, "taker")).session;
    taker.send({ type: "role-request", vehicle: "rov1", role: "observer", takeover: false });
    assert.equal((await taker.next("role")).role, "observer");
    giver.send({ type: "handover", vehicle: "rov1", to: 999_999 });
    assert.equal((await giver.next("error")).code, HubCodes.HANDOVER_TARGET);
    giver.send({ type: "handover", vehicle: "rov1", to: takerId });
    assert.equal((await giver.next("role")).reason, "handover");
    const gained = await taker.next("role");
    assert.deepEqual([gained.role, gained.reason], ["pilot", "handover"]);
    const arrived = nextCommand(t, "lights");
    taker.send(LIGHTS);
    assert.deepEqual(await arrived, LIGHTS);
    taker.send({ type: "handover", vehicle: "rov1", to: takerId });
    assert.equal((await taker.next("error")).code, HubCodes.HANDOVER_TARGET);
    giver.close();
    taker.close();
    await Promise.all([giver.closed, taker.closed]);
  });

  test("a pilot who disconnects frees the seat, and the vehicle gets a neutral input and a motor-test stop at once", async () => {
    const p = await t.join("pilot");
    const from = t.vehicle.commands.length;
    const stopTest = nextCommand(t, "motor-test"); // sent right after the neutral input
    p.close();
    await stopTest;
    assert.deepEqual(t.vehicle.commands.slice(from), [
      { type: "pilot", surge: 0, sway: 0, heave: 0, yaw: 0, pitch: 0, roll: 0, gain: 0 },
      { type: "motor-test", thruster: 255, confirm: false },
    ]);
    const next = await t.join("pilot");
    // Take-over and hand-over leave the vehicle piloted: no neutral input then.
    const other = await t.connect();
    await other.auth(PILOT_SECRET);
    const before = t.vehicle.commands.length;
    other.send({ type: "role-request", vehicle: "rov1", role: "pilot", takeover: true });
    await next.next("role", (m) => m.reason === "takeover");
    await other.sync();
    assert.deepEqual(
      t.vehicle.commands.slice(before).filter((c) => c.type === "pilot" || c.type === "motor-test"),
      [],
    );
    for (const c of [next, other]) c.close();
    await Promise.all([next.closed, other.closed]);
  });

  test("telemetry and events reach attached browsers with the vehicle's header; link loss is reported", async () => {
    const pilot = await t.join("pilot");
    const observer = await t.join("observer");
    const outsider = await t.connect();
    await outsider.auth(OBSERVER_SECRET);
    t.vehicle.telemetry({ depth: 3 });
    t.vehicle.event({ type: "alarm", severity: "alarm", code: "FS_LEAK", active: true, text: "leak" });
    for (const c of [pilot, observer]) {
      assert.equal((await c.next("telemetry")).depth, 3);
      assert.equal((await c.next("alarm")).code, "FS_LEAK");
    }
    const frame = observer.received.find((f) => f.message.type === "telemetry");
    assert.equal(frame?.timestamp, 1_767_225_600_000_000);
    t.vehicle.setConnected(false);
    assert.equal((await observer.next("event")).code, "HUB_VEHICLE_DISCONNECTED");
    await pilot.next("vehicles", (m) => m.vehicles[0]?.connected === false);
    pilot.send(LIGHTS);
    assert.equal((await pilot.next("error")).code, HubCodes.VEHICLE_OFFLINE);
    t.vehicle.setConnected(true);
    await pilot.next("vehicles", (m) => m.vehicles[0]?.connected === true);
    assert.equal(
      outsider.received.filter((f) => f.message.type === "telemetry").length,
      0,
      "a browser not attached to rov1 gets none of its telemetry",
    );
    for (const c of [pilot, observer, outsider]) c.close();
    await Promise.all([pilot.closed, observer.closed, outsider.closed]);
  });

  test("heartbeats are echoed to any session and reach the vehicle only from its pilot", async () => {
    const observer = await t.join("observer");
    const before = t.vehicle.commands.length;
    const seq = observer.send({ type: "heartbeat" });
    await observer.next("heartbeat");
    assert.equal(observer.received.find((f) => f.message.type === "heartbeat")?.seq, seq);
    assert.deepEqual(
      t.vehicle.commands.slice(before).filter((c) => c.type === "heartbeat"),
      [],
    );
    const pilot = await t.join("pilot");
    const arrived = nextCommand(t, "heartbeat");
    pilot.send({ type: "heartbeat" });
    assert.deepEqual(await arrived, { type: "heartbeat" });
    observer.close();
    pilot.close();
    await Promise.all([observer.closed, pilot.closed]);
  });

  test("frames of the wrong kind from a vehicle channel are dropped, not forwarded", async () => {
    const observer = await t.join("observer");
    t.vehicle.emit("telemetry", { message: { type: "arm" }, seq: 1, timestamp: 1 });
    t.vehicle.emit("event", { message: { type: "auth", secret: "x", name: "" }, seq: 2, timestamp: 1 });
    t.vehicle.telemetry({ depth: 7 });
    assert.equal((await observer.next("telemetry")).depth, 7);
    assert.deepEqual(
      observer.received.filter((f) => f.message.type === "arm" || f.message.type === "auth"),
      [],
    );
    assert.throws(
      () => t.directory.add(new FakeVehicle("Bad Id")),
      (e) => isTethysError(e, HubCodes.BAD_VEHICLE_ID),
    );
    observer.close();
    await observer.closed;
  });

  test("a long disconnect reason is cut to fit the event's text field", async () => {
    const observer = await t.join("observer");
    t.vehicle.connected = false;
    t.vehicle.emit("disconnected", "é".repeat(300));
    const note = await observer.next("event");
    assert.equal(note.code, "HUB_VEHICLE_DISCONNECTED");
    assert.ok(new TextEncoder().encode(note.text).length <= 200);
    t.vehicle.setConnected(true);
    observer.close();
    await observer.closed;
  });

  test("a removed vehicle detaches its browsers", async () => {
    const observer = await t.join("observer");
    t.directory.remove("rov1");
    const r = await observer.next("role", (m) => m.role === "none");
    assert.equal(r.reason, "vehicle-removed");
    await observer.next("vehicles", (m) => m.vehicles.length === 0);
    observer.close();
    await observer.closed;
  });
});

describe("limits", () => {
  test("anonymous observers when configured: observe without a secret, never pilot", async () => {
    const t = await startTestHub({ anonymousObservers: true });
    try {
      const c = await t.connect();
      assert.equal((await c.auth("")).access, "observer");
      c.send({ type: "role-request", vehicle: "rov1", role: "pilot", takeover: false });
      assert.equal((await c.next("error")).code, HubCodes.FORBIDDEN);
    } finally {
      await t.close();
    }
  });

  test("a burst over the message rate is refused with HUB_RATE_LIMITED until tokens refill", async () => {
    const t = await startTestHub({ limits: { messagesPerSecond: 10, messageBurst: 5 } });
    try {
      const pilot = await t.join("pilot"); // 2 messages used
      for (let i = 0; i < 4; i++) pilot.send(LIGHTS);
      assert.equal((await pilot.next("error")).code, HubCodes.RATE_LIMITED);
      assert.equal(t.vehicle.commands.length, 3);
      t.clock.advance(1000);
      const arrived = nextCommand(t, "disarm");
      pilot.send({ type: "disarm" });
      assert.deepEqual(await arrived, { type: "disarm" });
    } finally {
      await t.close();
    }
  });

  test("connections over max_browsers are refused at the upgrade", async () => {
    const t = await startTestHub({ limits: { maxBrowsers: 1 } });
    try {
      await t.connect();
      await assert.rejects(t.connect());
      assert.equal(await t.metric("tethys_hub_browser_connections_total", { result: HubCodes.TOO_MANY_BROWSERS }), 1);
    } finally {
      await t.close();
    }
  });

  test("unauthenticated connections from one address are capped; authenticating frees a place", async () => {
    const t = await startTestHub({ limits: { maxPendingPerAddress: 2 } });
    try {
      const a = await t.connect();
      await t.connect();
      await assert.rejects(t.connect());
      assert.equal(await t.metric("tethys_hub_browser_connections_total", { result: HubCodes.TOO_MANY_PENDING }), 1);
      assert.equal((await a.auth(PILOT_SECRET)).ok, true);
      await t.connect();
    } finally {
      await t.close();
    }
  });

  test("a browser that stops answering pings is dropped", async () => {
    const t = await startTestHub({ limits: { pingIntervalMs: 1000 } });
    try {
      const c: TestClient = await t.connect();
      c.ws.pong = () => {}; // this client never answers
      t.clock.advance(1000);
      t.clock.advance(1000);
      assert.equal((await c.closed).code, 1006);
    } finally {
      await t.close();
    }
  });
});

describe("http", () => {
  test("/health reports vehicles and browsers; /metrics serves the hub's series", async () => {
    const t = await startTestHub();
    try {
      await t.join("observer");
      const base = `http://127.0.0.1:${t.hub.address.port}`;
      const h = await fetch(`${base}/health`);
      assert.equal(h.status, 200);
      assert.deepEqual(await h.json(), { ok: true, vehicles: 1, vehiclesConnected: 1, browsers: 1 });
      const text = await (await fetch(`${base}/metrics`)).text();
      assert.match(text, /tethys_hub_browsers\{state="ready"\} 1/);
      assert.match(text, /tethys_hub_vehicles\{link="connected"\} 1/);
      assert.equal((await fetch(`${base}/index.html`)).status, 404, "no static dir configured");
      const notWs = await fetch(`${base}/ws`);
      assert.equal(notWs.status, 404);
    } finally {
      await t.close();
    }
  });
});
