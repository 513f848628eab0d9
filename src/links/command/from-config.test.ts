import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parseConfig } from "../../config/load.ts";
import { isTethysError } from "../../kernel/errors.ts";
import { RealClock } from "../../kernel/real-clock.ts";
import { generateKeys } from "../../keys/generate.ts";
import { CommandLinkClient } from "./client.ts";
import { clientOptionsFromConfig, serverOptionsFromConfig } from "./from-config.ts";
import { CommandLinkServer } from "./server.ts";

test("tethys keys → config snippets → a working link (config paths relative to the config file)", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "tethys-link-cfg-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const keys = await generateKeys({ dir: join(dir, "keys"), vehicleId: "rov5", configDir: dir });
  const vehicleToml = `[vehicle]\nid = "rov5"\n[vehicle.hub]\ncommand_port = 0\n${await readFile(keys.files.vehicleSnippet, "utf8")}`;
  const topsideToml = `[topside]\n${await readFile(keys.files.topsideSnippet, "utf8")}`;
  await writeFile(join(dir, "vehicle.toml"), vehicleToml);
  const clock = new RealClock();
  const topside = parseConfig(topsideToml, join(dir, "topside.toml")).config.topside;
  const vehicle = parseConfig(vehicleToml, join(dir, "vehicle.toml")).config.vehicle;
  assert.ok(topside && vehicle);
  const serverOptions = await serverOptionsFromConfig(topside, join(dir, "topside.toml"), clock);
  assert.deepEqual(serverOptions.admission, { maxPending: 32, maxPendingPerAddress: 8 });
  const server = new CommandLinkServer(serverOptions);
  const { port } = await server.listen(0, "127.0.0.1");
  t.after(() => server.close());
  const opts = await clientOptionsFromConfig(vehicle, join(dir, "vehicle.toml"), clock);
  const client = new CommandLinkClient({ ...opts, port });
  t.after(() => client.stop());
  const conn = once(server, "connection");
  client.start();
  await once(client, "up");
  const [c] = await conn;
  assert.equal(c.vehicleId, "rov5");
});

test("missing key settings are a clear CMD_BAD_OPTION", async () => {
  const v = parseConfig("[vehicle]\n", undefined).config.vehicle;
  assert.ok(v);
  await assert.rejects(clientOptionsFromConfig(v, undefined, new RealClock()), (e) =>
    isTethysError(e, "CMD_BAD_OPTION"),
  );
  const tp = parseConfig("[topside]\n", undefined).config.topside;
  assert.ok(tp);
  await assert.rejects(serverOptionsFromConfig(tp, undefined, new RealClock()), (e) =>
    isTethysError(e, "CMD_BAD_OPTION"),
  );
});
