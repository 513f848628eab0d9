/**
 * Sliding anti-replay window (RFC 6347 4.1.2.6, RFC 4303 3.4.3). Sequence numbers are 48-bit,
 * exact in a double. `check` is side-effect free; `mark` only after the record authenticated,
 * so forged records cannot advance the window.
 */
export class ReplayWindow {
  readonly size: number;
  private readonly bits: Uint32Array;
  private top = -1;

  constructor(size = 64) {
    if (!(Number.isInteger(size) && size >= 32 && size % 32 === 0)) throw new RangeError(`window size ${size}`);
    this.size = size;
    this.bits = new Uint32Array(size / 32);
  }

  /** Highest sequence number accepted so far (-1 before any). */
  get highest(): number {
    return this.top;
  }

  /** True when `seq` is new: ahead of the window, or inside it and not yet seen. */
  check(seq: number): boolean {
    if (seq > this.top) return true;
    const diff = this.top - seq;
    if (diff >= this.size) return false;
    return (this.bitAt(diff) & 1) === 0;
  }

  mark(seq: number): void {
    if (seq > this.top) {
      const shift = this.top < 0 ? this.size : seq - this.top;
      this.shiftBy(shift);
      this.top = seq;
      this.setBit(0);
    } else {
      const diff = this.top - seq;
      if (diff < this.size) this.setBit(diff);
    }
  }

  reset(): void {
    this.bits.fill(0);
    this.top = -1;
  }

  /** Bit i means `top - i` was seen. */
  private bitAt(i: number): number {
    return ((this.bits[i >>> 5] as number) >>> (i & 31)) & 1;
  }

  private setBit(i: number): void {
    this.bits[i >>> 5] = (this.bits[i >>> 5] as number) | (1 << (i & 31));
  }

  private shiftBy(n: number): void {
    if (n >= this.size) {
      this.bits.fill(0);
      return;
    }
    const words = this.bits.length;
    const ws = Math.floor(n / 32);
    const bs = n % 32;
    for (let w = words - 1; w >= 0; w--) {
      const src = w - ws;
      let v = src >= 0 ? (this.bits[src] as number) << bs : 0;
      if (bs > 0 && src - 1 >= 0) v |= (this.bits[src - 1] as number) >>> (32 - bs);
      this.bits[w] = v >>> 0;
    }
  }
}
