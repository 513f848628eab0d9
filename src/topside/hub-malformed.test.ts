import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import fc from "fast-check";
import { errorCode } from "../kernel/errors.ts";
import { decodeFrame, encodeFrame } from "../protocol/index.ts";
import { arbitraryMessage } from "../protocol/testing/arbitraries.ts";
import { HubCodes } from "./errors.ts";
import { startTestHub, type TestHub } from "./testing/hub-harness.ts";
import type { TestClient } from "./testing/ws-client.ts";

const MAX = 2048;
let t: TestHub;
let client: TestClient | undefined;

before(async () => {
  t = await startTestHub({ limits: { maxMessageBytes: MAX, messagesPerSecond: 1e6, messageBurst: 1e6 } });
});
after(() => t.close());

async function browser(): Promise<TestClient> {
  if (client === undefined || client.ws.readyState !== client.ws.OPEN) client = await t.join("observer");
  return client;
}

/** The code the codec gives these bytes, or undefined when they are a valid frame. */
function decodeError(bytes: Uint8Array): string | undefined {
  try {
    decodeFrame(bytes);
    return undefined;
  } catch (err) {
    return errorCode(err);
  }
}

const junk = fc.oneof(
  fc.record({ kind: fc.constant("bytes" as const), bytes: fc.uint8Array({ maxLength: MAX }) }),
  fc.record({ kind: fc.constant("text" as const), text: fc.string({ maxLength: 200 }) }),
  fc.record({
    kind: fc.constant("mutated" as const),
    message: arbitraryMessage,
    at: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
  }),
  fc.record({ kind: fc.constant("oversize" as const), extra: fc.integer({ min: 1, max: 10_000 }) }),
);

test("property: malformed WebSocket messages get an error reply with a code, or a close; counted; the hub stays up", async () => {
  let oversize = 0;
  await fc.assert(
    fc.asyncProperty(junk, async (j) => {
      const c = await browser();
      if (j.kind === "oversize") {
        oversize++;
        c.ws.send(new Uint8Array(MAX + j.extra));
        assert.equal((await c.closed).code, 1009);
        return;
      }
      let bytes =
        j.kind === "bytes"
          ? j.bytes
          : j.kind === "mutated"
            ? encodeFrame(j.message, { seq: 1, timestamp: 1 })
            : new Uint8Array(0);
      if (j.kind === "mutated") for (const [i, v] of j.at) bytes[i % bytes.length] = v;
      if (bytes.length === 0) bytes = new Uint8Array(1);
      const expected = j.kind === "text" ? HubCodes.TEXT_FRAME : decodeError(bytes);
      const countedBefore =
        expected === undefined ? 0 : await t.metric("tethys_hub_browser_refused_total", { code: expected });
      c.takeAll("error");
      c.ws.send(j.kind === "text" ? j.text : bytes);
      await c.sync();
      const errors = c.takeAll("error");
      if (expected !== undefined) {
        assert.deepEqual(
          errors.map((e) => e.code),
          [expected],
        );
        assert.equal(await t.metric("tethys_hub_browser_refused_total", { code: expected }), countedBefore + 1);
      } else assert.ok(errors.length <= 1, "a valid frame gets at most one refusal");
    }),
    { numRuns: 300 },
  );
  assert.equal(await t.metric("tethys_hub_browser_refused_total", { code: HubCodes.TOO_LARGE }), oversize);
  // Still serving: a new browser authenticates, /health answers.
  const fresh = await t.join("pilot");
  await fresh.sync();
  const health = await fetch(`http://127.0.0.1:${t.hub.address.port}/health`);
  assert.equal(health.status, 200);
});
