/**
 * Packet loss from the sequence numbers of a periodic stream (the hub's heartbeats over DTLS),
 * pure: loss % over the last `window` expected packets. Duplicates and reordered (older)
 * packets do not count as received twice; a jump back far beyond the window (the sender
 * restarted) resets the meter.
 */
export class LossMeter {
  private readonly window: number;
  /** 1 = received, 0 = lost, for the newest `window` sequence numbers. */
  private readonly ring: Uint8Array;
  private count = 0;
  private head = 0;
  private last: number | undefined;

  constructor(window = 40) {
    if (!Number.isInteger(window) || window < 4) throw new RangeError("window must be an integer ≥ 4");
    this.window = window;
    this.ring = new Uint8Array(window);
  }

  /** Records the arrival of packet `seq` (u32). */
  received(seq: number): void {
    if (this.last === undefined) {
      this.push(1);
      this.last = seq;
      return;
    }
    const ahead = (seq - this.last) >>> 0;
    if (ahead === 0) return; // duplicate
    if (ahead >= 0x80000000) {
      // Older than the newest: a late packet inside the window fills its gap; far back = restart.
      const back = (this.last - seq) >>> 0;
      if (back < this.count) this.ring[(this.head - 1 - back + this.window * 2) % this.window] = 1;
      else this.reset(seq);
      return;
    }
    if (ahead > this.window * 4) {
      this.reset(seq);
      return;
    }
    for (let i = 1; i < ahead; i++) this.push(0);
    this.push(1);
    this.last = seq;
  }

  /** Loss over the window, %, or null until a few packets were expected. */
  lossPercent(): number | null {
    if (this.count < 4) return null;
    let got = 0;
    for (let i = 0; i < this.count; i++) got += this.ring[i] as number;
    return ((this.count - got) * 100) / this.count;
  }

  private push(v: number): void {
    this.ring[this.head] = v;
    this.head = (this.head + 1) % this.window;
    if (this.count < this.window) this.count++;
  }

  private reset(seq: number): void {
    this.count = 0;
    this.head = 0;
    this.last = seq;
    this.push(1);
  }
}
