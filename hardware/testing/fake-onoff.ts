import { edgeFires } from "../common/gpio-errors.ts";
import type { OnoffGpio, OnoffModule } from "../linux/gpio-onoff.ts";

/**
 * Stands in for the onoff native module: global sysfs numbers in `valid` exist, everything else
 * is EINVAL on export as the kernel answers. `drive` changes a pin's physical level from outside
 * and fires watchers on a later microtask, as epoll would.
 */
export function makeFakeOnoff(valid: (n: number) => boolean) {
  const level = new Map<number, 0 | 1>();
  const exported = new Map<number, Set<FakeGpio>>();

  class FakeGpio implements OnoffGpio {
    static accessible = true;
    readonly n: number;
    readonly activeLow: boolean;
    readonly edge: string;
    private readonly watchers: ((err: Error | null | undefined, value: 0 | 1) => void)[] = [];

    constructor(n: number, direction: string, edge = "none", options: { activeLow?: boolean } = {}) {
      if (!valid(n)) throw Object.assign(new Error(`EINVAL: invalid argument, write '${n}'`), { code: "EINVAL" });
      this.n = n;
      this.activeLow = options.activeLow === true;
      this.edge = edge;
      if (direction === "high") level.set(n, 1);
      else if (direction === "low") level.set(n, 0);
      else if (!level.has(n)) level.set(n, 0);
      const set = exported.get(n) ?? new Set();
      set.add(this);
      exported.set(n, set);
    }

    private logical(): 0 | 1 {
      return ((level.get(this.n) ?? 0) ^ (this.activeLow ? 1 : 0)) as 0 | 1;
    }

    async read(): Promise<0 | 1> {
      return this.logical();
    }

    async write(value: 0 | 1): Promise<void> {
      level.set(this.n, (value ^ (this.activeLow ? 1 : 0)) as 0 | 1);
    }

    watch(cb: (err: Error | null | undefined, value: 0 | 1) => void): void {
      this.watchers.push(cb);
    }

    unwatchAll(): void {
      this.watchers.length = 0;
    }

    unexport(): void {
      exported.get(this.n)?.delete(this);
    }

    changed(prevPhysical: 0 | 1): void {
      const prev = (prevPhysical ^ (this.activeLow ? 1 : 0)) as 0 | 1;
      const next = this.logical();
      if (!edgeFires(this.edge as "both", prev, next)) return;
      for (const w of [...this.watchers]) queueMicrotask(() => w(null, next));
    }
  }

  const module: OnoffModule = { Gpio: FakeGpio };
  return {
    module,
    drive(n: number, physical: 0 | 1): void {
      const prev = level.get(n) ?? 0;
      level.set(n, physical);
      for (const g of exported.get(n) ?? []) g.changed(prev);
    },
    level: (n: number) => level.get(n) ?? 0,
    exportedCount: (n: number) => exported.get(n)?.size ?? 0,
  };
}
