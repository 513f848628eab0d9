import { existsSync, readFileSync, realpathSync } from "node:fs";
import { createServer } from "node:http";
import { basename, join } from "node:path";
import { parse } from "smol-toml";

/**
 * The vehicle agent of the test board's small bundles (board-bundle.ts): it serves only
 * `/health` at the config's `[metrics] listen`, ok when its release holds `share/healthy`, armed
 * while the board has `/var/lib/tethys/armed`. Argument: the release folder, then the agent's own
 * (`vehicle --config FILE`).
 */
const [releaseDir = ".", ...args] = process.argv.slice(2);
const configFile = args[args.indexOf("--config") + 1] ?? "";
const config = parse(readFileSync(configFile, "utf8")) as { metrics?: { listen?: string } };
const [host = "127.0.0.1", port = "0"] = (config.metrics?.listen ?? "").split(/:(?=\d+$)/);
const armedFile = join(process.env.TEST_BOARD_ROOT ?? "/", "var/lib/tethys/armed");
const healthy = existsSync(join(releaseDir, "share", "healthy"));
const release = basename(realpathSync(releaseDir));

const server = createServer((req, res) => {
  if (req.url !== "/health") {
    res.writeHead(404).end();
    return;
  }
  const body = { ok: healthy, armed: existsSync(armedFile), release, loop: healthy ? "running" : "stalled" };
  res.writeHead(healthy ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify(body));
});
server.listen(Number(port), host, () => process.stdout.write(`fake agent ${release} on ${host}:${port}\n`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
