/**
 * The backpressure policy for one viewer of one camera (a browser, or the video link itself):
 * video is never queued behind a slow reader. An access unit goes out only if the reader's
 * unsent bytes plus this unit stay under the limit; otherwise it is dropped and so is every
 * following unit up to the next keyframe (a delta frame without its references would decode
 * to garbage). A new viewer starts at a keyframe. Pure.
 */
export type GateVerdict = "send" | "wait-keyframe" | "drop";

export class ViewerGate {
  private readonly limitBytes: number;
  private needKeyframe = true;
  sent = 0;
  dropped = 0;
  /** Times the reader fell behind (each costs the rest of a group of pictures). */
  stalls = 0;

  constructor(limitBytes: number) {
    this.limitBytes = limitBytes;
  }

  /** Whether to send a unit of `bytes` now that the reader has `buffered` bytes unsent. */
  offer(keyframe: boolean, bytes: number, buffered: number): GateVerdict {
    if (buffered + bytes > this.limitBytes && !(buffered === 0 && keyframe)) {
      // An oversize keyframe to an idle reader still goes: otherwise it would never get one.
      if (!this.needKeyframe) this.stalls++;
      this.needKeyframe = true;
      this.dropped++;
      return "drop";
    }
    if (this.needKeyframe && !keyframe) {
      this.dropped++;
      return "wait-keyframe";
    }
    this.needKeyframe = false;
    this.sent++;
    return "send";
  }

  /** Start over at the next keyframe (new settings, decoder reset). */
  restart(): void {
    this.needKeyframe = true;
  }

  get waitingForKeyframe(): boolean {
    return this.needKeyframe;
  }
}
