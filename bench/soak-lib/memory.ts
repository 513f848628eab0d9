import { readFileSync } from "node:fs";

/**
 * Where a process's resident memory lives (Linux, /proc/PID/smaps): glibc's main malloc arena
 * (the `[heap]` mapping: what the main thread mallocs below the mmap threshold: OpenSSL,
 * libuv, Node's native objects), other anonymous mappings (V8's heap pages, thread arenas,
 * large mallocs), file-backed mappings (the node binary, libraries) and stacks, in MiB.
 */
export interface MemoryKinds {
  rss: number;
  /** `[heap]`: the main thread's malloc arena. */
  brkHeap: number;
  /** Anonymous mappings other than `[heap]` and stacks: V8's heap, thread arenas, big mallocs. */
  anonOther: number;
  /** Mappings of files (code, shared libraries, the compile cache). */
  file: number;
  /** Anonymous memory in all (smaps' Anonymous). */
  anonymous: number;
}

const KB = 1024;

export function memoryKinds(pid: number): MemoryKinds | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/smaps`, "utf8");
  } catch {
    return undefined;
  }
  const k: MemoryKinds = { rss: 0, brkHeap: 0, anonOther: 0, file: 0, anonymous: 0 };
  let kind: "brk" | "anon" | "file" | "stack" = "anon";
  for (const line of text.split("\n")) {
    // A mapping's header: "start-end perms offset dev inode [path]".
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ (\d+)\s*(.*)$/.exec(line);
    if (head !== null) {
      const path = head[2] ?? "";
      kind =
        path === "[heap]"
          ? "brk"
          : path.startsWith("[stack") || path === "[vvar]" || path === "[vdso]" || path === "[vsyscall]"
            ? "stack"
            : path === "" || path.startsWith("[anon")
              ? "anon"
              : "file";
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss !== null) {
      const mb = Number(rss[1]) / KB;
      k.rss += mb;
      if (kind === "brk") k.brkHeap += mb;
      else if (kind === "anon") k.anonOther += mb;
      else if (kind === "file") k.file += mb;
      continue;
    }
    const anon = /^Anonymous:\s+(\d+) kB/.exec(line);
    if (anon !== null) k.anonymous += Number(anon[1]) / KB;
  }
  return k;
}
