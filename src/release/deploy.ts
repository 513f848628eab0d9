import type { KeyObject } from "node:crypto";
import { hostname } from "node:os";
import { basename } from "node:path";
import { PassThrough } from "node:stream";
import { TethysError } from "../kernel/errors.ts";
import { type BoardLayout, shq } from "./board-layout.ts";
import type { HealthRequirement } from "./health-gate.ts";
import type { Manifest } from "./manifest.ts";
import { remoteErrorCode, remoteMessage, runRemote, type SshTarget } from "./ssh.ts";
import { bundleName } from "./targets.ts";
import { type UploadProgress, type UploadResult, uploadTarball } from "./upload.ts";
import { verifyRelease } from "./verify.ts";

/**
 * `tethys deploy`: a verified bundle onto a board over SSH. The topside checks the bundle's
 * signature with the trusted key first (nothing unverified leaves the topside), uploads it with
 * resume (upload.ts), then runs the board's own health-gated `release install --restart`: the
 * installed release's `tethys` (code the board already trusts) verifies the bundle again with the
 * board's key, unpacks it beside the others, checks the board's config with it, refuses while
 * armed, switches `current`, restarts the unit and rolls back by itself when `/health` does not
 * turn ok. On a board with no release yet, the new bundle's own `tethys` does the install. The
 * board-side run is one SSH command that keeps going if the topside goes away (`nohup`-like: its
 * output goes to a log file on the board), so a lost connection cannot stop it half-way.
 *
 * Two deploys to one board never interleave: each holds the board's deploy lock (boardLock)
 * from before the upload to the end, and the board-side install and a rollback hold the install
 * lock, which the detached install keeps until it is done even when the topside has gone.
 */
export interface DeployOptions {
  target: SshTarget;
  layout: BoardLayout;
  tarball: string;
  publicKey: KeyObject;
  unit: string;
  /** The agent's /health as the board reaches it. */
  healthUrl: string;
  healthTimeoutS: number;
  /** What the board's health gate waits for (default ok; loop: a board without its devices). */
  healthRequire?: HealthRequirement;
  keep: number;
  allowArmed: boolean;
  onProgress?: (p: UploadProgress) => void;
  log?: (line: string) => void;
}

export interface DeployResult {
  release: string;
  upload: UploadResult;
  /** What the board's `release install` printed. */
  board: string;
}

export async function deploy(o: DeployOptions): Promise<DeployResult> {
  const log = o.log ?? (() => {});
  const manifest = await verifyRelease(o.tarball, o.publicKey);
  const name = bundleName(manifest.version, manifest.arch);
  if (basename(o.tarball) !== `${name}.tar.gz`) {
    throw new TethysError("DEPLOY_BUNDLE", `${o.tarball}: expected the tarball to be named ${name}.tar.gz`);
  }
  log(`verified ${name} (${manifest.commit.slice(0, 12)}), ${manifest.files.length} files`);
  await checkBoard(o, manifest);
  const lock = await boardLock(o.target, o.layout);
  try {
    return await uploadAndInstall(o, name, manifest, log);
  } finally {
    await lock.release();
  }
}

async function uploadAndInstall(
  o: DeployOptions,
  name: string,
  manifest: Manifest,
  log: (line: string) => void,
): Promise<DeployResult> {
  const upload = await uploadTarball({
    target: o.target,
    layout: o.layout,
    tarball: o.tarball,
    unpackedBytes: unpackedBytes(manifest),
    ...(o.onProgress ? { onProgress: o.onProgress } : {}),
  });
  log(
    upload.sent === 0
      ? `the board already has ${basename(upload.remotePath)}`
      : `uploaded ${upload.sent} bytes${upload.resumedFrom > 0 ? ` (resumed at ${upload.resumedFrom})` : ""}`,
  );
  const l = o.layout;
  const install = [
    `"$t" release install "$f" --key ${shq(l.releaseKey)} --root ${shq(l.opt)} --config ${shq(l.vehicleConfig)}`,
    `--keep ${o.keep} --restart ${shq(o.unit)} --health ${shq(o.healthUrl)} --health-timeout ${o.healthTimeoutS}`,
    o.healthRequire !== undefined && o.healthRequire !== "ok" ? `--health-require ${o.healthRequire}` : "",
    o.allowArmed ? "--allow-armed" : "",
  ].join(" ");
  const script = [
    `f=${shq(upload.remotePath)}; t=${shq(`${l.opt}/current/bin/tethys`)}`,
    `[ -f ${shq(l.releaseKey)} ] || { echo "tethys: no trusted release key at ${l.releaseKey}: run tethys provision first" >&2; echo "code: DEPLOY_NOT_PROVISIONED" >&2; exit 3; }`,
    // fd 9 is inherited by the detached install below: the lock is held until it has finished.
    installLockLine(l),
    `if [ ! -x "$t" ]; then`,
    `  tmp=$(mktemp -d ${shq(`${l.uploads}/.first-XXXXXX`)}) || exit 4`,
    `  trap 'rm -rf "$tmp"' EXIT`,
    `  tar -xzf "$f" -C "$tmp" --no-same-owner || { echo "code: RELEASE_INSTALL" >&2; exit 4; }`,
    `  t="$tmp/${name}/bin/tethys"`,
    "fi",
    // Detached from the SSH session: a lost connection must not stop a switch half-way.
    `out=${shq(`${l.uploads}/.install.log`)}`,
    `( trap '' HUP; ${install} ) > "$out" 2>&1 < /dev/null`,
    "rc=$?",
    `cat "$out"; rm -f "$out"`,
    // Installed, or refused by the board: either way the tarball has served.
    `rm -f "$f"`,
    "exit $rc",
  ].join("\n");
  log("installing on the board (health-gated)");
  const r = await runRemote(o.target, script);
  const board = r.stdout.replace(/^code: .*$/m, "").trim();
  if (r.code !== 0) {
    const text = `${r.stdout}\n${r.stderr}`;
    const code = remoteErrorCode(text) ?? "DEPLOY_INSTALL";
    throw new TethysError(code, `on the board: ${remoteMessage(text)}`, { details: { board: text.trim() } });
  }
  return { release: name, upload, board };
}

