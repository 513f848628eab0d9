/**
 * The hub's pool of command-link connections that have not proven themselves yet (TCP accepted,
 * TLS handshake or first heartbeat pending). Bounded in total and per remote address; when a new
 * connection finds its address's share or the pool full, the oldest pending connection (of that
 * address first) makes room, so a client holding idle sockets open can delay a vehicle's
 * reconnection by one handshake at most, never lock it out. Authenticated vehicles are not in
 * the pool: a pinned vehicle that has authenticated always keeps its slot.
 */
export interface AdmissionLimits {
  /** Pending connections at most, all addresses together. */
  maxPending: number;
  /** Pending connections from one address at most. */
  maxPendingPerAddress: number;
}

export const DEFAULT_ADMISSION: AdmissionLimits = { maxPending: 32, maxPendingPerAddress: 8 };

export class PendingPool<T> {
  private readonly limits: AdmissionLimits;
  /** Insertion order = age: the first entry is the oldest. */
  private readonly items = new Map<T, string>();
  private readonly perAddress = new Map<string, number>();

  constructor(limits: AdmissionLimits) {
    if (!(Number.isInteger(limits.maxPending) && limits.maxPending >= 1))
      throw new RangeError("maxPending must be an integer ≥ 1");
    if (!(Number.isInteger(limits.maxPendingPerAddress) && limits.maxPendingPerAddress >= 1))
      throw new RangeError("maxPendingPerAddress must be an integer ≥ 1");
    this.limits = limits;
  }

  get size(): number {
    return this.items.size;
  }

  countFrom(address: string): number {
    return this.perAddress.get(address) ?? 0;
  }

  /** Adds `item`; returns the pending items to drop to make room for it (already removed). */
  add(item: T, address: string): T[] {
    const evicted: T[] = [];
    while (this.countFrom(address) >= this.limits.maxPendingPerAddress) {
      const oldest = this.oldest((a) => a === address);
      if (oldest === undefined) break;
      this.remove(oldest);
      evicted.push(oldest);
    }
    while (this.items.size >= this.limits.maxPending) {
      const oldest = this.oldest(() => true);
      if (oldest === undefined) break;
      this.remove(oldest);
      evicted.push(oldest);
    }
    this.items.set(item, address);
    this.perAddress.set(address, this.countFrom(address) + 1);
    return evicted;
  }

  /** Removes `item` (it authenticated, failed or closed); unknown items are ignored. */
  remove(item: T): void {
    const address = this.items.get(item);
    if (address === undefined) return;
    this.items.delete(item);
    const n = this.countFrom(address) - 1;
    if (n > 0) this.perAddress.set(address, n);
    else this.perAddress.delete(address);
  }

  private oldest(match: (address: string) => boolean): T | undefined {
    for (const [item, address] of this.items) if (match(address)) return item;
    return undefined;
  }
}
