import { spawn } from "node:child_process";
import { appendFileSync, closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { BOARD_PATHS } from "../board-layout.ts";

/**
 * The test board's stand-in for `systemctl`, which `tethys provision` and the board's `release
 * install --restart` use (getent, groupadd, useradd, usermod, chown and udevadm are
 * fake-board-users.sh). The test board puts a wrapper named after each first on the SSH session's
 * PATH (testing/ssh-board.ts), so the commands Tethys sends are exactly the production ones and
 * only the programs behind them differ.
 *
 * State lives in BOARD/.system (TEST_BOARD_ROOT names BOARD): enabled units (units.json), one pid
 * file per running unit, and calls.log (one line per call).
 * `systemctl start` reads the unit's ExecStart from the board's units folder and runs it with the
 * board's paths (/opt/tethys, /etc/tethys, /var/lib/tethys) under BOARD, as if chrooted there,
 * detached, its output appended to .system/UNIT.log; stop sends SIGTERM and waits for the exit
 * (SIGKILL after 10 s); restart is stop then start; is-active says whether the process lives.
 * Like systemd with Type=simple: start returns once the process runs, not when it is ready.
 */
const root = process.env.TEST_BOARD_ROOT ?? "";
const sys = join(root, ".system");

interface Db {
  enabled: string[];
}

function load(): Db {
  try {
    return JSON.parse(readFileSync(join(sys, "units.json"), "utf8")) as Db;
  } catch {
    return { enabled: [] };
  }
}

function save(db: Db): void {
  writeFileSync(join(sys, "units.json"), `${JSON.stringify(db)}\n`);
}

const fail = (msg: string, code = 1): never => {
  process.stderr.write(`${msg}\n`);
  process.exit(code);
};

/** A board path as seen from here: the same path under BOARD. */
function onBoard(path: string): string {
  return Object.values(BOARD_PATHS).some((p) => path === p || path.startsWith(`${p}/`)) ||
    path.startsWith("/var/lib/") ||
    path.startsWith("/etc/")
    ? join(root, path)
    : path;
}

function pidOf(unit: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(sys, `${unit}.pid`), "utf8"));
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

function unitName(u: string | undefined): string {
  if (u === undefined) return fail("systemctl: missing unit name");
  return u.replace(/\.service$/, "");
}

function startUnit(unit: string): void {
  if (pidOf(unit) !== undefined) return;
  let text: string;
  try {
    text = readFileSync(join(root, BOARD_PATHS.units, `${unit}.service`), "utf8");
  } catch {
    fail(`Failed to start ${unit}.service: Unit ${unit}.service not found.`, 5);
    return;
  }
  const value = (key: string) => new RegExp(`^${key}=(.*)$`, "m").exec(text)?.[1]?.trim();
  const exec = value("ExecStart");
  if (exec === undefined) {
    fail(`${unit}.service has no ExecStart`, 1);
    return;
  }
  const [command, ...args] = exec.split(/\s+/).map(onBoard);
  const cwd = value("WorkingDirectory");
  if (cwd !== undefined) mkdirSync(onBoard(cwd), { recursive: true });
  const out = openSync(join(sys, `${unit}.log`), "a");
  const child = spawn(command ?? "", args, {
    detached: true,
    stdio: ["ignore", out, out],
    ...(cwd !== undefined ? { cwd: onBoard(cwd) } : {}),
  });
  closeSync(out);
  child.on("error", (e) => fail(`${unit}: ${e.message}`, 1));
  if (child.pid === undefined) return;
  writeFileSync(join(sys, `${unit}.pid`), String(child.pid));
  child.unref();
}

async function stopUnit(unit: string): Promise<void> {
  const pid = pidOf(unit);
  if (pid === undefined) return;
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-pid, s);
    } catch {
      try {
        process.kill(pid, s);
      } catch {}
    }
  };
  signal("SIGTERM");
  for (let waited = 0; pidOf(unit) !== undefined; waited += 50) {
    if (waited >= 10_000) signal("SIGKILL");
    await sleep(50);
  }
  rmSync(join(sys, `${unit}.pid`), { force: true });
}

async function systemctl(args: string[]): Promise<void> {
  const flags = args.filter((a) => a.startsWith("-"));
  const [verb, unitArg] = args.filter((a) => !a.startsWith("-"));
  const quiet = flags.includes("--quiet") || flags.includes("-q");
  const db = load();
  switch (verb) {
    case "daemon-reload":
    case "reboot":
      return;
    case "enable": {
      const u = unitName(unitArg);
      if (!db.enabled.includes(u)) db.enabled.push(u);
      save(db);
      return;
    }
    case "is-enabled": {
      const on = db.enabled.includes(unitName(unitArg));
      if (!quiet) process.stdout.write(on ? "enabled\n" : "disabled\n");
      process.exit(on ? 0 : 1);
      return;
    }
    case "is-active": {
      const on = pidOf(unitName(unitArg)) !== undefined;
      if (!quiet) process.stdout.write(on ? "active\n" : "inactive\n");
      process.exit(on ? 0 : 3);
      return;
    }
    case "start":
      return startUnit(unitName(unitArg));
    case "stop":
      return stopUnit(unitName(unitArg));
    case "restart":
      await stopUnit(unitName(unitArg));
      return startUnit(unitName(unitArg));
    case "try-restart": {
      const u = unitName(unitArg);
      if (pidOf(u) !== undefined) {
        await stopUnit(u);
        startUnit(u);
      }
      return;
    }
    default:
      fail(`systemctl (test board): unknown verb ${verb}`);
  }
}

async function main(): Promise<void> {
  const tool = process.argv[2] ?? "";
  const args = process.argv.slice(3);
  if (root === "") fail(`${tool} (test board): TEST_BOARD_ROOT is not set`);
  mkdirSync(sys, { recursive: true });
  appendFileSync(join(sys, "calls.log"), `${[tool, ...args].join(" ")}\n`);
  switch (tool) {
    case "systemctl":
      return systemctl(args);
    default:
      fail(`${basename(tool)}: not a board-system program of the test board`);
  }
}

await main();
