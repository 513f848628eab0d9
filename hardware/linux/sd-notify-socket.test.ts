import assert from "node:assert/strict";
import { test } from "node:test";
import { isTethysError, type TethysError } from "../../src/kernel/errors.ts";
import { openNotifySocket } from "./sd-notify-socket.ts";

/**
 * The sender over a stand-in unix-dgram module (the real one is exercised from the release
 * bundle, where it is built for the bundled Node: test/release/x64-bundle.test.ts).
 */
function fakeUnixDgram(fail?: Error) {
  const sent: { text: string; path: string }[] = [];
  let closed = 0;
  const mod = {
    createSocket: (type: string) => {
      assert.equal(type, "unix_dgram");
      return {
        on: () => {},
        send: (buf: Buffer, offset: number, length: number, path: string, cb: (err?: Error) => void) => {
          sent.push({ text: buf.subarray(offset, offset + length).toString(), path });
          cb(fail);
        },
        close: () => {
          closed++;
        },
      };
    },
  };
  return { importer: async () => mod, sent, closed: () => closed };
}

test("sends each state as one datagram to the socket path; closes once", async () => {
  const f = fakeUnixDgram();
  const s = await openNotifySocket("/run/systemd/notify", () => assert.fail("no error expected"), f.importer);
  s.send("READY=1\nSTATUS=control loop running");
  s.send("WATCHDOG=1");
  s.close();
  s.close();
  s.send("WATCHDOG=1");
  assert.deepEqual(f.sent, [
    { text: "READY=1\nSTATUS=control loop running", path: "/run/systemd/notify" },
    { text: "WATCHDOG=1", path: "/run/systemd/notify" },
  ]);
  assert.equal(f.closed(), 1);
});

test("a failed send is reported as SYSTEMD_NOTIFY, never thrown", async () => {
  const f = fakeUnixDgram(Object.assign(new Error("connect ENOENT"), { code: "ENOENT" }));
  const errors: TethysError[] = [];
  const s = await openNotifySocket("/run/systemd/notify", (e) => errors.push(e), f.importer);
  s.send("WATCHDOG=1");
  assert.equal(errors.length, 1);
  assert.ok(isTethysError(errors[0], "SYSTEMD_NOTIFY"));
});

test("unix-dgram that does not load → NATIVE_MODULE_LOAD", async () => {
  await assert.rejects(
    openNotifySocket(
      "/run/systemd/notify",
      () => {},
      async () => {
        throw new Error("Module did not self-register");
      },
    ),
    (e: unknown) => isTethysError(e, "NATIVE_MODULE_LOAD"),
  );
});
