import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { HubCodes } from "./errors.ts";
import { PILOT_SECRET, startTestHub, type TestHub } from "./testing/hub-harness.ts";

describe("browser slots kept for the pilot", () => {
  let t: TestHub;
  before(async () => {
    t = await startTestHub({
      anonymousObservers: true,
      limits: { maxBrowsers: 6, pilotReserve: 2, maxAnonymousPerAddress: 100 },
    });
  });
  after(() => t.close());

  test("anonymous observers fill at most max_browsers - pilot_reserve; the pilot still signs in", async () => {
    const results: string[] = [];
    for (let i = 0; i < 6; i++) {
      const c = await t.connect();
      const r = await c.auth("");
      results.push(r.ok ? "ok" : r.code);
      if (!r.ok) {
        assert.ok(r.retryAfterMs > 0);
        assert.equal((await c.closed).code, 1013);
      }
    }
    assert.deepEqual(results, ["ok", "ok", "ok", "ok", HubCodes.OBSERVERS_FULL, HubCodes.OBSERVERS_FULL]);
    const pilot = await t.connect();
    const r = await pilot.auth(PILOT_SECRET, "pilot");
    assert.deepEqual([r.ok, r.access], [true, "pilot"]);
    assert.equal(await t.metric("tethys_hub_auth_total", { result: HubCodes.OBSERVERS_FULL }), 2);
  });
});

describe("anonymous observers per address", () => {
  let t: TestHub;
  before(async () => {
    t = await startTestHub({ anonymousObservers: true, limits: { maxAnonymousPerAddress: 2 } });
  });
  after(() => t.close());

  test("more than max anonymous observers from one address are refused", async () => {
    const codes: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await (await t.connect()).auth("");
      codes.push(r.ok ? "ok" : r.code);
    }
    assert.deepEqual(codes, ["ok", "ok", HubCodes.TOO_MANY_ANONYMOUS]);
  });
});