/** The board's architecture as release targets name it (arm64, x64). */
export async function boardArch(target: SshTarget): Promise<string> {
  const r = await runRemote(target, "uname -m");
  const machine = r.stdout.trim();
  const arch = ({ aarch64: "arm64", arm64: "arm64", x86_64: "x64" } as Record<string, string>)[machine];
  if (r.code !== 0 || arch === undefined) {
    throw new TethysError(
      "DEPLOY_BOARD",
      `${target.host}: not a board Tethys has a release for (uname -m: ${machine || r.stderr.trim()}; targets: arm64, x64)`,
    );
  }
  return arch;
}

/** A bundle for another architecture is refused before anything is sent. */
async function checkBoard(o: DeployOptions, manifest: Manifest): Promise<void> {
  const arch = await boardArch(o.target);
  if (arch !== manifest.arch) {
    throw new TethysError(
      "RELEASE_ARCH",
      `the bundle is for linux-${manifest.arch}, the board ${o.target.host} is linux-${arch}`,
    );
  }
}

function unpackedBytes(m: Manifest): number {
  return m.files.reduce((sum, f) => sum + f.size, 0);
}

export interface BoardStatus {
  current: string | undefined;
  previous: string | undefined;
  releases: { name: string; installedAt: string | undefined }[];
  unit: { name: string; state: string };
  health: unknown;
  firstBoot: unknown;
  rebootRequired: boolean;
}

/** `tethys deploy --status`: releases, the unit's state, the agent's /health and the first-boot status file. */
export async function boardStatus(o: {
  target: SshTarget;
  layout: BoardLayout;
  unit: string;
  healthUrl: string;
}): Promise<BoardStatus> {
  const l = o.layout;
  const script = [
    `echo @current; readlink ${shq(`${l.opt}/current`)}`,
    `echo @previous; readlink ${shq(`${l.opt}/previous`)}`,
    `echo @releases; ls -1 ${shq(`${l.opt}/releases`)} 2>/dev/null`,
    `echo @installed; cat ${shq(`${l.opt}/installed.json`)} 2>/dev/null; echo`,
    `echo @unit; systemctl is-active ${shq(o.unit)} 2>/dev/null`,
    `echo @first-boot; cat ${shq(l.firstBoot)} 2>/dev/null; echo`,
    `echo @reboot; [ -e ${shq(l.rebootFlag)} ] && echo yes`,
    `echo @health; t=${shq(`${l.opt}/current/bin/tethys`)}; [ -x "$t" ] && "$t" release health --url ${shq(o.healthUrl)} 2>/dev/null; echo`,
    "echo @end; exit 0",
  ].join("\n");
  const r = await runRemote(o.target, script);
  const sections = new Map<string, string>();
  let key = "";
  for (const line of r.stdout.split("\n")) {
    if (line.startsWith("@")) key = line.slice(1);
    else sections.set(key, `${sections.get(key) ?? ""}${line}\n`);
  }
  const get = (k: string) => (sections.get(k) ?? "").trim();
  const release = (link: string) => /^releases\/([^/]+)$/.exec(link)?.[1];
  const order = parseJson(get("installed"));
  const at = (name: string) =>
    Array.isArray(order) ? (order as { name: string; at: string }[]).find((e) => e.name === name)?.at : undefined;
  return {
    current: release(get("current")),
    previous: release(get("previous")),
    releases: get("releases")
      .split("\n")
      .filter((n) => n !== "" && !n.startsWith("."))
      .map((name) => ({ name, installedAt: at(name) })),
    unit: { name: o.unit, state: get("unit") || "unknown" },
    health: get("health") === "" ? undefined : parseJson(get("health")),
    firstBoot: get("first-boot") === "" ? undefined : parseJson(get("first-boot")),
    rebootRequired: get("reboot") === "yes",
  };
}

