import assert from "node:assert/strict";
import { after, test } from "node:test";
import type { SerialLink } from "../../hardware/ports/serial-link.ts";
import { isTethysError } from "../../src/kernel/errors.ts";

/** Two connected ends of a serial line plus the means to pull the plug, made by a backend. */
export interface SerialPairFixture {
  a: SerialLink;
  b: SerialLink;
  /** A link whose device does not exist. */
  missing: SerialLink;
  /** Makes the device disappear (both ends close with SERIAL_LOST); absent for real hardware. */
  unplug?: () => Promise<void>;
  /** Releases everything (idempotent). */
  cleanup(): Promise<void>;
}

function nextClose(link: SerialLink): Promise<Error | undefined> {
  return new Promise((resolve) => {
    const off = link.onClose((err) => {
      off();
      resolve(err);
    });
  });
}

/** Collects bytes from a link until `n` have arrived. */
function receive(link: SerialLink, n: number): Promise<Uint8Array> {
  return new Promise((resolve) => {
    const out = new Uint8Array(n);
    let got = 0;
    const off = link.onData((chunk) => {
      out.set(chunk.subarray(0, Math.min(chunk.length, n - got)), got);
      got += chunk.length;
      if (got >= n) {
        off();
        resolve(out);
      }
    });
  });
}

/**
 * The SerialLink contract (hardware/ports/serial-link.ts), run against any backend. Each test
 * gets a fresh pair from `factory`.
 */
export function serialLinkContract(name: string, factory: () => Promise<SerialPairFixture>): void {
  let fx: SerialPairFixture | undefined;
  const fresh = async (): Promise<SerialPairFixture> => {
    await fx?.cleanup();
    fx = await factory();
    return fx;
  };
  after(async () => {
    await fx?.cleanup();
  });

  test(`${name}: open is idempotent and bytes flow both ways, in order`, async () => {
    const { a, b } = await fresh();
    await a.open();
    await a.open();
    await b.open();
    assert.ok(a.isOpen && b.isOpen);
    const data = new Uint8Array(20_000).map((_, i) => (i * 7 + (i >> 8)) & 0xff);
    const got = receive(b, data.length);
    for (let i = 0; i < data.length; i += 1000) await a.write(data.subarray(i, i + 1000));
    assert.deepEqual(await got, data);
    const back = receive(a, 3);
    await b.write(Uint8Array.of(1, 0, 2));
    assert.deepEqual(await back, Uint8Array.of(1, 0, 2));
  });

  test(`${name}: write on a closed link rejects with SERIAL_CLOSED`, async () => {
    const { a } = await fresh();
    await assert.rejects(a.write(Uint8Array.of(1)), (e: unknown) => isTethysError(e, "SERIAL_CLOSED"));
    await a.open();
    await a.close();
    assert.equal(a.isOpen, false);
    await assert.rejects(a.write(Uint8Array.of(1)), (e: unknown) => isTethysError(e, "SERIAL_CLOSED"));
  });

  test(`${name}: opening a missing device rejects with SERIAL_OPEN`, async () => {
    const { missing } = await fresh();
    await assert.rejects(missing.open(), (e: unknown) => isTethysError(e, "SERIAL_OPEN"));
    assert.equal(missing.isOpen, false);
  });

  test(`${name}: close() runs close listeners once without an error, and the link reopens`, async () => {
    const { a, b } = await fresh();
    await a.open();
    await b.open();
    let calls = 0;
    const off = a.onClose(() => {
      calls++;
    });
    const closed = nextClose(a);
    await a.close();
    assert.equal(await closed, undefined);
    await a.close();
    assert.equal(calls, 1);
    off();
    await a.open();
    const got = receive(b, 2);
    await a.write(Uint8Array.of(9, 8));
    assert.deepEqual(await got, Uint8Array.of(9, 8));
  });

  test(`${name}: a removed listener gets nothing`, async () => {
    const { a, b } = await fresh();
    await a.open();
    await b.open();
    let removedGot = 0;
    const off = b.onData(() => {
      removedGot++;
    });
    off();
    const got = receive(b, 1);
    await a.write(Uint8Array.of(5));
    await got;
    assert.equal(removedGot, 0);
  });

  test(`${name}: unplugging closes the link with SERIAL_LOST`, async (t) => {
    const { a, unplug } = await fresh();
    if (unplug === undefined) {
      t.skip("this backend cannot unplug its device from a test");
      return;
    }
    await a.open();
    const closed = nextClose(a);
    await unplug();
    const err = await closed;
    assert.ok(isTethysError(err, "SERIAL_LOST"), String(err));
    assert.equal(a.isOpen, false);
    await assert.rejects(a.write(Uint8Array.of(1)), (e: unknown) => isTethysError(e, "SERIAL_CLOSED"));
  });
}
