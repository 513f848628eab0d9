/**
 * The last group of pictures of one camera: its keyframe and every access unit since, so a
 * browser that starts watching gets a decodable picture at once instead of waiting up to a
 * keyframe interval. Bounded in bytes and entries; when the group outgrows either bound it is
 * dropped and a newcomer waits for the next keyframe. Pure: holds whatever message type it is
 * given (the hub stores the forwarded messages themselves).
 */
export interface GopLimits {
  maxBytes: number;
  maxFrames: number;
}

export class GopCache<T extends { byteLength: number }> {
  private readonly limits: GopLimits;
  private frames: T[] = [];
  private bytes = 0;
  /** Groups given up for being over a bound. */
  overflows = 0;

  constructor(limits: GopLimits) {
    this.limits = limits;
  }

  /** Adds an access unit; a keyframe starts a new group. */
  add(frame: T, keyframe: boolean): void {
    if (keyframe) this.clear();
    else if (this.frames.length === 0) return; // no keyframe to start from
    if (this.bytes + frame.byteLength > this.limits.maxBytes || this.frames.length >= this.limits.maxFrames) {
      this.clear();
      this.overflows++;
      return;
    }
    this.frames.push(frame);
    this.bytes += frame.byteLength;
  }

  /** The cached group, keyframe first (empty when there is none). */
  get group(): readonly T[] {
    return this.frames;
  }

  get byteLength(): number {
    return this.bytes;
  }

  clear(): void {
    this.frames = [];
    this.bytes = 0;
  }
}
