import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { test } from "node:test";
import pino from "pino";
import { TethysError } from "../kernel/errors.ts";
import type { VehicleConnection } from "../links/command/index.ts";
import { LinkedVehicle } from "./linked-vehicle.ts";

/**
 * How the hub logs a vehicle's command link closing: a close either end chose (the vehicle said
 * it was leaving: CMD_PEER_LEFT; the hub stopping: CMD_CLOSED) at info, a link that dropped
 * (CMD_PEER_CLOSED, a heartbeat timeout, a socket error) at warn. Either way the vehicle is
 * reported disconnected.
 */
class FakeConnection extends EventEmitter {
  closed = false;
}

function closeWith(code: string): { level: string; code: unknown; msg: unknown; disconnected: string[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: "debug" }, { write: (l: string) => lines.push(JSON.parse(l)) });
  const vehicle = new LinkedVehicle("rov1", logger);
  const disconnected: string[] = [];
  vehicle.on("disconnected", (c) => disconnected.push(c));
  const conn = new FakeConnection();
  vehicle.attach(conn as unknown as VehicleConnection);
  conn.closed = true;
  conn.emit("close", code, new TethysError(code, `closed (${code})`));
  assert.equal(lines.length, 1, JSON.stringify(lines));
  const [line] = lines as [Record<string, unknown>];
  return { level: pino.levels.labels[line.level as number] ?? "", code: line.code, msg: line.msg, disconnected };
}

test("a vehicle that said it was leaving, or the hub's own stop: logged at info", () => {
  for (const code of ["CMD_PEER_LEFT", "CMD_CLOSED"]) {
    const r = closeWith(code);
    assert.equal(r.level, "info", code);
    assert.equal(r.code, code);
    assert.match(String(r.msg), /vehicle command link closed/);
    assert.deepEqual(r.disconnected, [code]);
  }
});

test("a link that dropped: logged at warn", () => {
  for (const code of ["CMD_PEER_CLOSED", "CMD_HEARTBEAT_TIMEOUT", "CMD_SOCKET_ERROR"]) {
    const r = closeWith(code);
    assert.equal(r.level, "warn", code);
    assert.deepEqual(r.disconnected, [code]);
  }
});
