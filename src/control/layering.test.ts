import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";

/**
 * src/control is below the vehicle: it imports only src/kernel, src/protocol, itself and
 * packages. The vehicle, the config and the simulator import it, never the other way round
 * (the thruster layout and the sensor snapshot live here for that reason).
 */
test("src/control imports only src/kernel, src/protocol, itself and packages", () => {
  const dir = new URL("./", import.meta.url);
  const bad: string[] = [];
  for (const name of readdirSync(dir).filter((n) => n.endsWith(".ts"))) {
    const text = readFileSync(new URL(name, dir), "utf8");
    for (const m of text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"/gm)) {
      const spec = m[1] as string;
      if (!spec.startsWith(".")) continue; // node: built-ins and packages
      if (spec.startsWith("./") || spec.startsWith("../kernel/") || spec.startsWith("../protocol/")) continue;
      bad.push(`${name}: ${spec}`);
    }
  }
  assert.deepEqual(bad, []);
});
