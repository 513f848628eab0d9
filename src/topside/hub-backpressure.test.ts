import assert from "node:assert/strict";
import { test } from "node:test";
import { setImmediate as turn } from "node:timers/promises";
import { encodeFrame, MAX_FRAME_SIZE } from "../protocol/index.ts";
import { OBSERVER_SECRET, startTestHub } from "./testing/hub-harness.ts";
import { RawWebSocket } from "./testing/raw-ws.ts";

const SEND_BUFFER = 16_384;
const EVENT_QUEUE = 16;
const OBSERVERS = 200;
// The largest telemetry frame (~800 bytes): fills socket buffers with few frames.
const FAILSAFES = Array.from({ length: 16 }, (_, i) => `FS_TEST_CODE_NUMBER_${i}_PADDED_TO_FORTY_B`.slice(0, 40));
const THRUSTERS = new Array(12).fill(0.1);

test("200 observers, one stalled: every browser's state stays bounded, the stalled one gets the newest telemetry when it drains, the pilot is never held up", async () => {
  const t = await startTestHub({
    limits: {
      maxBrowsers: OBSERVERS + 10,
      sendBufferBytes: SEND_BUFFER,
      eventQueue: EVENT_QUEUE,
      messagesPerSecond: 1e6,
      messageBurst: 1e6,
    },
  });
  try {
    // The stalled browser: authenticates, observes rov1, then stops reading its socket.
    const { ws: stalled, session: stalledId } = await RawWebSocket.observer(
      t.hub.address.port,
      OBSERVER_SECRET,
      "stalled",
    );
    stalled.stall();

    let sent = 0;
    let depth = 0;
    const stats = () => t.hub.sessionStats().find((s) => s.id === stalledId);

    // Flow telemetry (one frame per turn: within a turn, newer frames replace unsent ones) until
    // the stalled browser's socket is backed up.
    let fills = 0;
    while ((stats()?.stalls ?? 0) === 0) {
      depth = (depth + 1) % 10_000;
      t.vehicle.telemetry({ depth, failsafe: FAILSAFES, thrusters: THRUSTERS });
      await turn();
      assert.ok(++fills < 100_000, "the stalled socket never backed up");
    }

    // Now the pilot and 199 more observers join: 200 observers in all, one of them stalled.
    const pilot = await t.join("pilot");
    const observers = [];
    for (let i = 0; i < OBSERVERS - 1; i++) observers.push(await t.join("observer"));

    // Keep flowing telemetry and events while the pilot commands; check the bounds throughout.
    for (let round = 0; round < 200; round++) {
      for (let i = 0; i < 10; i++) {
        depth = (depth + 1) % 10_000;
        t.vehicle.telemetry({ depth, roll: 1, failsafe: FAILSAFES, thrusters: THRUSTERS });
      }
      t.vehicle.event({ type: "event", severity: "info", code: "TEST_EVENT", text: `round ${round}` });
      pilot.send({ type: "lights", level: (round % 100) / 100 });
      sent++;
      await turn();
      // Every browser's pending state is bounded, the stalled one's included.
      for (const s of t.hub.sessionStats()) {
        assert.ok(s.queued <= EVENT_QUEUE, `queue ${s.queued}`);
        assert.ok(s.slots <= 5, `slots ${s.slots}`); // telemetry, vehicles, sessions, role, auth-result
        assert.ok(s.bufferedBytes < SEND_BUFFER + MAX_FRAME_SIZE + 16, `buffered ${s.bufferedBytes}`);
      }
    }
    await pilot.sync();
    assert.equal(
      t.vehicle.commands.filter((c) => c.type === "lights").length,
      sent,
      "every pilot command reached the vehicle",
    );
    const s = stats();
    assert.ok(
      s !== undefined && s.dropped > 0 && s.superseded > 0,
      "the stalled browser skipped telemetry and dropped old events",
    );
    // The reading browsers all get the newest telemetry.
    const last = depth;
    for (const c of [pilot, ...observers]) await c.next("telemetry", (m) => m.depth === last);

    // The stalled browser still writes: it asks for its role again. The answer is state (a
    // latest-value slot), so the event flood that follows cannot push it out of the queue.
    stalled.send(
      encodeFrame(
        { type: "role-request", vehicle: "rov1", role: "observer", takeover: false },
        { seq: 3, timestamp: 1 },
      ),
    );
    // (The role arrives either way; this sync makes it very likely the flood comes after it.)
    await pilot.sync();
    for (let i = 0; i < EVENT_QUEUE * 3; i++)
      t.vehicle.event({ type: "event", severity: "info", code: "FLOOD", text: `${i}` });
    await turn();

    // Once it reads again, the stalled browser catches up to the newest value, not a backlog.
    stalled.resume();
    await stalled.until((f) => f.message.type === "telemetry" && (f.message as { depth: number }).depth === last);
    // Of the 2000 frames sent while it stalled (roll = 1), it gets a handful: the newest ones.
    const received = stalled.frames.filter(
      (f) => f.message.type === "telemetry" && (f.message as { roll: number }).roll === 1,
    ).length;
    assert.ok(
      received >= 1 && received < 100,
      `the stalled browser got ${received} of ${sent * 10} telemetry frames sent while it stalled`,
    );
    await stalled.until(
      (f) =>
        f.message.type === "role" && f.seq > 0 && stalled.frames.filter((x) => x.message.type === "role").length === 2,
    );
    stalled.destroy();
  } finally {
    await t.close();
  }
});