/** `tethys deploy --rollback`: the board's `release rollback --restart`, then its /health. */
export async function boardRollback(o: { target: SshTarget; layout: BoardLayout; unit: string }): Promise<string> {
  const t = `${o.layout.opt}/current/bin/tethys`;
  const lock = await boardLock(o.target, o.layout);
  let r: Awaited<ReturnType<typeof runRemote>>;
  try {
    r = await runRemote(
      o.target,
      `t=${shq(t)}; [ -x "$t" ] || { echo "tethys: no release installed under ${o.layout.opt}" >&2; echo "code: RELEASE_ROLLBACK" >&2; exit 3; }\n${installLockLine(o.layout)}\n"$t" release rollback --root ${shq(o.layout.opt)} --restart ${shq(o.unit)}`,
    );
  } finally {
    await lock.release();
  }
  if (r.code !== 0) {
    const text = `${r.stdout}\n${r.stderr}`;
    throw new TethysError(remoteErrorCode(text) ?? "RELEASE_ROLLBACK", `on the board: ${remoteMessage(text)}`);
  }
  return r.stdout.trim();
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text === "" ? undefined : { unparsed: text };
  }
}

/** The board's lock files, in the release folder (on the SD image's data partition). */
export function lockFiles(l: BoardLayout): { deploy: string; owner: string; install: string } {
  return { deploy: `${l.opt}/.deploy.lock`, owner: `${l.opt}/.deploy.owner`, install: `${l.opt}/.install.lock` };
}

const LOCKED_EXIT = 75;

/** Shell: take the install lock on fd 9 or fail with DEPLOY_LOCKED (a switch is under way). */
function installLockLine(l: BoardLayout): string {
  const f = lockFiles(l);
  return `exec 9>>${shq(f.install)}; flock -n 9 || { echo "tethys: a release install or rollback is still running on the board (${f.install} is held): wait for it to finish" >&2; echo "code: DEPLOY_LOCKED" >&2; exit ${LOCKED_EXIT}; }`;
}

export interface BoardLock {
  /** Who holds it, as written on the board. */
  owner: string;
  release: () => Promise<void>;
}

/**
 * The board's deploy lock: one SSH session holds `flock` on `.deploy.lock` in the release folder
 * for as long as its input stays open; `release()` closes it, and so does a lost connection or a
 * topside that dies (the board's shell sees the input end). A lock held by another deploy, or an
 * install still running from a deploy whose topside went away, is DEPLOY_LOCKED with the holder
 * named; nothing waits.
 */
export async function boardLock(target: SshTarget, layout: BoardLayout): Promise<BoardLock> {
  const f = lockFiles(layout);
  const owner = `${hostname()} pid ${process.pid} since ${new Date().toISOString()}`;
  const script = [
    `umask 022; mkdir -p ${shq(layout.opt)} || exit 4`,
    `exec 8>>${shq(f.deploy)} || exit 4`,
    `if ! flock -n 8; then echo "tethys: another deploy holds the board: $(cat ${shq(f.owner)} 2>/dev/null || echo unknown)" >&2; echo "code: DEPLOY_LOCKED" >&2; exit ${LOCKED_EXIT}; fi`,
    // An install left running by a deploy whose topside went away still holds the install lock.
    `exec 9>>${shq(f.install)} || exit 4`,
    `if ! flock -n 9; then echo "tethys: a release install or rollback is still running on the board: wait for it to finish" >&2; echo "code: DEPLOY_LOCKED" >&2; exit ${LOCKED_EXIT}; fi`,
    "exec 9>&-",
    `echo ${shq(owner)} > ${shq(f.owner)}`,
    "echo locked",
    // Held until the topside closes this session's input (or the connection is lost).
    "cat > /dev/null",
  ].join("\n");
  const input = new PassThrough();
  let seen = "";
  let onLocked: () => void = () => {};
  const locked = new Promise<"locked">((resolve) => {
    onLocked = () => resolve("locked");
  });
  const session = runRemote(target, script, {
    stdin: input,
    onStdout: (d) => {
      seen += d;
      if (/^locked$/m.test(seen)) onLocked();
    },
  });
  const first = await Promise.race([locked, session]).catch((err: unknown) => {
    input.end();
    throw err;
  });
  if (first !== "locked") {
    const text = `${first.stdout}\n${first.stderr}`;
    throw new TethysError(
      first.code === LOCKED_EXIT ? "DEPLOY_LOCKED" : (remoteErrorCode(text) ?? "DEPLOY_SSH"),
      `${target.host}: ${remoteMessage(text) || `cannot take the deploy lock (exit ${first.code})`}`,
    );
  }
  // A connection lost later frees the lock; the install lock still guards the switch itself.
  session.catch(() => {});
  return {
    owner,
    release: async () => {
      input.end();
      await session.catch(() => undefined);
    },
  };
}
