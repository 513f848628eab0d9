/**
 * Contract suite for the GPIO port (hardware/ports/gpio.ts). Every backend runs it: the fake,
 * the onoff and libgpiod backends on real hardware, the simulator's provider.
 *
 * The fixture names one free line (`line`) on a chip; outputs are written and read back on it.
 * `missing` is a spec whose line does not exist. If the backend can drive an input from outside
 * (`drive`, physical level), the edge tests run; on hardware that needs a second line wired to
 * the first (TETHYS_TEST_GPIO_LOOP).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { GpioProvider } from "../../hardware/ports/gpio.ts";
import { isTethysError } from "../../src/kernel/errors.ts";

export interface GpioFixture {
  provider: GpioProvider;
  chip: string;
  line: number;
  missing: { chip: string; line: number };
  /** Drive the physical level of `line` from outside, then settle (resolve once applied). */
  drive?: (physical: 0 | 1) => Promise<void>;
  /** Wait until at least `n` edge events could have been delivered (backends with async events). */
  settle?: () => Promise<void>;
  teardown?: () => Promise<void>;
}

async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(isTethysError(err, code), `expected ${code}, got ${String((err as { code?: unknown }).code ?? err)}`);
    return true;
  });
}

export function gpioContract(
  name: string,
  setup: () => Promise<GpioFixture>,
  options: { skip?: string | false } = {},
): void {
  describe(`GPIO contract: ${name}`, { skip: options.skip ?? false }, () => {
    const withFixture = (title: string, body: (f: GpioFixture) => Promise<void>, needsDrive = false) =>
      test(title, async (t) => {
        const f = await setup();
        try {
          if (needsDrive && f.drive === undefined) {
            t.skip("backend cannot drive an input from outside");
            return;
          }
          await body(f);
        } finally {
          await f.teardown?.();
        }
      });

    withFixture(
      "an output reads back what was written, active-high and active-low",
      async ({ provider, chip, line }) => {
        const out = await provider.open({ chip, line, direction: "out", initial: 0 });
        assert.equal(await out.read(), 0);
        await out.write(1);
        assert.equal(await out.read(), 1);
        await out.write(0);
        assert.equal(await out.read(), 0);
        await out.close();
        const inv = await provider.open({ chip, line, direction: "out", activeLow: true, initial: 1 });
        assert.equal(await inv.read(), 1);
        await inv.close();
      },
    );

    withFixture("a missing chip or line rejects with GPIO_NOT_FOUND", async ({ provider, missing }) => {
      await rejectsWith(provider.open({ ...missing, direction: "in" }), "GPIO_NOT_FOUND");
      await rejectsWith(provider.open({ chip: "no-such-chip-label", line: 0, direction: "in" }), "GPIO_NOT_FOUND");
    });

    withFixture(
      "a claimed line rejects a second open with GPIO_BUSY until released",
      async ({ provider, chip, line }) => {
        const a = await provider.open({ chip, line, direction: "out" });
        await rejectsWith(provider.open({ chip, line, direction: "out" }), "GPIO_BUSY");
        await a.close();
        const b = await provider.open({ chip, line, direction: "out" });
        await b.close();
      },
    );

    withFixture(
      "writing an input rejects with GPIO_DIRECTION; watching without an edge throws GPIO_NO_EDGE",
      async ({ provider, chip, line }) => {
        const inp = await provider.open({ chip, line, direction: "in" });
        try {
          await rejectsWith(inp.write(1), "GPIO_DIRECTION");
          assert.throws(
            () => inp.watch(() => {}),
            (e: unknown) => isTethysError(e, "GPIO_NO_EDGE"),
          );
        } finally {
          await inp.close();
        }
      },
    );

    withFixture(
      "after close, calls reject with GPIO_CLOSED; close twice is a no-op",
      async ({ provider, chip, line }) => {
        const out = await provider.open({ chip, line, direction: "out" });
        await out.close();
        await out.close();
        await rejectsWith(out.read(), "GPIO_CLOSED");
        await rejectsWith(out.write(1), "GPIO_CLOSED");
      },
    );

    withFixture(
      "an input with edge both reports each edge in order, active-low inverted",
      async ({ provider, chip, line, drive, settle }) => {
        if (drive === undefined) return;
        await drive(0);
        const inp = await provider.open({ chip, line, direction: "in", edge: "both", activeLow: true });
        const seen: number[] = [];
        let waiter: (() => void) | undefined;
        const stop = inp.watch((v) => {
          seen.push(v);
          if (seen.length === 3) waiter?.();
        });
        const three = new Promise<void>((r) => {
          waiter = r;
        });
        await drive(1);
        await drive(0);
        await drive(1);
        await settle?.();
        await three;
        assert.deepEqual(seen, [0, 1, 0]);
        assert.equal(await inp.read(), 0);
        stop();
        await drive(0);
        await settle?.();
        assert.equal(seen.length, 3, "no events after the watch was stopped");
        await inp.close();
      },
      true,
    );

    withFixture(
      "an input with edge rising reports only rising edges",
      async ({ provider, chip, line, drive, settle }) => {
        if (drive === undefined) return;
        await drive(0);
        const inp = await provider.open({ chip, line, direction: "in", edge: "rising" });
        const seen: number[] = [];
        let done: (() => void) | undefined;
        const two = new Promise<void>((r) => {
          done = r;
        });
        inp.watch((v) => {
          seen.push(v);
          if (seen.length === 2) done?.();
        });
        for (const v of [1, 0, 1, 0] as const) await drive(v);
        await settle?.();
        await two;
        assert.deepEqual(seen, [1, 1]);
        await inp.close();
      },
      true,
    );
  });
}
