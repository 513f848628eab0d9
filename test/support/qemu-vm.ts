import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { createServer } from "node:net";

/**
 * One arm64 machine under qemu-system-aarch64 (`-M virt`, TCG): the image's disk on virtio, the
 * image's own kernel and initrd, the serial console on the process's stdout, user networking
 * (the guest reaches this machine's loopback at 10.0.2.2) with TCP ports forwarded from
 * 127.0.0.1. Waiting is on console lines, never on time.
 */
export interface VmOptions {
  disk: string;
  kernel: string;
  initrd: string;
  append: string;
  /** Guest TCP port → host loopback port. */
  forwards: Record<number, number>;
  memoryMiB?: number;
  /** Also append the console to this file (to follow a boot: tail -f). */
  consoleLog?: string;
}

export class QemuVm {
  readonly startedAt = performance.now();
  private text = "";
  private waiters: { re: RegExp; from: number; resolve: (m: RegExpExecArray) => void; reject: (e: Error) => void }[] =
    [];
  private exitCode: number | null | undefined;
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;

  constructor(o: VmOptions) {
    const fwd = Object.entries(o.forwards)
      .map(([guest, host]) => `,hostfwd=tcp:127.0.0.1:${host}-:${guest}`)
      .join("");
    this.child = spawn(
      "qemu-system-aarch64",
      [
        "-M",
        "virt",
        "-cpu",
        "cortex-a72",
        "-smp",
        "2",
        "-m",
        String(o.memoryMiB ?? 1536),
        "-accel",
        "tcg,thread=multi",
        "-nographic",
        "-no-reboot",
        "-kernel",
        o.kernel,
        "-initrd",
        o.initrd,
        "-append",
        o.append,
        "-drive",
        `if=none,file=${o.disk},format=raw,id=d0`,
        "-device",
        "virtio-blk-pci,drive=d0",
        "-netdev",
        `user,id=n0${fwd}`,
        "-device",
        "virtio-net-pci,netdev=n0",
      ],
      { stdio: ["pipe", "pipe", "pipe"] },
    );
    const log = o.consoleLog === undefined ? undefined : createWriteStream(o.consoleLog, { flags: "a" });
    const take = (d: Buffer): void => {
      log?.write(d);
      this.text += d.toString("utf8").replace(/\r/g, "");
      if (this.text.length > 4_000_000) this.text = this.text.slice(-2_000_000);
      this.check();
    };
    this.child.stdout?.on("data", take);
    this.child.stderr?.on("data", take);
    this.exited = new Promise((resolve) => {
      this.child.on("close", (code) => {
        this.exitCode = code;
        for (const w of this.waiters.splice(0))
          w.reject(new Error(`QEMU exited (${code}) before the console showed ${w.re}:\n${this.tail()}`));
        resolve(code);
      });
    });
  }

  /** Seconds since QEMU was started. */
  get seconds(): number {
    return (performance.now() - this.startedAt) / 1000;
  }

  get console(): string {
    return this.text;
  }

  tail(lines = 60): string {
    return this.text.split("\n").slice(-lines).join("\n");
  }

  /** The first console match of `re` after `from` (default: from the start). */
  waitFor(re: RegExp, from = 0): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      if (this.exitCode !== undefined) {
        reject(new Error(`QEMU has exited; the console never showed ${re}:\n${this.tail()}`));
        return;
      }
      this.waiters.push({ re, from, resolve, reject });
      this.check();
    });
  }

  /** Pulls the power: SIGKILL, nothing flushed by the guest. */
  kill(): Promise<number | null> {
    this.child.kill("SIGKILL");
    return this.exited;
  }

  private check(): void {
    for (const w of [...this.waiters]) {
      const m = new RegExp(w.re.source, w.re.flags.replace("g", "")).exec(this.text.slice(w.from));
      if (m) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  }
}

/** A free TCP port on loopback (the kernel's choice for port 0), for a QEMU forward. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      s.close(() => resolve(typeof a === "object" && a !== null ? a.port : 0));
    });
  });
}
