import assert from "node:assert/strict";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { isTethysError, type TethysError } from "../../src/kernel/errors.ts";
import { gpioContract } from "../../test/contract/gpio.contract.ts";
import { requireTool } from "../../test/support/tools.ts";
import { makeFakeLibgpiod } from "../testing/fake-libgpiod.ts";
import { LibgpiodGpioProvider } from "./gpio-libgpiod.ts";

const flush = () => new Promise<void>((r) => setImmediate(r));

for (const version of [1, 2] as const) {
  gpioContract(`LibgpiodGpioProvider over fake libgpiod v${version} tools`, async () => {
    const fake = makeFakeLibgpiod(version);
    const provider = new LibgpiodGpioProvider({ spawn: fake.spawner, startupGraceMs: 1 });
    return {
      provider,
      chip: "pinctrl-bcm2711",
      line: 17,
      missing: { chip: "gpiochip0", line: 58 },
      drive: async (v) => {
        fake.drive("gpiochip0", 17, v);
        await flush();
      },
      settle: flush,
    };
  });
}

test("v1 and v2 holders get the right syntax; a write restarts the holder with the new value", async () => {
  for (const version of [1, 2] as const) {
    const fake = makeFakeLibgpiod(version);
    const provider = new LibgpiodGpioProvider({ spawn: fake.spawner, startupGraceMs: 1 });
    const out = await provider.open({ chip: "pinctrl-bcm2711", line: 4, direction: "out", initial: 1 });
    assert.equal(fake.level("gpiochip0", 4), 1);
    await out.write(0);
    assert.equal(fake.level("gpiochip0", 4), 0);
    const sets = fake.calls.filter((c) => c[0] === "gpioset");
    assert.deepEqual(
      sets.map((c) => c.slice(1)),
      version === 1
        ? [
            ["--mode=signal", "gpiochip0", "4=1"],
            ["--mode=signal", "gpiochip0", "4=0"],
          ]
        : [
            ["--banner", "-c", "gpiochip0", "4=1"],
            ["--banner", "-c", "gpiochip0", "4=0"],
          ],
    );
    await out.close();
    assert.equal(fake.holding("gpiochip0", 4), false, "close kills the holder");
  }
});

test("a holder that dies is reported once and later calls reject with GPIO_IO", async () => {
  const fake = makeFakeLibgpiod(2);
  const errors: TethysError[] = [];
  const provider = new LibgpiodGpioProvider({ spawn: fake.spawner, startupGraceMs: 1, onError: (e) => errors.push(e) });
  const out = await provider.open({ chip: "gpiochip0", line: 5, direction: "out" });
  fake.crash("gpiochip0", 5);
  await flush();
  await flush();
  assert.equal(errors.length, 1);
  assert.equal(errors[0]?.code, "GPIO_IO");
  await assert.rejects(out.write(1), (e) => isTethysError(e, "GPIO_IO"));
  await out.close();
});

test("v2 tools built without --banner are retried without it, once for the provider", async () => {
  const fake = makeFakeLibgpiod(2, undefined, { refuseBanner: true });
  const provider = new LibgpiodGpioProvider({ spawn: fake.spawner, startupGraceMs: 1 });
  const a = await provider.open({ chip: "gpiochip0", line: 6, direction: "out", initial: 1 });
  const b = await provider.open({ chip: "gpiochip0", line: 7, direction: "in", edge: "both" });
  assert.equal(fake.level("gpiochip0", 6), 1);
  assert.ok(fake.holding("gpiochip0", 7));
  const holders = fake.calls.filter((c) => c[0] === "gpioset" || c[0] === "gpiomon");
  assert.deepEqual(
    holders.map((c) => c.includes("--banner")),
    [true, false, false],
  );
  await a.close();
  await b.close();
});

test("missing tools give GPIO_NO_TOOLS", async () => {
  const provider = new LibgpiodGpioProvider({ tools: { gpioget: join(tmpdir(), "no-such-dir", "gpioget") } });
  await assert.rejects(
    provider.open({ chip: "gpiochip0", line: 1, direction: "in" }),
    (e) => isTethysError(e, "GPIO_NO_TOOLS") && /gpiod/.test(e.message),
  );
});

test("real child processes: version detection and gpioget through injected tool paths", async () => {
  const dir = await mkdtemp(join(tmpdir(), "tethys-gpiod-"));
  try {
    const script = async (name: string, body: string) => {
      const p = join(dir, name);
      await writeFile(p, `#!/bin/sh\n${body}\n`);
      await chmod(p, 0o755);
      return p;
    };
    const gpiodetect = await script("gpiodetect", 'echo "gpiochip0 [pinctrl-bcm2835] (54 lines)"');
    const gpioget = await script(
      "gpioget",
      `if [ "$1" = "--version" ]; then echo "gpioget (libgpiod) v2.1"; exit 0; fi
echo "$@" > "${dir}/args"
echo 1`,
    );
    const provider = new LibgpiodGpioProvider({ tools: { gpiodetect, gpioget } });
    assert.equal(await provider.detectVersion(), 2);
    const line = await provider.open({ chip: "pinctrl-bcm2835", line: 26, direction: "in", activeLow: true });
    assert.equal(await line.read(), 1);
    const { readFile } = await import("node:fs/promises");
    assert.equal((await readFile(join(dir, "args"), "utf8")).trim(), "--numeric -c gpiochip0 -l 26");
    await line.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("installed libgpiod tools, if any: the version is detected and a missing chip is GPIO_NOT_FOUND", {
  skip: requireTool("gpioget", "gpiod") ?? requireTool("gpiodetect", "gpiod"),
}, async () => {
  const provider = new LibgpiodGpioProvider();
  const v = await provider.detectVersion();
  assert.ok(v === 1 || v === 2);
  await assert.rejects(provider.open({ chip: "no-such-chip-label", line: 0, direction: "in" }), (e) =>
    isTethysError(e, "GPIO_NOT_FOUND"),
  );
});
