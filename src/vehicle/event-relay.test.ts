import assert from "node:assert/strict";
import { test } from "node:test";
import type { Message } from "../protocol/index.ts";
import { EventRelay } from "./event-relay.ts";

const alarm = (code: string): Message => ({ type: "alarm", severity: "alarm", code, active: true, text: code });

test("events raised while the link is down are sent in order when it is back", () => {
  const sent: string[] = [];
  let linkUp = false;
  const r = new EventRelay((m) => {
    if (!linkUp) throw new Error("not connected");
    sent.push((m as { code: string }).code);
  });
  r.send(alarm("A"));
  r.send(alarm("B"));
  assert.deepEqual(sent, []);
  linkUp = true;
  r.setUp(true);
  r.send(alarm("C"));
  assert.deepEqual(sent, ["A", "B", "C"]);
  assert.equal(r.queued, 0);
  assert.equal(r.delivered, 3, "counted whether sent at once or from the queue");
});

test("a link that fails under a send keeps the event; the queue is bounded, oldest dropped", () => {
  const sent: string[] = [];
  let linkUp = true;
  const r = new EventRelay((m) => {
    if (!linkUp) throw new Error("not connected");
    sent.push((m as { code: string }).code);
  }, 3);
  r.setUp(true);
  linkUp = false;
  for (const c of ["A", "B", "C", "D", "E"]) r.send(alarm(c));
  assert.equal(r.queued, 3);
  assert.equal(r.dropped, 2);
  linkUp = true;
  r.setUp(true);
  assert.deepEqual(sent, ["C", "D", "E"]);
  assert.deepEqual([r.delivered, r.dropped, r.queued], [3, 2, 0], "every event delivered or counted as dropped");
});
